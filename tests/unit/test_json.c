/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the strict JSON reader (gateway/base/json.c):
 * positions, strictness (duplicates, UTF-8, surrogates, NUL, nesting,
 * trailing text) and the writer.
 */
#include "tests/unit/fixture.h"

#include <apr_strings.h>
#include <string.h>

static bool parse(apr_pool_t *pool, const char *text, size_t len, int depth,
		  kg_json **out, kg_json_error *e)
{
	return kg_json_parse(pool, text, len, depth, out, e);
}

static void test_values_and_keys_carry_line_and_column(void **state)
{
	apr_pool_t *pool = *state;
	const char *text = "{\n  \"a\": [1,\n   true],\n\t\"b\" : null}";
	kg_json *v = NULL, *a;
	kg_json_error e;

	assert_true(parse(pool, text, strlen(text), 64, &v, &e));
	assert_int_equal(v->line, 1);
	assert_int_equal(v->col, 1);
	assert_int_equal(v->members[0].key_line, 2);
	assert_int_equal(v->members[0].key_col, 3);
	a = v->members[0].value;
	assert_int_equal(a->type, KG_JSON_ARRAY);
	assert_int_equal(a->line, 2);
	assert_int_equal(a->col, 8);
	assert_int_equal(a->members[1].value->type, KG_JSON_TRUE);
	assert_int_equal(a->members[1].value->line, 3);
	assert_int_equal(a->members[1].value->col, 4);
	/* a tab counts as one column */
	assert_int_equal(v->members[1].key_line, 4);
	assert_int_equal(v->members[1].key_col, 2);
	assert_int_equal(v->members[1].value->col, 8);
}

static void test_columns_count_characters_not_bytes(void **state)
{
	apr_pool_t *pool = *state;
	/* "é" and "€" are 2 and 3 bytes but one column each */
	const char *text = "{\"\xc3\xa9\xe2\x82\xac\": 1}";
	kg_json *v = NULL;
	kg_json_error e;

	assert_true(parse(pool, text, strlen(text), 64, &v, &e));
	assert_int_equal(v->members[0].value->col, 8);
	assert_string_equal(v->members[0].key, "\xc3\xa9\xe2\x82\xac");
}

typedef struct {
	const char *text;
	size_t len; /* 0: strlen(text) */
	int line, col;
	const char *msg; /* a substring of the reason */
} bad_case;

