/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: strings and the attribute bag (gateway/base/str.c,
 * bag.c): trimming as Java does, case mapping, UTF-8 checks, integers.
 */
#include "tests/unit/fixture.h"

#include "gateway/base/bag.h"
#include "gateway/base/str.h"

#include <string.h>

static void test_trim_drops_everything_up_to_space_like_java(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"  jdoe \n", "jdoe"},	 /* blanks and newline */
		{"\t\r\x01x y\x1f", "x y"}, /* control characters, inner blank kept */
		{"", ""},		 /* empty */
		{"   ", ""},		 /* only blanks */
		{"\xc2\xa0x", "\xc2\xa0x"}, /* NBSP is above U+0020: kept */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_string_equal(kg_str_trim(pool, cases[i].in),
				    cases[i].out);
}

static void test_case_mapping_covers_latin_greek_cyrillic(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *upper, *lower;
	} cases[] = {
		{"JDOE@CORP.COM", "jdoe@corp.com"}, /* ASCII */
		{"\xc3\x89LODIE", "\xc3\xa9lodie"}, /* Élodie */
		{"\xc5\x81\xc3\x93" "D\xc5\xb9", "\xc5\x82\xc3\xb3" "d\xc5\xba"}, /* ŁÓDŹ */
		{"\xce\xa3\xce\x9f", "\xcf\x83\xce\xbf"}, /* ΣΟ */
		{"\xd0\x98\xd0\x81", "\xd0\xb8\xd1\x91"}, /* ИЁ */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		assert_string_equal(kg_str_lower(pool, cases[i].upper),
				    cases[i].lower);
		assert_string_equal(kg_str_upper(pool, cases[i].lower),
				    cases[i].upper);
		assert_true(kg_str_eq_nocase(cases[i].upper, cases[i].lower));
	}
	/* characters without case are copied */
	assert_string_equal(kg_str_lower(pool, "a\xc3\x97_1\xe2\x82\xac"),
			    "a\xc3\x97_1\xe2\x82\xac");
	assert_false(kg_str_eq_nocase("abc", "abcd"));
	assert_false(kg_str_eq_nocase("abd", "ABC"));
}

static void test_utf8_validation_refuses_overlongs_and_surrogates(void **state)
{
	static const struct {
		const char *s;
		bool valid;
	} cases[] = {
		{"plain", true},		  /* ASCII */
		{"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", true}, /* 2, 3, 4 bytes */
		{"\xc0\x80", false},		  /* overlong NUL */
		{"\xe0\x80\xaf", false},	  /* overlong '/' */
		{"\xed\xb0\x80", false},	  /* a surrogate */
		{"\xf4\x90\x80\x80", false},	  /* above U+10FFFF */
		{"\x80", false},		  /* a lone continuation byte */
		{"\xc3", false},		  /* truncated */
		{"\xff", false},		  /* never valid */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		if (kg_utf8_is_valid(cases[i].s, strlen(cases[i].s)) !=
		    cases[i].valid)
			fail_msg("case %zu", i);
}

static void test_integers_parse_whole_and_in_range(void **state)
{
	static const struct {
		const char *s;
		bool ok;
		long long v;
	} cases[] = {
		{"3600", true, 3600},	/* plain */
		{"-5", true, -5},	/* negative within range */
		{"43201", false, 0},	/* above max */
		{"", false, 0},		/* empty */
		{" 1", false, 0},	/* leading blank */
		{"1s", false, 0},	/* trailing text */
		{"+1", false, 0},	/* a sign strtoll would take */
		{"99999999999999999999", false, 0}, /* overflow */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		long long v = 0;
		if (kg_str_to_int(cases[i].s, -10, 43200, &v) != cases[i].ok ||
		    (cases[i].ok && v != cases[i].v))
			fail_msg("case %zu (%s)", i, cases[i].s);
	}
	assert_false(kg_str_to_int(NULL, 0, 1, &(long long){0}));
}

static void test_blank_means_null_or_only_space(void **state)
{
	assert_true(kg_str_is_blank(NULL));
	assert_true(kg_str_is_blank(" \t\n"));
	assert_false(kg_str_is_blank(" x "));
}

static void test_buffer_grows_and_encodes(void **state)
{
	apr_pool_t *pool = *state;
	kg_buf b;

	kg_buf_init(&b, pool, 1);
	for (int i = 0; i < 1000; i++)
		kg_buf_addc(&b, 'x');
	assert_int_equal(b.len, 1000);
	assert_int_equal(strlen(b.data), 1000);
	kg_buf_init(&b, pool, 1);
	kg_buf_add_utf8(&b, 0xe9);
	kg_buf_add_utf8(&b, 0x1f600);
	kg_buf_addf(&b, "%d", 42);
	assert_string_equal(b.data, "\xc3\xa9\xf0\x9f\x98\x80" "42");
	kg_buf_init(&b, pool, 1);
	kg_buf_add_json_string(&b, "a\"\\\n\x01\x7f");
	assert_string_equal(b.data, "\"a\\\"\\\\\\n\\u0001\\u007f\"");
}

static void test_bag_empty_list_removes_and_order_is_kept(void **state)
{
	apr_pool_t *pool = *state;
	kg_bag *bag = kg_bag_make(pool), *copy;

	kg_bag_add(bag, "b", "1");
	kg_bag_add(bag, "a", "x");
	kg_bag_add(bag, "b", "2");
	assert_string_equal(kgt_join(pool, kg_bag_get(bag, "b")), "1,2");
	assert_string_equal(kg_bag_first(bag, "b"), "1");
	copy = kg_bag_copy(pool, bag);
	/* setting an empty list removes the name (Keycloak setAttribute) */
	kg_bag_set(bag, "b", kgt_list(pool, NULL));
	assert_null(kg_bag_get(bag, "b"));
	/* the copy is deep */
	assert_string_equal(kgt_join(pool, kg_bag_get(copy, "b")), "1,2");
	kg_bag_set1(copy, "a", "y");
	assert_string_equal(kg_bag_first(copy, "a"), "y");
	assert_string_equal(kg_bag_first(bag, "a"), "x");
	/* names are exact */
	assert_null(kg_bag_get(copy, "A"));
	kg_bag_remove(copy, "a");
	kg_bag_remove(copy, "absent");
	assert_null(kg_bag_get(copy, "a"));
	assert_true(kg_values_equal(kgt_list(pool, "1", "2", NULL),
				    kg_bag_get(copy, "b")));
	assert_false(kg_values_equal(kgt_list(pool, "2", "1", NULL),
				     kg_bag_get(copy, "b")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_trim_drops_everything_up_to_space_like_java),
		KGT(test_case_mapping_covers_latin_greek_cyrillic),
		KGT(test_utf8_validation_refuses_overlongs_and_surrogates),
		KGT(test_integers_parse_whole_and_in_range),
		KGT(test_blank_means_null_or_only_space),
		KGT(test_buffer_grows_and_encodes),
		KGT(test_bag_empty_list_removes_and_order_is_kept),
	};
	return KGT_RUN(tests);
}
