/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: pages and refusals as a person or an API client sees them.
 */
#include "gateway/flow/core/page.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/flow/core/reply.h"
#include "gateway/base/rand.h"
#include "gateway/base/str.h"
#include "policy/limits.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

/* No script, no framing, nothing from elsewhere; inline style only. */
#define PAGE_CSP                                                               \
	"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' "       \
	"data:; base-uri 'none'; frame-ancestors 'none'"

const char *kg_page_render(apr_pool_t *pool, const kg_conf *conf, kg_page_id id,
			   const kg_page_values *vals)
{
	const kg_page_template *t = &conf->pages.templates[id];
	kg_buf b;

	kg_buf_init(&b, pool, 4096);
	for (int i = 0; t->parts && i < t->parts->nelts; i++) {
		const kg_page_part *p =
			&APR_ARRAY_IDX(t->parts, i, kg_page_part);
		const char *v;
		if (p->var < 0) {
			kg_buf_add(&b, p->text, p->len);
			continue;
		}
		v = vals ? vals->v[p->var] : NULL;
		if (v == NULL)
			continue;
		if (p->var == KG_PV_PROVIDERS_HTML ||
		    p->var == KG_PV_DISCOVERY_HTML ||
		    p->var == KG_PV_NOTICE_HTML)
			kg_buf_adds(&b, v);
		else
			kg_buf_adds(&b, kg_reply_escape(pool, v));
	}
	return b.data;
}

bool kg_page_wants_html(const kg_req *req)
{
	const char *accept = kg_req_header(req, "Accept");
	const char *xhr = kg_req_header(req, "X-Requested-With");

	if (xhr && strcasecmp(xhr, "XMLHttpRequest") == 0)
		return false;
	return accept && strstr(accept, "text/html") != NULL;
}

const char *kg_page_signin_url(const kg_gateway *gw, apr_pool_t *pool,
			       const char *back, bool fresh_auth)
{
	back = kg_redirect_local_or_root(back, NULL);
	return apr_pstrcat(pool, gw->conf->gateway.prefix,
			   "login?return_to=", kg_str_url_encode(pool, back),
			   fresh_auth ? "&prompt=login" : "", NULL);
}

void kg_page_reply(const kg_gateway *gw, const kg_req *req, kg_resp *resp,
		   int status, kg_page_id id, kg_page_values *vals)
{
	if (vals->v[KG_PV_SIGNIN_URL] == NULL)
		vals->v[KG_PV_SIGNIN_URL] = kg_page_signin_url(
			gw, req->pool, vals->v[KG_PV_RETURN_TO],
			id == KG_PAGE_DENIED);
	if (vals->v[KG_PV_SIGNOUT_URL] == NULL)
		vals->v[KG_PV_SIGNOUT_URL] = apr_pstrcat(
			req->pool, gw->conf->gateway.prefix, "logout", NULL);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	apr_table_setn(resp->headers, "Content-Security-Policy", PAGE_CSP);
	apr_table_setn(resp->headers, "X-Content-Type-Options", "nosniff");
	apr_table_setn(resp->headers, "Referrer-Policy", "no-referrer");
	kg_resp_reply(resp, status, "text/html; charset=utf-8",
		      kg_page_render(req->pool, gw->conf, id, vals));
}

const char *kg_page_reference(apr_pool_t *pool)
{
	const char *ref = NULL;
	kg_err err = {0};

	return kg_rand_b64(pool, 6, &ref, &err) == KG_OK ? ref : "-";
}

const char *kg_page_limit_text(const char *message)
{
	if (message == NULL || *message == '\0' ||
	    strcmp(message, KG_LIMIT_MESSAGE_KEY) == 0)
		return "There are too many sessions";
	return message;
}

/* What a person is told about a refusal: by its reason token. */
typedef struct {
	const char *reason; /* exact token, or a prefix ending in '*' */
	const char *title;
	const char *message;
} explanation;

/* clang-format off */
static const explanation explanations[] = {
	{"cache_unavailable", "Sign-in is unavailable",
	 "The session store cannot be reached, so nobody can sign in right "
	 "now. Try again in a few minutes."},
	{"oidc_state", "This sign-in has expired",
	 "The sign-in took too long, was already finished, or was started in "
	 "another browser. Sign in again."},
	{"oidc_code", "This sign-in has expired",
	 "The identity provider's answer was already used or is no longer "
	 "valid. Sign in again."},
	{"saml_replay", "This sign-in was already used",
	 "The identity provider's answer arrived twice, for example after the "
	 "back button or a reload. Sign in again."},
	{"saml_inresponseto", "This sign-in has expired",
	 "The identity provider answered a sign-in this browser did not start "
	 "or no longer remembers. Sign in again."},
	{"saml_time", "This sign-in has expired",
	 "The identity provider's answer is too old or not yet valid. Check "
	 "the clock of this computer, then sign in again."},
	{"oidc_discovery", "The identity provider cannot be reached",
	 "The sign-in service did not answer. Try again in a few minutes."},
	{"oidc*", "Sign-in failed",
	 "The identity provider's answer could not be accepted."},
	{"saml*", "Sign-in failed",
	 "The identity provider's answer could not be accepted."},
	{"no_such_provider", "Unknown sign-in option",
	 "This sign-in link names an identity provider this site does not "
	 "use."},
	{"mapping", "Sign-in failed",
	 "Your account could not be set up from what the identity provider "
	 "sent."},
	{"no_such_endpoint", "Page not found", "There is nothing here."},
	{NULL, "Something went wrong",
	 "The request could not be completed."},
};
/* clang-format on */

