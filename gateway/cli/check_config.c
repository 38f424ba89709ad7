/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate check-config`, the checks of `apachectl -t` for
 * the Keygate directives of an httpd configuration, without httpd, for a
 * CI pipeline. The checks are the module's own (kg_gateway_check); only
 * the reading of the files is the CLI's (conf/httpd_file.h).
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "conf/httpd_file.h"
#include "gateway/flow/gateway.h"

#include <apr_strings.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

extern char **environ;

static const char check_config_usage[] =
	"usage: keygate check-config [--server-root DIR] [-D NAME]... FILE\n"
	"\n"
	"Checks the Keygate directives of an Apache httpd configuration the\n"
	"way mod_keygate does at `apachectl -t`: every setting, the\n"
	"rules between settings, the key, certificate, metadata and mapper\n"
	"files they name, and the roles of `Require keygate-role` lines.\n"
	"Follows Include and IncludeOptional (relative to ServerRoot, or\n"
	"--server-root, or FILE's folder), checks each <VirtualHost> that\n"
	"sets Keygate directives on its own, and skips every other\n"
	"directive. Reads the file as apache2 would start it: <IfDefine>\n"
	"holds for -D NAME and Define; <IfModule> for keygate, httpd's\n"
	"built-in modules and those loaded (LoadModule, and for a file that\n"
	"is not apache2.conf, those of the mods-enabled folder beside it or\n"
	"above it); ${VAR} is a Define's value, else the environment's (for\n"
	"Debian's apache2.conf, after sourcing the envvars file beside it,\n"
	"as apache2ctl does); an undefined ${VAR} is a warning, as in\n"
	"apache2. Problems print as FILE:LINE:COL: message; warnings as\n"
	"FILE:LINE:COL: warning: message.\n"
	"Exit status: 0 valid, 1 invalid, 2 usage error.\n";

/* Mapper-file problems (logged by the check) go to stderr. */
static void log_stderr(void *baton, kg_log_level level, const char *id,
		       const char *line)
{
	fprintf(stderr, "keygate: %s%s%s\n", id ? id : "", id ? " " : "", line);
}

/* Prints "FILE:LINE:COL: text" as FILE:LINE:COL: warning: text. */
static void print_warning(const char *w)
{
	const char *sep = strstr(w, ": ");

	if (sep)
		fprintf(stderr, "%.*s: warning: %s\n", (int)(sep - w), w,
			sep + 2);
	else
		fprintf(stderr, "warning: %s\n", w);
}

/* Runs the module's checks on one server; prints its warnings and its
 * first error. True when it passes. */
static bool check_server(apr_pool_t *pool, const kg_conf_httpd_server *s)
{
	const kg_log log = {KG_LOG_WARN, log_stderr, NULL};
	kg_gateway_keys *keys = NULL;
	kg_err err = {0};
	apr_pool_t *ptemp;
	kg_rc rc;

	apr_pool_create(&ptemp, pool);
	rc = kg_gateway_check(pool, ptemp, s->conf, &log, NULL, &keys, &err);
	apr_pool_destroy(ptemp);
	for (int i = 0; s->conf->warnings && i < s->conf->warnings->nelts; i++)
		print_warning(
			APR_ARRAY_IDX(s->conf->warnings, i, const char *));
	if (rc != KG_OK)
		fprintf(stderr, "%s\n", err.msg);
	return rc == KG_OK;
}

/* Adds NAME=VALUE lines (from env or `env`'s output) to t. */
static void add_assignment(apr_pool_t *pool, apr_table_t *t, const char *kv)
{
	const char *eq = strchr(kv, '=');

	if (eq && eq > kv)
		apr_table_set(t, apr_pstrmemdup(pool, kv, eq - kv), eq + 1);
}

/* The variables apache2 sees: the environment, and for Debian's
 * apache2.conf what its envvars file exports (apache2ctl sources it,
 * with APACHE_CONFDIR set to the file's folder). */
static apr_table_t *variables(apr_pool_t *pool, const char *dir,
			      const char *base)
{
	apr_table_t *t = apr_table_make(pool, 64);
	const char *envvars = apr_pstrcat(pool, dir, "/envvars", NULL);
	struct stat st;
	char line[4096];
	FILE *p;

	for (char **e = environ; *e; e++)
		add_assignment(pool, t, *e);
	if (strcmp(base, "apache2.conf") != 0 || stat(envvars, &st) != 0)
		return t;
	/* the folder goes in by the environment, never into the command */
	setenv("APACHE_CONFDIR", dir, 1);
	p = popen("cd \"$APACHE_CONFDIR\" && "
		  "sh -c '. ./envvars >/dev/null 2>&1; env' 2>/dev/null",
		  "r");
	unsetenv("APACHE_CONFDIR");
	while (p && fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		add_assignment(pool, t, line);
	}
	if (p)
		pclose(p);
	return t;
}

/* The mods-enabled folder whose modules a part of a configuration (not
 * apache2.conf, which includes them itself) runs with: beside the file
 * or one folder up (sites-enabled/x.conf), or NULL. */
static const char *mods_enabled(apr_pool_t *pool, const char *dir,
				const char *base)
{
	const char *candidates[2] = {
		apr_pstrcat(pool, dir, "/mods-enabled", NULL),
		apr_pstrcat(pool, dir, "/../mods-enabled", NULL)};
	struct stat st;

	if (strcmp(base, "apache2.conf") == 0 ||
	    strcmp(base, "httpd.conf") == 0)
		return NULL;
	for (int i = 0; i < 2; i++)
		if (stat(candidates[i], &st) == 0 && S_ISDIR(st.st_mode))
			return candidates[i];
	return NULL;
}

int kg_cli_check_config(int argc, char **argv)
{
	static const struct option longs[] = {
		{"server-root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *root = NULL, *path, *slash, *dir, *base;
	apr_array_header_t *servers;
	kg_conf_httpd_env env = {0};
	apr_pool_t *pool;
	kg_err err = {0};
	int opt, checked = 0, failed = 0;
	kg_rc rc;

	apr_pool_create(&pool, NULL);
	env.defines = apr_table_make(pool, 4);
	env.notes = apr_array_make(pool, 2, sizeof(const char *));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:D:h", longs, NULL)) != -1) {
		if (opt == 'r')
			root = optarg;
		else if (opt == 'D')
			apr_table_set(env.defines, optarg, "");
		else if (opt == 'h') {
			fputs(check_config_usage, stdout);
			apr_pool_destroy(pool);
			return KG_EXIT_OK;
		} else {
			apr_pool_destroy(pool);
			return kg_cli_usage_error("check-config",
						  "unknown option");
		}
	}
	if (optind != argc - 1) {
		apr_pool_destroy(pool);
		return kg_cli_usage_error("check-config",
					  "give one configuration FILE");
	}
	path = argv[optind];
	slash = strrchr(path, '/');
	dir = slash ? apr_pstrmemdup(pool, path, slash - path) : ".";
	base = slash ? slash + 1 : path;
	env.env = variables(pool, dir, base);
	env.preload_dir = mods_enabled(pool, dir, base);
	rc = kg_conf_httpd_load_env(pool, path, root, &env, &servers, &err);
	for (int i = 0; i < env.notes->nelts; i++)
		print_warning(APR_ARRAY_IDX(env.notes, i, const char *));
	if (rc != KG_OK) {
		fprintf(stderr, "%s\n", err.msg);
		apr_pool_destroy(pool);
		return KG_EXIT_INPUT;
	}
	for (int i = 0; i < servers->nelts; i++) {
		const kg_conf_httpd_server *s =
			&APR_ARRAY_IDX(servers, i, kg_conf_httpd_server);
		if (!s->configured)
			continue;
		checked++;
		failed += !check_server(pool, s);
	}
	if (failed == 0)
		printf("%s: Keygate configuration OK (%d server%s with "
		       "Keygate directives)\n",
		       argv[optind], checked, checked == 1 ? "" : "s");
	apr_pool_destroy(pool);
	return failed ? KG_EXIT_INPUT : KG_EXIT_OK;
}
