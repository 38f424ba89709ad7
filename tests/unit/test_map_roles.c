/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: when each role mapper applies (mappers/role.c,
 * lookup.c), on a first login: SAML Attribute to Role and its Advanced
 * form, OIDC Claim to Role and its Advanced form, Hardcoded Role; unknown
 * roles; role values stay case-sensitive (Decision 1).
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

#define SAML "corp-saml"
#define OIDC "corp-oidc"

typedef struct {
	const char *config;	     /* the saml-role-idp-mapper config */
	const char *name, *friendly; /* the one Attribute */
	const char *value;	     /* its value */
	bool granted;
} saml_role_case;

static void test_saml_attribute_to_role_matches_as_keycloak(void **state)
{
	apr_pool_t *pool = *state;
	static const saml_role_case cases[] = {
		/* Name and value */
		{"'attribute.name':'grp','attribute.value':'admins'", "grp",
		 NULL, "admins", true},
		/* FriendlyName only */
		{"'attribute.friendly.name':'grp','attribute.value':'admins'",
		 "urn:oid:9", "grp", "admins", true},
		/* both configured: both must match (AND) */
		{"'attribute.name':'urn:oid:9','attribute.friendly.name':'g',"
		 "'attribute.value':'admins'",
		 "urn:oid:9", "grp", "admins", false},
		{"'attribute.name':'urn:oid:9','attribute.friendly.name':'grp',"
		 "'attribute.value':'admins'",
		 "urn:oid:9", "grp", "admins", true},
		/* neither configured: any attribute */
		{"'attribute.value':'admins'", "whatever", NULL, "admins",
		 true},
		/* role values are exact and case-sensitive */
		{"'attribute.name':'grp','attribute.value':'admins'", "grp",
		 NULL, "Admins", false},
		/* a wrong value */
		{"'attribute.name':'grp','attribute.value':'admins'", "grp",
		 NULL, "users", false},
		/* the name falls back to case-insensitive (Decision 1) */
		{"'attribute.name':'GRP','attribute.value':'admins'", "grp",
		 NULL, "admins", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const saml_role_case *c = &cases[i];
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, NULL,
				 kgt_m(pool, SAML, "r", "saml-role-idp-mapper",
				       apr_pstrcat(pool, c->config,
						   ",'role':'SysAdmin'", NULL)),
				 NULL));
		kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
		kg_map_result r;

		kgt_attr(a, pool, c->name, c->friendly, "other", c->value,
			 NULL);
		r = kgt_map_saml(pool, set, SAML, a, NULL);
		if (kgt_has(r.user->roles, "SysAdmin") != c->granted)
			fail_msg("case %zu: roles %s", i,
				 kgt_join(pool, r.user->roles));
	}
}

typedef struct {
	const char *conditions; /* the attributes JSON, ' for \" */
	bool regex;
	bool granted;
} advanced_case;

