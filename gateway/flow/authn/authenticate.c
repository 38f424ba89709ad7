/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: who is calling: the session cookie, or the location's
 * unauthenticated action. Redis down is a 503, never a pass.
 */
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/authn/identity.h"
#include "gateway/flow/authn/preserve.h"
#include "gateway/flow/core/origin.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/flow/core/jobs.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

kg_rc kg_authn_session(kg_gateway *gw, kg_req *req, const kg_log *log,
		       kg_sess_record **out, kg_err *err)
{
	const char *cookie = kg_req_cookie(req, gw->conf->sessions.cookie_name);
	long long now = kg_state_now_ms();
	kg_sess_record *rec;
	kg_pol_session_state state;
	bool written;
	kg_rc rc;

	if (cookie == NULL)
		return KG_ENOTFOUND;
	rc = kg_sess_store_load(gw->store, req->pool, cookie, strlen(cookie),
				&rec, err);
	if (rc != KG_OK)
		return rc;
	state = kg_pol_timeouts_check(rec->last_access_ms, rec->idle_ms,
				      rec->expires_ms, now);
	if (state != KG_POL_SESSION_LIVE) {
		kg_log_emit(log, KG_LOG_INFO, NULL,
			    "session ended reason=%s user=%s",
			    kg_pol_session_state_name(state),
			    rec->user->username);
		rc = kg_sess_store_delete(gw->store, req->pool, rec,
					  kg_pol_session_state_name(state),
					  err);
		return rc == KG_OK ? KG_ENOTFOUND : rc;
	}
	rc = kg_jobs_run(gw, req, log, &rec, now, &written, err);
	if (rc == KG_OK && !written)
		rc = kg_sess_store_touch(gw->store, req->pool, rec, now,
					 &written, err);
	if (rc != KG_OK)
		return rc;
	*out = rec;
	return KG_OK;
}

/* The login redirect for a browser: PREFIX login with the current path
 * as the return path (when it is local). */
static void redirect_to_login(kg_gateway *gw, kg_req *req, kg_resp *resp)
{
	const char *back = req->query ? apr_pstrcat(req->pool, req->path, "?",
						    req->query, NULL)
				      : req->path;

	back = kg_redirect_local_or_root(back, NULL);
	kg_metrics_inc(gw->metrics, KG_M_REQ_LOGIN_REDIRECT);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_redirect(resp,
			 apr_pstrcat(req->pool, gw->conf->gateway.prefix,
				     "login?return_to=",
				     kg_str_url_encode(req->pool, back), NULL));
}

/* The token of an "Authorization: Bearer" header, or NULL. */
static const char *bearer_token(const kg_req *req)
{
	const char *h = kg_req_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

/* The API-key header req carries, or NULL: Domino's X-Domino-Api-Key,
 * or the legacy Model Monitor key X-DMM-API-KEY (Domino 5.6 deprecated
 * it; keys made before still work), handled alike. */
static const char *api_key_header(const kg_req *req)
{
	static const char *const names[] = {"X-Domino-Api-Key",
					    "X-DMM-API-KEY"};

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (kg_req_header(req, names[i]))
			return names[i];
	return NULL;
}

/* A Domino API key, with no session or token: Domino checks the key
 * itself, so by configuration it goes to the backend untouched (and with
 * no identity header), or is refused. */
static void authenticate_api_key(kg_gateway *gw, kg_req *req,
				 const char *header, const kg_log *log,
				 kg_resp *resp, kg_caller *caller)
{
	if (!gw->conf->gateway.api_key_pass) {
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0413",
			    "REJECT proto=apikey reason=api_key_refused "
			    "header=%s",
			    header);
		apr_table_setn(resp->headers, "WWW-Authenticate",
			       "Bearer realm=\"keygate\"");
		kg_resp_fail(resp, KG_EAUTH, "api_key_refused");
		return;
	}
	caller->user = NULL;
	caller->via = "api-key";
	kg_metrics_inc(gw->metrics, KG_M_REQ_API_KEY);
	resp->user = header;
	resp->action = KG_RESP_CONTINUE;
}

