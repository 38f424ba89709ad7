/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: loading the files a subcommand is given.
 */
#include "gateway/cli/input.h"
#include "gateway/cli/commands.h"
#include "conf/read.h"
#include "gateway/base/str.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

void kg_cli_log_line(void *baton, kg_log_level level, const char *id,
		     const char *line)
{
	fprintf(stderr, "keygate: %s %s %s\n", kg_log_level_name(level),
		id ? id : "-", line);
	if (strncmp(line, "AUDIT ", 6) == 0)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s %s", id ? id : "-", line);
}

const char *kg_cli_os_user(apr_pool_t *pool)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	if (sudo && *sudo)
		return kg_psprintf(pool, "%s(sudo)", sudo);
	pw = getpwuid(getuid());
	return pw ? kg_psprintf(pool, "%s", pw->pw_name)
		  : kg_psprintf(pool, "uid:%ld", (long)getuid());
}

kg_rc kg_cli_load_conf(apr_pool_t *pool, const char *path, kg_conf **out,
		       kg_err *err)
{
	kg_conf *conf = kg_conf_make(pool);
	kg_rc rc = KG_OK;

	if (path)
		rc = kg_conf_file_load(pool, path, conf, err);
	if (rc == KG_OK)
		*out = conf;
	return rc;
}

kg_rc kg_cli_load_json_object(apr_pool_t *pool, const char *path, kg_json **out,
			      kg_err *err)
{
	const char *text;
	size_t len;
	kg_json *root;
	kg_json_error e;
	kg_rc rc = kg_conf_read_file(pool, path, KG_CONF_FILE_MAX, &text, &len,
				     err);

	if (rc != KG_OK)
		return KG_EINVAL;
	/* a file an admin saved: an editor's byte-order mark is fine */
	if (!kg_json_parse_ex(pool, text, len, KG_JSON_DEFAULT_DEPTH,
			      KG_JSON_ALLOW_BOM, &root, &e))
		return kg_err_set(err, KG_EINVAL, "%s:%d:%d: %s", path, e.line,
				  e.col, e.msg);
	if (root->type != KG_JSON_OBJECT)
		return kg_err_set(err, KG_EINVAL,
				  "%s:%d:%d: expected a JSON object, not %s",
				  path, root->line, root->col,
				  kg_json_type_name(root->type));
	*out = root;
	return KG_OK;
}

int kg_cli_fail(const kg_err *err)
{
	fprintf(stderr, "keygate: %s\n", err->msg);
	return KG_EXIT_INPUT;
}

int kg_cli_usage_error(const char *command, const char *msg)
{
	fprintf(stderr, "keygate %s: %s\nRun `keygate %s --help` for usage.\n",
		command, msg, command);
	return KG_EXIT_USAGE;
}
