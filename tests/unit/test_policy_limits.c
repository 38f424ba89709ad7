/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the session-count limit decision, table-driven.
 */
#include "tests/unit/fixture.h"

#include "policy/limits.h"

#include <string.h>

#define DENY KG_LIMIT_DENY_NEW
#define TERM KG_LIMIT_TERMINATE_OLDEST
#define LOG KG_LIMIT_LOG_ONLY

typedef struct {
	const char *why;
	long long umax;
	kg_limit_behaviour ubeh;
	long long rmax;
	kg_limit_behaviour rbeh;
	long long ucount, rcount;
	kg_pol_limit_verdict verdict;
	long long evict_user, evict_realm;
	bool logged;
} row;

static const row rows[] = {
	{"no limits at all", 0, DENY, 0, DENY, 99, 9999, KG_POL_LIMIT_ALLOW, 0,
	 0, false},
	{"below the user limit", 3, DENY, 0, DENY, 2, 2, KG_POL_LIMIT_ALLOW, 0,
	 0, false},
	{"user limit reached, deny", 3, DENY, 0, DENY, 3, 3,
	 KG_POL_LIMIT_DENY_USER, 0, 0, false},
	{"user limit exceeded (config lowered), deny", 3, DENY, 0, DENY, 7, 7,
	 KG_POL_LIMIT_DENY_USER, 0, 0, false},
	{"user limit reached, terminate one", 3, TERM, 0, DENY, 3, 3,
	 KG_POL_LIMIT_ALLOW, 1, 0, false},
	{"user over by 4 (config lowered), terminate 5", 3, TERM, 0, DENY, 7, 7,
	 KG_POL_LIMIT_ALLOW, 5, 0, false},
	{"user limit 1, terminate the one", 1, TERM, 0, DENY, 1, 1,
	 KG_POL_LIMIT_ALLOW, 1, 0, false},
	{"realm limit reached, deny", 0, DENY, 10, DENY, 0, 10,
	 KG_POL_LIMIT_DENY_REALM, 0, 0, false},
	{"realm limit reached, terminate one", 0, DENY, 10, TERM, 0, 10,
	 KG_POL_LIMIT_ALLOW, 0, 1, false},
	{"realm limit reached, log only", 0, DENY, 10, LOG, 0, 12,
	 KG_POL_LIMIT_ALLOW, 0, 0, true},
	{"below the realm limit", 0, DENY, 10, DENY, 5, 9, KG_POL_LIMIT_ALLOW,
	 0, 0, false},
	{"user eviction makes room in the realm", 2, TERM, 10, DENY, 2, 10,
	 KG_POL_LIMIT_ALLOW, 1, 0, false},
	{"user eviction not enough: realm denies, nothing evicted", 2, TERM, 10,
	 DENY, 2, 11, KG_POL_LIMIT_DENY_REALM, 0, 0, false},
	{"both terminate: user first, then the realm rest", 2, TERM, 10, TERM,
	 2, 12, KG_POL_LIMIT_ALLOW, 1, 2, false},
	{"user deny wins before the realm is looked at", 1, DENY, 1, TERM, 1,
	 50, KG_POL_LIMIT_DENY_USER, 0, 0, false},
	{"dubious: negative limit means none", -1, DENY, -5, DENY, 10, 10,
	 KG_POL_LIMIT_ALLOW, 0, 0, false},
};

static void test_limit_decisions_follow_keycloak(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const row *r = &rows[i];
		kg_conf_flow_limits l = {{r->umax, r->ubeh, NULL},
					 {r->rmax, r->rbeh, NULL}};
		kg_pol_limit_decision d;

		kg_pol_limit_check(&l, r->ucount, r->rcount, &d);
		if (d.verdict != r->verdict || d.evict_user != r->evict_user ||
		    d.evict_realm != r->evict_realm ||
		    d.realm_logged != r->logged)
			fail_msg("row %zu (%s): got %s user=%lld realm=%lld "
				 "logged=%d",
				 i, r->why,
				 kg_pol_limit_verdict_name(d.verdict),
				 d.evict_user, d.evict_realm, d.realm_logged);
		if (d.verdict == KG_POL_LIMIT_ALLOW)
			assert_null(d.message);
		else
			assert_string_equal(d.message, KG_LIMIT_MESSAGE_KEY);
	}
}

static void test_limit_deny_uses_configured_message(void **state)
{
	kg_conf_flow_limits l = {{3, DENY, "Too many Domino sessions"},
				 {5, DENY, "The realm is full"}};
	kg_pol_limit_decision d;

	kg_pol_limit_check(&l, 3, 3, &d);
	assert_string_equal(d.message, "Too many Domino sessions");
	kg_pol_limit_check(&l, 0, 5, &d);
	assert_string_equal(d.message, "The realm is full");
	assert_string_equal(kg_pol_limit_verdict_name(d.verdict), "deny-realm");
}

/* Two flows' limits: the stricter half of each wins, with its own
 * behaviour and message; 0 is no limit. */
static void test_the_stricter_of_two_flows(void **state)
{
	kg_conf_flow_limits browser = {{1, DENY, "one"}, {0, DENY, NULL}};
	kg_conf_flow_limits sso = {{3, TERM, "three"}, {10, LOG, "ten"}};
	kg_conf_flow_limits out;
	bool user_a = false, realm_a = true;

	kg_pol_limits_stricter(&sso, &browser, &out, &user_a, &realm_a);
	assert_true(out.user.max == 1);
	assert_int_equal(out.user.behaviour, DENY);
	assert_string_equal(out.user.message, "one");
	assert_false(user_a);
	assert_true(out.realm.max == 10); /* browser sets no realm limit */
	assert_int_equal(out.realm.behaviour, LOG);
	assert_true(realm_a);
	/* a tie keeps a; no limits on either side stays no limit */
	browser.user = (kg_conf_session_limit){3, DENY, "b"};
	kg_pol_limits_stricter(&sso, &browser, &out, &user_a, NULL);
	assert_string_equal(out.user.message, "three");
	assert_true(user_a);
	browser.realm.max = sso.realm.max = 0;
	kg_pol_limits_stricter(&browser, &sso, &browser, NULL, NULL);
	assert_true(browser.realm.max == 0);
	assert_true(browser.user.max == 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_limit_decisions_follow_keycloak),
		KGT(test_limit_deny_uses_configured_message),
		KGT(test_the_stricter_of_two_flows),
	};
	return KGT_RUN(tests);
}