/* A location with KeygateBearerCheck Off and a request with no session
 * but an Authorization header (Basic token:token, or an opaque bearer
 * token): the backend checks it (Domino's model endpoints). It reaches
 * the backend byte for byte and nothing is made of it here: no user, no
 * identity header (the client's were scrubbed), no log of its value. */
static void pass_credentials(kg_gateway *gw, kg_req *req, kg_resp *resp,
			     kg_caller *caller)
{
	caller->user = NULL;
	caller->via = "pass-through";
	kg_metrics_inc(gw->metrics, KG_M_REQ_PASS_THROUGH);
	resp->user = "Authorization";
	resp->action = KG_RESP_CONTINUE;
}

static void authenticate(kg_gateway *gw, const kg_conf_location *loc,
			 kg_req *req, const kg_log *log, kg_resp *resp,
			 kg_caller *caller)
{
	kg_sess_record *rec = NULL;
	kg_err err = {0};
	bool check = kg_conf_location_bearer_check(loc);
	const char *token = check ? bearer_token(req) : NULL;
	const char *key;
	kg_preserve_outcome kept;
	kg_rc rc;

	if (token) {
		kg_authn_bearer(gw, loc, req, token, log, resp, caller);
		return;
	}
	rc = kg_authn_session(gw, req, log, &rec, &err);
	if (rc == KG_OK) {
		caller->user = rec->user;
		caller->via = "session";
		caller->auth_ms = rec->auth_ms;
		caller->session = kg_psprintf(req->pool, "%.8s", rec->id);
		caller->session_id = rec->id;
		caller->idp = rec->idp;
		kg_metrics_inc(gw->metrics, KG_M_REQ_SESSION);
		resp->user = rec->user->username;
		resp->action = KG_RESP_CONTINUE;
		kg_identity_set(req->pool, resp->backend_headers, rec->user,
				rec->idp, loc);
		return;
	}
	if (rc != KG_ENOTFOUND) {
		kg_state_log_outage(gw, log, err.msg);
		kg_metrics_inc(gw->metrics, KG_M_REQ_UNAVAILABLE);
		kg_resp_fail(resp, rc, "cache_unavailable");
		return;
	}
	if (!check && kg_req_header(req, "Authorization")) {
		pass_credentials(gw, req, resp, caller);
		return;
	}
	if ((key = api_key_header(req)) != NULL) {
		authenticate_api_key(gw, req, key, log, resp, caller);
		return;
	}
	switch (kg_conf_location_unauth(loc)) {
	case KG_UNAUTH_PASS:
		caller->user = NULL;
		caller->via = "anonymous";
		kg_metrics_inc(gw->metrics, KG_M_REQ_ANONYMOUS);
		resp->user = KG_ANONYMOUS;
		resp->action = KG_RESP_CONTINUE;
		kg_identity_set(req->pool, resp->backend_headers, NULL, NULL,
				loc);
		return;
	case KG_UNAUTH_LOGIN:
		if (kg_authn_preserve_post(gw, req, log, resp) !=
		    KG_PRESERVE_KEPT)
			redirect_to_login(gw, req, resp);
		return;
	case KG_UNAUTH_AUTO:
		kept = kg_authn_preserve_post(gw, req, log, resp);
		if (kept == KG_PRESERVE_KEPT)
			return;
		if (kept == KG_PRESERVE_REFUSED || kg_req_wants_html(req)) {
			redirect_to_login(gw, req, resp);
			return;
		}
		/* fall through */
	default:
		apr_table_setn(resp->headers, "WWW-Authenticate",
			       "Bearer realm=\"keygate\"");
		kg_metrics_inc(gw->metrics, KG_M_REQ_UNAUTHORIZED);
		kg_resp_fail(resp, KG_EAUTH, "no_credentials");
	}
}

