/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the growable pool buffer.
 */
#include "buf.h"
#include "str.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void kg_buf_init(kg_buf *b, apr_pool_t *pool, size_t cap)
{
	b->pool = pool;
	b->cap = cap < 16 ? 16 : cap;
	b->data = apr_palloc(pool, b->cap);
	b->len = 0;
	b->data[0] = '\0';
}

static void buf_reserve(kg_buf *b, size_t extra)
{
	char *grown;
	size_t cap = b->cap;

	if (b->len + extra + 1 <= cap)
		return;
	while (b->len + extra + 1 > cap)
		cap *= 2;
	grown = apr_palloc(b->pool, cap);
	memcpy(grown, b->data, b->len + 1);
	b->data = grown;
	b->cap = cap;
}

void kg_buf_add(kg_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void kg_buf_adds(kg_buf *b, const char *s)
{
	kg_buf_add(b, s, strlen(s));
}

void kg_buf_addc(kg_buf *b, char c)
{
	kg_buf_add(b, &c, 1);
}

void kg_buf_add_utf8(kg_buf *b, uint32_t cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	kg_buf_add(b, out, n);
}

void kg_buf_addf(kg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void kg_buf_add_json_string(kg_buf *b, const char *s)
{
	kg_buf_addc(b, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"':
			kg_buf_add(b, "\\\"", 2);
			break;
		case '\\':
			kg_buf_add(b, "\\\\", 2);
			break;
		case '\n':
			kg_buf_add(b, "\\n", 2);
			break;
		case '\r':
			kg_buf_add(b, "\\r", 2);
			break;
		case '\t':
			kg_buf_add(b, "\\t", 2);
			break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				kg_buf_addf(b, "\\u%04x", *c);
			else
				kg_buf_addc(b, (char)*c);
		}
	}
	kg_buf_addc(b, '"');
}
