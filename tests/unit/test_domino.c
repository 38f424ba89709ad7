/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the Domino interpretation of mapped attributes
 * (mappers/domino.c): system roles, default role, role sync,
 * organizations, AWS roles, session name and duration.
 */
#include "tests/unit/fixture.h"

#include <string.h>

#define PROVIDER "arn:aws:iam::123456789012:saml-provider/Corp"
#define ROLE "arn:aws:iam::123456789012:role/domino/DataSci"

/* A mapping result whose user has the given attributes, as kg_map_apply
 * leaves it. */
static kg_map_result result(apr_pool_t *pool, bool first_login, kg_user *stored)
{
	kg_map_result r = {0};

	r.user = stored ? stored : kg_user_make(pool);
	r.first_login = first_login;
	r.granted = apr_array_make(pool, 2, sizeof(const char *));
	r.mapper_roles = apr_array_make(pool, 2, sizeof(const char *));
	r.warnings = apr_array_make(pool, 2, sizeof(const char *));
	return r;
}

static void test_roles_come_from_system_roles_exactly(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_mapping *conf = kgt_conf(pool);
	kg_map_result r = result(pool, true, NULL);
	static const char *const values[] = {
		"SysAdmin",	   /* exact: kept */
		"sysadmin",	   /* wrong case: dropped */
		"Librarian",	   /* kept */
		"SysAdmin",	   /* duplicate: once */
		"Wizard",	   /* unknown: dropped */
		"GovernanceAdmin", /* the last of the ten */
	};

	for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++)
		kg_bag_add(r.user->attributes, "domino-system-roles",
			   values[i]);
	kg_map_domino(pool, conf, &r);
	assert_string_equal(kgt_join(pool, r.user->roles),
			    "SysAdmin,Librarian,GovernanceAdmin");
	assert_true(kgt_any_contains(r.warnings, "\"sysadmin\""));
	assert_true(kgt_any_contains(r.warnings, "\"Wizard\""));
	assert_int_equal(r.warnings->nelts, 2);
}

static void test_first_login_without_roles_gets_the_default(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_mapping *conf = kgt_conf(pool);
	kg_map_result r = result(pool, true, NULL);

	kg_map_domino(pool, conf, &r);
	assert_string_equal(kgt_join(pool, r.user->roles), "Practitioner");
	/* a configured default, and none */
	conf->default_role = "ReadOnlySupportStaff";
	r = result(pool, true, NULL);
	kg_map_domino(pool, conf, &r);
	assert_string_equal(kgt_join(pool, r.user->roles),
			    "ReadOnlySupportStaff");
	conf->default_role = NULL;
	r = result(pool, true, NULL);
	kg_map_domino(pool, conf, &r);
	assert_int_equal(r.user->roles->nelts, 0);
}

static void test_role_sync_replaces_stored_roles_at_relogin(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_mapping *conf = kgt_conf(pool);
	kg_user *stored =
		kgt_user(pool, "jdoe", "SysAdmin", "ProjectManager", NULL);
	kg_map_result r = result(pool, false, stored);

	kg_bag_add(stored->attributes, "domino-system-roles", "CloudAdmin");
	/* a role mapper manages ProjectManager (and Librarian, not held) */
	APR_ARRAY_PUSH(r.mapper_roles, const char *) = "ProjectManager";
	APR_ARRAY_PUSH(r.mapper_roles, const char *) = "Librarian";
	kg_map_domino(pool, conf, &r);
	/* the attribute's roles, plus what the role mappers left held;
	 * SysAdmin, from neither, is gone */
	assert_string_equal(kgt_join(pool, r.user->roles),
			    "CloudAdmin,ProjectManager");
	/* a re-login that maps no role at all gets the default, with a
	 * warning */
	r = result(pool, false, kgt_user(pool, "jdoe", "SysAdmin", NULL));
	kg_map_domino(pool, conf, &r);
	assert_string_equal(kgt_join(pool, r.user->roles), "Practitioner");
	assert_true(kgt_any_contains(r.warnings, "default role"));
}

static void test_without_role_sync_stored_roles_stay(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_mapping *conf = kgt_conf(pool);
	kg_user *stored = kgt_user(pool, "jdoe", "SysAdmin", NULL);
	kg_map_result r = result(pool, false, stored);

	conf->role_sync = false;
	kg_bag_add(stored->attributes, "domino-system-roles", "CloudAdmin");
	kg_map_domino(pool, conf, &r);
	assert_string_equal(kgt_join(pool, r.user->roles), "SysAdmin");
}

static void test_organizations_only_when_external_orgs_are_on(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_mapping *conf = kgt_conf(pool);
	kg_map_result r = result(pool, true, NULL);

	kg_bag_add(r.user->attributes, "domino-groups", "nyc-data-scientists");
	kg_bag_add(r.user->attributes, "domino-groups", "");
	kg_bag_add(r.user->attributes, "domino-groups", "sf");
	kg_bag_add(r.user->attributes, "domino-groups", "sf");
	kg_map_domino(pool, conf, &r);
	assert_int_equal(r.user->organizations->nelts, 0);
	conf->external_orgs = true;
	kg_map_domino(pool, conf, &r);
	/* empty values dropped, duplicates once */
	assert_string_equal(kgt_join(pool, r.user->organizations),
			    "nyc-data-scientists,sf");
}

