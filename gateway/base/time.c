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

bool kg_time_parse(const char *s, bool utc_only, long long *out)
{
	const char *p = s;
	struct tm tm = {0};
	int y, mo, d, h, mi, sec;
	long long offset;
	time_t t;

	if (s == NULL || !read_digits(&p, 4, &y) || *p++ != '-' ||
	    !read_digits(&p, 2, &mo) || *p++ != '-' ||
	    !read_digits(&p, 2, &d) ||
	    !(*p == 'T' || (!utc_only && *p == 't')))
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
	if (!read_zone(&p, utc_only, &offset) || *p != '\0' || y < 1970 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
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