/* Puts a gateway-signed identity token for apps in the backend's
 * Authorization header (replacing whatever the client sent there). A
 * location that asks for one and cannot have it gets 500, never a
 * request without it. */
static void add_app_token(kg_gateway *gw, kg_req *req, const kg_log *log,
			  kg_resp *resp, const kg_caller *caller)
{
	kg_app_claims c = {.issuer = kg_origin_realm_url(gw, req),
			   .session = caller->session_id,
			   .idp = caller->idp,
			   .auth_s = caller->auth_ms / 1000,
			   .now_s = kg_state_now_ms() / 1000,
			   .lifetime_s = gw->conf->gateway.app_jwt_lifetime_s};
	const char *token;
	kg_err err = {0};

	if (gw->app_signer == NULL ||
	    kg_app_jwt_sign(gw->app_signer, req->pool, caller->user, &c, &token,
			    &err) != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0420",
			    "app token not made: %s",
			    gw->app_signer ? err.msg : "no KeygateAppJWTKey");
		kg_resp_fail(resp, KG_EINTERNAL, "app_token");
		return;
	}
	apr_table_setn(resp->backend_headers, "Authorization",
		       kg_psprintf(req->pool, "Bearer %s", token));
}

/* RFC 6750 2.2, 2.3: keygate takes a token only from the Authorization
 * header; an access_token in the query or a form body is never a
 * credential, and it must not reach a backend that might take it for
 * one. By KeygateAccessTokenParam the request is refused (400, true
 * returned, resp the refusal) or the parameter removed from req->query
 * and req->body (the binding hands the rest on). Logged either way. */
static bool access_token_param(kg_gateway *gw, kg_req *req, const kg_log *log,
			       kg_resp *resp)
{
	const char *query = NULL, *body = NULL, *where;
	size_t query_len = 0, body_len = 0;
	int in_query = 0, in_form = 0;

	if (req->query)
		in_query = kg_params_strip(req->pool, req->query,
					   strlen(req->query), "access_token",
					   &query, &query_len);
	if (req->body && kg_req_is_form(req))
		in_form = kg_params_strip(req->pool, req->body, req->body_len,
					  "access_token", &body, &body_len);
	if (in_query == 0 && in_form == 0)
		return false;
	where = in_query && in_form ? "query,form"
		: in_query	    ? "query"
				    : "form";
	if (!gw->conf->gateway.access_token_strip) {
		kg_log_emit(log, KG_LOG_WARN, "KG-0408",
			    "REJECT proto=jwt reason=access_token_param in=%s",
			    where);
		apr_table_setn(resp->headers, "WWW-Authenticate",
			       "Bearer realm=\"keygate\", "
			       "error=\"invalid_request\"");
		kg_metrics_inc(gw->metrics, KG_M_TOKEN_REJECTED);
		kg_resp_fail(resp, KG_EINVAL, "access_token_param");
		return true;
	}
	kg_log_emit(log, KG_LOG_WARN, "KG-0409",
		    "STRIP param=access_token in=%s reason=access_token_param",
		    where);
	if (in_query)
		req->query = query_len > 0 ? query : NULL;
	if (in_form) {
		req->body = body;
		req->body_len = body_len;
	}
	return false;
}

void kg_authn_request(kg_gateway *gw, const kg_conf_location *loc, kg_req *req,
		      const kg_log *log, kg_resp *resp, kg_caller *caller)
{
	if (access_token_param(gw, req, log, resp))
		return;
	authenticate(gw, loc, req, log, resp, caller);
	if (resp->action != KG_RESP_CONTINUE)
		return;
	/* on app-token locations only keygate's token reaches the app */
	if (loc->app_jwt == KG_FLAG_ON)
		apr_table_unset(req->headers, "Authorization");
	kg_identity_strip_cookies(req->pool, req->headers,
				  gw->conf->sessions.cookie_name);
	if (loc->app_jwt == KG_FLAG_ON && caller->user)
		add_app_token(gw, req, log, resp, caller);
}
