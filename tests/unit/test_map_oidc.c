/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: OIDC logins through the mapper engine: the claim
 * importer (paths, arrays, scalars), the identity from standard claims,
 * and the OIDC username template.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

#define A "corp-oidc"

typedef struct {
	const char *claim; /* the importer's claim path (JSON-escaped) */
	const char *want;  /* the values joined by ',', or NULL: not set */
} claim_case;

static void test_claim_importer_reads_paths_and_lists(void **state)
{
	apr_pool_t *pool = *state;
	static const claim_case cases[] = {
		/* a top-level string */
		{"dept", "it"},
		/* a nested path */
		{"org.unit.name", "ml"},
		/* an escaped dot is part of the key */
		{"https://domino\\\\.tech/groups", "nyc,sf"},
		/* an array gives one value per element, nulls dropped */
		{"groups", "a,b,3,true"},
		/* a number keeps its JSON text */
		{"level", "3.50"},
		/* a boolean */
		{"admin", "false"},
		/* an object becomes compact JSON */
		{"org.unit", "{\"name\":\"ml\"}"},
		/* null gives nothing */
		{"gone", NULL},
		/* a missing claim gives nothing */
		{"nope", NULL},
		/* a path through a non-object gives nothing */
		{"dept.x", NULL},
	};
	const char *claims =
		"{'sub':'u1','dept':'it','org':{'unit':{'name':'ml'}},"
		"'https://domino.tech/groups':['nyc','sf'],"
		"'groups':['a',null,'b',3,true],'level':3.50,'admin':false,"
		"'gone':null}";

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, NULL,
				 kgt_m(pool, A, "c",
				       "oidc-user-attribute-idp-mapper",
				       kg_psprintf(
					       pool,
					       "'claim':'%s','user.attribute':"
					       "'x'",
					       cases[i].claim)),
				 NULL));
		kg_map_result r = kgt_map_oidc(pool, set, A, claims, NULL);
		const apr_array_header_t *got =
			kg_bag_get(r.user->attributes, "x");

		if (cases[i].want == NULL
			    ? got != NULL
			    : got == NULL || strcmp(kgt_join(pool, got),
						    cases[i].want) != 0)
			fail_msg("case %zu (%s): got %s", i, cases[i].claim,
				 kgt_join(pool, got));
	}
}

static void test_identity_comes_from_standard_claims(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, A, "h", "hardcoded-attribute-idp-mapper",
			       "'attribute':'k','attribute.value':'v'"),
			 NULL));
	kg_map_result r = kgt_map_oidc_with(
		pool, set, A,
		"{'sub':'U-1','preferred_username':' JDoe ','email':"
		"'J@Corp.com','given_name':'J','family_name':'Doe'}",
		NULL, kgt_conf_keycloak_usernames(pool));

	assert_null(r.failure);
	/* trimmed and lower-cased (Decision 6), when the settings allow */
	assert_string_equal(r.user->username, "jdoe");
	assert_non_null(strstr(r.username_note, "how=trim,lower"));
	assert_string_equal(r.user->email, "j@corp.com");
	assert_string_equal(r.user->first_name, "J");
	assert_string_equal(r.user->last_name, "Doe");
	assert_string_equal(r.broker_id, "U-1");
}

static void
test_username_without_preferred_username_is_alias_dot_sub(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, A, "h", "hardcoded-attribute-idp-mapper",
			       "'attribute':'k','attribute.value':'v'"),
			 NULL));
	kg_map_result r = kgt_map_oidc_with(pool, set, A, "{'sub':'U-1'}", NULL,
					    kgt_conf_keycloak_usernames(pool));

	assert_string_equal(r.user->username, "corp-oidc.u-1");
	/* by default a sub with capitals is not folded into another user */
	r = kgt_map_oidc(pool, set, A, "{'sub':'U-1'}", NULL);
	assert_string_equal(r.failure_token, "username_case");
	r = kgt_map_oidc(pool, set, A, "{'sub':'u-1'}", NULL);
	assert_null(r.failure);
	assert_string_equal(r.user->username, "corp-oidc.u-1");
}

static void test_claims_without_sub_fail_the_login(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, A, "h", "hardcoded-attribute-idp-mapper",
			       "'attribute':'k','attribute.value':'v'"),
			 NULL));
	/* absent, and not a string */
	static const char *const claims[] = {"{'email':'a@b.c'}", "{'sub':7}",
					     "{'sub':''}"};

	for (size_t i = 0; i < 3; i++) {
		kg_map_result r = kgt_map_oidc(pool, set, A, claims[i], NULL);
		assert_non_null(r.failure);
		assert_non_null(strstr(r.failure, "sub"));
	}
}

static void test_oidc_template_reads_nested_claims(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, A, "u", "oidc-username-idp-mapper",
				     "'template':'${CLAIM.org.uid | uppercase}"
				     "-${CLAIM.a\\\\.b}@${alias}'"),
			       NULL));
	kg_map_result r = kgt_map_oidc_with(
		pool, set, A, "{'sub':'1','org':{'uid':'jd'},'a.b':'X'}", NULL,
		kgt_conf_keycloak_usernames(pool));

	assert_null(r.failure);
	assert_string_equal(r.user->username, "jd-x@corp-oidc");
}

static void
test_oidc_template_default_is_alias_dot_preferred_username(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, A, "u", "oidc-username-idp-mapper", ""),
			 NULL));
	kg_map_result r = kgt_map_oidc_with(
		pool, set, A, "{'sub':'1','preferred_username':'JD'}", NULL,
		kgt_conf_keycloak_usernames(pool));

	assert_string_equal(r.user->username, "corp-oidc.jd");
	/* and a missing claim fails the login (Decision 3) */
	r = kgt_map_oidc(pool, set, A, "{'sub':'1'}", NULL);
	assert_non_null(r.failure);
	assert_non_null(strstr(r.failure, "CLAIM.preferred_username"));
}

