/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: loading the files a subcommand is given, each failure one
 * line "FILE:LINE:COL: message" (or "FILE: message").
 */
#ifndef KG_CLI_INPUT_H
#define KG_CLI_INPUT_H

#include "conf/conf.h"
#include "conf/mapper_file.h"
#include "gateway/base/json.h"
#include "gateway/base/log.h"

/* Loads --config (or the defaults when path is NULL). */
kg_rc kg_cli_load_conf(apr_pool_t *pool, const char *path, kg_conf **out,
		       kg_err *err);

/* Reads a JSON file; the root must be an object. */
kg_rc kg_cli_load_json_object(apr_pool_t *pool, const char *path, kg_json **out,
			      kg_err *err);

/* A kg_log sink for the CLI: "keygate: LEVEL ID LINE" on stderr, and an
 * audit event (a line that starts with "AUDIT ") also to syslog
 * (authpriv, notice), where the system keeps what admins did. */
void kg_cli_log_line(void *baton, kg_log_level level, const char *id,
		     const char *line);

/* The OS user running the command, for an audit line's actor:
 * "NAME(sudo)" under sudo (SUDO_USER), else the real uid's name, else
 * "uid:N". In pool. */
const char *kg_cli_os_user(apr_pool_t *pool);

/* Prints "keygate: MESSAGE" on stderr and returns KG_EXIT_INPUT. */
int kg_cli_fail(const kg_err *err);

/* Prints "keygate COMMAND: MESSAGE", the usage hint, and returns
 * KG_EXIT_USAGE. */
int kg_cli_usage_error(const char *command, const char *msg);

#endif
