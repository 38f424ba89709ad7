/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the cross-directive checks (conf/checks.c), each
 * error at the FILE:LINE:COL of the offending directive, and the httpd
 * configuration reader of `keygate check-config` (conf/httpd_file.c).
 */
#include "tests/unit/fixture.h"

#include "conf/checks.h"
#include "conf/httpd_file.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Loads text; expects KG_ECONFIG whose message starts with the file's
 * path, then ":want_at: " and contains want. */
static void expect_at(apr_pool_t *pool, const char *text, const char *want_at,
		      const char *want)
{
	const char *path = kgt_temp_file(pool, text);
	kg_conf *conf = kg_conf_make(pool);
	kg_err err = {0};
	const char *prefix = apr_pstrcat(pool, path, ":", want_at, ": ", NULL);

	assert_int_equal(kg_conf_file_load(pool, path, conf, &err), KG_ECONFIG);
	if (strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
	    strstr(err.msg, want) == NULL)
		fail_msg("%s\n  got \"%s\"\n  want \"%s...%s\"", text, err.msg,
			 prefix, want);
}

static void test_cookie_rules_name_the_offending_line(void **state)
{
	apr_pool_t *pool = *state;

	expect_at(pool,
		  "KeygateRoles Practitioner SysAdmin\n"
		  "KeygateBaseURL http://gw.example\n"
		  "KeygateCookieSecure On\n",
		  "2:1", "browsers never send a Secure cookie over http");
	expect_at(pool,
		  "KeygateCookieName __Host-kg\n"
		  "# a comment\n"
		  "  KeygateCookieSecure Off\n",
		  "3:3", "the cookie name __Host-kg (set at");
	expect_at(pool,
		  "KeygateCookieSecure Off\n"
		  "KeygateCookieSameSite None\n",
		  "2:1", "KeygateCookieSameSite None needs Secure");
	expect_at(pool,
		  "KeygateCookieName __Secure-kg\n"
		  "KeygateBaseURL http://gw.example\n",
		  "1:1", "KeygateBaseURL http://gw.example (set at");
	expect_at(pool,
		  "KeygateBaseURL http://gw.example\n"
		  "KeygateCookieSameSite None\n",
		  "2:1", "goes without it");
}

static void test_cookie_rules_pass_working_setups(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;

	assert_int_equal(kgt_conf_load(pool,
				       "KeygateBaseURL https://gw.example\n"
				       "KeygateCookieName __Host-kg\n"
				       "KeygateCookieSameSite None\n",
				       &conf, &err),
			 KG_OK);
	assert_int_equal(conf->warnings->nelts, 0);
	/* no base URL: Auto follows each request, so nothing is known */
	assert_int_equal(kgt_conf_load(pool, "KeygateCookieName __Host-kg\n",
				       &conf, &err),
			 KG_OK);
	/* http:// with Auto works (a test setup), with a warning */
	assert_int_equal(kgt_conf_load(pool,
				       "KeygateRoles Practitioner SysAdmin\n"
				       "KeygateBaseURL http://127.0.0.1:8080\n",
				       &conf, &err),
			 KG_OK);
	assert_int_equal(conf->warnings->nelts, 1);
	assert_non_null(strstr(APR_ARRAY_IDX(conf->warnings, 0, const char *),
			       ":2:1: KeygateBaseURL http://127.0.0.1:8080 is "
			       "http://"));
}

static void test_domino_timeout_rule(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;

	/* SSO idle <= SSO max: the idle line, when it is written */
	expect_at(pool,
		  "KeygateSessionIdleTimeout 7200\n"
		  "KeygateSessionMaxLifetime 3600\n",
		  "1:1", "Domino's rule");
	/* only the max written: the max line */
	expect_at(pool,
		  "KeygateRoles Practitioner SysAdmin\n"
		  "KeygateSessionMaxLifetime 600\n",
		  "2:1", "KeygateSessionIdleTimeout 1800s (the default)");
	/* access-token lifespan < SSO idle, when app tokens are issued */
	expect_at(pool,
		  "KeygateAppJWTKey /k.pem\n"
		  "KeygateAppJWTLifetime 1800\n",
		  "2:1", "is not shorter than KeygateSessionIdleTimeout 1800s");
	expect_at(pool,
		  "KeygateAppJWTKey /k.pem\n"
		  "KeygateSessionIdleTimeout 120\n"
		  "KeygateSessionTouchInterval 10\n",
		  "2:1", "KeygateAppJWTLifetime 300s (the default)");
	/* the touch interval against the idle timeout */
	expect_at(pool, "KeygateSessionIdleTimeout 30\n", "1:1",
		  "KeygateSessionTouchInterval 60s (the default) is not "
		  "shorter");
	/* equal idle and max is allowed; idle 0 (off) skips the rule */
	assert_int_equal(kgt_conf_load(pool,
				       "KeygateSessionIdleTimeout 3600\n"
				       "KeygateSessionMaxLifetime 3600\n",
				       &conf, &err),
			 KG_OK);
	assert_int_equal(kgt_conf_load(pool,
				       "KeygateAppJWTKey /k.pem\n"
				       "KeygateSessionIdleTimeout 0\n",
				       &conf, &err),
			 KG_OK);
}

