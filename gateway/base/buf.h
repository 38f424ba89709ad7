/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a growable byte buffer in a pool, for building text (JSON,
 * pages, log details). Appending never fails: the pool aborts on
 * exhaustion, as APR pools do.
 */
#ifndef KG_BASE_BUF_H
#define KG_BASE_BUF_H

#include <apr_pools.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer whose storage lives in pool. data is always
 * NUL-terminated. */
typedef struct {
	apr_pool_t *pool;
	char *data;
	size_t len;
	size_t cap;
} kg_buf;

void kg_buf_init(kg_buf *b, apr_pool_t *pool, size_t cap);
void kg_buf_add(kg_buf *b, const char *s, size_t n);
void kg_buf_adds(kg_buf *b, const char *s);
void kg_buf_addc(kg_buf *b, char c);
/* Appends the UTF-8 encoding of code point cp. */
void kg_buf_add_utf8(kg_buf *b, uint32_t cp);
void kg_buf_addf(kg_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void kg_buf_add_json_string(kg_buf *b, const char *s);

#endif
