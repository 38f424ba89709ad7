/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading the timestamps protocols send.
 */
#include "time.h"

#include <time.h>

/* Reads exactly n decimal digits at *p into *v and moves past them. */
static bool read_digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

/* Reads Z, or ±hh:mm when offsets are allowed, into *offset_s. */
static bool read_zone(const char **p, bool utc_only, long long *offset_s)
{
	int oh, om, sign;

	*offset_s = 0;
	if (**p == 'Z' || (!utc_only && **p == 'z')) {
		(*p)++;
		return true;
	}
	if (utc_only || (**p != '+' && **p != '-'))
		return false;
	sign = *(*p)++ == '+' ? 1 : -1;
	if (!read_digits(p, 2, &oh) || *(*p)++ != ':' ||
	    !read_digits(p, 2, &om) || oh > 23 || om > 59)
		return false;
	*offset_s = sign * (oh * 3600LL + om * 60LL);
	return true;
}

int kg_time_days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (month < 1 || month > 12)
		return 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* A leap second (ss = 60) is RFC 3339's only, and only in the last minute
 * of a UTC day: 23:59:60Z, or the same instant at an offset
 * (15:59:60-08:00). */
static bool leap_second_ok(int h, int mi, long long offset_s)
{
	long long utc_minute =
		((h * 60LL + mi - offset_s / 60) % 1440 + 1440) % 1440;

	return utc_minute == 1439;
}

bool kg_time_parse(const char *s, bool utc_only, long long *out)
{
	const char *p = s;
	struct tm tm = {0};
	int y, mo, d, h, mi, sec;
	long long offset;
	time_t t;

	if (s == NULL || !read_digits(&p, 4, &y) || *p++ != '-' ||
	    !read_digits(&p, 2, &mo) || *p++ != '-' ||
	    !read_digits(&p, 2, &d) || !(*p == 'T' || (!utc_only && *p == 't')))
		return false;
	p++;
	if (!read_digits(&p, 2, &h) || *p++ != ':' ||
	    !read_digits(&p, 2, &mi) || *p++ != ':' ||
	    !read_digits(&p, 2, &sec))
		return false;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	/* a real calendar date (2026-02-31 is no date, not 3 March), hours
	 * 00-23 (xs:dateTime's 24:00:00 end-of-day form is refused too) */
	if (!read_zone(&p, utc_only, &offset) || *p != '\0' || y < 1970 ||
	    mo < 1 || mo > 12 || d < 1 || d > kg_time_days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 60)
		return false;
	/* xs:dateTime has no leap second (XML Schema 1.1 part 2, 3.3.7) */
	if (sec == 60 && (utc_only || !leap_second_ok(h, mi, offset)))
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (long long)t - offset;
	return true;
}

void kg_time_format_utc(long long seconds, char *out)
{
	time_t t = (time_t)seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, KG_TIME_UTC_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