static void test_required_roles_and_default_role_are_located(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;

	assert_int_equal(
		kgt_conf_load(pool,
			      "KeygateRoles Practitioner SysAdmin Reader\n",
			      &conf, &err),
		KG_OK);
	kg_conf_require_role(conf, pool, "Reader", "site.conf:10");
	assert_int_equal(kg_conf_finish(conf, &err), KG_OK);
	kg_conf_require_role(conf, pool, "Admin", "site.conf:12");
	assert_int_equal(kg_conf_finish(conf, &err), KG_ECONFIG);
	assert_non_null(strstr(err.msg,
			       "site.conf:12: Require keygate-role "
			       "\"Admin\" is not one of KeygateRoles"));
	expect_at(pool,
		  "KeygateRoles SysAdmin\n"
		  "\n"
		  "KeygateDefaultRole SysAdmin\n"
		  "KeygateRoles Reader\n",
		  "3:1", "KeygateDefaultRole \"SysAdmin\" is not one of");
}

static void test_same_previous_secret_warns(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf;
	kg_err err;

	assert_int_equal(kgt_conf_load(pool,
				       "KeygateSessionSecret "
				       "0123456789abcdef0123456789abcdef\n"
				       "KeygateSessionPreviousSecret "
				       "0123456789abcdef0123456789abcdef\n",
				       &conf, &err),
			 KG_OK);
	assert_int_equal(conf->warnings->nelts, 1);
	assert_non_null(strstr(APR_ARRAY_IDX(conf->warnings, 0, const char *),
			       ":2:1: KeygateSessionPreviousSecret is the "
			       "same"));
}

