/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: session timeouts with an injected clock.
 */
#include "tests/unit/fixture.h"

#include "conf/sessions.h"
#include "policy/timeouts.h"

#define MIN (60LL * 1000)
#define T0 1700000000000LL

static long long fake_now(void *baton)
{
	return *(long long *)baton;
}

static void test_timeouts_defaults_are_domino_docs(void **state)
{
	kg_conf_sessions conf;
	kg_pol_timeouts t;

	kg_conf_sessions_defaults(*state, &conf);
	kg_pol_timeouts_from_conf(&conf, &t);
	assert_true(t.idle_ms == 30 * MIN);
	assert_true(t.max_ms == 60LL * 24 * 60 * MIN);
}

/* Domino's idle timeout shortens the SSO idle; 0 leaves it alone. */
static void test_timeouts_effective_idle_is_the_shorter(void **state)
{
	static const struct {
		long long sso_idle_s, idle_s, want_ms;
	} rows[] = {
		{1800, 0, 30 * MIN},	/* Domino idle off */
		{1800, 600, 10 * MIN},	/* Domino idle shorter */
		{1800, 3600, 30 * MIN}, /* Domino idle longer: SSO wins */
		{0, 600, 10 * MIN},	/* SSO idle off */
		{0, 0, 0},		/* both off: max only */
	};
	kg_conf_sessions conf;
	kg_pol_timeouts t;

	kg_conf_sessions_defaults(*state, &conf);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		conf.sso_idle_s = rows[i].sso_idle_s;
		conf.idle_timeout_s = rows[i].idle_s;
		kg_pol_timeouts_from_conf(&conf, &t);
		assert_true(t.idle_ms == rows[i].want_ms);
	}
}

static void test_timeouts_follow_the_clock(void **state)
{
	long long now = T0;
	kg_pol_clock clock = {fake_now, &now};
	long long last = T0, idle = 30 * MIN, expires = T0 + 60 * MIN;

	assert_true(kg_pol_clock_now(&clock) == T0);
	assert_int_equal(kg_pol_timeouts_check(last, idle, expires,
					       kg_pol_clock_now(&clock)),
			 KG_POL_SESSION_LIVE);
	now = T0 + 30 * MIN - 1; /* one ms before the idle deadline */
	assert_int_equal(kg_pol_timeouts_check(last, idle, expires,
					       kg_pol_clock_now(&clock)),
			 KG_POL_SESSION_LIVE);
	now = T0 + 30 * MIN; /* at the deadline: expired */
	assert_int_equal(kg_pol_timeouts_check(last, idle, expires,
					       kg_pol_clock_now(&clock)),
			 KG_POL_SESSION_IDLE_EXPIRED);
	last = T0 + 50 * MIN; /* touched: idle slides, max does not */
	now = T0 + 59 * MIN;
	assert_int_equal(kg_pol_timeouts_check(last, idle, expires,
					       kg_pol_clock_now(&clock)),
			 KG_POL_SESSION_LIVE);
	now = T0 + 60 * MIN;
	assert_int_equal(kg_pol_timeouts_check(last, idle, expires,
					       kg_pol_clock_now(&clock)),
			 KG_POL_SESSION_MAX_EXPIRED);
	assert_string_equal(
		kg_pol_session_state_name(KG_POL_SESSION_MAX_EXPIRED),
		"max-expired");
	/* idle off: only the absolute expiry counts */
	assert_int_equal(kg_pol_timeouts_check(T0, 0, expires, T0 + 59 * MIN),
			 KG_POL_SESSION_LIVE);
}

static void test_timeouts_deadline_is_the_earlier(void **state)
{
	assert_true(kg_pol_timeouts_deadline(T0, 30 * MIN, T0 + 60 * MIN) ==
		    T0 + 30 * MIN);
	assert_true(kg_pol_timeouts_deadline(T0 + 45 * MIN, 30 * MIN,
					     T0 + 60 * MIN) == T0 + 60 * MIN);
	assert_true(kg_pol_timeouts_deadline(T0, 0, T0 + 60 * MIN) ==
		    T0 + 60 * MIN);
}

static void test_timeouts_system_clock_without_injection(void **state)
{
	long long a = kg_pol_clock_now(NULL);

	assert_true(a > T0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_timeouts_defaults_are_domino_docs),
		KGT(test_timeouts_effective_idle_is_the_shorter),
		KGT(test_timeouts_follow_the_clock),
		KGT(test_timeouts_deadline_is_the_earlier),
		KGT(test_timeouts_system_clock_without_injection),
	};
	return KGT_RUN(tests);
}
