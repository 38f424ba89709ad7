/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a strict JSON reader that remembers where every value stood.
 */
#include "json.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	apr_pool_t *pool;
	const char *p, *end;
	int line, col;
	int depth, max_depth;
	kg_json_error *e;
	jmp_buf fail;
} json_reader;

static kg_json *read_value(json_reader *r);

/* Records the error at the reader's position and unwinds to the parser's
 * entry point. Nothing the parser allocated needs freeing: it is pool
 * memory. */
static _Noreturn void fail_at(json_reader *r, int line, int col,
			      const char *msg)
{
	r->e->line = line;
	r->e->col = col;
	snprintf(r->e->msg, sizeof(r->e->msg), "%s", msg);
	longjmp(r->fail, 1);
}

static _Noreturn void fail_here(json_reader *r, const char *msg)
{
	fail_at(r, r->line, r->col, msg);
}

/* Advances one byte; columns count characters, so continuation bytes do
 * not move the column. */
static void advance(json_reader *r)
{
	if (*r->p == '\n') {
		r->line++;
		r->col = 1;
	} else if (((unsigned char)*r->p & 0xc0) != 0x80) {
		r->col++;
	}
	r->p++;
}

static void skip_space(json_reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		advance(r);
}

static void expect_literal(json_reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		fail_here(r, "invalid literal");
	for (size_t i = 0; i < n; i++)
		advance(r);
}

static uint32_t read_hex4(json_reader *r)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int h = r->p < r->end ? kg_hex_value(*r->p) : -1;
		if (h < 0)
			fail_here(r, "invalid \\u escape");
		v = (v << 4) | (uint32_t)h;
		advance(r);
	}
	return v;
}

static uint32_t read_escape(json_reader *r)
{
	char c;

	if (r->p >= r->end)
		fail_here(r, "unterminated string");
	c = *r->p;
	advance(r);
	switch (c) {
	case '"':
	case '\\':
	case '/':
		return (uint32_t)c;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'u': {
		uint32_t cp = read_hex4(r);
		if (cp >= 0xdc00 && cp <= 0xdfff)
			fail_here(r, "unpaired surrogate in \\u escape");
		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo;
			if (r->end - r->p < 2 || r->p[0] != '\\' ||
			    r->p[1] != 'u')
				fail_here(r,
					  "unpaired surrogate in \\u escape");
			advance(r);
			advance(r);
			lo = read_hex4(r);
			if (lo < 0xdc00 || lo > 0xdfff)
				fail_here(r,
					  "unpaired surrogate in \\u escape");
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (cp == 0)
			fail_here(r, "NUL character in string");
		return cp;
	}
	default:
		fail_here(r, "invalid escape in string");
	}
}

/* Reads a string literal (at its opening quote) and returns its decoded,
 * NUL-terminated text. */
static const char *read_string(json_reader *r)
{
	kg_buf b;
	const char *run;

	advance(r);
	kg_buf_init(&b, r->pool, 32);
	run = r->p;
	for (;;) {
		unsigned char c;
		if (r->p >= r->end)
			fail_here(r, "unterminated string");
		c = (unsigned char)*r->p;
		if (c == '"' || c == '\\') {
			kg_buf_add(&b, run, (size_t)(r->p - run));
			advance(r);
			if (c == '"')
				return b.data;
			kg_buf_add_utf8(&b, read_escape(r));
			run = r->p;
			continue;
		}
		if (c < 0x20)
			fail_here(r, "control character in string");
		advance(r);
	}
}

static void read_digits(json_reader *r)
{
	if (r->p >= r->end || *r->p < '0' || *r->p > '9')
		fail_here(r, "invalid number");
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		advance(r);
}

static void read_number(json_reader *r, kg_json *v)
{
	const char *start = r->p;

	v->is_integer = true;
	if (*r->p == '-')
		advance(r);
	if (r->p < r->end && *r->p == '0') {
		advance(r);
		if (r->p < r->end && *r->p >= '0' && *r->p <= '9')
			fail_here(r, "leading zero in number");
	} else {
		read_digits(r);
	}
	if (r->p < r->end && *r->p == '.') {
		v->is_integer = false;
		advance(r);
		read_digits(r);
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		v->is_integer = false;
		advance(r);
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			advance(r);
		read_digits(r);
	}
	v->str = apr_pstrmemdup(r->pool, start, (size_t)(r->p - start));
}

static void finish_members(kg_json *v, apr_array_header_t *members)
{
	v->count = (size_t)members->nelts;
	v->members = (kg_json_member *)members->elts;
}

