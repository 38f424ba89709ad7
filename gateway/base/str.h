/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: strings: pool printf, UTF-8 checks, trimming and case
 * mapping. The growable buffer (kg_buf) is in buf.h, included here
 * because most string users build text with it.
 *
 * Everything returned is allocated in the pool the caller passes and lives
 * as long as that pool.
 */
#ifndef KG_STR_H
#define KG_STR_H

#include "buf.h"

#include <apr_pools.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* printf into pool memory with the C library's formatter (%zu, %lld and
 * friends work; APR's own formatter knows neither and crashes on them).
 * Use these, never apr_psprintf, in keygate code. */
char *kg_psprintf(apr_pool_t *pool, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *kg_pvsprintf(apr_pool_t *pool, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* True when s[0..len) is well-formed UTF-8: no overlongs, no surrogates,
 * nothing above U+10FFFF. */
bool kg_utf8_is_valid(const char *s, size_t len);

/* Decodes one code point at *p (which must be valid UTF-8) and advances
 * *p past it. */
uint32_t kg_utf8_next(const char **p);

/* Returns a copy of s without leading and trailing characters <= U+0020,
 * as Java's String.trim does. */
char *kg_str_trim(apr_pool_t *pool, const char *s);

/* Returns s lower-cased as Java's String.toLowerCase(Locale.ENGLISH)
 * does, which is what Keycloak stores usernames and emails with: every
 * script's letters by UnicodeData's mapping (GLib's tables), the Roman
 * numerals and circled letters too, U+0130 to "i" + U+0307, and a
 * capital sigma at the end of a word to the final sigma. No
 * compatibility folding: full-width ＡＬＩＣＥ becomes full-width
 * ａｌｉｃｅ, never ASCII alice. Locale-independent; ASCII text takes a
 * byte loop. */
char *kg_str_lower(apr_pool_t *pool, const char *s);

/* Returns s upper-cased likewise (String.toUpperCase(Locale.ENGLISH)):
 * simple mappings, and SpecialCasing's expansions (ß to SS) where a
 * letter has no simple upper case. */
char *kg_str_upper(apr_pool_t *pool, const char *s);

/* Case-insensitive equality as Java's equalsIgnoreCase: code point by
 * code point, equal when their upper or lower cases are. */
bool kg_str_eq_nocase(const char *a, const char *b);

/* True when s (valid UTF-8) starts or ends with white space: a
 * character up to U+0020 (what Java's String.trim drops), a C1 control,
 * or Unicode white space (NBSP, ideographic space, ...). */
bool kg_str_has_outer_space(const char *s);

/* True when s (valid UTF-8) holds a control character anywhere: C0,
 * DEL, C1, a format character (zero-width space and joiners, bidi
 * controls, soft hyphen, U+FEFF) or a line or paragraph separator. */
bool kg_str_has_control(const char *s);

/* s (valid UTF-8) in double quotes for a log line or message: printable
 * ASCII as is (with \" and \\), every other character as \uXXXX (or
 * \UXXXXXXXX), so white space, controls and lookalikes show; at most max
 * characters, then "...". */
char *kg_str_quote(apr_pool_t *pool, const char *s, size_t max);

/* True when s is NULL or has only characters <= U+0020. */
bool kg_str_is_blank(const char *s);

/* Writes the lower-case hex of in[0..n) and a NUL into out[2n + 1]. */
void kg_hex(const unsigned char *in, size_t n, char *out);

/* The value of hex digit c, or -1. */
int kg_hex_value(char c);

/* Percent-encodes every byte of s outside RFC 3986's unreserved set
 * (A-Z a-z 0-9 - . _ ~), for a query parameter value. */
char *kg_str_url_encode(apr_pool_t *pool, const char *s);

/* Decodes %XX escapes and '+' (as a space) of a query or form value.
 * Returns NULL when an escape is malformed or decodes to NUL. */
char *kg_str_url_decode(apr_pool_t *pool, const char *s, size_t len);

/* Parses a whole decimal integer in [min, max]; false on anything else. */
bool kg_str_to_int(const char *s, long long min, long long max, long long *out);

#endif
