/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: sync modes (mappers/apply.c and the per-kind update
 * functions) against keycloak.md §2.1: IMPORT, LEGACY, FORCE and INHERIT
 * at mapper level, and the provider's syncMode for INHERIT.
 *
 * Each row is a re-login: a stored user from an earlier login meets an
 * assertion that changed. NULL as a sync mode means "the key is absent"
 * (Keycloak's default, LEGACY); NULL as the provider's mode means the file
 * has no identityProviders (INHERIT then means LEGACY).
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

#define SAML "corp-saml"
#define OIDC "corp-oidc"

static const char *sync_key(apr_pool_t *pool, const char *mode)
{
	return mode ? kg_psprintf(pool, "'syncMode':'%s',", mode) : "";
}

static const char *idp(apr_pool_t *pool, const char *alias,
		       const char *provider, const char *mode)
{
	return mode ? kg_psprintf(pool,
				  "{'alias':'%s','providerId':'%s',"
				  "'config':{'syncMode':'%s'}}",
				  alias, provider, mode)
		    : NULL;
}

/* --- Attribute Importer, custom attribute --- */

typedef enum { CARRIES_NEW, CARRIES_NOTHING, CARRIES_NO_VALUES } carried;

typedef struct {
	const char *mapper, *provider; /* sync modes */
	carried assertion;
	const char *want; /* "dept" afterwards, or NULL: removed */
} importer_case;

static void test_importer_follows_the_sync_matrix(void **state)
{
	apr_pool_t *pool = *state;
	static const importer_case cases[] = {
		/* IMPORT never touches a later login */
		{"IMPORT", NULL, CARRIES_NEW, "old"},
		/* FORCE replaces */
		{"FORCE", NULL, CARRIES_NEW, "new"},
		/* LEGACY is FORCE for importers */
		{"LEGACY", NULL, CARRIES_NEW, "new"},
		/* an absent syncMode is LEGACY */
		{NULL, NULL, CARRIES_NEW, "new"},
		/* INHERIT of a FORCE provider */
		{"INHERIT", "FORCE", CARRIES_NEW, "new"},
		/* INHERIT of an IMPORT provider */
		{"INHERIT", "IMPORT", CARRIES_NEW, "old"},
		/* INHERIT of a LEGACY provider */
		{"INHERIT", "LEGACY", CARRIES_NEW, "new"},
		/* INHERIT without identityProviders is LEGACY */
		{"INHERIT", NULL, CARRIES_NEW, "new"},
		/* the mapper's own mode beats the provider's */
		{"IMPORT", "FORCE", CARRIES_NEW, "old"},
		{"FORCE", "IMPORT", CARRIES_NEW, "new"},
		/* FORCE removes an attribute the assertion no longer carries */
		{"FORCE", NULL, CARRIES_NOTHING, NULL},
		/* ... and one whose Attribute has no values */
		{"FORCE", NULL, CARRIES_NO_VALUES, NULL},
		/* LEGACY removes too */
		{"LEGACY", NULL, CARRIES_NOTHING, NULL},
		/* INHERIT of FORCE removes */
		{"INHERIT", "FORCE", CARRIES_NOTHING, NULL},
		/* IMPORT keeps it */
		{"IMPORT", NULL, CARRIES_NOTHING, "old"},
		{"INHERIT", "IMPORT", CARRIES_NOTHING, "old"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const importer_case *c = &cases[i];
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, idp(pool, SAML, "saml", c->provider),
				 kgt_m(pool, SAML, "dept",
				       "saml-user-attribute-idp-mapper",
				       apr_pstrcat(pool,
						   sync_key(pool, c->mapper),
						   "'attribute.name':'dept',"
						   "'user.attribute':'dept'",
						   NULL)),
				 NULL));
		kg_user *stored = kgt_user(pool, "jdoe", NULL);
		kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
		kg_map_result r;
		const char *got;

		kg_bag_set1(stored->attributes, "dept", "old");
		kg_bag_set1(stored->attributes, "keep", "k");
		if (c->assertion == CARRIES_NEW)
			kgt_attr(a, pool, "dept", NULL, "new", NULL);
		else if (c->assertion == CARRIES_NO_VALUES)
			kgt_attr(a, pool, "dept", NULL, NULL);
		r = kgt_map_saml(pool, set, SAML, a, stored);
		assert_false(r.first_login);
		got = kg_bag_get(r.user->attributes, "dept")
			      ? kgt_join(pool,
					 kg_bag_get(r.user->attributes, "dept"))
			      : NULL;
		if (c->want ? got == NULL || strcmp(got, c->want) != 0
			    : got != NULL)
			fail_msg("case %zu (%s/%s): got %s", i,
				 c->mapper ? c->mapper : "-",
				 c->provider ? c->provider : "-",
				 got ? got : "(removed)");
		/* attributes no mapper writes are left alone */
		assert_string_equal(kg_bag_first(r.user->attributes, "keep"),
				    "k");
		/* the stored user itself is not modified */
		assert_string_equal(kg_bag_first(stored->attributes, "dept"),
				    "old");
	}
}

