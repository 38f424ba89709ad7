/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: refusals and the few HTML pages the gateway shows a person.
 */
#include "gateway/flow/core/reply.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *kg_reply_escape(apr_pool_t *pool, const char *s)
{
	kg_buf b;

	kg_buf_init(&b, pool, strlen(s) + 16);
	for (; *s; s++) {
		/* clang-format off */
		switch (*s) {
		case '&': kg_buf_adds(&b, "&amp;"); break;
		case '<': kg_buf_adds(&b, "&lt;"); break;
		case '>': kg_buf_adds(&b, "&gt;"); break;
		case '"': kg_buf_adds(&b, "&quot;"); break;
		case '\'': kg_buf_adds(&b, "&#39;"); break;
		default: kg_buf_addc(&b, *s);
		}
		/* clang-format on */
	}
	return b.data;
}

const char *kg_reply_message(apr_pool_t *pool, const char *title,
			     const char *message)
{
	return apr_pstrcat(
		pool,
		"<!doctype html><html><head><meta charset=\"utf-8\">"
		"<title>",
		kg_reply_escape(pool, title), "</title></head><body><h1>",
		kg_reply_escape(pool, title), "</h1><p id=\"message\">",
		kg_reply_escape(pool, message), "</p></body></html>\n", NULL);
}

void kg_reply_refuse(const kg_log *log, kg_resp *resp, kg_rc rc, const char *id,
		     const char *proto, const char *reason, const char *fmt,
		     ...)
{
	char detail[1024];
	va_list ap;

	va_start(ap, fmt);
	kg_log_vformat(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	kg_log_emit(log, rc == KG_EBACKEND ? KG_LOG_ERROR : KG_LOG_WARN, id,
		    "REJECT proto=%s reason=%s%-s%-s", proto, reason,
		    detail[0] ? " " : "", detail);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_fail(resp, rc, reason);
}

void kg_reply_saml_refuse(const kg_log *log, kg_resp *resp, kg_rc rc,
			  const char *alias, const char *reason,
			  const char *detail)
{
	/* 400 whatever the check (security.md 0.2: a bad signature is a bad
	 * message, not a missing login); only Redis down (503) and
	 * keygate's own failures (500) answer otherwise */
	if (rc != KG_EBACKEND && rc != KG_EINTERNAL && rc != KG_ECONFIG)
		rc = KG_EINVAL;
	kg_reply_refuse(log, resp, rc, "KG-0521", "saml", reason, "idp=%s %s",
			alias ? alias : "-", detail);
}