typedef struct {
	const char *value;
	bool kept;
} aws_case;

static void test_aws_roles_accept_either_order_and_check_arns(void **state)
{
	apr_pool_t *pool = *state;
	static const aws_case cases[] = {
		/* provider first */
		{PROVIDER "," ROLE, true},
		/* role first, with blanks */
		{ROLE " , " PROVIDER, true},
		/* another partition */
		{"arn:aws-us-gov:iam::123456789012:saml-provider/P,"
		 "arn:aws-us-gov:iam::123456789012:role/R",
		 true},
		/* two roles */
		{ROLE "," ROLE, false},
		/* one ARN only */
		{ROLE, false},
		/* three parts */
		{PROVIDER "," ROLE "," ROLE, false},
		/* an 11-digit account */
		{"arn:aws:iam::12345678901:saml-provider/P," ROLE, false},
		/* an unknown partition */
		{"arn:aws-mars:iam::123456789012:saml-provider/P," ROLE, false},
		/* not IAM */
		{"arn:aws:s3::123456789012:saml-provider/P," ROLE, false},
		/* a name with a bad character */
		{PROVIDER ",arn:aws:iam::123456789012:role/a b", false},
		/* a role path ending in '/' */
		{PROVIDER ",arn:aws:iam::123456789012:role/p/", false},
		/* a provider name may not hold a path */
		{"arn:aws:iam::123456789012:saml-provider/a/b," ROLE, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_map_result r = result(pool, true, NULL);
		kg_bag_add(r.user->attributes, "aws-roles", cases[i].value);
		kg_map_domino(pool, kgt_conf(pool), &r);
		if ((r.user->aws_roles->nelts == 1) != cases[i].kept)
			fail_msg("case %zu (%s)", i, cases[i].value);
		if (cases[i].kept) {
			const kg_aws_role *role = &APR_ARRAY_IDX(
				r.user->aws_roles, 0, kg_aws_role);
			assert_non_null(
				strstr(role->principal, ":saml-provider/"));
			assert_non_null(strstr(role->role, ":role/"));
		} else {
			assert_true(kgt_any_contains(r.warnings, "dropped"));
		}
	}
}

typedef struct {
	const char *name, *duration;
	const char *want_name; /* or NULL */
	long long want_duration;
	const char *warning; /* or NULL */
} session_case;

static void test_aws_session_name_and_duration(void **state)
{
	apr_pool_t *pool = *state;
	static const session_case cases[] = {
		/* valid values */
		{"jdoe@corp.com", "3600", "jdoe@corp.com", 3600, NULL},
		/* absent */
		{NULL, NULL, NULL, -1, NULL},
		/* a name too short */
		{"j", NULL, NULL, -1, "not a valid AWS role session name"},
		/* a name with a blank */
		{"j doe", NULL, NULL, -1, "not a valid AWS role session name"},
		/* a duration that is not a number */
		{NULL, "1h", NULL, -1, "not a number of seconds"},
		/* a duration STS will clamp: kept, with a warning */
		{NULL, "60", NULL, 60, "STS accepts 900 to 43200"},
		{NULL, "43200", NULL, 43200, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const session_case *c = &cases[i];
		kg_map_result r = result(pool, true, NULL);

		if (c->name)
			kg_bag_add(r.user->attributes, "aws-role-session-name",
				   c->name);
		if (c->duration)
			kg_bag_add(r.user->attributes, "aws-session-duration",
				   c->duration);
		kg_map_domino(pool, kgt_conf(pool), &r);
		if (c->want_name)
			assert_string_equal(r.user->aws_session_name,
					    c->want_name);
		else
			assert_null(r.user->aws_session_name);
		assert_int_equal(r.user->aws_session_duration,
				 c->want_duration);
		if (c->warning)
			assert_true(kgt_any_contains(r.warnings, c->warning));
		else
			assert_int_equal(r.warnings->nelts, 0);
	}
}

static void test_attribute_names_are_configurable(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_mapping *conf = kgt_conf(pool);
	kg_map_result r = result(pool, true, NULL);

	conf->attr_roles = "DominoSystemRoles";
	kg_bag_add(r.user->attributes, "DominoSystemRoles", "SysAdmin");
	kg_bag_add(r.user->attributes, "domino-system-roles", "Librarian");
	kg_map_domino(pool, conf, &r);
	assert_string_equal(kgt_join(pool, r.user->roles), "SysAdmin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_roles_come_from_system_roles_exactly),
		KGT(test_first_login_without_roles_gets_the_default),
		KGT(test_role_sync_replaces_stored_roles_at_relogin),
		KGT(test_without_role_sync_stored_roles_stay),
		KGT(test_organizations_only_when_external_orgs_are_on),
		KGT(test_aws_roles_accept_either_order_and_check_arns),
		KGT(test_aws_session_name_and_duration),
		KGT(test_attribute_names_are_configurable),
	};
	return KGT_RUN(tests);
}
