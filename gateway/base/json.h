/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a strict JSON reader that remembers where every value stood.
 *
 * Admin files must fail with FILE:LINE:COL naming the bad key, so each
 * value and object key carries its line and column (1-based, counted in
 * characters). The reader is strict: RFC 8259 grammar, valid UTF-8, no
 * NUL in strings, no duplicate object keys, a nesting limit, and no
 * byte-order mark (RFC 8259 §8.1: JSON on the network has none), unless
 * the caller reads a file an admin wrote and passes KG_JSON_ALLOW_BOM.
 * The tree lives in the pool passed to kg_json_parse.
 */
#ifndef KG_JSON_H
#define KG_JSON_H

#include "str.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
	KG_JSON_NULL,
	KG_JSON_FALSE,
	KG_JSON_TRUE,
	KG_JSON_NUMBER,
	KG_JSON_STRING,
	KG_JSON_ARRAY,
	KG_JSON_OBJECT
} kg_json_type;

typedef struct kg_json kg_json;

/* An array element (key NULL) or an object member. */
typedef struct {
	const char *key;
	int key_line, key_col;
	kg_json *value;
} kg_json_member;

struct kg_json {
	kg_json_type type;
	int line, col;
	const char *str; /* STRING: decoded text; NUMBER: its source text */
	bool is_integer; /* NUMBER without fraction or exponent */
	size_t count;	 /* ARRAY/OBJECT: number of members */
	kg_json_member *members;
};

typedef struct {
	int line, col;
	char msg[160];
} kg_json_error;

#define KG_JSON_DEFAULT_DEPTH 64

/* Flags of kg_json_parse_ex. */
#define KG_JSON_ALLOW_BOM                                                      \
	0x1u /* skip one leading UTF-8 byte-order mark:                        \
		only for files an admin writes (editors                        \
		on some systems add one) */

/* Parses text[0..len) into *out. On failure returns false and fills e with
 * the position and reason; *out is left untouched. A leading byte-order
 * mark is an error ("byte-order mark"). */
bool kg_json_parse(apr_pool_t *pool, const char *text, size_t len,
		   int max_depth, kg_json **out, kg_json_error *e);

/* kg_json_parse with flags (KG_JSON_ALLOW_BOM). One reader: the flags
 * only change what it accepts before the value. */
bool kg_json_parse_ex(apr_pool_t *pool, const char *text, size_t len,
		      int max_depth, unsigned flags, kg_json **out,
		      kg_json_error *e);

/* True when text[0..len) starts with a UTF-8 byte-order mark. */
bool kg_json_has_bom(const char *text, size_t len);

/* Returns the member value named key of an object, or NULL (also when obj
 * is NULL or not an object). */
const kg_json *kg_json_get(const kg_json *obj, const char *key);

/* Returns the lower-case name of a type ("string", "object", ...). */
const char *kg_json_type_name(kg_json_type type);

/* Appends v as compact JSON. */
void kg_json_write(kg_buf *b, const kg_json *v);

/* Appends v as indented JSON for people to read. */
void kg_json_write_pretty(kg_buf *b, const kg_json *v);

/* True when a and b are the same JSON value (object member order
 * ignored, numbers compared by value). */
bool kg_json_equal(const kg_json *a, const kg_json *b);

/* The string member key of obj, or NULL when absent or not a string. */
const char *kg_json_str(const kg_json *obj, const char *key);

#endif
