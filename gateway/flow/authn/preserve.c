/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: form POSTs kept in the browser across a login.
 */
#include "gateway/flow/authn/preserve.h"
#include "gateway/flow/core/origin.h"
#include "gateway/flow/core/page.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/flow/core/reply.h"
#include "gateway/base/rand.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

/* The sessionStorage key; one kept POST per tab (a newer one replaces
 * it). */
#define STORE_KEY "keygate-preserved-post"

/* True when the POST came from a page of this origin: Sec-Fetch-Site
 * says same-origin, or else Origin is ours, or else the Referer is on
 * ours. A request that shows none of them is not trusted. */
static bool same_origin(const kg_gateway *gw, const kg_req *req)
{
	const char *origin = kg_origin(gw, req);
	const char *site = kg_req_header(req, "Sec-Fetch-Site");
	const char *o = kg_req_header(req, "Origin");
	const char *ref = kg_req_header(req, "Referer");
	size_t n = strlen(origin);

	if (site)
		return strcmp(site, "same-origin") == 0 &&
		       (o == NULL || strcmp(o, origin) == 0);
	if (o)
		return strcmp(o, origin) == 0;
	return ref && strncmp(ref, origin, n) == 0 && ref[n] == '/';
}

/* A page with a nonce'd inline script, no-store, no framing. */
void kg_authn_script_page(kg_req *req, kg_resp *resp, const char *nonce,
			  const char *title, const char *data_attrs,
			  const char *script, const char *noscript)
{
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	apr_table_setn(resp->headers, "Content-Security-Policy",
		       apr_pstrcat(req->pool,
				   "default-src 'none'; script-src 'nonce-",
				   nonce,
				   "'; style-src 'unsafe-inline'; "
				   "form-action 'self'; base-uri 'none'; "
				   "frame-ancestors 'none'",
				   NULL));
	apr_table_setn(resp->headers, "X-Content-Type-Options", "nosniff");
	apr_table_setn(resp->headers, "Referrer-Policy", "no-referrer");
	kg_resp_reply(
		resp, 200, "text/html; charset=utf-8",
		apr_pstrcat(req->pool,
			    "<!doctype html>\n<html lang=\"en\">\n<head>\n"
			    "<meta charset=\"utf-8\">\n<title>",
			    title,
			    " - Domino</title>\n</head>\n<body>\n"
			    "<main id=\"kg\" ",
			    data_attrs, ">\n<h1>", title, "</h1>\n", noscript,
			    "</main>\n<script nonce=\"", nonce, "\">\n", script,
			    "</script>\n</body>\n</html>\n", NULL));
}

/* clang-format off */
static const char save_script[] =
	"(function(){var d=document.getElementById('kg').dataset;\n"
	"try{sessionStorage.setItem('" STORE_KEY "',JSON.stringify("
	"{action:d.action,body:d.body,token:d.token,at:Date.now()}));}"
	"catch(e){}\n"
	"location.replace(d.next);})();\n";

/* clang-format on */

kg_preserve_outcome kg_authn_preserve_post(kg_gateway *gw, kg_req *req,
					   const kg_log *log, kg_resp *resp)
{
	const char *action, *token = NULL, *nonce = NULL, *replay, *next;
	const char *reason = NULL;
	kg_err err = {0};

	if (!gw->conf->pages.preserve_post ||
	    strcmp(req->method, "POST") != 0 || !kg_page_wants_html(req))
		return KG_PRESERVE_NONE;
	if (!kg_req_is_form(req) || req->body == NULL)
		reason = "not_form";
	else if ((long long)req->body_len > gw->conf->pages.preserve_post_max)
		reason = "too_large";
	else if (!same_origin(gw, req))
		reason = "cross_site";
	action = req->query ? apr_pstrcat(req->pool, req->path, "?", req->query,
					  NULL)
			    : req->path;
	if (reason == NULL && !kg_redirect_is_local(action))
		reason = "not_local";
	if (reason) {
		kg_log_emit(log, KG_LOG_WARN, "KG-0443",
			    "REJECT proto=post reason=%s path=%.200s", reason,
			    req->path);
		return KG_PRESERVE_REFUSED;
	}
	if (kg_rand_b64(req->pool, 24, &token, &err) != KG_OK ||
	    kg_rand_b64(req->pool, 16, &nonce, &err) != KG_OK)
		return KG_PRESERVE_REFUSED;
	replay = apr_pstrcat(req->pool, gw->conf->gateway.prefix,
			     "post/replay?t=", token, NULL);
	next = kg_page_signin_url(gw, req->pool, replay, false);
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0442",
		    "PRESERVE post kept in the browser path=%.200s bytes=%zu",
		    req->path, req->body_len);
	kg_authn_script_page(
		req, resp, nonce, "Signing in",
		apr_pstrcat(req->pool, "data-action=\"",
			    kg_reply_escape(req->pool, action),
			    "\" data-body=\"",
			    kg_reply_escape(req->pool,
					    apr_pstrmemdup(req->pool, req->body,
							   req->body_len)),
			    "\" data-token=\"", token, "\" data-next=\"",
			    kg_reply_escape(req->pool, next), "\"", NULL),
		save_script,
		apr_pstrcat(req->pool,
			    "<p>Your session has ended. What you sent is kept "
			    "in this tab and sent again once you have signed "
			    "in.</p>\n<noscript><p>Without JavaScript it "
			    "cannot be kept. <a href=\"",
			    kg_reply_escape(req->pool, next),
			    "\">Sign in</a></p></noscript>\n", NULL));
	return KG_PRESERVE_KEPT;
}