static void test_bad_input_is_refused_at_its_position(void **state)
{
	apr_pool_t *pool = *state;
	static const bad_case cases[] = {
		/* a repeated key points at the second occurrence */
		{"{\"a\":1,\"a\":2}", 0, 1, 8, "duplicate key"},
		/* duplicates are found after decoding escapes */
		{"{\"a\":1,\n \"\\u0061\":2}", 0, 2, 2, "duplicate key"},
		/* a lone 0xff byte */
		{"[\"ok\",\n \"\xff\"]", 0, 2, 3, "invalid UTF-8"},
		/* a UTF-8 encoded surrogate (CESU) */
		{"\"\xed\xa0\x80\"", 0, 1, 2, "invalid UTF-8"},
		/* an overlong '/' */
		{"\"\xc0\xaf\"", 0, 1, 2, "invalid UTF-8"},
		/* a truncated sequence at the end */
		{"\"\xe2\x82", 0, 1, 2, "invalid UTF-8"},
		/* above U+10FFFF */
		{"\"\xf4\x90\x80\x80\"", 0, 1, 2, "invalid UTF-8"},
		/* a high surrogate alone */
		{"\"\\ud800\"", 0, 1, 8, "unpaired surrogate"},
		/* a low surrogate alone */
		{"\"\\udc00\"", 0, 1, 8, "unpaired surrogate"},
		/* a high surrogate followed by a non-surrogate */
		{"\"\\ud800\\u0041\"", 0, 1, 14, "unpaired surrogate"},
		/* \u0000 would truncate C strings */
		{"\"a\\u0000b\"", 0, 1, 9, "NUL"},
		/* a raw NUL byte in a string */
		{"\"a\0b\"", 5, 1, 3, "control character"},
		/* a raw tab in a string */
		{"\"a\tb\"", 0, 1, 3, "control character"},
		/* text after the value */
		{"{} x", 0, 1, 4, "after the JSON value"},
		/* a second value */
		{"1 2", 0, 1, 3, "after the JSON value"},
		/* a trailing comma */
		{"[1,]", 0, 1, 4, "unexpected character"},
		/* a leading zero */
		{"012", 0, 1, 2, "leading zero"},
		/* a bare minus */
		{"-", 0, 1, 2, "invalid number"},
		/* a fraction without digits */
		{"1.", 0, 1, 3, "invalid number"},
		/* a missing colon */
		{"{\"a\" 1}", 0, 1, 6, "expected ':'"},
		/* an unquoted key */
		{"{a:1}", 0, 1, 2, "string key"},
		/* an unterminated string */
		{"\"abc", 0, 1, 5, "unterminated string"},
		/* a misspelt literal */
		{"tru", 0, 1, 1, "invalid literal"},
		/* an unknown escape */
		{"\"\\x\"", 0, 1, 4, "invalid escape"},
		/* a short \u escape */
		{"\"\\u12\"", 0, 1, 6, "invalid \\u escape"},
		/* nothing at all */
		{"", 0, 1, 1, "unexpected end"},
		/* only blanks */
		{" \n ", 0, 2, 2, "unexpected end"},
		/* a missing ] */
		{"[1", 0, 1, 3, "expected ',' or ']'"},
		/* single quotes are not JSON */
		{"'a'", 0, 1, 1, "unexpected character"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const bad_case *c = &cases[i];
		kg_json *sentinel = (kg_json *)&cases, *v = sentinel;
		kg_json_error e = {0};
		size_t len = c->len ? c->len : strlen(c->text);

		if (parse(pool, c->text, len, 64, &v, &e))
			fail_msg("case %zu was accepted", i);
		if (e.line != c->line || e.col != c->col ||
		    strstr(e.msg, c->msg) == NULL)
			fail_msg(
				"case %zu: got %d:%d \"%s\", want %d:%d \"%s\"",
				i, e.line, e.col, e.msg, c->line, c->col,
				c->msg);
		/* *out is left untouched on failure */
		assert_ptr_equal(v, sentinel);
	}
}

static void test_surrogate_pair_decodes_to_one_code_point(void **state)
{
	apr_pool_t *pool = *state;
	const char *text = "\"\\ud83d\\ude00\\u00e9\\n\\/\"";
	kg_json *v = NULL;
	kg_json_error e;

	assert_true(parse(pool, text, strlen(text), 64, &v, &e));
	assert_string_equal(v->str, "\xf0\x9f\x98\x80\xc3\xa9\n/");
}

static const char *nested(apr_pool_t *pool, int depth)
{
	char *s = apr_palloc(pool, (size_t)depth * 2 + 1);

	memset(s, '[', (size_t)depth);
	memset(s + depth, ']', (size_t)depth);
	s[depth * 2] = '\0';
	return s;
}

static void test_nesting_up_to_the_limit_is_accepted(void **state)
{
	apr_pool_t *pool = *state;
	const char *text = nested(pool, KG_JSON_DEFAULT_DEPTH);
	kg_json *v = NULL;
	kg_json_error e;

	assert_true(
		parse(pool, text, strlen(text), KG_JSON_DEFAULT_DEPTH, &v, &e));
}

static void test_nesting_beyond_the_limit_is_refused(void **state)
{
	apr_pool_t *pool = *state;
	/* one past the limit, and a hostile 100,000 levels (no stack
	 * overflow) */
	static const int depths[] = {KG_JSON_DEFAULT_DEPTH + 1, 100000};

	for (size_t i = 0; i < 2; i++) {
		const char *text = nested(pool, depths[i]);
		kg_json *v = NULL;
		kg_json_error e;

		assert_false(parse(pool, text, strlen(text),
				   KG_JSON_DEFAULT_DEPTH, &v, &e));
		assert_non_null(strstr(e.msg, "nesting too deep"));
		assert_int_equal(e.col, KG_JSON_DEFAULT_DEPTH + 1);
	}
}

/* RFC 8259 8.1: JSON on the network has no byte-order mark; the reader
 * refuses one unless the caller reads an admin's file. */
static void test_a_leading_bom_is_refused_unless_allowed(void **state)
{
	apr_pool_t *pool = *state;
	const char *text = "\xef\xbb\xbf{\"a\":1}";
	kg_json *v = NULL;
	kg_json_error e;

	assert_true(kg_json_has_bom(text, strlen(text)));
	assert_false(kg_json_has_bom(text + 3, strlen(text + 3)));
	assert_false(parse(pool, text, strlen(text), 64, &v, &e));
	assert_null(v);
	assert_non_null(strstr(e.msg, "byte-order mark"));
	assert_int_equal(e.line, 1);
	assert_int_equal(e.col, 1);
	assert_true(kg_json_parse_ex(pool, text, strlen(text), 64,
				     KG_JSON_ALLOW_BOM, &v, &e));
	assert_non_null(kg_json_get(v, "a"));
	/* one mark only, and only at the start */
	text = "\xef\xbb\xbf\xef\xbb\xbf{}";
	assert_false(kg_json_parse_ex(pool, text, strlen(text), 64,
				      KG_JSON_ALLOW_BOM, &v, &e));
	text = " \xef\xbb\xbf{}";
	assert_false(kg_json_parse_ex(pool, text, strlen(text), 64,
				      KG_JSON_ALLOW_BOM, &v, &e));
	/* a U+FEFF inside a string is just a character */
	text = "{\"a\":\"\xef\xbb\xbf\"}";
	assert_true(parse(pool, text, strlen(text), 64, &v, &e));
}

static void test_numbers_keep_their_text_and_integer_flag(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *text;
		bool integer;
	} cases[] = {
		{"3", true},	    /* plain integer */
		{"-0", true},	    /* negative zero */
		{"3.0", false},	    /* a fraction */
		{"1e3", false},	    /* an exponent */
		{"-2.5E-7", false}, /* both */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		kg_json *v = kgt_json(pool, cases[i].text);
		assert_int_equal(v->type, KG_JSON_NUMBER);
		assert_string_equal(v->str, cases[i].text);
		assert_int_equal(v->is_integer, cases[i].integer);
	}
}