static const char *conds(apr_pool_t *pool, const char *s)
{
	/* the conditions are JSON inside a JSON string */
	char *out = apr_palloc(pool, strlen(s) * 2 + 1), *o = out;

	for (; *s; s++) {
		if (*s == '`') {
			*o++ = '\\';
			*o++ = '\'';
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	return out;
}

static void test_saml_advanced_role_needs_every_condition(void **state)
{
	apr_pool_t *pool = *state;
	static const advanced_case cases[] = {
		/* one condition that holds */
		{"[{`key`:`grp`,`value`:`admins`}]", false, true},
		/* AND: the second does not hold */
		{"[{`key`:`grp`,`value`:`admins`},{`key`:`dept`,`value`:`hr`}]",
		 false, false},
		/* AND: both hold; the key matches a FriendlyName */
		{"[{`key`:`grp`,`value`:`admins`},{`key`:`department`,"
		 "`value`:`it`}]",
		 false, true},
		/* a regex is a whole-string match */
		{"[{`key`:`grp`,`value`:`adm.*`}]", true, true},
		{"[{`key`:`grp`,`value`:`dmin`}]", true, false},
		/* without regex, the pattern is literal */
		{"[{`key`:`grp`,`value`:`adm.*`}]", false, false},
		/* values of every matching attribute are pooled */
		{"[{`key`:`grp`,`value`:`ops`}]", false, true},
		/* an empty list always applies */
		{"[]", false, true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const advanced_case *c = &cases[i];
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, NULL,
				 kgt_m(pool, SAML, "r",
				       "saml-advanced-role-idp-mapper",
				       kg_psprintf(
					       pool,
					       "'attributes':'%s',"
					       "'are.attribute.values.regex':"
					       "'%s','role':'SysAdmin'",
					       conds(pool, c->conditions),
					       c->regex ? "true" : "false")),
				 NULL));
		kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
		kg_map_result r;

		kgt_attr(a, pool, "grp", NULL, "users", "admins", NULL);
		kgt_attr(a, pool, "urn:oid:7", "department", "it", NULL);
		kgt_attr(a, pool, "grp", NULL, "ops", NULL);
		r = kgt_map_saml(pool, set, SAML, a, NULL);
		if (kgt_has(r.user->roles, "SysAdmin") != c->granted)
			fail_msg("case %zu: roles %s", i,
				 kgt_join(pool, r.user->roles));
	}
}

typedef struct {
	const char *claims;
	const char *claim, *value;
	bool granted;
} claim_case;

static void test_claim_to_role_compares_values_as_keycloak(void **state)
{
	apr_pool_t *pool = *state;
	static const claim_case cases[] = {
		/* a string, exact */
		{"{'g':'admins'}", "g", "admins", true},
		{"{'g':'Admins'}", "g", "admins", false},
		/* any element of a list */
		{"{'g':['users','admins']}", "g", "admins", true},
		/* an integer compares as an integer */
		{"{'g':3}", "g", "3", true},
		/* Integer.valueOf(\"3.0\") fails in Keycloak */
		{"{'g':3}", "g", "3.0", false},
		/* a double compares as a double */
		{"{'g':2.5}", "g", "2.50", true},
		/* a boolean, Boolean.valueOf ignores case */
		{"{'g':true}", "g", "TRUE", true},
		{"{'g':false}", "g", "true", false},
		/* a nested path */
		{"{'realm_access':{'roles':['admins']}}", "realm_access.roles",
		 "admins", true},
		/* an escaped dot names one key */
		{"{'a.b':'x'}", "a\\\\.b", "x", true},
		{"{'a':{'b':'x'}}", "a\\\\.b", "x", false},
		/* an object compares as JSON */
		{"{'g':{'k':1,'j':2}}", "g", "{\\'j\\':2,\\'k\\':1}", true},
		/* a missing claim */
		{"{}", "g", "admins", false},
		/* null never matches */
		{"{'g':null}", "g", "null", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const claim_case *c = &cases[i];
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, NULL,
				 kgt_m(pool, OIDC, "r", "oidc-role-idp-mapper",
				       kg_psprintf(pool,
						   "'claim':'%s','claim.value':"
						   "'%s','role':'SysAdmin'",
						   c->claim, c->value)),
				 NULL));
		/* the claims with a sub added */
		const char *claims =
			kg_psprintf(pool, "{'sub':'1',%s", c->claims + 1);
		kg_map_result r;

		if (strcmp(c->claims, "{}") == 0)
			claims = "{'sub':'1'}";
		r = kgt_map_oidc(pool, set, OIDC, claims, NULL);
		if (kgt_has(r.user->roles, "SysAdmin") != c->granted)
			fail_msg("case %zu: roles %s", i,
				 kgt_join(pool, r.user->roles));
	}
}