static void
test_force_removes_attribute_the_assertion_no_longer_carries(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, SAML, "g",
			       "saml-user-attribute-idp-mapper",
			       "'syncMode':'FORCE','attribute.name':"
			       "'groups','user.attribute':'domino-groups'"),
			 NULL));
	kg_assertion *first = kgt_saml(pool, "jdoe", NULL);
	kg_map_result r1, r2;

	kgt_attr(first, pool, "groups", NULL, "nyc", "sf", NULL);
	r1 = kgt_map_saml(pool, set, SAML, first, NULL);
	assert_string_equal(kgt_join(pool, kg_bag_get(r1.user->attributes,
						      "domino-groups")),
			    "nyc,sf");
	/* the next login carries no "groups" at all */
	r2 = kgt_map_saml(pool, set, SAML, kgt_saml(pool, "jdoe", NULL),
			  r1.user);
	assert_null(kg_bag_get(r2.user->attributes, "domino-groups"));
}

static void test_force_never_clears_builtin_properties(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool, kgt_file(pool, NULL,
			       kgt_m(pool, SAML, "e",
				     "saml-user-attribute-idp-mapper",
				     "'syncMode':'FORCE','attribute.name':"
				     "'mail','user.attribute':'email'"),
			       NULL));
	kg_user *stored = kgt_user(pool, "jdoe", NULL);
	kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
	kg_map_result r;

	stored->email = "old@corp.com";
	r = kgt_map_saml(pool, set, SAML, a, stored);
	assert_string_equal(r.user->email, "old@corp.com");
	/* but a carried value replaces it, lower-cased */
	kgt_attr(a, pool, "mail", NULL, "New@Corp.com", NULL);
	r = kgt_map_saml(pool, set, SAML, a, stored);
	assert_string_equal(r.user->email, "new@corp.com");
}

typedef struct {
	const char *provider;
	const char *want_email;
} provider_force_case;

static void
test_force_provider_refreshes_email_despite_import_mapper(void **state)
{
	apr_pool_t *pool = *state;
	static const provider_force_case cases[] = {
		/* the provider's FORCE copies the context email (kc #43221) */
		{"FORCE", "new@corp.com"},
		/* a LEGACY provider leaves it to the IMPORT mapper: kept */
		{"LEGACY", "old@corp.com"},
		/* an IMPORT provider: kept */
		{"IMPORT", "old@corp.com"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool,
				 idp(pool, SAML, "saml", cases[i].provider),
				 kgt_m(pool, SAML, "e",
				       "saml-user-attribute-idp-mapper",
				       "'syncMode':'IMPORT','attribute.name':"
				       "'mail','user.attribute':'email'"),
				 NULL));
		kg_user *stored = kgt_user(pool, "jdoe", NULL);
		kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
		kg_map_result r;

		stored->email = "old@corp.com";
		kgt_attr(a, pool, "mail", NULL, "NEW@corp.com", NULL);
		r = kgt_map_saml(pool, set, SAML, a, stored);
		assert_string_equal(r.user->email, cases[i].want_email);
	}
}

/* --- Hardcoded Attribute --- */

typedef struct {
	const char *mapper, *provider;
	const char *want;
} hardcoded_case;

