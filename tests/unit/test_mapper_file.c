/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: mapper files (conf/mapper_file.c): what loads, and
 * every problem reported as FILE:LINE:COL naming the mapper and the key.
 */
#include "tests/unit/fixture.h"

#include <apr_strings.h>
#include <string.h>

#define SAMLM "saml-user-attribute-idp-mapper"

typedef struct {
	const char *text;    /* the file, ' for " */
	const char *problem; /* a substring of the first problem */
} bad_file;

static void test_bad_files_name_file_line_column_mapper_and_key(void **state)
{
	apr_pool_t *pool = *state;
	static const bad_file cases[] = {
		/* a JSON syntax error, at its position */
		{"{'identityProviderMappers':[\n  {'name': }]}",
		 "m.json:2:12: unexpected character"},
		/* not an object */
		{"[]", "m.json:1:1: a mapper file must be a JSON object"},
		/* no mappers at all */
		{"{'realm':'x'}", "m.json:1:1: no \"identityProviderMappers\""},
		/* mappers of the wrong type */
		{"{'identityProviderMappers':{}}",
		 "m.json:1:28: \"identityProviderMappers\" must be an array"},
		/* a mapper that is not an object */
		{"{'identityProviderMappers':[1]}",
		 "m.json:1:29: identityProviderMappers item 1 must be an "
		 "object"},
		/* a missing name */
		{"{'identityProviderMappers':[{'identityProviderAlias':'a'}]}",
		 "m.json:1:29: mapper is missing \"name\""},
		/* a missing alias, naming the mapper */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderMapper':'" SAMLM "'}]}",
		 "mapper \"m1\" is missing \"identityProviderAlias\""},
		/* a wrong type for a config value, at the value */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':'" SAMLM
		 "','config':{'attribute.name':7,'user.attribute':'x'}}]}",
		 "m.json:1:155: mapper \"m1\": config \"attribute.name\" must "
		 "be a "
		 "string, not number"},
		/* a missing required config key */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':'" SAMLM
		 "','config':{'attribute.name':'x'}}]}",
		 "mapper \"m1\": config is missing the required key "
		 "\"user.attribute\""},
		/* config not an object */
		{"{'identityProviderMappers':[{'name':'m1','config':[],"
		 "'identityProviderAlias':'a','identityProviderMapper':'" SAMLM
		 "'}]}",
		 "mapper \"m1\": \"config\" must be an object, not array"},
		/* a bad sync mode */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':"
		 "'hardcoded-role-idp-mapper','config':{'role':'SysAdmin',"
		 "'syncMode':'SOMETIMES'}}]}",
		 "config \"syncMode\" must be INHERIT, LEGACY, IMPORT or "
		 "FORCE"},
		/* a provider cannot INHERIT */
		{"{'identityProviders':[{'alias':'a','config':{'syncMode':"
		 "'INHERIT'}}],'identityProviderMappers':[]}",
		 "identity provider \"a\": config \"syncMode\" must be LEGACY"},
		/* a bad target */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':"
		 "'saml-username-idp-mapper','config':{'target':'SOMEWHERE'}}]"
		 "}",
		 "config \"target\" must be LOCAL, BROKER_ID or "
		 "BROKER_USERNAME"},
		/* a regex that does not compile */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':"
		 "'saml-advanced-role-idp-mapper','config':{'role':'SysAdmin',"
		 "'are.attribute.values.regex':'true','attributes':"
		 "'[{\\'key\\':\\'g\\',\\'value\\':\\'(ab\\'}]'}}]}",
		 "regex \"(ab\" does not compile"},
		/* conditions that are not a JSON list */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':"
		 "'oidc-advanced-role-idp-mapper','config':{'role':'SysAdmin',"
		 "'claims':'{}'}}]}",
		 "config \"claims\" must be a JSON list"},
		/* a boolean flag that is neither true nor false */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':"
		 "'oidc-advanced-role-idp-mapper','config':{'role':'SysAdmin',"
		 "'claims':'[]','are.claim.values.regex':'yes'}}]}",
		 "config \"are.claim.values.regex\" must be \"true\" or "
		 "\"false\""},
		/* an alias that names no provider, when there are providers */
		{"{'identityProviders':[{'alias':'corp','providerId':'saml'}],"
		 "'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'crop','identityProviderMapper':"
		 "'hardcoded-role-idp-mapper','config':{'role':'SysAdmin'}}]}",
		 "identityProviderAlias \"crop\" names no provider"},
		/* a SAML mapper on an OIDC provider */
		{"{'identityProviders':[{'alias':'corp','providerId':'oidc'}],"
		 "'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'corp','identityProviderMapper':"
		 "'" SAMLM
		 "','config':{'attribute.name':'x','user.attribute':'y'}}]}",
		 "a SAML mapper cannot serve OIDC provider \"corp\""},
		/* the same mapper name twice for one provider */
		{"{'identityProviderMappers':[{'name':'m1',"
		 "'identityProviderAlias':'a','identityProviderMapper':"
		 "'hardcoded-role-idp-mapper','config':{'role':'SysAdmin'}},\n"
		 "{'name':'m1','identityProviderAlias':'a','"
		 "identityProviderMapper':"
		 "'hardcoded-role-idp-mapper','config':{'role':'Librarian'}}]}",
		 "m.json:2:1: mapper \"m1\": a mapper of that name already "
		 "exists"},
		/* a provider defined twice */
		{"{'identityProviders':[{'alias':'a'},{'alias':'a'}],"
		 "'identityProviderMappers':[]}",
		 "identity provider \"a\" is defined twice"},
		/* invalid UTF-8 in the file */
		{"{'identityProviderMappers':[],'x':'\xff'}",
		 "m.json:1:36: invalid UTF-8"},
		/* a duplicate key */
		{"{'identityProviderMappers':[],'identityProviderMappers':[]}",
		 "m.json:1:31: duplicate key"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		apr_array_header_t *p = kgt_set_problems(pool, cases[i].text);
		if (!kgt_any_contains(p, cases[i].problem))
			fail_msg("case %zu: %s", i, kgt_join(pool, p));
		assert_int_equal(strncmp(APR_ARRAY_IDX(p, 0, const char *),
					 "m.json:", 7),
				 0);
	}
}

