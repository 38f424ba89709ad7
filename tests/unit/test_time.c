/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the timestamps protocols send (gateway/base/time.c):
 * only real calendar dates, leap years counted, no 24:00:00, a leap second
 * only where RFC 3339 has one and never in SAML's xs:dateTime.
 */
#include "tests/unit/fixture.h"

#include "gateway/base/time.h"

static void test_days_in_month_follow_the_gregorian_calendar(void **state)
{
	static const struct {
		int year, month, days;
	} cases[] = {
		{2026, 1, 31}, {2026, 2, 28},  {2026, 3, 31},  {2026, 4, 30},
		{2026, 5, 31}, {2026, 6, 30},  {2026, 7, 31},  {2026, 8, 31},
		{2026, 9, 30}, {2026, 10, 31}, {2026, 11, 30}, {2026, 12, 31},
		{2024, 2, 29},		      /* divisible by 4 */
		{2023, 2, 28}, {1900, 2, 28}, /* a century not divisible by 400
					       */
		{2100, 2, 28}, {2000, 2, 29}, /* divisible by 400 */
		{2400, 2, 29}, {2026, 0, 0},   {2026, 13, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_int_equal(
			kg_time_days_in_month(cases[i].year, cases[i].month),
			cases[i].days);
}

/* Each case in both modes: xs:dateTime (utc_only) and RFC 3339. */
static void test_only_real_dates_and_times_parse(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		long long t;
	} cases[] = {
		/* the bug: 31 February was read as 3 March */
		{"2026-02-31T00:00:00Z", false, 0},
		{"2026-02-30T00:00:00Z", false, 0},
		{"2026-02-29T00:00:00Z", false, 0}, /* 2026 is no leap year */
		{"2026-02-28T00:00:00Z", true, 1772236800LL},
		{"2024-02-29T12:00:00Z", true, 1709208000LL},
		{"2023-02-29T12:00:00Z", false, 0},
		{"2000-02-29T00:00:00Z", true, 951782400LL},
		{"2100-02-29T00:00:00Z", false, 0},
		{"2100-02-28T00:00:00Z", true, 4107456000LL},
		{"1900-02-29T00:00:00Z", false,
		 0}, /* no leap year, and < 1970 */
		/* the 31st of the 30-day months */
		{"2026-04-31T00:00:00Z", false, 0},
		{"2026-06-31T00:00:00Z", false, 0},
		{"2026-09-31T00:00:00Z", false, 0},
		{"2026-11-31T00:00:00Z", false, 0},
		{"2026-04-30T00:00:00Z", true, 1777507200LL},
		{"2026-12-31T23:59:59Z", true, 1798761599LL},
		{"2026-00-10T00:00:00Z", false, 0},
		{"2026-01-00T00:00:00Z", false, 0},
		{"2026-01-32T00:00:00Z", false, 0},
		/* hours 00-23 only: no 24:00:00 end-of-day form */
		{"2026-01-01T24:00:00Z", false, 0},
		{"2026-01-01T23:60:00Z", false, 0},
		{"2026-01-01T12:00:61Z", false, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		for (int utc_only = 0; utc_only <= 1; utc_only++) {
			long long t = -1;
			bool ok = kg_time_parse(cases[i].s, utc_only, &t);
			if (ok != cases[i].ok)
				fail_msg("%s (utc_only %d): %s", cases[i].s,
					 utc_only, ok ? "accepted" : "refused");
			assert_int_equal(t, cases[i].ok ? cases[i].t : -1);
		}
	}
}

static void test_a_leap_second_only_ends_a_utc_day_in_rfc3339(void **state)
{
	long long t = -1;

	/* xs:dateTime has no leap second at all */
	assert_false(kg_time_parse("2016-12-31T23:59:60Z", true, &t));
	assert_int_equal(t, -1);
	/* RFC 3339: the last second of a UTC day, read as the next one */
	assert_true(kg_time_parse("2016-12-31T23:59:60Z", false, &t));
	assert_int_equal(t, 1483228800LL);
	assert_true(kg_time_parse("2016-12-31T15:59:60-08:00", false, &t));
	assert_int_equal(t, 1483228800LL);
	/* anywhere else it is no time */
	assert_false(kg_time_parse("2016-12-31T12:34:60Z", false, &t));
	assert_false(kg_time_parse("2016-12-31T23:59:60+01:00", false, &t));
	assert_false(kg_time_parse("2016-12-31T23:58:60Z", false, &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_days_in_month_follow_the_gregorian_calendar),
		KGT(test_only_real_dates_and_times_parse),
		KGT(test_a_leap_second_only_ends_a_utc_day_in_rfc3339),
	};
	return KGT_RUN(tests);
}
