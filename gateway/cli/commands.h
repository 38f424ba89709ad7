/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: one entry point per subcommand.
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand)
 * and returns the process exit code: 0 success, 1 bad input or a failed
 * check, 2 a usage error. Output goes to stdout, one-line diagnostics to
 * stderr.
 */
#ifndef KG_CLI_COMMANDS_H
#define KG_CLI_COMMANDS_H

#define KG_EXIT_OK 0
#define KG_EXIT_INPUT 1
#define KG_EXIT_USAGE 2

typedef struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for `keygate --help` */
} kg_cli_command;

int kg_cli_map(int argc, char **argv);
int kg_cli_check_mappers(int argc, char **argv);
int kg_cli_directives(int argc, char **argv);
int kg_cli_tokens(int argc, char **argv);
int kg_cli_accounts(int argc, char **argv);
int kg_cli_sessions(int argc, char **argv);
int kg_cli_users(int argc, char **argv);
/* users deactivate|reactivate|status (users_active.c) */
int kg_cli_users_active(int argc, char **argv);
int kg_cli_saml(int argc, char **argv);
int kg_cli_aws(int argc, char **argv);

/* The table main() dispatches on, NULL-terminated. */
extern const kg_cli_command kg_cli_commands[];

#endif