static void test_unimplemented_types_are_all_listed_at_once(void **state)
{
	apr_pool_t *pool = *state;
	apr_array_header_t *p = kgt_set_problems(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, "a", "x1",
			       "saml-xpath-attribute-idp-mapper", ""),
			 kgt_m(pool, "a", "ok", "hardcoded-role-idp-mapper",
			       "'role':'SysAdmin'"),
			 kgt_m(pool, "a", "x2",
			       "oidc-hardcoded-group-idp-mapper",
			       "'group':'g'"),
			 kgt_m(pool, "a", "x3",
			       "hardcoded-user-session-attribute-idp-mapper",
			       ""),
			 NULL));

	assert_int_equal(p->nelts, 3);
	assert_true(kgt_any_contains(p, "mapper \"x1\": mapper type "
					"\"saml-xpath-attribute-idp-mapper\" "
					"is not implemented"));
	assert_true(kgt_any_contains(p, "\"oidc-hardcoded-group-idp-mapper\""));
	assert_true(kgt_any_contains(
		p, "\"hardcoded-user-session-attribute-idp-mapper\""));
}

static void test_every_problem_of_a_file_is_reported(void **state)
{
	apr_pool_t *pool = *state;
	apr_array_header_t *p = kgt_set_problems(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, "a", "m1", SAMLM, "'attribute.name':'x'"),
			 kgt_m(pool, "a", "m2", "saml-username-idp-mapper",
			       "'template':'${BAD}'"),
			 kgt_m(pool, "a", "m3", "oidc-role-idp-mapper",
			       "'claim':'c'"),
			 NULL));

	assert_int_equal(p->nelts, 3);
	assert_true(kgt_any_contains(p, "\"m1\""));
	assert_true(kgt_any_contains(p, "\"m2\""));
	assert_true(kgt_any_contains(p, "\"m3\": config is missing the "
					"required key \"role\""));
}

static void test_whole_realm_export_is_accepted(void **state)
{
	apr_pool_t *pool = *state;
	const char *realm =
		"{'realm':'DominoRealm','enabled':true,'accessTokenLifespan':"
		"300,"
		"'roles':{'realm':[{'name':'x'}]},"
		"'authenticationFlows':[{'alias':'f','authenticationExecutions'"
		":"
		"[{'authenticator':'user-session-limits','priority':10}]}],"
		"'identityProviders':[{'alias':'corp','providerId':'saml',"
		"'enabled':true,'trustEmail':false,'config':{'syncMode':'FORCE'"
		","
		"'entityId':'e','principalType':'SUBJECT'}},"
		"{'alias':'okta','providerId':'oidc','config':{'syncMode':"
		"'IMPORT'}},{'alias':'old','providerId':'saml'}],"
		"'identityProviderMappers':[{'id':'9f1','name':'Email',"
		"'identityProviderAlias':'corp','identityProviderMapper':"
		"'" SAMLM
		"','config':{'syncMode':'INHERIT','attribute.name':'mail',"
		"'attribute.friendly.name':'','attribute.name.format':"
		"'ATTRIBUTE_FORMAT_BASIC','user.attribute':'email'}},"
		"{'name':'Groups','identityProviderAlias':'okta',"
		"'identityProviderMapper':'oidc-user-attribute-idp-mapper',"
		"'config':{'claim':'groups','user.attribute':'domino-groups'}}]"
		"}";
	kg_mapper_set *set = kgt_set(pool, realm);

	assert_int_equal(set->nmappers, 2);
	assert_int_equal(set->nidps, 3);
	assert_string_equal(set->mappers[0].name, "Email");
	assert_int_equal(set->mappers[0].kind, KG_MAP_SAML_ATTRIBUTE);
	assert_int_equal(set->mappers[0].sync, KG_SYNC_INHERIT);
	/* a blank friendly name reads as absent */
	assert_null(set->mappers[0].friendly_name);
	/* an absent syncMode is LEGACY */
	assert_int_equal(set->mappers[1].sync, KG_SYNC_LEGACY);
	assert_int_equal(kg_mapper_set_idp_sync(set, "corp"), KG_SYNC_FORCE);
	assert_int_equal(kg_mapper_set_idp_sync(set, "okta"), KG_SYNC_IMPORT);
	assert_int_equal(kg_mapper_set_idp_sync(set, "old"), KG_SYNC_LEGACY);
	assert_int_equal(kg_mapper_set_idp_sync(set, "none"), KG_SYNC_LEGACY);
	assert_int_equal(kg_mapper_set_idp(set, "okta")->proto, KG_PROTO_OIDC);
	/* positions are kept for runtime messages */
	assert_int_equal(set->mappers[0].line, 1);
	assert_true(set->mappers[0].col > 1);
	assert_string_equal(kg_sync_mode_name(KG_SYNC_INHERIT), "INHERIT");
}