static void test_hardcoded_attribute_follows_the_sync_matrix(void **state)
{
	apr_pool_t *pool = *state;
	static const hardcoded_case cases[] = {
		{"IMPORT", NULL, "old"},      /* untouched */
		{"LEGACY", NULL, "new"},      /* same as FORCE */
		{"FORCE", NULL, "new"},	      /* setSingleAttribute */
		{"INHERIT", "FORCE", "new"},  /* provider FORCE */
		{"INHERIT", "IMPORT", "old"}, /* provider IMPORT */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool,
				 idp(pool, SAML, "saml", cases[i].provider),
				 kgt_m(pool, SAML, "h",
				       "hardcoded-attribute-idp-mapper",
				       apr_pstrcat(
					       pool,
					       sync_key(pool, cases[i].mapper),
					       "'attribute':'tier',"
					       "'attribute.value':'new'",
					       NULL)),
				 NULL));
		kg_user *stored = kgt_user(pool, "jdoe", NULL);
		kg_map_result r;

		kg_bag_add(stored->attributes, "tier", "old");
		kg_bag_add(stored->attributes, "tier", "older");
		r = kgt_map_saml(pool, set, SAML, kgt_saml(pool, "jdoe", NULL),
				 stored);
		assert_string_equal(
			kgt_join(pool, kg_bag_get(r.user->attributes, "tier")),
			strcmp(cases[i].want, "old") == 0 ? "old,older"
							  : cases[i].want);
	}
}

/* --- Username Template --- */

typedef struct {
	const char *mapper, *provider;
	const char *want;
} username_case;

static void test_username_template_is_a_noop_under_legacy(void **state)
{
	apr_pool_t *pool = *state;
	static const username_case cases[] = {
		{"IMPORT", NULL, "old"},	       /* untouched */
		{"LEGACY", NULL, "old"},	       /* legacy is a no-op */
		{NULL, NULL, "old"},		       /* absent = LEGACY */
		{"FORCE", NULL, "corp-saml.new"},      /* re-applied */
		{"INHERIT", "FORCE", "corp-saml.new"}, /* provider FORCE */
		{"INHERIT", "LEGACY", "old"},	       /* provider LEGACY */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool,
				 idp(pool, SAML, "saml", cases[i].provider),
				 kgt_m(pool, SAML, "u",
				       "saml-username-idp-mapper",
				       apr_pstrcat(
					       pool,
					       sync_key(pool, cases[i].mapper),
					       "'template':'${ALIAS}."
					       "${ATTRIBUTE.uid}'",
					       NULL)),
				 NULL));
		kg_assertion *a = kgt_saml(pool, "n", NULL);
		kg_map_result r;

		kgt_attr(a, pool, "uid", NULL, "NEW", NULL);
		r = kgt_map_saml(pool, set, SAML, a,
				 kgt_user(pool, "old", NULL));
		assert_null(r.failure);
		assert_string_equal(r.user->username, cases[i].want);
	}
}

static void test_force_broker_id_template_does_not_rename(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, SAML, "u", "saml-username-idp-mapper",
			       "'syncMode':'FORCE','template':'x.${NAMEID}',"
			       "'target':'BROKER_ID'"),
			 NULL));
	kg_map_result r =
		kgt_map_saml(pool, set, SAML, kgt_saml(pool, "n", NULL),
			     kgt_user(pool, "old", NULL));

	assert_string_equal(r.user->username, "old");
	assert_string_equal(r.broker_id, "x.n");
}

/* --- role mappers --- */

typedef enum {
	HARDCODED,
	SAML_ROLE,
	SAML_ADVANCED,
	OIDC_ROLE,
	OIDC_ADVANCED
} role_kind;

typedef struct {
	role_kind kind;
	const char *mapper, *provider;
	bool held;    /* the stored user holds SysAdmin */
	bool applies; /* the login carries the mapper's value */
	bool want;    /* holds SysAdmin afterwards */
} role_case;

static kg_map_result role_login(apr_pool_t *pool, const role_case *c)
{
	static const char *const types[] = {
		"oidc-hardcoded-role-idp-mapper", "saml-role-idp-mapper",
		"saml-advanced-role-idp-mapper", "oidc-role-idp-mapper",
		"oidc-advanced-role-idp-mapper"};
	static const char *const configs[] = {
		"", "'attribute.name':'grp','attribute.value':'admins',",
		"'attributes':'[{\\'key\\':\\'grp\\',\\'value\\':\\'admins\\'}]"
		"',",
		"'claim':'grp','claim.value':'admins',",
		"'claims':'[{\\'key\\':\\'grp\\',\\'value\\':\\'admins\\'}]',"};
	bool oidc = c->kind == OIDC_ROLE || c->kind == OIDC_ADVANCED;
	const char *alias = oidc ? OIDC : SAML;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool,
			 idp(pool, alias, oidc ? "oidc" : "saml", c->provider),
			 kgt_m(pool, alias, "r", types[c->kind],
			       apr_pstrcat(pool, sync_key(pool, c->mapper),
					   configs[c->kind],
					   "'role':'SysAdmin'", NULL)),
			 NULL));
	kg_user *stored = c->held ? kgt_user(pool, "jdoe", "SysAdmin", NULL)
				  : kgt_user(pool, "jdoe", NULL);
	const char *value = c->applies ? "admins" : "users";
	kg_assertion *a;

	if (oidc)
		return kgt_map_oidc(pool, set, alias,
				    kg_psprintf(pool,
						"{'sub':'1','grp':['x','%s']}",
						value),
				    stored);
	a = kgt_saml(pool, "jdoe", NULL);
	kgt_attr(a, pool, "grp", NULL, "x", value, NULL);
	return kgt_map_saml(pool, set, alias, a, stored);
}

