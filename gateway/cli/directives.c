/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate directives`, the reference of every Keygate*
 * setting, straight from the table httpd and --config files use.
 */
#include "gateway/cli/commands.h"
#include "conf/directive.h"

#include <stdio.h>
#include <string.h>

int kg_cli_directives(int argc, char **argv)
{
	bool names_only = argc == 2 && strcmp(argv[1], "--names") == 0;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		puts("usage: keygate directives [--names]\n"
		     "\n"
		     "Lists every Keygate* directive with its arguments and a "
		     "one-line summary;\n"
		     "--names prints the names only.");
		return KG_EXIT_OK;
	}
	if (argc > 2 || (argc == 2 && !names_only)) {
		fprintf(stderr, "keygate directives: unexpected argument\n");
		return KG_EXIT_USAGE;
	}
	for (const kg_directive *const *d = kg_directive_all(); *d; d++) {
		if (names_only)
			printf("%s\n", (*d)->name);
		else
			printf("%s %s\n    %s\n", (*d)->name, (*d)->syntax,
			       (*d)->help);
	}
	return KG_EXIT_OK;
}
