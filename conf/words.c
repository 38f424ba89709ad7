/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: splitting a directive line into words, httpd's way.
 */
#include "conf/words.h"
#include "gateway/base/str.h"

const char *kg_conf_words(apr_pool_t *pool, const char *line,
			  apr_array_header_t *words, int *err_col)
{
	const char *p = line;
	int col = 1;

	for (;;) {
		kg_conf_word *w;
		kg_buf b;

		while (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			col++;
		}
		if (*p == '\0' || *p == '#')
			return NULL;
		if (words->nelts >= KG_CONF_WORDS_MAX + 1) {
			*err_col = col;
			return "too many arguments";
		}
		w = apr_array_push(words);
		w->col = col;
		kg_buf_init(&b, pool, 32);
		if (*p == '"') {
			p++;
			col++;
			while (*p != '"') {
				if (*p == '\0') {
					*err_col = w->col;
					return "unterminated quoted string";
				}
				if (*p == '\\' &&
				    (p[1] == '"' || p[1] == '\\')) {
					p++;
					col++;
				}
				kg_buf_addc(&b, *p);
				if (((unsigned char)*p & 0xc0) != 0x80)
					col++;
				p++;
			}
			p++;
			col++;
			if (*p != '\0' && *p != ' ' && *p != '\t' &&
			    *p != '\r') {
				*err_col = col;
				return "expected a blank after the closing "
				       "quote";
			}
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\r') {
				kg_buf_addc(&b, *p);
				if (((unsigned char)*p & 0xc0) != 0x80)
					col++;
				p++;
			}
		}
		w->text = b.data;
	}
}