static const explanation *explain(const char *reason)
{
	const explanation *e = explanations;

	for (; e->reason; e++) {
		size_t n = strlen(e->reason);
		if (reason && e->reason[n - 1] == '*'
			    ? strncmp(reason, e->reason, n - 1) == 0
			    : reason && strcmp(reason, e->reason) == 0)
			break;
	}
	return e;
}

/* The RFC 6750 error code a challenge already names (error="X"), or
 * NULL. */
static const char *challenge_code(apr_pool_t *pool, const char *challenge)
{
	const char *at = challenge ? strstr(challenge, "error=\"") : NULL;
	const char *end;

	if (at == NULL)
		return NULL;
	at += strlen("error=\"");
	end = strchr(at, '"');
	return end ? apr_pstrmemdup(pool, at, (size_t)(end - at)) : NULL;
}

/* The RFC 6750 / OAuth error code of a refusal: a 401's challenge keeps
 * what the handler set (and names invalid_token when it set none and a
 * token was sent; RFC 6750 3.1: no code without credentials). */
static const char *error_code(const kg_req *req, kg_resp *resp)
{
	bool bearer = kg_req_header(req, "Authorization") != NULL;
	const char *set = apr_table_get(resp->headers, "WWW-Authenticate");
	const char *code;

	/* clang-format off */
	switch (resp->rc) {
	case KG_EAUTH:
		if ((code = challenge_code(req->pool, set)) != NULL)
			return code;
		if (set == NULL)
			apr_table_setn(resp->headers, "WWW-Authenticate",
				       bearer ? "Bearer realm=\"keygate\", "
						"error=\"invalid_token\""
					      : "Bearer realm=\"keygate\"");
		return bearer && set == NULL ? "invalid_token" : "unauthorized";
	case KG_EINVAL: return "invalid_request";
	case KG_EDENIED: return bearer ? "insufficient_scope" : "access_denied";
	case KG_EBACKEND: return "temporarily_unavailable";
	case KG_ENOTFOUND: return "not_found";
	default: return "server_error";
	}
	/* clang-format on */
}

void kg_page_fail(const kg_gateway *gw, const kg_req *req, const kg_log *log,
		  kg_resp *resp)
{
	const char *ref, *code, *reason;
	const explanation *e;
	bool server = false;

	if (resp->action != KG_RESP_FAIL)
		return;
	reason = resp->reason ? resp->reason : "-";
	server = resp->rc == KG_EBACKEND || resp->rc == KG_EINTERNAL ||
		 resp->rc == KG_ECONFIG;
	ref = kg_page_reference(req->pool);
	if (server)
		kg_log_emit(log, KG_LOG_ERROR, "KG-0441",
			    "REFUSED ref=%s reason=%s method=%s path=%.200s",
			    ref, reason, req->method, req->path);
	else
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0440",
			    "REFUSED ref=%s reason=%s method=%s path=%.200s",
			    ref, reason, req->method, req->path);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	code = error_code(req, resp);
	if (kg_page_wants_html(req)) {
		kg_page_values vals = {{NULL}};
		e = explain(resp->reason);
		vals.v[KG_PV_TITLE] = e->title;
		vals.v[KG_PV_MESSAGE] = e->message;
		vals.v[KG_PV_REFERENCE] = ref;
		vals.v[KG_PV_REASON] = reason;
		vals.v[KG_PV_SIGNIN_URL] =
			kg_page_signin_url(gw, req->pool, "/", false);
		vals.v[KG_PV_SIGNOUT_URL] = apr_pstrcat(
			req->pool, gw->conf->gateway.prefix, "logout", NULL);
		apr_table_setn(resp->headers, "Content-Security-Policy",
			       PAGE_CSP);
		apr_table_setn(resp->headers, "X-Content-Type-Options",
			       "nosniff");
		resp->content_type = "text/html; charset=utf-8";
		resp->body = kg_page_render(req->pool, gw->conf, KG_PAGE_ERROR,
					    &vals);
	} else {
		kg_buf b;
		kg_buf_init(&b, req->pool, 128);
		kg_buf_adds(&b, "{\"error\":");
		kg_buf_add_json_string(&b, code);
		kg_buf_adds(&b, ",\"reason\":");
		kg_buf_add_json_string(&b, reason);
		kg_buf_adds(&b, ",\"reference\":");
		kg_buf_add_json_string(&b, ref);
		kg_buf_adds(&b, "}\n");
		resp->content_type = "application/json";
		resp->body = b.data;
	}
	resp->body_len = strlen(resp->body);
}
