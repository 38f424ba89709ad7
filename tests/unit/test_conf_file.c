/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the `Keygate*` config file (conf/file.c,
 * conf/mapping.c, conf/conf.c): what it sets, and errors as
 * FILE:LINE:COL.
 */
#include "tests/unit/fixture.h"

#include "conf/conf.h"
#include "conf/directive.h"

#include <apr_strings.h>
#include <string.h>

static void test_mapping_directives_set_the_settings(void **state)
{
	apr_pool_t *pool = *state;
	const char *path = kgt_temp_file(
		pool,
		"# comment line\n"
		"\n"
		"KeygateRoles Practitioner SysAdmin \"Read Only\"  # trailing\n"
		"keygatedefaultrole \"Read Only\"\n"
		"KeygateRoleSync Off\n"
		"KeygateExternalOrgs On\r\n"
		"KeygateAccessGate true domino-users\n"
		"KeygateAccessGateMissing allow\n"
		"KeygateAccessGateMessage \"say \\\"no\\\" \\\\ politely\"\n"
		"KeygateRolesAttribute DominoSystemRoles\n"
		"KeygateMappers /etc/keygate/mappers.json");
	kg_conf *conf = kg_conf_make(pool);
	kg_err err = {0};
	const kg_conf_mapping *m = &conf->mapping;

	assert_int_equal(kg_conf_file_load(pool, path, conf, &err), KG_OK);
	assert_string_equal(kgt_join(pool, m->roles),
			    "Practitioner,SysAdmin,Read Only");
	assert_string_equal(m->default_role, "Read Only");
	assert_false(m->role_sync);
	assert_true(m->external_orgs);
	assert_string_equal(kgt_join(pool, m->gate_values),
			    "true,domino-users");
	assert_int_equal(m->gate_missing, KG_GATE_MISSING_ALLOW);
	assert_string_equal(m->gate_message, "say \"no\" \\ politely");
	assert_string_equal(m->attr_roles, "DominoSystemRoles");
	assert_string_equal(m->mapper_file, "/etc/keygate/mappers.json");
}

static void test_defaults_follow_the_domino_docs(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf = kg_conf_make(pool);
	const kg_conf_mapping *m = &conf->mapping;
	kg_err err = {0};

	assert_int_equal(m->roles->nelts, 10);
	assert_true(kg_conf_mapping_has_role(m, "ReadOnlySupportStaff"));
	assert_false(kg_conf_mapping_has_role(m, "sysadmin"));
	assert_string_equal(m->default_role, "Practitioner");
	assert_int_equal(m->gate_values->nelts, 0);
	assert_int_equal(m->gate_missing, KG_GATE_MISSING_DENY);
	assert_false(m->external_orgs);
	assert_string_equal(m->attr_gate, "accessforDomino");
	assert_string_equal(m->attr_orgs, "domino-groups");
	assert_int_equal(kg_conf_finish(conf, &err), KG_OK);
}

typedef struct {
	const char *text;
	const char *error; /* the message, after the path */
} bad_conf;

static void test_bad_config_names_line_and_column(void **state)
{
	apr_pool_t *pool = *state;
	static const bad_conf cases[] = {
		/* an unknown directive, at its word */
		{"KeygateRoles SysAdmin\n  KeygateRolez x\n",
		 ":2:3: unknown directive \"KeygateRolez\""},
		/* a bad flag value, at the argument */
		{"KeygateRoleSync  maybe", ":1:18: KeygateRoleSync: \"maybe\""},
		/* a bad gate mode */
		{"KeygateAccessGateMissing sometimes",
		 ":1:26: KeygateAccessGateMissing: \"sometimes\" must be Allow "
		 "or Deny"},
		/* an empty list value */
		{"KeygateAccessGate a \"\"", ":1:21: KeygateAccessGate: \"\" "
					     "empty value"},
		/* too many arguments, at the first extra one */
		{"KeygateDefaultRole a b",
		 ":1:22: KeygateDefaultRole: \"b\" "
		 "KeygateDefaultRole takes at most 1"},
		/* too few */
		{"KeygateRoles", ":1:1:"},
		/* an unterminated quote */
		{"KeygateRoles \"SysAdmin",
		 ":1:14: unterminated quoted string"},
		/* text glued to a closing quote */
		{"KeygateRoles \"a\"b", ":1:17: expected a blank after the "
					"closing quote"},
		/* the default role must be one of the roles */
		{"KeygateRoles SysAdmin\nKeygateDefaultRole Practitioner\n",
		 ": KeygateDefaultRole \"Practitioner\" is not one of "
		 "KeygateRoles"},
		/* role names are case-sensitive there too */
		{"KeygateDefaultRole sysadmin",
		 "KeygateDefaultRole \"sysadmin\" is not one of KeygateRoles"},
		/* not UTF-8 */
		{"KeygateRoles \xff", ":1:1: not UTF-8 text"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *path = kgt_temp_file(pool, cases[i].text);
		kg_conf *conf = kg_conf_make(pool);
		kg_err err = {0};

		assert_int_equal(kg_conf_file_load(pool, path, conf, &err),
				 KG_ECONFIG);
		if (strncmp(err.msg, path, strlen(path)) != 0 ||
		    !strstr(err.msg, cases[i].error))
			fail_msg("case %zu: %s", i, err.msg);
	}
}

static void test_default_role_none_and_missing_file(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf *conf = kg_conf_make(pool);
	kg_err err = {0};

	assert_int_equal(
		kg_conf_file_load(
			pool, kgt_temp_file(pool, "KeygateDefaultRole none\n"),
			conf, &err),
		KG_OK);
	assert_null(conf->mapping.default_role);
	assert_int_equal(kg_conf_file_load(pool, "/nonexistent/keygate.conf",
					   conf, &err),
			 KG_ECONFIG);
	assert_non_null(strstr(err.msg, "/nonexistent/keygate.conf"));
}

/* Secrets never show in a dump or message: literal values of Secret and
 * Password settings and the password of a Redis URL become ********. */
static void test_secret_values_are_masked(void **state)
{
	apr_pool_t *pool = *state;

	assert_string_equal(
		kg_directive_shown(pool, "KeygateSessionSecret", "s3cret"),
		"********");
	assert_string_equal(
		kg_directive_shown(pool, "KeygateOIDCClientSecret", "abc"),
		"********");
	assert_string_equal(
		kg_directive_shown(pool, "KeygateRedisPassword", "pw"),
		"********");
	assert_string_equal(kg_directive_shown(pool, "KeygateSessionSecret",
					       "file:/run/secrets/s"),
			    "file:/run/secrets/s");
	assert_string_equal(kg_directive_shown(pool, "KeygateRedis",
					       "rediss://app:pw@redis:6380/0"),
			    "rediss://app:********@redis:6380/0");
	assert_string_equal(
		kg_directive_shown(pool, "KeygateRedis", "127.0.0.1:6379"),
		"127.0.0.1:6379");
	assert_string_equal(
		kg_directive_shown(pool, "KeygateBaseURL", "https://d.example"),
		"https://d.example");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_mapping_directives_set_the_settings),
		KGT(test_secret_values_are_masked),
		KGT(test_defaults_follow_the_domino_docs),
		KGT(test_bad_config_names_line_and_column),
		KGT(test_default_role_none_and_missing_file),
	};
	return KGT_RUN(tests);
}
