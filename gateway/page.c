/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the few HTML pages the gateway shows a person.
 */
#include "gateway/page.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>

const char *kg_page_escape(apr_pool_t *pool, const char *s)
{
	kg_buf b;

	kg_buf_init(&b, pool, strlen(s) + 16);
	for (; *s; s++) {
		switch (*s) {
		case '&': kg_buf_adds(&b, "&amp;"); break;
		case '<': kg_buf_adds(&b, "&lt;"); break;
		case '>': kg_buf_adds(&b, "&gt;"); break;
		case '"': kg_buf_adds(&b, "&quot;"); break;
		case '\'': kg_buf_adds(&b, "&#39;"); break;
		default: kg_buf_addc(&b, *s);
		}
	}
	return b.data;
}

const char *kg_page_message(apr_pool_t *pool, const char *title,
			    const char *message)
{
	return apr_pstrcat(
		pool,
		"<!doctype html><html><head><meta charset=\"utf-8\">"
		"<title>",
		kg_page_escape(pool, title),
		"</title></head><body><h1>", kg_page_escape(pool, title),
		"</h1><p id=\"message\">", kg_page_escape(pool, message),
		"</p></body></html>\n", NULL);
}
