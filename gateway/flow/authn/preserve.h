/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a form POST that needs a login, kept in the browser across
 * it (KeygatePreservePost, as mod_auth_openidc's OIDCPreservePost). The
 * body goes into the tab's sessionStorage under a one-time token, never
 * to Redis or the identity provider; after the login PREFIX post/replay
 * POSTs it once to the same local path.
 */
#ifndef KG_FLOW_AUTHN_PRESERVE_H
#define KG_FLOW_AUTHN_PRESERVE_H

#include "gateway/flow/core/state.h"

/* What kg_authn_preserve_post did. */
typedef enum {
	KG_PRESERVE_NONE = 0, /* not a browser form POST, or preservation
				 is off: nothing done */
	KG_PRESERVE_KEPT,     /* resp is the page that keeps the body and
				 goes on to the login (KG-0442) */
	KG_PRESERVE_REFUSED   /* a browser POST that cannot be kept
				 (cross-site, too large, not a form):
				 logged (KG-0443); the caller sends the
				 person to the login without it */
} kg_preserve_outcome;

/* For a request with no session that would go to the login: keeps a
 * same-origin browser form POST within KeygatePreservePostMax. */
kg_preserve_outcome kg_authn_preserve_post(kg_gateway *gw, kg_req *req,
					   const kg_log *log, kg_resp *resp);

/* Answers 200 with a small page (title, the data-* attributes of its
 * main element, the script run under a fresh CSP nonce, the noscript
 * text), no-store, no framing, forms to this origin only. */
void kg_authn_script_page(kg_req *req, kg_resp *resp, const char *nonce,
			  const char *title, const char *data_attrs,
			  const char *script, const char *noscript);

/* GET PREFIX post/replay (replay.c)?t=TOKEN: with a session, the page that
 * POSTs the body kept under TOKEN in this tab once, to its local path (or goes
 * to "/" when there is none); without one, to the login first. */
kg_handler kg_authn_post_replay;

#endif