static void test_every_mapper_type_loads(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *type, *config;
		kg_mapper_kind kind;
	} cases[] = {
		{SAMLM, "'attribute.name':'a','user.attribute':'b'",
		 KG_MAP_SAML_ATTRIBUTE},
		{"oidc-user-attribute-idp-mapper",
		 "'claim':'a','user.attribute':'b'", KG_MAP_OIDC_ATTRIBUTE},
		{"saml-username-idp-mapper", "", KG_MAP_SAML_USERNAME},
		{"oidc-username-idp-mapper", "'target':'broker_id'",
		 KG_MAP_OIDC_USERNAME},
		{"email-prefix-username-idp-mapper", "", KG_MAP_EMAIL_PREFIX},
		{"hardcoded-attribute-idp-mapper", "'attribute':'a'",
		 KG_MAP_HARDCODED_ATTRIBUTE},
		{"hardcoded-role-idp-mapper", "'role':'r'",
		 KG_MAP_HARDCODED_ROLE},
		{"oidc-hardcoded-role-idp-mapper", "'role':'r'",
		 KG_MAP_HARDCODED_ROLE},
		{"saml-role-idp-mapper", "'role':'r'", KG_MAP_SAML_ROLE},
		{"saml-advanced-role-idp-mapper",
		 "'role':'r','attributes':'[]'", KG_MAP_SAML_ADVANCED_ROLE},
		{"oidc-role-idp-mapper", "'role':'r','claim':'c'",
		 KG_MAP_OIDC_ROLE},
		{"oidc-advanced-role-idp-mapper", "'role':'r','claims':'[]'",
		 KG_MAP_OIDC_ADVANCED_ROLE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_mapper_set *set = kgt_set(
			pool, kgt_file(pool, NULL,
				       kgt_m(pool, "a", "m", cases[i].type,
					     cases[i].config),
				       NULL));
		assert_int_equal(set->nmappers, 1);
		assert_int_equal(set->mappers[0].kind, cases[i].kind);
		assert_string_equal(set->mappers[0].type_id, cases[i].type);
	}
}

static void test_missing_file_is_a_config_error(void **state)
{
	apr_pool_t *pool = *state;
	apr_array_header_t *p = apr_array_make(pool, 2, sizeof(char *));
	kg_mapper_set *set = NULL;
	kg_err err = {0};

	assert_int_equal(
		kg_mapper_file_load(pool, "/nonexistent/m.json", &set, p, &err),
		KG_ECONFIG);
	assert_null(set);
	assert_non_null(strstr(err.msg, "/nonexistent/m.json"));
	assert_int_equal(p->nelts, 1);
	/* and a file on disk loads */
	kg_err_clear(&err);
	assert_int_equal(
		kg_mapper_file_load(
			pool,
			kgt_temp_file(pool, "{\"identityProviderMappers\":[]}"),
			&set, p, &err),
		KG_OK);
	assert_non_null(set);
	assert_int_equal(set->nmappers, 0);
	/* an admin's editor may start the file with a byte-order mark */
	kg_err_clear(&err);
	assert_int_equal(kg_mapper_file_load(
				 pool,
				 kgt_temp_file(pool, "\xef\xbb\xbf{\"identity"
						     "ProviderMappers\":[]}"),
				 &set, p, &err),
			 KG_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_bad_files_name_file_line_column_mapper_and_key),
		KGT(test_unimplemented_types_are_all_listed_at_once),
		KGT(test_every_problem_of_a_file_is_reported),
		KGT(test_whole_realm_export_is_accepted),
		KGT(test_every_mapper_type_loads),
		KGT(test_missing_file_is_a_config_error),
	};
	return KGT_RUN(tests);
}
