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
				       kg_psprintf(pool,
						    "'claim':'%s','user.attribute':"
						    "'x'",
						    cases[i].claim)),
				 NULL));
		kg_map_result r = kgt_map_oidc(pool, set, A, claims, NULL);
		const apr_array_header_t *got =
			kg_bag_get(r.user->attributes, "x");

		if (cases[i].want == NULL ? got != NULL
					  : got == NULL ||
						    strcmp(kgt_join(pool, got),
							   cases[i].want) != 0)
			fail_msg("case %zu (%s): got %s", i, cases[i].claim,
				 kgt_join(pool, got));
	}
}

static void test_identity_comes_from_standard_claims(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, A, "h", "hardcoded-attribute-idp-mapper",
				     "'attribute':'k','attribute.value':'v'"),
			       NULL));
	kg_map_result r = kgt_map_oidc(
		pool, set, A,
		"{'sub':'U-1','preferred_username':' JDoe ','email':"
		"'J@Corp.com','given_name':'J','family_name':'Doe'}",
		NULL);

	assert_null(r.failure);
	/* trimmed and lower-cased (Decision 6) */
	assert_string_equal(r.user->username, "jdoe");
	assert_string_equal(r.user->email, "j@corp.com");
	assert_string_equal(r.user->first_name, "J");
	assert_string_equal(r.user->last_name, "Doe");
	assert_string_equal(r.broker_id, "U-1");
}

static void test_username_without_preferred_username_is_alias_dot_sub(
	void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, A, "h", "hardcoded-attribute-idp-mapper",
				     "'attribute':'k','attribute.value':'v'"),
			       NULL));
	kg_map_result r = kgt_map_oidc(pool, set, A, "{'sub':'U-1'}", NULL);

	assert_string_equal(r.user->username, "corp-oidc.u-1");
}

static void test_claims_without_sub_fail_the_login(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
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
	kg_map_result r = kgt_map_oidc(
		pool, set, A, "{'sub':'1','org':{'uid':'jd'},'a.b':'X'}", NULL);

	assert_null(r.failure);
	assert_string_equal(r.user->username, "jd-x@corp-oidc");
}

static void test_oidc_template_default_is_alias_dot_preferred_username(
	void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, A, "u", "oidc-username-idp-mapper", ""),
			       NULL));
	kg_map_result r = kgt_map_oidc(
		pool, set, A, "{'sub':'1','preferred_username':'JD'}", NULL);

	assert_string_equal(r.user->username, "corp-oidc.jd");
	/* and a missing claim fails the login (Decision 3) */
	r = kgt_map_oidc(pool, set, A, "{'sub':'1'}", NULL);
	assert_non_null(r.failure);
	assert_non_null(strstr(r.failure, "CLAIM.preferred_username"));
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
	};
	return KGT_RUN(tests);
}
