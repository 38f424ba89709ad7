/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: the admin command. Dispatches to one subcommand.
 */
#include "gateway/cli/commands.h"
#include "gateway/base/version.h"

#include <apr_general.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const kg_cli_command kg_cli_commands[] = {
	{"map", kg_cli_map,
	 "dry-run the mappers on a captured SAML Response or OIDC claims"},
	{"check-mappers", kg_cli_check_mappers,
	 "validate a mapper file and summarise it"},
	{"check-config", kg_cli_check_config,
	 "check an httpd configuration's Keygate directives, as apachectl -t "
	 "does"},
	{"tokens", kg_cli_tokens, "revoke a bearer token by jti or name"},
	{"accounts", kg_cli_accounts,
	 "deactivate or reactivate a service account's tokens"},
	{"directives", kg_cli_directives,
	 "list every Keygate* configuration directive"},
	{"sessions", kg_cli_sessions,
	 "list, count and end the login sessions kept in Redis"},
	{"users", kg_cli_users,
	 "list and show users and their stable ids; deactivate or "
	 "reactivate a user"},
	{"saml", kg_cli_saml,
	 "print a SAML provider's service provider metadata"},
	{"aws", kg_cli_aws,
	 "print AWS credential_process JSON fetched from the gateway"},
	{NULL, NULL, NULL},
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: keygate COMMAND [OPTIONS]\n"
		"\n"
		"keygate is the authentication gateway in front of the Domino "
		"UI.\n"
		"This command is its admin tool.\n"
		"\n"
		"Commands:\n");
	for (const kg_cli_command *c = kg_cli_commands; c->name; c++)
		fprintf(out, "  %-15s %s\n", c->name, c->summary);
	fprintf(out, "\n"
		     "Run `keygate COMMAND --help` for a command's options.\n"
		     "Exit status: 0 success, 1 bad input, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	int rc;

	if (argc < 2) {
		usage(stderr);
		return KG_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return KG_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("keygate %s\n", KG_VERSION);
		return KG_EXIT_OK;
	}
	for (const kg_cli_command *c = kg_cli_commands; c->name; c++) {
		if (strcmp(argv[1], c->name) != 0)
			continue;
		if (apr_initialize() != APR_SUCCESS) {
			fprintf(stderr, "keygate: cannot initialise APR\n");
			return KG_EXIT_INPUT;
		}
		rc = c->run(argc - 1, argv + 1);
		apr_terminate();
		return rc;
	}
	fprintf(stderr, "keygate: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return KG_EXIT_USAGE;
}
