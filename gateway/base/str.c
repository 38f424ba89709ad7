/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: strings: pool printf, UTF-8 checks, trimming and case
 * mapping.
 */
#include "str.h"

#include <apr_strings.h>
#include <errno.h>
#include <glib.h>
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

/* Java's Character.toLowerCase of one code point (UnicodeData's simple
 * mapping). GLib maps letters of category Lu and Lt; UnicodeData also
 * gives the Roman numerals (Nl) and the circled letters (So) a lower
 * case, as Java does. */
static uint32_t lower_cp(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 0x20 : cp;
	if (cp >= 0x2160 && cp <= 0x216f)
		return cp + 0x10;
	if (cp >= 0x24b6 && cp <= 0x24cf)
		return cp + 0x1a;
	return g_unichar_tolower(cp);
}

/* The simple upper case of one code point, likewise. */
static uint32_t upper_cp(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'a' && cp <= 'z' ? cp - 0x20 : cp;
	if (cp >= 0x2170 && cp <= 0x217f)
		return cp - 0x10;
	if (cp >= 0x24d0 && cp <= 0x24e9)
		return cp - 0x1a;
	return g_unichar_toupper(cp);
}

/* Unicode's Cased: upper, lower and title case letters, and the
 * Other_Lowercase / Other_Uppercase characters Java's
 * ConditionalSpecialCasing counts. */
static bool is_cased(uint32_t cp)
{
	GUnicodeType t = g_unichar_type(cp);

	return t == G_UNICODE_UPPERCASE_LETTER ||
	       t == G_UNICODE_LOWERCASE_LETTER ||
	       t == G_UNICODE_TITLECASE_LETTER ||
	       (cp >= 0x2b0 && cp <= 0x2b8) || (cp >= 0x2c0 && cp <= 0x2c1) ||
	       (cp >= 0x2e0 && cp <= 0x2e4) || cp == 0x345 || cp == 0x37a ||
	       (cp >= 0x1d2c && cp <= 0x1d61) ||
	       (cp >= 0x2160 && cp <= 0x217f) || (cp >= 0x24b6 && cp <= 0x24e9);
}

/* Unicode's Case_Ignorable: marks, format characters, modifier letters
 * and symbols, and the apostrophes, dots and colons of Word_Break
 * MidLetter, MidNumLet and Single_Quote. */
static bool is_case_ignorable(uint32_t cp)
{
	static const uint32_t mid[] = {'\'',   '.',    ':',    0xb7,   0x387,
				       0x55f,  0x5f4,  0x2018, 0x2019, 0x2024,
				       0x2027, 0xfe13, 0xfe52, 0xfe55, 0xff07,
				       0xff0e, 0xff1a};
	GUnicodeType t = g_unichar_type(cp);

	if (t == G_UNICODE_NON_SPACING_MARK || t == G_UNICODE_ENCLOSING_MARK ||
	    t == G_UNICODE_FORMAT || t == G_UNICODE_MODIFIER_LETTER ||
	    t == G_UNICODE_MODIFIER_SYMBOL)
		return true;
	for (size_t i = 0; i < sizeof(mid) / sizeof(*mid); i++) {
		if (mid[i] == cp)
			return true;
	}
	return false;
}

/* The code point that ends just before end (at least start): steps back
 * over continuation bytes. */
static uint32_t utf8_prev(const char *start, const char **end)
{
	const char *p = *end;

	do
		p--;
	while (p > start && ((unsigned char)*p & 0xc0) == 0x80);
	*end = p;
	return kg_utf8_next(&p);
}

/* Unicode's Final_Sigma for the capital sigma between at and after in
 * s: a cased letter before it (case-ignorables skipped), none after. */
static bool final_sigma(const char *s, const char *at, const char *after)
{
	const char *p = at;
	uint32_t cp = 0;
	bool cased_before = false;

	while (p > s) {
		cp = utf8_prev(s, &p);
		if (!is_case_ignorable(cp)) {
			cased_before = is_cased(cp);
			break;
		}
	}
	if (!cased_before)
		return false;
	for (p = after; *p;) {
		cp = kg_utf8_next(&p);
		if (!is_case_ignorable(cp))
			return !is_cased(cp);
	}
	return true;
}

/* Copies s with its ASCII letters lower- or upper-cased. */
static char *ascii_case(apr_pool_t *pool, const char *s, bool to_lower)
{
	char *out = apr_pstrdup(pool, s);

	for (char *c = out; *c; c++) {
		if (to_lower ? (*c >= 'A' && *c <= 'Z')
			     : (*c >= 'a' && *c <= 'z'))
			*c = (char)(to_lower ? *c + 32 : *c - 32);
	}
	return out;
}

/* True when s is all ASCII (the fast path). */
static bool is_ascii(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
	}
	return true;
}