static void test_get_finds_members_only_in_objects(void **state)
{
	apr_pool_t *pool = *state;
	kg_json *v = kgt_json(pool, "{'a': {'b': 'x'}, 'c': [1]}");

	assert_string_equal(kg_json_get(kg_json_get(v, "a"), "b")->str, "x");
	assert_null(kg_json_get(v, "b"));
	assert_null(kg_json_get(kg_json_get(v, "c"), "0"));
	assert_null(kg_json_get(NULL, "a"));
}

static void test_writer_escapes_and_round_trips(void **state)
{
	apr_pool_t *pool = *state;
	const char *text = "{\"a\":[1,2.5,true,false,null],"
			   "\"s\":\"q\\\"b\\\\n\\nt\\tc\\u0001\"}";
	kg_json *v = NULL, *back = NULL;
	kg_json_error e;
	kg_buf b;

	assert_true(parse(pool, text, strlen(text), 64, &v, &e));
	kg_buf_init(&b, pool, 16);
	kg_json_write(&b, v);
	assert_string_equal(b.data, text);
	kg_buf_init(&b, pool, 16);
	kg_json_write_pretty(&b, v);
	assert_non_null(strchr(b.data, '\n'));
	assert_true(parse(pool, b.data, b.len, 64, &back, &e));
	assert_true(kg_json_equal(v, back));
}

static void test_equal_ignores_member_order_and_compares_numbers(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *a, *b;
		bool equal;
	} cases[] = {
		/* member order does not matter */
		{"{'a':1,'b':2}", "{'b':2,'a':1}", true},
		/* numbers by value */
		{"10", "1e1", true},
		/* array order matters */
		{"[1,2]", "[2,1]", false},
		/* a missing member */
		{"{'a':1}", "{'a':1,'b':2}", false},
		/* type matters */
		{"'1'", "1", false},
		/* true is not false */
		{"true", "false", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (kg_json_equal(kgt_json(pool, cases[i].a),
				  kgt_json(pool, cases[i].b)) != cases[i].equal)
			fail_msg("case %zu: %s vs %s", i, cases[i].a,
				 cases[i].b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_values_and_keys_carry_line_and_column),
		KGT(test_columns_count_characters_not_bytes),
		KGT(test_bad_input_is_refused_at_its_position),
		KGT(test_surrogate_pair_decodes_to_one_code_point),
		KGT(test_nesting_up_to_the_limit_is_accepted),
		KGT(test_nesting_beyond_the_limit_is_refused),
		KGT(test_a_leading_bom_is_refused_unless_allowed),
		KGT(test_numbers_keep_their_text_and_integer_flag),
		KGT(test_get_finds_members_only_in_objects),
		KGT(test_writer_escapes_and_round_trips),
		KGT(test_equal_ignores_member_order_and_compares_numbers),
	};
	return KGT_RUN(tests);
}