/* Usernames from tokens (security.md 2): a value that only trimming or
 * case folding makes equal to another user's never becomes that user
 * by default; the settings bring back Keycloak's folding, and then the
 * change is reported (username_note, logged as KG-0415). */
static void test_token_usernames_are_not_folded_into_others(void **state)
{
	static const struct {
		const char *what, *name, *token;
	} rows[] = {
		{"trailing space", "admin ", "username_space"},
		{"leading tab", "\tadmin", "username_control"},
		{"NBSP at the end", "admin\xc2\xa0", "username_space"},
		{"ideographic space",
		 "\xe3\x80\x80"
		 "admin",
		 "username_space"},
		{"inner control", "ad\x7fmin", "username_control"},
		{"zero-width space", "ad\xe2\x80\x8bmin", "username_control"},
		{"right-to-left override",
		 "\xe2\x80\xae"
		 "nimda",
		 "username_control"},
		{"upper case", "ADMIN", "username_case"},
		{"mixed case", "Admin", "username_case"},
		{"full-width upper case",
		 "\xef\xbc\xa1\xef\xbc\xa4\xef\xbc\xad\xef\xbc\xa9\xef\xbc\xae",
		 "username_case"},
		{"Cyrillic upper case", "\xd0\x90\xd0\x94", "username_case"},
		{"I with dot above",
		 "\xc4\xb0"
		 "dris",
		 "username_case"},
	};
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(pool, kgt_file(pool, NULL, NULL));
	kg_map_result r;

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		kg_json *claims =
			kgt_json(pool, "{'sub':'s1','preferred_username':'x'}");
		kg_map_input in = {.proto = KG_PROTO_OIDC, .claims = claims};
		kg_err err = {0};
		/* the claim set by hand: control characters and all */
		claims->members[1].value->str = rows[i].name;
		assert_int_equal(kg_map_apply(pool, set, kgt_conf(pool), A, &in,
					      NULL, &r, &err),
				 KG_OK);
		if (r.failure == NULL || r.failure_token == NULL ||
		    strcmp(r.failure_token, rows[i].token) != 0 ||
		    strncmp(r.failure, rows[i].token, strlen(rows[i].token)) !=
			    0)
			fail_msg("%s: failure %s (%s)", rows[i].what,
				 r.failure ? r.failure : "none",
				 r.failure_token ? r.failure_token : "-");
		/* the value shows escaped, never raw */
		assert_null(strchr(r.failure, '\x7f'));
		assert_null(strchr(r.failure, '\t'));
	}
	r = kgt_map_oidc(pool, set, A,
			 "{'sub':'s1','preferred_username':'admin '}", NULL);
	assert_non_null(strstr(r.failure, "\"admin \""));
	r = kgt_map_oidc(pool, set, A,
			 "{'sub':'s1','preferred_username':'ADMIN'}", NULL);
	assert_non_null(strstr(r.failure, "it would be \"admin\""));
	/* lower case already: accepted as is, nothing to report */
	r = kgt_map_oidc(pool, set, A,
			 "{'sub':'s1','preferred_username':'j.doe@corp'}",
			 NULL);
	assert_null(r.failure);
	assert_null(r.username_note);
	assert_string_equal(r.user->username, "j.doe@corp");
	/* full-width lower case is a user of its own, not "alice" */
	r = kgt_map_oidc(pool, set, A,
			 "{'sub':'s1','preferred_username':'\xef\xbd\x81lice'}",
			 NULL);
	assert_null(r.failure);
	assert_string_equal(r.user->username, "\xef\xbd\x81lice");
	/* KeygateUsernameCase lower: Keycloak's folding, reported; full
	 * width stays full width */
	r = kgt_map_oidc_with(
		pool, set, A,
		"{'sub':'s1','preferred_username':'\xef\xbc\xa1\xef\xbc\xac"
		"\xef\xbc\xa9\xef\xbc\xa3\xef\xbc\xa5'}",
		NULL, kgt_conf_keycloak_usernames(pool));
	assert_null(r.failure);
	assert_string_equal(r.user->username,
			    "\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83"
			    "\xef\xbd\x85");
	assert_non_null(strstr(r.username_note, "how=lower"));
	/* a template that lower-cases is the admin's choice: accepted */
	set = kgt_set(pool,
		      kgt_file(pool, NULL,
			       kgt_m(pool, A, "u", "oidc-username-idp-mapper",
				     "'template':'${CLAIM.preferred_username"
				     " | lowercase}','target':'LOCAL'"),
			       NULL));
	r = kgt_map_oidc(pool, set, A,
			 "{'sub':'s1','preferred_username':'JDoe'}", NULL);
	assert_null(r.failure);
	assert_string_equal(r.user->username, "jdoe");
	/* SAML logins keep Keycloak's trim and lower case */
	{
		kg_assertion *a = kgt_saml(pool, "JDoe", NULL);
		r = kgt_map_saml(pool,
				 kgt_set(pool, kgt_file(pool, NULL, NULL)), A,
				 a, NULL);
		assert_null(r.failure);
		assert_string_equal(r.user->username, "jdoe");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_claim_importer_reads_paths_and_lists),
		KGT(test_identity_comes_from_standard_claims),
		KGT(test_username_without_preferred_username_is_alias_dot_sub),
		KGT(test_claims_without_sub_fail_the_login),
		KGT(test_oidc_template_reads_nested_claims),
		KGT(test_oidc_template_default_is_alias_dot_preferred_username),
		KGT(test_token_usernames_are_not_folded_into_others),
	};
	return KGT_RUN(tests);
}
