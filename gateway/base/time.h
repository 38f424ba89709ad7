/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading the timestamps protocols send (SAML's xs:dateTime,
 * STS's Expiration).
 */
#ifndef KG_TIME_H
#define KG_TIME_H

#include <stdbool.h>

/* The days of month (1-12) of year in the Gregorian calendar (February
 * has 29 in years divisible by 4, except centuries not divisible by 400);
 * 0 for a month out of range. */
int kg_time_days_in_month(int year, int month);

/* Parses YYYY-MM-DDThh:mm:ss[.fraction] followed by Z or, unless
 * utc_only, by +hh:mm / -hh:mm (RFC 3339; utc_only is xs:dateTime as SAML
 * requires it: upper-case T and Z only). The date must be a real one from
 * 1970 on (leap years counted), hours 00-23; a leap second (ss = 60) only
 * in RFC 3339 and only in the last minute of a UTC day, never in
 * xs:dateTime. The fraction is dropped. Sets *out to seconds since the
 * epoch; false, with *out untouched, on any other form. */
bool kg_time_parse(const char *s, bool utc_only, long long *out);

#define KG_TIME_UTC_LEN 20 /* YYYY-MM-DDThh:mm:ssZ */

/* Writes seconds since the epoch as YYYY-MM-DDThh:mm:ssZ (UTC) into out,
 * which holds KG_TIME_UTC_LEN + 1 bytes. */
void kg_time_format_utc(long long seconds, char *out);

#endif
