/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: SAML logins through the mapper engine
 * (mappers/apply.c, attribute.c, lookup.c, username.c): the Attribute
 * Importer, the Hardcoded Attribute, username targets, and DESIGN.md
 * Decisions 1, 4 and 6.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

#define A "corp-saml"
#define IMPORTER "saml-user-attribute-idp-mapper"
#define FMT_EMAIL_ADDRESS                                                      \
	"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
#define FMT_EMAIL "urn:oasis:names:tc:SAML:1.1:nameid-format:email"
#define FMT_UNSPEC "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"

static kg_mapper_set *one(apr_pool_t *pool, const char *type,
			  const char *config)
{
	return kgt_set(
		pool,
		kgt_file(pool, NULL, kgt_m(pool, A, "m1", type, config), NULL));
}

static void test_importer_collects_every_value_in_document_order(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = one(pool, IMPORTER,
				 "'attribute.name':'groups',"
				 "'user.attribute':'domino-groups'");
	kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
	kg_map_result r;

	/* two Attribute elements of the same name concatenate; duplicates
	 * stay */
	kgt_attr(a, pool, "groups", NULL, "b", "a", NULL);
	kgt_attr(a, pool, "other", NULL, "x", NULL);
	kgt_attr(a, pool, "groups", NULL, "a", NULL);
	r = kgt_map_saml(pool, set, A, a, NULL);
	assert_null(r.failure);
	assert_string_equal(
		kgt_join(pool, kg_bag_get(r.user->attributes, "domino-groups")),
		"b,a,a");
	assert_null(kg_bag_get(r.user->attributes, "other"));
}

typedef struct {
	const char *config;	     /* the importer's config */
	const char *name, *friendly; /* the one Attribute in the assertion */
	const char *want;	     /* values of user attribute "x", or NULL */
} lookup_case;

