/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the log formatter (gateway/base/log.c) with
 * hostile values: quotes, newlines, '=', spaces, backslashes, unicode
 * that reorders or breaks lines, bytes that are not UTF-8, long values.
 */
#include "tests/unit/fixture.h"

#include "gateway/base/log.h"

#include <stdio.h>
#include <string.h>

typedef struct {
	char line[4096];
	const char *id;
	int calls;
} capture;

static void sink(void *baton, kg_log_level level, const char *id,
		 const char *line)
{
	capture *c = baton;

	snprintf(c->line, sizeof(c->line), "%s", line);
	c->id = id;
	c->calls++;
}

/* The line one value v makes in "user=%s x=1". */
static const char *one(capture *c, const char *v)
{
	kg_log log = {.max = KG_LOG_DEBUG, .fn = sink, .baton = c};

	kg_log_emit(&log, KG_LOG_NOTICE, "KG-0819", "user=%s x=1", v);
	return c->line;
}

static void test_plain_values_stay_bare(void **state)
{
	capture c = {0};

	assert_string_equal(one(&c, "jdoe"), "user=jdoe x=1");
	assert_string_equal(one(&c, "jdoe@corp.com"), "user=jdoe@corp.com x=1");
	assert_string_equal(one(&c, "a/b:c-d_e.f+g"), "user=a/b:c-d_e.f+g x=1");
	assert_int_equal(c.calls, 3);
}

static void test_hostile_values_are_quoted_and_escaped(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"a b", "user=\"a b\" x=1"},
		{"", "user=\"\" x=1"},
		{"x role=SysAdmin", "user=\"x role=SysAdmin\" x=1"},
		{"a=b", "user=\"a=b\" x=1"},
		{"a\"b", "user=\"a\\\"b\" x=1"},
		{"\" admin=\"1", "user=\"\\\" admin=\\\"1\" x=1"},
		{"a\\", "user=\"a\\\\\" x=1"},
		{"a\nKG-0500 AUDIT login ok",
		 "user=\"a\\nKG-0500 AUDIT login ok\" x=1"},
		{"a\r\tb\x01\x7f", "user=\"a\\r\\tb\\x01\\x7f\" x=1"},
		/* UTF-8 kept; line and paragraph separators, bidi overrides,
		 * C1 controls and BOM escaped */
		{"J\xc3\xb6rg", "user=\"J\xc3\xb6rg\" x=1"},
		{"a\xe2\x80\xa8"
		 "b",
		 "user=\"a\\u2028b\" x=1"},
		{"\xe2\x80\xae"
		 "nimda",
		 "user=\"\\u202enimda\" x=1"},
		{"\xc2\x85", "user=\"\\u0085\" x=1"},
		{"\xef\xbb\xbfx", "user=\"\\ufeffx\" x=1"},
		/* not UTF-8: each bad byte as \xNN */
		{"a\xff\xc3", "user=\"a\\xff\\xc3\" x=1"},
		{"\xc0\xaf", "user=\"\\xc0\\xaf\" x=1"},
		{"\xed\xa0\x80", "user=\"\\xed\\xa0\\x80\" x=1"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		capture c = {0};
		assert_string_equal(one(&c, cases[i].in), cases[i].out);
		assert_null(strchr(c.line, '\n'));
	}
}

static void test_null_and_numbers_and_precision(void **state)
{
	capture c = {0};
	kg_log log = {.max = KG_LOG_DEBUG, .fn = sink, .baton = &c};

	const char *volatile none = NULL; /* not a constant to gcc */

	kg_log_emit(&log, KG_LOG_INFO, NULL,
		    "a=%s b=%d c=%lld d=%zu e=%u f=%.3s g=%c h=%ld 100%%", none,
		    -5, -9000000000LL, (size_t)7, 4000000000U, "abcdef", 'q',
		    -1L);
	assert_string_equal(c.line, "a=- b=-5 c=-9000000000 d=7 e=4000000000 "
				    "f=abc g=q h=-1 100%");
	assert_null(c.id);
}

static void test_free_text_values_are_quoted_too(void **state)
{
	capture c = {0};
	kg_log log = {.max = KG_LOG_DEBUG, .fn = sink, .baton = &c};

	kg_log_emit(&log, KG_LOG_WARN, "KG-0101", "mapper file rejected: %s",
		    "bad json user=admin");
	assert_string_equal(c.line,
			    "mapper file rejected: \"bad json user=admin\"");
}

static void test_fragments_pass_on_verbatim(void **state)
{
	capture c = {0};
	kg_log log = {.max = KG_LOG_DEBUG, .fn = sink, .baton = &c};
	char frag[128];

	kg_log_format(frag, sizeof(frag), "idp=%s detail=%s", "corp", "x y\n");
	assert_string_equal(frag, "idp=corp detail=\"x y\\n\"");
	kg_log_emit(&log, KG_LOG_WARN, "KG-0521", "REJECT reason=%s %-s", "r",
		    frag);
	assert_string_equal(c.line,
			    "REJECT reason=r idp=corp detail=\"x y\\n\"");
}

static void test_long_values_are_cut_and_still_closed(void **state)
{
	capture c = {0};
	char big[5000], small[40];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[3] = ' ';
	one(&c, big);
	assert_true(strlen(c.line) < 2048);
	assert_int_equal(c.line[strlen(c.line) - 1], '"');
	/* a fragment buffer that ends inside an escape */
	kg_log_format(small, sizeof(small), "v=%s",
		      "\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"\"");
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(small[strlen(small) - 1], '"');
	assert_int_not_equal(small[strlen(small) - 2], '\\');
}

static void test_levels_above_max_are_dropped(void **state)
{
	capture c = {0};
	kg_log log = {.max = KG_LOG_WARN, .fn = sink, .baton = &c};

	kg_log_emit(&log, KG_LOG_INFO, NULL, "x=%s", "y");
	kg_log_emit(NULL, KG_LOG_ERROR, NULL, "x=%s", "y");
	assert_int_equal(c.calls, 0);
	kg_log_emit(&log, KG_LOG_ERROR, "KG-0001", "x=%s", "y");
	assert_int_equal(c.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_plain_values_stay_bare),
		KGT(test_hostile_values_are_quoted_and_escaped),
		KGT(test_null_and_numbers_and_precision),
		KGT(test_free_text_values_are_quoted_too),
		KGT(test_fragments_pass_on_verbatim),
		KGT(test_long_values_are_cut_and_still_closed),
		KGT(test_levels_above_max_are_dropped),
	};
	return KGT_RUN(tests);
}