static void read_array(json_reader *r, kg_json *v)
{
	apr_array_header_t *items =
		apr_array_make(r->pool, 4, sizeof(kg_json_member));

	advance(r);
	skip_space(r);
	if (r->p < r->end && *r->p == ']') {
		advance(r);
		finish_members(v, items);
		return;
	}
	for (;;) {
		kg_json_member *m = apr_array_push(items);
		m->key = NULL;
		m->value = read_value(r);
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			advance(r);
			continue;
		}
		if (r->p < r->end && *r->p == ']') {
			advance(r);
			finish_members(v, items);
			return;
		}
		fail_here(r, "expected ',' or ']' in array");
	}
}

static void read_object(json_reader *r, kg_json *v)
{
	apr_array_header_t *members =
		apr_array_make(r->pool, 4, sizeof(kg_json_member));
	apr_hash_t *seen = apr_hash_make(r->pool);

	advance(r);
	skip_space(r);
	if (r->p < r->end && *r->p == '}') {
		advance(r);
		finish_members(v, members);
		return;
	}
	for (;;) {
		kg_json_member *m;
		int line = r->line, col = r->col;
		const char *key;

		if (r->p >= r->end || *r->p != '"')
			fail_here(r, "expected a string key in object");
		key = read_string(r);
		if (apr_hash_get(seen, key, APR_HASH_KEY_STRING) != NULL)
			fail_at(r, line, col, "duplicate key in object");
		apr_hash_set(seen, key, APR_HASH_KEY_STRING, key);
		skip_space(r);
		if (r->p >= r->end || *r->p != ':')
			fail_here(r, "expected ':' after object key");
		advance(r);
		m = apr_array_push(members);
		m->key = key;
		m->key_line = line;
		m->key_col = col;
		m->value = read_value(r);
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			advance(r);
			skip_space(r);
			continue;
		}
		if (r->p < r->end && *r->p == '}') {
			advance(r);
			finish_members(v, members);
			return;
		}
		fail_here(r, "expected ',' or '}' in object");
	}
}

static kg_json *read_value(json_reader *r)
{
	kg_json *v;

	skip_space(r);
	if (r->p >= r->end)
		fail_here(r, "unexpected end of input");
	v = apr_pcalloc(r->pool, sizeof(*v));
	v->line = r->line;
	v->col = r->col;
	switch (*r->p) {
	case '{':
	case '[':
		if (++r->depth > r->max_depth)
			fail_here(r, "nesting too deep");
		if (*r->p == '{') {
			v->type = KG_JSON_OBJECT;
			read_object(r, v);
		} else {
			v->type = KG_JSON_ARRAY;
			read_array(r, v);
		}
		r->depth--;
		break;
	case '"':
		v->type = KG_JSON_STRING;
		v->str = read_string(r);
		break;
	case 't':
		v->type = KG_JSON_TRUE;
		expect_literal(r, "true");
		break;
	case 'f':
		v->type = KG_JSON_FALSE;
		expect_literal(r, "false");
		break;
	case 'n':
		v->type = KG_JSON_NULL;
		expect_literal(r, "null");
		break;
	default:
		if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
			v->type = KG_JSON_NUMBER;
			read_number(r, v);
		} else {
			fail_here(r, "unexpected character");
		}
	}
	return v;
}