static void test_importer_finds_the_attribute_as_keycloak_does(void **state)
{
	apr_pool_t *pool = *state;
	static const lookup_case cases[] = {
		/* by Name */
		{"'attribute.name':'urn:oid:1'", "urn:oid:1", "mail", "v"},
		/* by FriendlyName */
		{"'attribute.friendly.name':'mail'", "urn:oid:1", "mail", "v"},
		/* a FriendlyName-only config also matches a Name */
		{"'attribute.friendly.name':'mail'", "mail", NULL, "v"},
		/* attribute.name wins: the friendly name is then ignored */
		{"'attribute.name':'nope','attribute.friendly.name':'mail'",
		 "urn:oid:1", "mail", NULL},
		/* attribute.name also matches a FriendlyName */
		{"'attribute.name':'mail'", "urn:oid:1", "mail", "v"},
		/* a blank attribute.name reads as absent */
		{"'attribute.name':'','attribute.friendly.name':'mail'",
		 "urn:oid:1", "mail", "v"},
		/* NameFormat is informational only */
		{"'attribute.name':'mail','attribute.name.format':"
		 "'ATTRIBUTE_FORMAT_URI'",
		 "mail", NULL, "v"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const lookup_case *c = &cases[i];
		kg_mapper_set *set =
			one(pool, IMPORTER,
			    apr_pstrcat(pool, c->config,
					",'user.attribute':'x'", NULL));
		kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
		kg_map_result r;
		const char *got;

		kgt_attr(a, pool, c->name, c->friendly, "v", NULL);
		r = kgt_map_saml(pool, set, A, a, NULL);
		got = kg_bag_first(r.user->attributes, "x");
		if (c->want ? got == NULL || strcmp(got, c->want) != 0
			    : got != NULL)
			fail_msg("case %zu: got %s", i, got ? got : "(none)");
	}
}

static void test_builtin_targets_take_the_first_value_in_any_case(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set =
		kgt_set(pool, kgt_file(pool, NULL,
				       kgt_m(pool, A, "e", IMPORTER,
					     "'attribute.name':'mail','user."
					     "attribute':'EMAIL'"),
				       kgt_m(pool, A, "f", IMPORTER,
					     "'attribute.name':'gn','user."
					     "attribute':'FirstName'"),
				       kgt_m(pool, A, "l", IMPORTER,
					     "'attribute.name':'sn','user."
					     "attribute':'lastname'"),
				       NULL));
	kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
	kg_map_result r;

	kgt_attr(a, pool, "mail", NULL, "J.Doe@Corp.COM", "second@corp.com",
		 NULL);
	kgt_attr(a, pool, "gn", NULL, "J\xc3\xb6hn", "Jack", NULL);
	kgt_attr(a, pool, "sn", NULL, "Doe", NULL);
	r = kgt_map_saml(pool, set, A, a, NULL);
	/* Decision 6: the stored email is lower-cased; names verbatim */
	assert_string_equal(r.user->email, "j.doe@corp.com");
	assert_string_equal(r.user->first_name, "J\xc3\xb6hn");
	assert_string_equal(r.user->last_name, "Doe");
	/* built-ins are not also stored as custom attributes */
	assert_null(kg_bag_get(r.user->attributes, "EMAIL"));
	assert_null(kg_bag_get(r.user->attributes, "FirstName"));
}

static void test_exact_name_match_wins_over_a_case_variant(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = one(
		pool, IMPORTER, "'attribute.name':'Dept','user.attribute':'d'");
	kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
	kg_map_result r;

	kgt_attr(a, pool, "dept", NULL, "lower", NULL);
	kgt_attr(a, pool, "Dept", NULL, "exact", NULL);
	r = kgt_map_saml(pool, set, A, a, NULL);
	assert_string_equal(kgt_join(pool, kg_bag_get(r.user->attributes, "d")),
			    "exact");
	assert_false(kgt_any_contains(r.warnings, "case-insensitively"));
}

static void test_case_insensitive_match_is_used_with_a_warning(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = one(pool, IMPORTER,
				 "'attribute.friendly.name':'DEPT',"
				 "'user.attribute':'d'");
	kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
	kg_map_result r;

	/* Decision 1: nothing matches exactly, so case-insensitive */
	kgt_attr(a, pool, "urn:oid:2", "dept", "sales", NULL);
	kgt_attr(a, pool, "Dept", NULL, "eng", NULL);
	r = kgt_map_saml(pool, set, A, a, NULL);
	assert_string_equal(kgt_join(pool, kg_bag_get(r.user->attributes, "d")),
			    "sales,eng");
	assert_true(kgt_any_contains(r.warnings, "case-insensitively"));
	assert_true(kgt_any_contains(r.warnings, "\"m1\""));
}

typedef struct {
	const char *name_id, *format;
	const char *email; /* expected user email, or NULL */
} nameid_case;

static void test_email_nameid_formats_both_set_the_email(void **state)
{
	apr_pool_t *pool = *state;
	static const nameid_case cases[] = {
		/* SAML 1.1 emailAddress (Keycloak's only one) */
		{"JDoe@Corp.com", FMT_EMAIL_ADDRESS, "jdoe@corp.com"},
		/* Decision 4: the :email spelling too */
		{"JDoe@Corp.com", FMT_EMAIL, "jdoe@corp.com"},
		/* another format is not an email, even with an '@' */
		{"jdoe@corp.com", FMT_UNSPEC, NULL},
		/* no format */
		{"jdoe@corp.com", NULL, NULL},
	};
	kg_mapper_set *set = one(pool, "hardcoded-attribute-idp-mapper",
				 "'attribute':'k','attribute.value':'v'");

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_assertion *a =
			kgt_saml(pool, cases[i].name_id, cases[i].format);
		kg_map_result r = kgt_map_saml(pool, set, A, a, NULL);

		if (cases[i].email)
			assert_string_equal(r.user->email, cases[i].email);
		else
			assert_null(r.user->email);
	}
}

static void test_username_defaults_to_the_lowercased_nameid(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = one(pool, "hardcoded-attribute-idp-mapper",
				 "'attribute':'k','attribute.value':'v'");
	kg_map_result r =
		kgt_map_saml(pool, set, A, kgt_saml(pool, "JDoe", NULL), NULL);

	/* Decision 6 and Keycloak storage: usernames are lower-cased */
	assert_string_equal(r.user->username, "jdoe");
	assert_string_equal(r.broker_id, "JDoe");
	assert_true(r.first_login);
}

static void test_login_without_nameid_fails(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = one(pool, "hardcoded-attribute-idp-mapper",
				 "'attribute':'k','attribute.value':'v'");
	kg_map_result r =
		kgt_map_saml(pool, set, A, kgt_saml(pool, NULL, NULL), NULL);

	assert_non_null(r.failure);
	assert_non_null(strstr(r.failure, "NameID"));
}

static void test_hardcoded_attribute_is_set_on_first_login(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = one(pool, "hardcoded-attribute-idp-mapper",
				 "'attribute':'accessforDomino',"
				 "'attribute.value':'true'");
	kg_map_result r =
		kgt_map_saml(pool, set, A, kgt_saml(pool, "jdoe", NULL), NULL);

	assert_string_equal(kgt_join(pool, kg_bag_get(r.user->attributes,
						      "accessforDomino")),
			    "true");
}

