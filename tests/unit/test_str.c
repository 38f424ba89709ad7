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
		{"  jdoe \n", "jdoe"}, /* blanks and newline */
		{"\t\r\x01x y\x1f",
		 "x y"},     /* control characters, inner blank kept */
		{"", ""},    /* empty */
		{"   ", ""}, /* only blanks */
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
		{"\xc5\x81\xc3\x93"
		 "D\xc5\xb9",
		 "\xc5\x82\xc3\xb3"
		 "d\xc5\xba"},				  /* ŁÓDŹ */
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

/* Keycloak stores usernames with Java's String.toLowerCase: every
 * script, the special cases Java applies in an English locale, and no
 * compatibility folding (the expected values are Java's and Python's
 * str.lower, which agree on all of them). */
static void test_lower_case_follows_java_for_every_script(void **state)
{
	apr_pool_t *pool = *state;
	static const struct {
		const char *what, *in, *out;
	} cases[] = {
		/* full-width stays full-width: ＡＬＩＣＥ -> ａｌｉｃｅ, never
		 * the ASCII alice (another user) */
		{"full-width",
		 "\xef\xbc\xa1\xef\xbc\xac\xef\xbc\xa9\xef\xbc\xa3"
		 "\xef\xbc\xa5",
		 "\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd"
		 "\x85"},
		{"full-width mixed with ASCII", "A\xef\xbc\xa4MIN",
		 "a\xef\xbd\x84min"},
		{"Latin Extended-B and titlecase digraphs",
		 "\xc7\x84\xc7\x85\xc6\x8f",
		 "\xc7\x86\xc7\x86\xc9\x99"}, /* Ǆǅ Ə */
		{"Latin Extended Additional", "\xe1\xba\xa0\xe1\xbb\xb2",
		 "\xe1\xba\xa1\xe1\xbb\xb3"}, /* ẠỲ */
		{"Armenian", "\xd4\xb1\xd5\x80", "\xd5\xa1\xd5\xb0"}, /* ԱՀ */
		{"Georgian Mtavruli", "\xe1\xb2\x90",
		 "\xe1\x83\x90"},				/* Ა -> ა */
		{"Cherokee", "\xe1\x8e\xa0", "\xea\xad\xb0"},	/* Ꭰ -> ꭰ */
		{"Glagolitic", "\xe2\xb0\x80", "\xe2\xb0\xb0"}, /* Ⰰ -> ⰰ */
		{"Coptic", "\xe2\xb2\x80", "\xe2\xb2\x81"},	/* Ⲁ -> ⲁ */
		{"Deseret (4 bytes)", "\xf0\x90\x90\x80", "\xf0\x90\x90\xa8"},
		{"Adlam", "\xf0\x9e\xa4\x80", "\xf0\x9e\xa4\xa2"},
		{"Roman numeral (Nl)", "\xe2\x85\xab", "\xe2\x85\xbb"}, /* Ⅻ */
		{"circled letter (So)", "\xe2\x92\xb6", "\xe2\x93\x90"}, /* Ⓐ */
		{"I with dot above: i + combining dot", "\xc4\xb0STANBUL",
		 "i\xcc\x87stanbul"},
		{"dotless i has no lower case", "\xc4\xb1", "\xc4\xb1"},
		{"Kelvin sign", "\xe2\x84\xaa", "k"},
		{"final sigma at a word's end",
		 "\xce\x9f\xce\x94\xce\x9f\xce\xa3",
		 "\xce\xbf\xce\xb4\xce\xbf\xcf\x82"}, /* ΟΔΟΣ -> οδος */
		{"a lone sigma is not final", "\xce\xa3", "\xcf\x83"},
		{"sigma before a dot and a letter", "\xce\x91\xce\xa3.\xce\x92",
		 "\xce\xb1\xcf\x83.\xce\xb2"},
		{"sigma before a space", "\xce\x91\xce\xa3 x",
		 "\xce\xb1\xcf\x82 x"},
		{"ligatures have no lower case", "\xef\xac\x80",
		 "\xef\xac\x80"},
		{"ASCII only", "Admin_01@Corp", "admin_01@corp"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *got = kg_str_lower(pool, cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("%s: got \"%s\"", cases[i].what, got);
	}
	/* full-width is a different user */
	assert_false(kg_str_eq_nocase("\xef\xbd\x81"
				      "dmin",
				      "admin"));
	/* upper case: simple mappings and SpecialCasing's expansions */
	assert_string_equal(kg_str_upper(pool, "stra\xc3\x9f"
					       "e"),
			    "STRASSE");
	assert_string_equal(kg_str_upper(pool, "\xef\xac\x81"), "FI");
	assert_string_equal(kg_str_upper(pool, "\xe2\x93\x90\xe2\x85\xbb"),
			    "\xe2\x92\xb6\xe2\x85\xab");
	assert_string_equal(kg_str_upper(pool, "\xcd\x85\xcd\x85"),
			    "\xce\x99\xce\x99"); /* two iota subscripts */
	assert_true(kg_str_eq_nocase("\xcf\x82", "\xcf\x83")); /* ς σ */
	assert_true(kg_str_eq_nocase("\xe2\x84\xaa", "k"));
}

/* What a username check needs to see: white space at either end
 * (ASCII or Unicode) and control or invisible format characters. */
static void test_outer_space_and_controls_are_seen(void **state)
{
	static const struct {
		const char *s;
		bool space, control;
	} cases[] = {
		{"admin", false, false},
		{"admin ", true, false},
		{" admin", true, false},
		{"\tadmin", true, true},
		{"john smith", false, false},	/* inner space */
		{"admin\xc2\xa0", true, false}, /* NBSP */
		{"\xe3\x80\x80"
		 "admin",
		 true, false},			    /* ideographic space */
		{"admin\xc2\x85", true, true},	    /* NEL (C1) */
		{"ad\x01min", false, true},	    /* C0 */
		{"ad\x7fmin", false, true},	    /* DEL */
		{"ad\xe2\x80\x8bmin", false, true}, /* zero-width space */
		{"ad\xc2\xad"
		 "min",
		 false, true}, /* soft hyphen */
		{"\xe2\x80\xae"
		 "nimda",
		 false, true},			    /* right-to-left override */
		{"admin\xef\xbb\xbf", false, true}, /* U+FEFF */
		{"ad\xe2\x80\xa8min", false, true}, /* line separator */
		{"", false, false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (kg_str_has_outer_space(cases[i].s) != cases[i].space ||
		    kg_str_has_control(cases[i].s) != cases[i].control)
			fail_msg("case %zu", i);
	}
}

/* Values in log lines and messages: lookalikes and controls show. */
static void test_quote_escapes_what_does_not_show(void **state)
{
	apr_pool_t *pool = *state;

	assert_string_equal(kg_str_quote(pool, "admin", 64), "\"admin\"");
	assert_string_equal(kg_str_quote(pool, "admin \t\"\\", 64),
			    "\"admin \\u0009\\\"\\\\\"");
	assert_string_equal(kg_str_quote(pool, "\xef\xbd\x81\xe2\x80\x8b", 64),
			    "\"\\uFF41\\u200B\"");
	assert_string_equal(kg_str_quote(pool, "\xf0\x90\x90\x80", 64),
			    "\"\\U00010400\"");
	assert_string_equal(kg_str_quote(pool, "abcdef", 3), "\"abc\"...");
}

static void test_utf8_validation_refuses_overlongs_and_surrogates(void **state)
{
	static const struct {
		const char *s;
		bool valid;
	} cases[] = {
		{"plain", true}, /* ASCII */
		{"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		 true},			     /* 2, 3, 4 bytes */
		{"\xc0\x80", false},	     /* overlong NUL */
		{"\xe0\x80\xaf", false},     /* overlong '/' */
		{"\xed\xb0\x80", false},     /* a surrogate */
		{"\xf4\x90\x80\x80", false}, /* above U+10FFFF */
		{"\x80", false},	     /* a lone continuation byte */
		{"\xc3", false},	     /* truncated */
		{"\xff", false},	     /* never valid */
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
		{"3600", true, 3600}, /* plain */
		{"-5", true, -5},     /* negative within range */
		{"43201", false, 0},  /* above max */
		{"", false, 0},	      /* empty */
		{" 1", false, 0},     /* leading blank */
		{"1s", false, 0},     /* trailing text */
		{"+1", false, 0},     /* a sign strtoll would take */
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
	assert_string_equal(b.data, "\xc3\xa9\xf0\x9f\x98\x80"
				    "42");
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
		KGT(test_lower_case_follows_java_for_every_script),
		KGT(test_outer_space_and_controls_are_seen),
		KGT(test_quote_escapes_what_does_not_show),
		KGT(test_utf8_validation_refuses_overlongs_and_surrogates),
		KGT(test_integers_parse_whole_and_in_range),
		KGT(test_blank_means_null_or_only_space),
		KGT(test_buffer_grows_and_encodes),
		KGT(test_bag_empty_list_removes_and_order_is_kept),
	};
	return KGT_RUN(tests);
}
