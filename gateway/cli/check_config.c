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

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char check_config_usage[] =
	"usage: keygate check-config [--server-root DIR] FILE\n"
	"\n"
	"Checks the Keygate directives of an Apache httpd configuration the\n"
	"way mod_keygate does at `apachectl -t`: every setting, the\n"
	"rules between settings, the key, certificate, metadata and mapper\n"
	"files they name, and the roles of `Require keygate-role` lines.\n"
	"Follows Include and IncludeOptional (relative to ServerRoot, or\n"
	"--server-root, or FILE's folder), checks each <VirtualHost> that\n"
	"sets Keygate directives on its own, and skips every other\n"
	"directive. Problems print as FILE:LINE:COL: message; warnings as\n"
	"FILE:LINE:COL: warning: message.\n"
	"Exit status: 0 valid, 1 invalid, 2 usage error.\n";

/* Mapper-file problems (logged by the check) go to stderr. */
static void log_stderr(void *baton, kg_log_level level, const char *id,
		       const char *line)
{
	fprintf(stderr, "keygate: %s%s%s\n", id ? id : "", id ? " " : "", line);
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
	for (int i = 0; s->conf->warnings && i < s->conf->warnings->nelts;
	     i++) {
		const char *w =
			APR_ARRAY_IDX(s->conf->warnings, i, const char *);
		const char *sep = strstr(w, ": ");
		if (sep)
			fprintf(stderr, "%.*s: warning: %s\n", (int)(sep - w),
				w, sep + 2);
		else
			fprintf(stderr, "warning: %s\n", w);
	}
	if (rc != KG_OK)
		fprintf(stderr, "%s\n", err.msg);
	return rc == KG_OK;
}

int kg_cli_check_config(int argc, char **argv)
{
	static const struct option longs[] = {
		{"server-root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	const char *root = NULL;
	apr_array_header_t *servers;
	apr_pool_t *pool;
	kg_err err = {0};
	int opt, checked = 0, failed = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:h", longs, NULL)) != -1) {
		if (opt == 'r')
			root = optarg;
		else if (opt == 'h') {
			fputs(check_config_usage, stdout);
			return KG_EXIT_OK;
		} else
			return kg_cli_usage_error("check-config",
						  "unknown option");
	}
	if (optind != argc - 1)
		return kg_cli_usage_error("check-config",
					  "give one configuration FILE");
	apr_pool_create(&pool, NULL);
	if (kg_conf_httpd_load(pool, argv[optind], root, &servers, &err) !=
	    KG_OK) {
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