typedef struct {
	const char *target;
	const char *username, *broker_id, *broker_username;
} target_case;

static void test_template_target_picks_what_it_writes(void **state)
{
	apr_pool_t *pool = *state;
	static const target_case cases[] = {
		/* LOCAL: the local username */
		{"LOCAL", "corp-saml.x", "N1", "N1"},
		/* BROKER_ID: the lookup key; username falls back to NameID */
		{"BROKER_ID", "n1", "corp-saml.X", "N1"},
		/* BROKER_USERNAME: also the username fallback */
		{"BROKER_USERNAME", "corp-saml.x", "N1", "corp-saml.X"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_mapper_set *set =
			one(pool, "saml-username-idp-mapper",
			    kg_psprintf(pool,
					"'template':'${ALIAS}.${ATTRIBUTE.u}',"
					"'target':'%s'",
					cases[i].target));
		kg_assertion *a = kgt_saml(pool, "N1", NULL);
		kg_map_result r;

		kgt_attr(a, pool, "u", NULL, "X", NULL);
		r = kgt_map_saml(pool, set, A, a, NULL);
		assert_null(r.failure);
		assert_string_equal(r.user->username, cases[i].username);
		assert_string_equal(r.broker_id, cases[i].broker_id);
		assert_string_equal(r.broker_username,
				    cases[i].broker_username);
	}
}

static void test_username_is_trimmed_and_lowercased(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = one(pool, "saml-username-idp-mapper",
				 "'template':' ${ATTRIBUTE.u} '");
	kg_assertion *a = kgt_saml(pool, "n", NULL);
	kg_map_result r;

	kgt_attr(a, pool, "u", NULL, "J\xc3\x96rg", NULL);
	r = kgt_map_saml(pool, set, A, a, NULL);
	assert_string_equal(r.user->username, "j\xc3\xb6rg");
}

static void test_username_attribute_is_not_copied_to_the_user(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set =
		one(pool, IMPORTER,
		    "'attribute.name':'uid','user.attribute':'username'");
	kg_assertion *a = kgt_saml(pool, "n", NULL);
	kg_map_result r;

	kgt_attr(a, pool, "uid", NULL, "jdoe", NULL);
	r = kgt_map_saml(pool, set, A, a, NULL);
	assert_null(kg_bag_get(r.user->attributes, "username"));
}

static void test_mappers_of_other_providers_do_not_run(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, "other", "o",
				     "hardcoded-attribute-idp-mapper",
				     "'attribute':'k','attribute.value':'v'"),
			       NULL));
	kg_map_result r =
		kgt_map_saml(pool, set, A, kgt_saml(pool, "n", NULL), NULL);

	assert_null(kg_bag_get(r.user->attributes, "k"));
	assert_true(kgt_any_contains(r.warnings, "no mapper is configured"));
}

static void test_a_mapper_of_the_other_protocol_is_refused(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, A, "claims",
				     "oidc-user-attribute-idp-mapper",
				     "'claim':'c','user.attribute':'x'"),
			       NULL));
	kg_map_input in = {.proto = KG_PROTO_SAML,
			   .saml = kgt_saml(pool, "n", NULL)};
	kg_map_result r;
	kg_err err = {0};

	assert_int_equal(
		kg_map_apply(pool, set, kgt_conf(pool), A, &in, NULL, &r, &err),
		KG_EINVAL);
	/* FILE:LINE:COL of the mapper, its name and type */
	assert_non_null(strstr(err.msg, "m.json:1:"));
	assert_non_null(strstr(err.msg, "\"claims\""));
	assert_non_null(strstr(err.msg, "oidc-user-attribute-idp-mapper"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_importer_collects_every_value_in_document_order),
		KGT(test_importer_finds_the_attribute_as_keycloak_does),
		KGT(test_builtin_targets_take_the_first_value_in_any_case),
		KGT(test_exact_name_match_wins_over_a_case_variant),
		KGT(test_case_insensitive_match_is_used_with_a_warning),
		KGT(test_email_nameid_formats_both_set_the_email),
		KGT(test_username_defaults_to_the_lowercased_nameid),
		KGT(test_login_without_nameid_fails),
		KGT(test_hardcoded_attribute_is_set_on_first_login),
		KGT(test_template_target_picks_what_it_writes),
		KGT(test_username_is_trimmed_and_lowercased),
		KGT(test_username_attribute_is_not_copied_to_the_user),
		KGT(test_mappers_of_other_providers_do_not_run),
		KGT(test_a_mapper_of_the_other_protocol_is_refused),
	};
	return KGT_RUN(tests);
}
