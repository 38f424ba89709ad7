/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Email Prefix as Username rule (DESIGN.md Decision 5).
 */
#include "mappers/map.h"
#include "gateway/base/str.h"

#include <string.h>

/* ASCII base of U+00C0..U+017F, lower case; "" for the two signs (× ÷)
 * that are not letters. */
static const char *const latin_base[] = {
	/* C0 */ "a",  "a", "a",  "a",	"a", "a", "ae", "c",
	/* C8 */ "e",  "e", "e",  "e",	"i", "i", "i",	"i",
	/* D0 */ "d",  "n", "o",  "o",	"o", "o", "o",	"",
	/* D8 */ "o",  "u", "u",  "u",	"u", "y", "th", "ss",
	/* E0 */ "a",  "a", "a",  "a",	"a", "a", "ae", "c",
	/* E8 */ "e",  "e", "e",  "e",	"i", "i", "i",	"i",
	/* F0 */ "d",  "n", "o",  "o",	"o", "o", "o",	"",
	/* F8 */ "o",  "u", "u",  "u",	"u", "y", "th", "y",
	/* 100 */ "a", "a", "a",  "a",	"a", "a", "c",	"c",
	/* 108 */ "c", "c", "c",  "c",	"c", "c", "d",	"d",
	/* 110 */ "d", "d", "e",  "e",	"e", "e", "e",	"e",
	/* 118 */ "e", "e", "e",  "e",	"g", "g", "g",	"g",
	/* 120 */ "g", "g", "g",  "g",	"h", "h", "h",	"h",
	/* 128 */ "i", "i", "i",  "i",	"i", "i", "i",	"i",
	/* 130 */ "i", "i", "ij", "ij", "j", "j", "k",	"k",
	/* 138 */ "k", "l", "l",  "l",	"l", "l", "l",	"l",
	/* 140 */ "l", "l", "l",  "n",	"n", "n", "n",	"n",
	/* 148 */ "n", "n", "n",  "n",	"o", "o", "o",	"o",
	/* 150 */ "o", "o", "oe", "oe", "r", "r", "r",	"r",
	/* 158 */ "r", "r", "s",  "s",	"s", "s", "s",	"s",
	/* 160 */ "s", "s", "t",  "t",	"t", "t", "t",	"t",
	/* 168 */ "u", "u", "u",  "u",	"u", "u", "u",	"u",
	/* 170 */ "u", "u", "u",  "u",	"w", "w", "y",	"y",
	/* 178 */ "y", "z", "z",  "z",	"z", "z", "z",	"s",
};

static bool is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

const char *kg_map_email_prefix(apr_pool_t *pool, const char *source)
{
	const char *at = strrchr(source, '@');
	const char *end = at ? at : source + strlen(source);
	const char *p = source;
	kg_buf folded, out;

	/* 1. fold every letter to its ASCII base; drop combining marks */
	kg_buf_init(&folded, pool, (size_t)(end - source) + 1);
	while (p < end) {
		uint32_t cp = kg_utf8_next(&p);
		if (cp < 0x80)
			kg_buf_addc(&folded, (char)cp);
		else if (cp >= 0xc0 && cp <= 0x17f)
			kg_buf_adds(&folded, latin_base[cp - 0xc0][0]
						     ? latin_base[cp - 0xc0]
						     : "#");
		else if (cp >= 0x300 && cp <= 0x36f)
			continue;
		else
			kg_buf_addc(&folded, '#');
	}
	/* 2. runs outside [A-Za-z0-9_] become one '_'; trim '_'; lower */
	kg_buf_init(&out, pool, folded.len + 1);
	for (size_t i = 0; i < folded.len; i++) {
		char c = folded.data[i];
		if (!is_word_char(c))
			c = '_';
		if (c == '_' && (out.len == 0 || out.data[out.len - 1] == '_'))
			continue;
		kg_buf_addc(&out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
	}
	while (out.len > 0 && out.data[out.len - 1] == '_')
		out.data[--out.len] = '\0';
	return out.data;
}