/* Writes text at dir/name; returns the path. */
static const char *put(apr_pool_t *pool, const char *dir, const char *name,
		       const char *text)
{
	const char *path = apr_pstrcat(pool, dir, "/", name, NULL);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_httpd_reader_follows_includes_and_sections(void **state)
{
	apr_pool_t *pool = *state;
	char dir[] = "/tmp/kgt-httpd-XXXXXX";
	const char *main_conf;
	apr_array_header_t *servers;
	const kg_conf_httpd_server *s;
	kg_err err = {0};

	assert_non_null(mkdtemp(dir));
	assert_int_equal(mkdir(apr_pstrcat(pool, dir, "/sites", NULL), 0700),
			 0);
	put(pool, dir, "sites/a.conf",
	    "<VirtualHost *:443>\n"
	    "  ServerName a.example\n"
	    "  KeygateRoles SysAdmin \\\n"
	    "      Reader\n"
	    "  <Location /admin>\n"
	    "    AuthType keygate\n"
	    "    KeygateUnauthAction 401\n"
	    "    Require keygate-role Reader\n"
	    "  </Location>\n"
	    "</VirtualHost>\n"
	    "<VirtualHost *:80>\n"
	    "  <Location />\n"
	    "    Require keygate-role SysAdmin\n"
	    "  </Location>\n"
	    "</VirtualHost>\n");
	main_conf = put(pool, dir, "httpd.conf",
			"ServerRoot /nowhere\n"
			"Listen 80\n"
			"KeygateCookieName kg\n"
			"<IfModule mod_ssl.c>\n"
			"  SSLEngine on\n"
			"</IfModule>\n"
			"IncludeOptional sites/*.conf\n"
			"IncludeOptional none/*.conf\n");
	/* ServerRoot /nowhere: the include finds nothing, optional */
	assert_int_equal(
		kg_conf_httpd_load(pool, main_conf, NULL, &servers, &err),
		KG_OK);
	assert_int_equal(servers->nelts, 1);
	/* with the real root */
	put(pool, dir, "httpd.conf",
	    apr_pstrcat(
		    pool, "ServerRoot ", dir,
		    "\nKeygateCookieName kg\nIncludeOptional sites/*.conf\n",
		    NULL));
	assert_int_equal(
		kg_conf_httpd_load(pool, main_conf, NULL, &servers, &err),
		KG_OK);
	assert_int_equal(servers->nelts, 3);
	s = &APR_ARRAY_IDX(servers, 1, kg_conf_httpd_server);
	assert_true(s->configured);
	assert_string_equal(kgt_join(pool, s->conf->mapping.roles),
			    "SysAdmin,Reader");
	assert_string_equal(kg_conf_where(s->conf, "KeygateRoles"),
			    apr_pstrcat(pool, dir, "/sites/a.conf:3:3", NULL));
	assert_int_equal(s->conf->required->nelts, 1);
	/* the unconfigured vhost's roles went to the main server */
	s = &APR_ARRAY_IDX(servers, 0, kg_conf_httpd_server);
	assert_true(s->configured);
	assert_int_equal(s->conf->required->nelts, 1);
	assert_string_equal(
		APR_ARRAY_IDX(s->conf->required, 0, kg_conf_required).where,
		apr_pstrcat(pool, dir, "/sites/a.conf:13:26", NULL));
}

static void test_httpd_reader_errors(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *text, *at, *want;
	} rows[] = {
		{"<Location />\n  KeygateRedis 127.0.0.1\n</Location>\n",
		 ":2:3", "cannot occur within a <Location>"},
		{"KeygateUnauthAction 401\n", ":1:1", "is not allowed here"},
		{"<Location />\nKeygateUnauthAction sometimes\n</Location>\n",
		 ":2:21", "KeygateUnauthAction: \"sometimes\""},
		{"KeygateNoSuchThing 1\n", ":1:1", "unknown directive"},
		{"Include /nonexistent/x.conf\n", ":1:9", "no such file"},
		{"<VirtualHost *:80>\n", ":1:1", "<VirtualHost> is not closed"},
		{"</Location>\n", ":1:1", "</Location> without"},
		{"Listen 80\nKeygateCookieSameSite Sometimes\n", ":2:23",
		 "Lax, Strict or None"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *path = kgt_temp_file(pool, rows[i].text);
		apr_array_header_t *servers;
		kg_err err = {0};
		const char *prefix =
			apr_pstrcat(pool, path, rows[i].at, ": ", NULL);
		assert_int_equal(
			kg_conf_httpd_load(pool, path, NULL, &servers, &err),
			KG_ECONFIG);
		if (strncmp(err.msg, prefix, strlen(prefix)) != 0 ||
		    strstr(err.msg, rows[i].want) == NULL)
			fail_msg("%s: got \"%s\", want \"%s...%s\"",
				 rows[i].text, err.msg, prefix, rows[i].want);
	}
}

/* The file as apache2 starts it: -D and Define, LoadModule before
 * <IfModule>, a skipped section unread (nested ones too), ${VAR} from
 * Define then the environment, an undefined one noted at its column. */
static void test_httpd_reader_conditions(void **state)
{
	apr_pool_t *pool = *state;
	const char *path = kgt_temp_file(
		pool, "Define NAME from-define\n"
		      "KeygateCookieName ${NAME}\n"
		      "<IfModule mod_ssl.c>\n"
		      "  KeygateNoSuchThing 1\n"
		      "  <IfModule mod_keygate.c>\n"
		      "    KeygateNoSuchThing 2\n"
		      "  </IfModule>\n"
		      "</IfModule>\n"
		      "LoadModule ssl_module /x/mod_ssl.so\n"
		      "<IfModule mod_ssl.c>\n"
		      "  KeygateCookieSameSite ${SAMESITE}\n"
		      "</IfModule>\n"
		      "<IfDefine !ON>\n"
		      "  KeygateNoSuchThing 3\n"
		      "</IfDefine>\n"
		      "<IfDefine ON>\n"
		      "  Define OTHER ${UNSET_VAR}\n"
		      "</IfDefine>\n"
		      "  # a comment's ${NOT_READ} is no variable\n");
	kg_conf_httpd_env env = {
		.defines = apr_table_make(pool, 2),
		.env = apr_table_make(pool, 2),
		.notes = apr_array_make(pool, 1, sizeof(const char *))};
	apr_array_header_t *servers;
	kg_err err = {0};
	kg_conf *c;

	apr_table_set(env.defines, "ON", "");
	apr_table_set(env.env, "SAMESITE", "Strict");
	apr_table_set(env.env, "NAME", "from-environment");
	assert_int_equal(
		kg_conf_httpd_load_env(pool, path, NULL, &env, &servers, &err),
		KG_OK);
	c = APR_ARRAY_IDX(servers, 0, kg_conf_httpd_server).conf;
	assert_string_equal(c->sessions.cookie_name, "from-define");
	assert_string_equal(c->sessions.cookie_samesite, "Strict");
	assert_int_equal(env.notes->nelts, 1);
	assert_string_equal(
		APR_ARRAY_IDX(env.notes, 0, const char *),
		apr_pstrcat(
			pool, path,
			":17:16: Config variable ${UNSET_VAR} is not defined",
			NULL));
	/* without -D ON the other <IfDefine> is read */
	apr_table_clear(env.defines);
	assert_int_equal(
		kg_conf_httpd_load_env(pool, path, NULL, &env, &servers, &err),
		KG_ECONFIG);
	assert_non_null(strstr(err.msg, ":14:3: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_cookie_rules_name_the_offending_line),
		KGT(test_cookie_rules_pass_working_setups),
		KGT(test_domino_timeout_rule),
		KGT(test_required_roles_and_default_role_are_located),
		KGT(test_same_previous_secret_warns),
		KGT(test_httpd_reader_follows_includes_and_sections),
		KGT(test_httpd_reader_errors),
		KGT(test_httpd_reader_conditions),
	};
	return KGT_RUN(tests);
}