static void test_role_mappers_follow_the_sync_matrix(void **state)
{
	apr_pool_t *pool = *state;
	static const role_case cases[] = {
		/* Hardcoded Role: FORCE grants, LEGACY and IMPORT do nothing */
		{HARDCODED, "FORCE", NULL, false, true, true},
		{HARDCODED, "LEGACY", NULL, false, true, false},
		{HARDCODED, NULL, NULL, false, true, false},
		{HARDCODED, "IMPORT", NULL, false, true, false},
		{HARDCODED, "INHERIT", "FORCE", false, true, true},
		{HARDCODED, "INHERIT", "LEGACY", false, true, false},
		/* it never revokes: LEGACY leaves a held role */
		{HARDCODED, "LEGACY", NULL, true, true, true},
		/* SAML Attribute to Role: LEGACY = FORCE: grant and revoke */
		{SAML_ROLE, "FORCE", NULL, false, true, true},
		{SAML_ROLE, "FORCE", NULL, true, false, false},
		{SAML_ROLE, "LEGACY", NULL, false, true, true},
		{SAML_ROLE, "LEGACY", NULL, true, false, false},
		{SAML_ROLE, "IMPORT", NULL, true, false, true},
		{SAML_ROLE, "IMPORT", NULL, false, true, false},
		{SAML_ROLE, "INHERIT", "FORCE", true, false, false},
		{SAML_ROLE, "INHERIT", "IMPORT", true, false, true},
		{SAML_ROLE, "FORCE", NULL, true, true, true},
		/* Advanced Attribute to Role: the same */
		{SAML_ADVANCED, "FORCE", NULL, false, true, true},
		{SAML_ADVANCED, "LEGACY", NULL, true, false, false},
		{SAML_ADVANCED, "IMPORT", NULL, true, false, true},
		/* OIDC Claim to Role: LEGACY revokes but never grants */
		{OIDC_ROLE, "LEGACY", NULL, false, true, false},
		{OIDC_ROLE, "LEGACY", NULL, true, false, false},
		{OIDC_ROLE, "LEGACY", NULL, true, true, true},
		{OIDC_ROLE, NULL, NULL, false, true, false},
		{OIDC_ROLE, "INHERIT", "LEGACY", false, true, false},
		{OIDC_ROLE, "FORCE", NULL, false, true, true},
		{OIDC_ROLE, "FORCE", NULL, true, false, false},
		{OIDC_ROLE, "INHERIT", "FORCE", false, true, true},
		{OIDC_ROLE, "IMPORT", NULL, true, false, true},
		/* Advanced Claim to Role: the same */
		{OIDC_ADVANCED, "LEGACY", NULL, false, true, false},
		{OIDC_ADVANCED, "LEGACY", NULL, true, false, false},
		{OIDC_ADVANCED, "FORCE", NULL, false, true, true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const role_case *c = &cases[i];
		kg_map_result r = role_login(pool, c);

		assert_null(r.failure);
		if (kgt_has(r.user->roles, "SysAdmin") != c->want)
			fail_msg("case %zu: kind %d %s/%s held=%d applies=%d: "
				 "roles %s",
				 i, c->kind, c->mapper ? c->mapper : "-",
				 c->provider ? c->provider : "-", c->held,
				 c->applies, kgt_join(pool, r.user->roles));
	}
}

static void test_first_login_behaves_the_same_in_every_mode(void **state)
{
	apr_pool_t *pool = *state;
	static const char *const modes[] = {"IMPORT", "LEGACY", "FORCE",
					    "INHERIT", NULL};

	for (size_t i = 0; i < sizeof(modes) / sizeof(*modes); i++) {
		const char *k = sync_key(pool, modes[i]);
		kg_mapper_set *set = kgt_set(
			pool,
			kgt_file(pool, idp(pool, SAML, "saml", "IMPORT"),
				 kgt_m(pool, SAML, "a",
				       "saml-user-attribute-idp-mapper",
				       apr_pstrcat(pool, k,
						   "'attribute.name':'dept',"
						   "'user.attribute':'dept'",
						   NULL)),
				 kgt_m(pool, SAML, "h",
				       "hardcoded-role-idp-mapper",
				       apr_pstrcat(pool, k,
						   "'role':'Librarian'", NULL)),
				 kgt_m(pool, SAML, "r", "saml-role-idp-mapper",
				       apr_pstrcat(pool, k,
						   "'attribute.name':'dept',"
						   "'attribute.value':'it',"
						   "'role':'SysAdmin'",
						   NULL)),
				 kgt_m(pool, SAML, "u",
				       "saml-username-idp-mapper",
				       apr_pstrcat(pool, k,
						   "'template':'${NAMEID}.x'",
						   NULL)),
				 NULL));
		kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
		kg_map_result r;

		kgt_attr(a, pool, "dept", NULL, "it", NULL);
		r = kgt_map_saml(pool, set, SAML, a, NULL);
		assert_true(r.first_login);
		assert_string_equal(kg_bag_first(r.user->attributes, "dept"),
				    "it");
		assert_string_equal(r.user->username, "jdoe.x");
		assert_string_equal(kgt_join(pool, r.user->roles),
				    "Librarian,SysAdmin");
	}
}

static void
test_role_granted_by_one_mapper_is_not_revoked_by_another(void **state)
{
	apr_pool_t *pool = *state;
	const char *grants =
		kgt_m(pool, SAML, "grants", "saml-role-idp-mapper",
		      "'syncMode':'FORCE','attribute.name':'grp',"
		      "'attribute.value':'admins','role':'SysAdmin'");
	const char *misses = kgt_m(pool, SAML, "misses", "saml-role-idp-mapper",
				   "'syncMode':'FORCE','attribute.name':'grp',"
				   "'attribute.value':'ops','role':'SysAdmin'");
	/* in either order, KEYCLOAK-8730 */
	const char *orders[][2] = {{grants, misses}, {misses, grants}};

	for (size_t i = 0; i < 2; i++) {
		kg_mapper_set *set =
			kgt_set(pool, kgt_file(pool, NULL, orders[i][0],
					       orders[i][1], NULL));
		kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
		kg_map_result r;

		kgt_attr(a, pool, "grp", NULL, "admins", NULL);
		r = kgt_map_saml(pool, set, SAML, a,
				 kgt_user(pool, "jdoe", "SysAdmin", NULL));
		assert_true(kgt_has(r.user->roles, "SysAdmin"));
		assert_true(kgt_has(r.granted, "SysAdmin"));
	}
}

static void test_legacy_claim_role_kept_by_one_mapper_is_not_revoked_by_another(
	void **state)
{
	apr_pool_t *pool = *state;
	/* Keycloak's updateBrokeredUserLegacy records the role as granted
	 * when it applies, so a later mapper for the same role does not
	 * revoke it */
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, OIDC, "keeps", "oidc-role-idp-mapper",
			       "'syncMode':'LEGACY','claim':'grp',"
			       "'claim.value':'admins','role':'SysAdmin'"),
			 kgt_m(pool, OIDC, "misses", "oidc-role-idp-mapper",
			       "'syncMode':'LEGACY','claim':'grp',"
			       "'claim.value':'ops','role':'SysAdmin'"),
			 NULL));
	kg_map_result r =
		kgt_map_oidc(pool, set, OIDC, "{'sub':'1','grp':'admins'}",
			     kgt_user(pool, "jdoe", "SysAdmin", NULL));

	assert_true(kgt_has(r.user->roles, "SysAdmin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_importer_follows_the_sync_matrix),
		KGT(test_force_removes_attribute_the_assertion_no_longer_carries),
		KGT(test_force_never_clears_builtin_properties),
		KGT(test_force_provider_refreshes_email_despite_import_mapper),
		KGT(test_hardcoded_attribute_follows_the_sync_matrix),
		KGT(test_username_template_is_a_noop_under_legacy),
		KGT(test_force_broker_id_template_does_not_rename),
		KGT(test_role_mappers_follow_the_sync_matrix),
		KGT(test_first_login_behaves_the_same_in_every_mode),
		KGT(test_role_granted_by_one_mapper_is_not_revoked_by_another),
		KGT(test_legacy_claim_role_kept_by_one_mapper_is_not_revoked_by_another),
	};
	return KGT_RUN(tests);
}
