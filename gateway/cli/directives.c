/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate directives`, the reference of every Keygate*
 * setting, straight from the table httpd and --config files use.
 */
#include "gateway/cli/commands.h"
#include "conf/directives.h"
#include "conf/location.h"

#include <stdio.h>
#include <string.h>

static void print_one(bool names_only, const char *name, const char *syntax,
		      const char *help, const char *scope)
{
	if (names_only)
		printf("%s\n", name);
	else
		printf("%s %s   (%s)\n    %s\n", name, syntax, scope, help);
}

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
	for (const kg_directive *const *d = kg_directive_all(); *d; d++)
		print_one(names_only, (*d)->name, (*d)->syntax, (*d)->help,
			  "server");
	for (const kg_loc_directive *l = kg_conf_location_directives; l->name;
	     l++)
		print_one(names_only, l->name, l->syntax, l->help, "location");
	return KG_EXIT_OK;
}
