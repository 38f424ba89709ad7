/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: what the gateway answers when it does not pass a request on:
 * the one refusal every endpoint uses, and the few HTML pages it shows a
 * person. Every value is HTML-escaped; no script, no external resource.
 */
#ifndef KG_FLOW_CORE_REPLY_H
#define KG_FLOW_CORE_REPLY_H

#include "gateway/base/http.h"
#include "gateway/base/log.h"

#include <apr_pools.h>

/* Returns s with & < > " ' escaped. */
const char *kg_reply_escape(apr_pool_t *pool, const char *s);

/* A minimal page with a title and one message (both escaped). */
const char *kg_reply_message(apr_pool_t *pool, const char *title,
			     const char *message);

/* Refuses the request: one REJECT line (id, proto, reason, then the
 * printf-style detail) at WARN, or ERROR when rc is KG_EBACKEND; no
 * caching; and the failure rc with reason for the binding to answer. The
 * detail must hold no secret. */
void kg_reply_refuse(const kg_log *log, kg_resp *resp, kg_rc rc, const char *id,
		     const char *proto, const char *reason, const char *fmt,
		     ...) __attribute__((format(printf, 7, 8)));

/* A SAML endpoint's refusal (KG-0521), naming the provider alias (or -):
 * 400 for every rc but KG_EBACKEND (503, reason cache_unavailable) and
 * keygate's own failures, KG_EINTERNAL and KG_ECONFIG (500). */
void kg_reply_saml_refuse(const kg_log *log, kg_resp *resp, kg_rc rc,
			  const char *alias, const char *reason,
			  const char *detail);

#endif