/* Finds the line and column of the first invalid UTF-8 sequence. */
static void locate_bad_utf8(const char *text, size_t len, kg_json_error *e)
{
	size_t good = 0;
	int line = 1, col = 1;

	while (good < len) {
		size_t step = 1;
		unsigned char c = (unsigned char)text[good];
		if (c >= 0xf0)
			step = 4;
		else if (c >= 0xe0)
			step = 3;
		else if (c >= 0xc0)
			step = 2;
		if (good + step > len || !kg_utf8_is_valid(text + good, step))
			break;
		if (c == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
		good += step;
	}
	e->line = line;
	e->col = col;
	snprintf(e->msg, sizeof(e->msg), "invalid UTF-8");
}

bool kg_json_has_bom(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0;
}

bool kg_json_parse(apr_pool_t *pool, const char *text, size_t len,
		   int max_depth, kg_json **out, kg_json_error *e)
{
	return kg_json_parse_ex(pool, text, len, max_depth, 0, out, e);
}

bool kg_json_parse_ex(apr_pool_t *pool, const char *text, size_t len,
		      int max_depth, unsigned flags, kg_json **out,
		      kg_json_error *e)
{
	json_reader r = {.pool = pool,
			 .p = text,
			 .end = text + len,
			 .line = 1,
			 .col = 1,
			 .max_depth = max_depth,
			 .e = e};
	kg_json *root;

	if (!kg_utf8_is_valid(text, len)) {
		locate_bad_utf8(text, len, e);
		return false;
	}
	if (kg_json_has_bom(text, len)) {
		if (!(flags & KG_JSON_ALLOW_BOM)) {
			e->line = 1;
			e->col = 1;
			snprintf(e->msg, sizeof(e->msg),
				 "byte-order mark (RFC 8259 8.1: JSON text "
				 "must not begin with one)");
			return false;
		}
		r.p += 3;
	}
	if (setjmp(r.fail) != 0)
		return false;
	root = read_value(&r);
	skip_space(&r);
	if (r.p != r.end)
		fail_here(&r, "unexpected text after the JSON value");
	*out = root;
	return true;
}

const kg_json *kg_json_get(const kg_json *obj, const char *key)
{
	if (obj == NULL || obj->type != KG_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->count; i++) {
		if (strcmp(obj->members[i].key, key) == 0)
			return obj->members[i].value;
	}
	return NULL;
}

const char *kg_json_type_name(kg_json_type type)
{
	static const char *const names[] = {"null",   "boolean", "boolean",
					    "number", "string",	 "array",
					    "object"};
	return names[type];
}

void kg_json_write(kg_buf *b, const kg_json *v)
{
	switch (v->type) {
	case KG_JSON_NULL:
		kg_buf_adds(b, "null");
		return;
	case KG_JSON_FALSE:
		kg_buf_adds(b, "false");
		return;
	case KG_JSON_TRUE:
		kg_buf_adds(b, "true");
		return;
	case KG_JSON_NUMBER:
		kg_buf_adds(b, v->str);
		return;
	case KG_JSON_STRING:
		kg_buf_add_json_string(b, v->str);
		return;
	case KG_JSON_ARRAY:
	case KG_JSON_OBJECT:
		kg_buf_addc(b, v->type == KG_JSON_ARRAY ? '[' : '{');
		for (size_t i = 0; i < v->count; i++) {
			if (i > 0)
				kg_buf_addc(b, ',');
			if (v->type == KG_JSON_OBJECT) {
				kg_buf_add_json_string(b, v->members[i].key);
				kg_buf_addc(b, ':');
			}
			kg_json_write(b, v->members[i].value);
		}
		kg_buf_addc(b, v->type == KG_JSON_ARRAY ? ']' : '}');
	}
}

static void write_indent(kg_buf *b, int depth)
{
	kg_buf_addc(b, '\n');
	for (int i = 0; i < depth; i++)
		kg_buf_adds(b, "  ");
}

/* Writes v with two-space indentation; empty containers and arrays of
 * scalars stay on one line. */
static void write_pretty(kg_buf *b, const kg_json *v, int depth)
{
	bool flat = v->count == 0;

	if (v->type != KG_JSON_ARRAY && v->type != KG_JSON_OBJECT) {
		kg_json_write(b, v);
		return;
	}
	if (v->type == KG_JSON_ARRAY) {
		flat = true;
		for (size_t i = 0; i < v->count; i++) {
			kg_json_type t = v->members[i].value->type;
			if (t == KG_JSON_ARRAY || t == KG_JSON_OBJECT)
				flat = false;
		}
	}
	if (flat) {
		kg_json_write(b, v);
		return;
	}
	kg_buf_addc(b, v->type == KG_JSON_ARRAY ? '[' : '{');
	for (size_t i = 0; i < v->count; i++) {
		if (i > 0)
			kg_buf_addc(b, ',');
		write_indent(b, depth + 1);
		if (v->type == KG_JSON_OBJECT) {
			kg_buf_add_json_string(b, v->members[i].key);
			kg_buf_adds(b, ": ");
		}
		write_pretty(b, v->members[i].value, depth + 1);
	}
	write_indent(b, depth);
	kg_buf_addc(b, v->type == KG_JSON_ARRAY ? ']' : '}');
}

void kg_json_write_pretty(kg_buf *b, const kg_json *v)
{
	write_pretty(b, v, 0);
}

bool kg_json_equal(const kg_json *a, const kg_json *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case KG_JSON_NUMBER:
		return strtod(a->str, NULL) == strtod(b->str, NULL);
	case KG_JSON_STRING:
		return strcmp(a->str, b->str) == 0;
	case KG_JSON_ARRAY:
		if (a->count != b->count)
			return false;
		for (size_t i = 0; i < a->count; i++) {
			if (!kg_json_equal(a->members[i].value,
					   b->members[i].value))
				return false;
		}
		return true;
	case KG_JSON_OBJECT:
		if (a->count != b->count)
			return false;
		for (size_t i = 0; i < a->count; i++) {
			const kg_json *other =
				kg_json_get(b, a->members[i].key);
			if (other == NULL ||
			    !kg_json_equal(a->members[i].value, other))
				return false;
		}
		return true;
	default:
		return true;
	}
}

const char *kg_json_str(const kg_json *obj, const char *key)
{
	const kg_json *v = kg_json_get(obj, key);

	return v && v->type == KG_JSON_STRING ? v->str : NULL;
}