char *kg_str_lower(apr_pool_t *pool, const char *s)
{
	const char *start = s;
	kg_buf b;

	if (is_ascii(s))
		return ascii_case(pool, s, true);
	kg_buf_init(&b, pool, strlen(s) + 8);
	while (*s) {
		const char *at = s;
		uint32_t cp = kg_utf8_next(&s);
		if (cp == 0x130) {
			/* SpecialCasing: I WITH DOT ABOVE -> i, COMBINING
			 * DOT ABOVE (Java does so in every locale but tr,
			 * az) */
			kg_buf_addc(&b, 'i');
			kg_buf_add_utf8(&b, 0x307);
		} else if (cp == 0x3a3) {
			kg_buf_add_utf8(&b, final_sigma(start, at, s) ? 0x3c2
								      : 0x3c3);
		} else {
			kg_buf_add_utf8(&b, lower_cp(cp));
		}
	}
	return b.data;
}

char *kg_str_upper(apr_pool_t *pool, const char *s)
{
	kg_buf b;

	if (is_ascii(s))
		return ascii_case(pool, s, false);
	kg_buf_init(&b, pool, strlen(s) + 8);
	while (*s) {
		const char *at = s;
		uint32_t cp = kg_utf8_next(&s);
		if (cp >= 0x80 && (g_unichar_islower(cp) ||
				   g_unichar_istitle(cp) || cp == 0x345)) {
			/* GLib's full mapping: SpecialCasing's expansions
			 * (ß -> SS, ligatures, Greek iota subscripts).
			 * For one non-ASCII character its locale rules
			 * (Turkic i, Lithuanian dots) never apply. */
			char one[5] = {0};
			gchar *full;
			memcpy(one, at, (size_t)(s - at));
			/* a copy: GLib reads the marks after U+0345 past
			 * the length it is given */
			full = g_utf8_strup(one, -1);
			kg_buf_adds(&b, full);
			g_free(full);
		} else {
			kg_buf_add_utf8(&b, upper_cp(cp));
		}
	}
	return b.data;
}

bool kg_str_eq_nocase(const char *a, const char *b)
{
	while (*a && *b) {
		uint32_t x = kg_utf8_next(&a), y = kg_utf8_next(&b);
		/* as Java's equalsIgnoreCase: equal upper or lower case */
		if (x != y && upper_cp(x) != upper_cp(y) &&
		    lower_cp(upper_cp(x)) != lower_cp(upper_cp(y)))
			return false;
	}
	return *a == '\0' && *b == '\0';
}

/* White space for kg_str_has_outer_space: up to U+0020 (Java's trim) or
 * Unicode White_Space (NBSP, en quad .. hair space, ideographic space,
 * line and paragraph separators, NEL). */
static bool is_space(uint32_t cp)
{
	return cp <= 0x20 || cp == 0x85 || (cp >= 0x7f && cp <= 0x9f) ||
	       g_unichar_isspace(cp) ||
	       g_unichar_type(cp) == G_UNICODE_SPACE_SEPARATOR;
}

bool kg_str_has_outer_space(const char *s)
{
	const char *end = s + strlen(s), *p = s;

	if (*s == '\0')
		return false;
	if (is_space(kg_utf8_next(&p)))
		return true;
	p = end;
	return is_space(utf8_prev(s, &p));
}

bool kg_str_has_control(const char *s)
{
	while (*s) {
		uint32_t cp = kg_utf8_next(&s);
		GUnicodeType t;
		if (cp < 0x20 || cp == 0x7f)
			return true;
		if (cp < 0x80)
			continue;
		t = g_unichar_type(cp);
		if (t == G_UNICODE_CONTROL || t == G_UNICODE_FORMAT ||
		    t == G_UNICODE_LINE_SEPARATOR ||
		    t == G_UNICODE_PARAGRAPH_SEPARATOR)
			return true;
	}
	return false;
}

char *kg_str_quote(apr_pool_t *pool, const char *s, size_t max)
{
	kg_buf b;
	size_t n = 0;

	kg_buf_init(&b, pool, strlen(s) + 8);
	kg_buf_addc(&b, '"');
	while (*s && n < max) {
		uint32_t cp = kg_utf8_next(&s);
		n++;
		if (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\')
			kg_buf_addc(&b, (char)cp);
		else if (cp == '"' || cp == '\\') {
			kg_buf_addc(&b, '\\');
			kg_buf_addc(&b, (char)cp);
		} else
			kg_buf_adds(&b, kg_psprintf(pool,
						    cp > 0xffff ? "\\U%08X"
								: "\\u%04X",
						    (unsigned)cp));
	}
	kg_buf_adds(&b, *s ? "\"..." : "\"");
	return b.data;
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

bool kg_str_to_int(const char *s, long long min, long long max, long long *out)
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