static void test_advanced_claim_to_role_matches_list_claims(void **state)
{
	apr_pool_t *pool = *state;
	static const advanced_case cases[] = {
		/* a plain value among a list */
		{"[{`key`:`groups`,`value`:`admins`}]", false, true},
		/* a regex against each element */
		{"[{`key`:`groups`,`value`:`ad.*s`}]", true, true},
		/* AND with a nested claim */
		{"[{`key`:`groups`,`value`:`admins`},{`key`:`org.dept`,"
		 "`value`:`it`}]",
		 false, true},
		{"[{`key`:`groups`,`value`:`admins`},{`key`:`org.dept`,"
		 "`value`:`hr`}]",
		 false, false},
		/* a missing claim */
		{"[{`key`:`nope`,`value`:`.*`}]", true, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const advanced_case *c = &cases[i];
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, NULL,
				 kgt_m(pool, OIDC, "r",
				       "oidc-advanced-role-idp-mapper",
				       kg_psprintf(
					       pool,
					       "'claims':'%s',"
					       "'are.claim.values.regex':'%s',"
					       "'role':'SysAdmin'",
					       conds(pool, c->conditions),
					       c->regex ? "true" : "false")),
				 NULL));
		kg_map_result r =
			kgt_map_oidc(pool, set, OIDC,
				     "{'sub':'1','groups':['users','admins'],"
				     "'org':{'dept':'it'}}",
				     NULL);

		if (kgt_has(r.user->roles, "SysAdmin") != c->granted)
			fail_msg("case %zu: roles %s", i,
				 kgt_join(pool, r.user->roles));
	}
}

static void test_hardcoded_role_is_granted_on_first_login(void **state)
{
	apr_pool_t *pool = *state;
	/* both type ids, SAML and OIDC alike */
	static const char *const types[] = {"hardcoded-role-idp-mapper",
					    "oidc-hardcoded-role-idp-mapper"};

	for (size_t i = 0; i < 2; i++) {
		kg_mapper_set *set =
			kgt_set(pool, kgt_file(pool, NULL,
					       kgt_m(pool, SAML, "h", types[i],
						     "'role':'Librarian'"),
					       kgt_m(pool, OIDC, "h", types[i],
						     "'role':'CloudAdmin'"),
					       NULL));
		kg_map_result r = kgt_map_saml(
			pool, set, SAML, kgt_saml(pool, "jdoe", NULL), NULL);
		assert_string_equal(kgt_join(pool, r.user->roles), "Librarian");
		assert_string_equal(kgt_join(pool, r.granted), "Librarian");
		r = kgt_map_oidc(pool, set, OIDC, "{'sub':'1'}", NULL);
		assert_string_equal(kgt_join(pool, r.user->roles),
				    "CloudAdmin");
	}
}

static void test_unknown_hardcoded_role_fails_the_login(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set =
		kgt_set(pool, kgt_file(pool, NULL,
				       kgt_m(pool, SAML, "h",
					     "hardcoded-role-idp-mapper",
					     "'role':'sysadmin'"),
				       NULL));
	kg_map_result r = kgt_map_saml(pool, set, SAML,
				       kgt_saml(pool, "jdoe", NULL), NULL);

	/* role names are case-sensitive: "sysadmin" is not SysAdmin */
	assert_non_null(r.failure);
	assert_non_null(strstr(r.failure, "sysadmin"));
}

static void test_unknown_role_of_a_conditional_mapper_is_skipped(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, SAML, "r", "saml-role-idp-mapper",
				     "'attribute.name':'grp','attribute.value':"
				     "'admins','role':'Wizard'"),
			       NULL));
	kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
	kg_map_result r;

	kgt_attr(a, pool, "grp", NULL, "admins", NULL);
	r = kgt_map_saml(pool, set, SAML, a, NULL);
	assert_null(r.failure);
	assert_int_equal(r.user->roles->nelts, 0);
	assert_true(kgt_any_contains(r.warnings, "\"Wizard\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_saml_attribute_to_role_matches_as_keycloak),
		KGT(test_saml_advanced_role_needs_every_condition),
		KGT(test_claim_to_role_compares_values_as_keycloak),
		KGT(test_advanced_claim_to_role_matches_list_claims),
		KGT(test_hardcoded_role_is_granted_on_first_login),
		KGT(test_unknown_hardcoded_role_fails_the_login),
		KGT(test_unknown_role_of_a_conditional_mapper_is_skipped),
	};
	return KGT_RUN(tests);
}
