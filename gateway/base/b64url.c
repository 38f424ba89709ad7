/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: base64url without padding.
 */
#include "gateway/base/b64url.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *kg_b64url_encode(apr_pool_t *pool, const unsigned char *data, size_t len)
{
	char *out = apr_palloc(pool, (len + 2) / 3 * 4 + 1), *p = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned long v = (unsigned long)data[i] << 16 |
				  (unsigned long)data[i + 1] << 8 | data[i + 2];
		*p++ = b64url[(v >> 18) & 63];
		*p++ = b64url[(v >> 12) & 63];
		*p++ = b64url[(v >> 6) & 63];
		*p++ = b64url[v & 63];
	}
	if (i < len) {
		unsigned long v = (unsigned long)data[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)data[i + 1] << 8;
		*p++ = b64url[(v >> 18) & 63];
		*p++ = b64url[(v >> 12) & 63];
		if (i + 1 < len)
			*p++ = b64url[(v >> 6) & 63];
	}
	*p = '\0';
	return out;
}

/* The 6-bit value of c, or -1 outside the base64url alphabet. */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

bool kg_b64url_decode(apr_pool_t *pool, const char *s, size_t len,
		      unsigned char **out, size_t *out_len)
{
	unsigned char *buf, *p;
	unsigned long acc = 0;
	int bits = 0;

	if (len % 4 == 1)
		return false;
	buf = p = apr_palloc(pool, len / 4 * 3 + 3);
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(s[i]);
		if (v < 0)
			return false;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			*p++ = (unsigned char)(acc >> bits);
		}
	}
	if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
		return false; /* non-canonical: stray bits after the last byte
			       */
	*p = '\0';
	*out = buf;
	*out_len = (size_t)(p - buf);
	return true;
}
