/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: strings: pool printf, UTF-8 checks, trimming and case
 * mapping.
 */
#include "str.h"

#include <apr_strings.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *kg_pvsprintf(apr_pool_t *pool, const char *fmt, va_list ap)
{
	va_list copy;
	char *out;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return apr_pstrdup(pool, "");
	out = apr_palloc(pool, (size_t)n + 1);
	vsnprintf(out, (size_t)n + 1, fmt, ap);
	return out;
}

char *kg_psprintf(apr_pool_t *pool, const char *fmt, ...)
{
	va_list ap;
	char *out;

	va_start(ap, fmt);
	out = kg_pvsprintf(pool, fmt, ap);
	va_end(ap);
	return out;
}

bool kg_utf8_is_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	while (p < end) {
		uint32_t cp;
		size_t n;

		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

uint32_t kg_utf8_next(const char **p)
{
	const unsigned char *c = (const unsigned char *)*p;
	uint32_t cp;
	size_t n;

	if (*c < 0x80) {
		*p += 1;
		return *c;
	}
	if ((*c & 0xe0) == 0xc0) {
		n = 1;
		cp = *c & 0x1f;
	} else if ((*c & 0xf0) == 0xe0) {
		n = 2;
		cp = *c & 0x0f;
	} else {
		n = 3;
		cp = *c & 0x07;
	}
	for (size_t i = 1; i <= n && c[i]; i++)
		cp = (cp << 6) | (c[i] & 0x3f);
	*p += n + 1;
	return cp;
}

char *kg_str_trim(apr_pool_t *pool, const char *s)
{
	const unsigned char *start = (const unsigned char *)s;
	const unsigned char *end = start + strlen(s);

	while (start < end && *start <= 0x20)
		start++;
	while (end > start && end[-1] <= 0x20)
		end--;
	return apr_pstrmemdup(pool, (const char *)start, (size_t)(end - start));
}

/* Maps one code point to lower case (to_lower) or upper case. */
static uint32_t case_map(uint32_t cp, bool to_lower)
{
	if (to_lower) {
		if ((cp >= 'A' && cp <= 'Z') ||
		    (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) ||
		    (cp >= 0x391 && cp <= 0x3ab && cp != 0x3a2) ||
		    (cp >= 0x410 && cp <= 0x42f))
			return cp + 0x20;
		if (cp >= 0x400 && cp <= 0x40f)
			return cp + 0x50;
		if (cp >= 0x100 && cp <= 0x17f && cp != 0x130 && cp != 0x131 &&
		    cp != 0x138 && cp != 0x149 && cp != 0x17f) {
			bool odd_upper = (cp >= 0x139 && cp <= 0x148) ||
					 (cp >= 0x179 && cp <= 0x17e);
			if (odd_upper ? (cp & 1) : !(cp & 1))
				return cp + 1;
		}
		return cp;
	}
	if ((cp >= 'a' && cp <= 'z') ||
	    (cp >= 0xe0 && cp <= 0xfe && cp != 0xf7) ||
	    (cp >= 0x3b1 && cp <= 0x3cb && cp != 0x3c2) ||
	    (cp >= 0x430 && cp <= 0x44f))
		return cp - 0x20;
	if (cp >= 0x450 && cp <= 0x45f)
		return cp - 0x50;
	if (cp >= 0x100 && cp <= 0x17f && cp != 0x130 && cp != 0x131 &&
	    cp != 0x138 && cp != 0x149 && cp != 0x17f) {
		bool odd_upper = (cp >= 0x139 && cp <= 0x148) ||
				 (cp >= 0x179 && cp <= 0x17e);
		if (odd_upper ? !(cp & 1) : (cp & 1))
			return cp - 1;
	}
	return cp;
}

static char *case_convert(apr_pool_t *pool, const char *s, bool to_lower)
{
	kg_buf b;

	kg_buf_init(&b, pool, strlen(s) + 1);
	while (*s)
		kg_buf_add_utf8(&b, case_map(kg_utf8_next(&s), to_lower));
	return b.data;
}

char *kg_str_lower(apr_pool_t *pool, const char *s)
{
	return case_convert(pool, s, true);
}

char *kg_str_upper(apr_pool_t *pool, const char *s)
{
	return case_convert(pool, s, false);
}

bool kg_str_eq_nocase(const char *a, const char *b)
{
	while (*a && *b) {
		if (case_map(kg_utf8_next(&a), true) !=
		    case_map(kg_utf8_next(&b), true))
			return false;
	}
	return *a == '\0' && *b == '\0';
}

bool kg_str_is_blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s; s++) {
		if ((unsigned char)*s > 0x20)
			return false;
	}
	return true;
}

bool kg_str_to_int(const char *s, long long min, long long max,
		   long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

char *kg_str_url_encode(apr_pool_t *pool, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	kg_buf b;

	kg_buf_init(&b, pool, strlen(s) * 3 + 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-._~", *c)) {
			kg_buf_addc(&b, (char)*c);
		} else {
			kg_buf_addc(&b, '%');
			kg_buf_addc(&b, hex[*c >> 4]);
			kg_buf_addc(&b, hex[*c & 0xf]);
		}
	}
	return b.data;
}

void kg_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int kg_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *kg_str_url_decode(apr_pool_t *pool, const char *s, size_t len)
{
	char *out = apr_palloc(pool, len + 1), *o = out;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%') {
			int hi, lo;
			if (i + 2 >= len || (hi = kg_hex_value(s[i + 1])) < 0 ||
			    (lo = kg_hex_value(s[i + 2])) < 0 || hi + lo == 0)
				return NULL;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}
