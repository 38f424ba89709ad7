/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the access gate (policy/gate.c) and its place at the
 * end of a login (gateway/flow/core/admit.c).
 */
#include "tests/unit/fixture.h"

#include "gateway/flow/core/admit.h"
#include "policy/gate.h"

#include <apr_strings.h>
#include <string.h>

typedef struct {
	const char *gate;    /* configured values, ',' separated; "" = off */
	bool missing_allows; /* KeygateAccessGateMissing Allow */
	const char *const *have; /* the attribute's values; NULL: absent */
	bool allowed;
	const char *reason; /* a substring, when denied */
} gate_case;

static const char *const yes[] = {"true", NULL};
static const char *const other[] = {"no", "maybe", NULL};
static const char *const second[] = {"x", "domino-users", NULL};
static const char *const case_off[] = {"TRUE", NULL};

static void test_gate_decides_from_the_gate_attribute(void **state)
{
	apr_pool_t *pool = *state;
	static const gate_case cases[] = {
		/* a configured value */
		{"true", false, yes, true, NULL},
		/* any of several values, anywhere in the list */
		{"true,domino-users", false, second, true, NULL},
		/* none of the values */
		{"true", false, other, false,
		 "holds none of the allowed values"},
		/* values are exact */
		{"true", false, case_off, false, "none of the allowed"},
		/* missing denies by default */
		{"true", false, NULL, false, "has no \"accessforDomino\""},
		/* missing allows when configured so (Domino's sample) */
		{"true", true, NULL, true, NULL},
		/* Allow only covers missing: a wrong value still denies */
		{"true", true, other, false, "none of the allowed"},
		/* no values configured: the gate is off */
		{"", false, NULL, true, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const gate_case *c = &cases[i];
		kg_conf_mapping *conf = kgt_conf(pool);
		kg_user *u = kg_user_make(pool);
		const char *reason = NULL;
		char *values = apr_pstrdup(pool, c->gate), *last, *v;

		for (v = apr_strtok(values, ",", &last); v;
		     v = apr_strtok(NULL, ",", &last))
			APR_ARRAY_PUSH(conf->gate_values, const char *) = v;
		conf->gate_missing = c->missing_allows ? KG_GATE_MISSING_ALLOW
						       : KG_GATE_MISSING_DENY;
		for (size_t j = 0; c->have && c->have[j]; j++)
			kg_bag_add(u->attributes, "accessforDomino",
				   c->have[j]);
		if (kg_pol_gate_check(pool, conf, u, &reason) != c->allowed)
			fail_msg("case %zu", i);
		if (!c->allowed)
			assert_non_null(strstr(reason, c->reason));
	}
}

static void test_a_login_is_mapped_interpreted_then_gated(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set = kgt_set(
		pool,
		kgt_file(pool, NULL,
			 kgt_m(pool, "corp", "gate",
			       "saml-user-attribute-idp-mapper",
			       "'attribute.name':'access','user.attribute':"
			       "'accessforDomino'"),
			 kgt_m(pool, "corp", "roles",
			       "saml-user-attribute-idp-mapper",
			       "'attribute.name':'DominoSystemRoles',"
			       "'user.attribute':'domino-system-roles'"),
			 NULL));
	kg_conf_mapping *conf = kgt_conf(pool);
	kg_assertion *a = kgt_saml(pool, "jdoe", NULL);
	kg_map_input in = {.proto = KG_PROTO_SAML, .saml = a};
	kg_admit_outcome out;
	kg_err err = {0};

	APR_ARRAY_PUSH(conf->gate_values, const char *) = "true";
	kgt_attr(a, pool, "DominoSystemRoles", NULL, "SysAdmin", NULL);
	kgt_attr(a, pool, "access", NULL, "false", NULL);
	assert_int_equal(
		kg_admit_map(pool, set, conf, "corp", &in, NULL, &out, &err),
		KG_OK);
	assert_false(out.allowed);
	assert_string_equal(out.deny_message, "userNotAssignedToDominoInIdp");
	assert_non_null(strstr(out.deny_reason, "access gate"));
	/* the roles were interpreted before the gate */
	assert_string_equal(kgt_join(pool, out.user->roles), "SysAdmin");

	a->attrs[1].values[0] = "true";
	assert_int_equal(
		kg_admit_map(pool, set, conf, "corp", &in, NULL, &out, &err),
		KG_OK);
	assert_true(out.allowed);
	assert_null(out.deny_reason);
	assert_null(out.deny_message);
}

static void test_a_failed_mapping_denies_without_the_gate_message(void **state)
{
	apr_pool_t *pool = *state;
	kg_mapper_set *set =
		kgt_set(pool, kgt_file(pool, NULL,
				       kgt_m(pool, "corp", "u",
					     "saml-username-idp-mapper",
					     "'template':'${ATTRIBUTE.uid}'"),
				       NULL));
	kg_map_input in = {.proto = KG_PROTO_SAML,
			   .saml = kgt_saml(pool, "jdoe", NULL)};
	kg_admit_outcome out;
	kg_err err = {0};

	assert_int_equal(kg_admit_map(pool, set, kgt_conf(pool), "corp", &in,
				      NULL, &out, &err),
			 KG_OK);
	assert_false(out.allowed);
	assert_non_null(strstr(out.deny_reason, "ATTRIBUTE.uid"));
	assert_null(out.deny_message);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_gate_decides_from_the_gate_attribute),
		KGT(test_a_login_is_mapped_interpreted_then_gated),
		KGT(test_a_failed_mapping_denies_without_the_gate_message),
	};
	return KGT_RUN(tests);
}
