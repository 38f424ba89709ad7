/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML endpoints under PREFIX saml/ALIAS/: `metadata` (the
 * SP metadata), `login` (a signed AuthnRequest over HTTP-Redirect) and
 * `acs` (the Response over HTTP-POST, checked, then the login finishes);
 * with KeygateSAMLKeycloakPaths also at Keycloak's broker paths
 * (conf/saml_urls.h), where one `endpoint` takes both the ACS and the
 * single logout messages.
 *
 * The AuthnRequest's ID travels in the sealed login-state cookie named
 * after the RelayState (an opaque random id, never a URL), so only the
 * browser that started a login can finish it with the IdP's answer, and
 * only within KeygateLoginStateTimeout. Each AuthnRequest answers one
 * login: its ID is recorded in Redis (replay namespace saml-request) when
 * a Response for it is accepted, so a second Response for it is refused
 * even when the browser sends the login-state cookie again.
 */
#include "sessions/tags.h"
#include "gateway/flow/login/login.h"
#include "gateway/flow/core/reply.h"
#include "gateway/flow/login/finish.h"
#include "gateway/flow/login/state.h"
#include "gateway/base/rand.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/base/str.h"
#include "gateway/flow/core/origin.h"

#include <apr_strings.h>
#include <string.h>

void kg_login_saml_metadata(kg_gateway *gw, kg_req *req, const char *alias,
			    const kg_log *log, kg_resp *resp)
{
	kg_saml *saml = kg_state_saml(gw, alias);

	if (saml == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_such_provider");
		return;
	}
	apr_table_setn(resp->headers, "Cache-Control", "max-age=300");
	kg_resp_reply(resp, 200, "application/samlmetadata+xml",
		      kg_saml_metadata(saml, req->pool, kg_origin(gw, req)));
}

/* The login-state cookie for a cross-site POST: the ACS request comes
 * from the IdP's page, so with Secure cookies it is SameSite=None (Lax
 * would not be sent with it); over plain http (tests) it stays Lax. */
static const char *cross_site(kg_gateway *gw, const kg_req *req,
			      const char *set_cookie)
{
	apr_pool_t *pool = req->pool;
	const char *lax = strstr(set_cookie, "SameSite=Lax");

	if (!kg_origin_cookie_secure(gw, req) || lax == NULL)
		return set_cookie;
	return apr_pstrcat(
		pool,
		apr_pstrmemdup(pool, set_cookie, (size_t)(lax - set_cookie)),
		"SameSite=None", lax + strlen("SameSite=Lax"), NULL);
}

void kg_login_saml_start(kg_gateway *gw, kg_req *req, const char *alias,
			 const kg_log *log, kg_resp *resp)
{
	kg_saml *saml = kg_state_saml(gw, alias);
	const char *back = kg_redirect_return_to(req, log);
	kg_login_pending pending = {.kind = KG_LOGIN_PENDING_SAML};
	const char *url, *cookie;
	kg_err err = {0};
	kg_rc rc;

	if (saml == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_such_provider");
		return;
	}
	rc = kg_rand_b64(req->pool, 32, &pending.state, &err);
	if (rc == KG_OK)
		rc = kg_saml_login_url(saml, req->pool, kg_origin(gw, req),
				       pending.state, kg_login_fresh_auth(req),
				       &url, &pending.request_id, &err);
	if (rc == KG_OK) {
		pending.alias = alias;
		pending.return_to = back;
		pending.created_ms = kg_state_now_ms();
		rc = kg_login_state_cookie(gw, req, &pending, &cookie, &err);
	}
	if (rc != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0512",
			    "saml login cannot start idp=%s: %s", alias,
			    err.msg);
		kg_resp_fail(resp, rc, "saml_request");
		return;
	}
	apr_table_addn(resp->headers, "Set-Cookie",
		       cross_site(gw, req, cookie));
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_redirect(resp, url);
}

/* Why this browser has no request for a Response to answer, for the
 * log: the login state's own error without its OIDC prefix. */
static const char *no_request_why(apr_pool_t *pool, const char *relay,
				  const kg_err *err)
{
	const char *m = err->msg;

	if (relay == NULL)
		return "the Response comes with no RelayState";
	if (m[0] == '\0')
		return "its login state is not one of this provider's logins";
	if (strncmp(m, "oidc_state: ", 12) == 0)
		m += 12;
	return apr_pstrdup(pool, m);
}

/* A refusal after the Response verified: Redis down is 503
 * (cache_unavailable), never a login without the check. */
static void refuse_store(const kg_log *log, kg_resp *resp, kg_rc rc,
			 const char *alias, const char *reason,
			 const char *detail)
{
	kg_reply_saml_refuse(log, resp, rc, alias,
			     rc == KG_EBACKEND ? "cache_unavailable" : reason,
			     detail);
}

void kg_login_saml_acs(kg_gateway *gw, kg_req *req, const char *alias,
		       const kg_log *log, kg_resp *resp)
{
	kg_saml *saml = kg_state_saml(gw, alias);
	const char *relay = kg_req_form_param(req, "RelayState");
	const char *request_id = NULL, *reason = NULL, *back = "/";
	const char *why_none, *assertion_key;
	long long now = kg_state_now_ms();
	kg_login_pending pending;
	kg_saml_verified v;
	kg_login_done done = {0};
	kg_err err = {0};
	bool first_use = false, seen = false;
	kg_rc rc;

	if (saml == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_such_provider");
		return;
	}
	/* the outstanding request of this browser, if the RelayState
	 * names one of its login states for this provider */
	if (relay &&
	    kg_login_state_read(gw, req, relay, now, &pending, &err) == KG_OK &&
	    pending.kind == KG_LOGIN_PENDING_SAML &&
	    strcmp(pending.alias, alias) == 0) {
		request_id = pending.request_id;
		back = pending.return_to;
		apr_table_addn(resp->headers, "Set-Cookie",
			       kg_login_state_clear(gw, req, relay));
	} else if (relay && kg_redirect_is_local(relay)) {
		back = relay; /* IdP-initiated: a local landing path */
	}
	why_none = no_request_why(req->pool, relay, &err);
	memset(&err, 0, sizeof(err));
	/* the most specific check speaks first: the Response itself, then
	 * whether its assertion was used before (saml_replay), then whether
	 * it answers this browser's request (saml_inresponseto) */
	rc = kg_saml_acs(saml, req->pool, kg_origin(gw, req),
			 kg_req_form_param(req, "SAMLResponse"), now, &v,
			 &reason, &err);
	if (rc != KG_OK) {
		kg_reply_saml_refuse(log, resp, rc, alias, reason, err.msg);
		return;
	}
	assertion_key = kg_psprintf(req->pool, "%s:%s", alias, v.assertion_id);
	rc = kg_sess_replay_seen(gw->store, req->pool, "saml", assertion_key,
				 &seen, &err);
	if (rc != KG_OK || seen) {
		refuse_store(log, resp, rc == KG_OK ? KG_EINVAL : rc, alias,
			     "saml_replay",
			     rc == KG_OK ? "the assertion ID was used before"
					 : err.msg);
		return;
	}
	rc = kg_saml_answers(&v, request_id, gw->conf->saml.unsolicited,
			     why_none, &reason, &err);
	if (rc != KG_OK) {
		kg_reply_saml_refuse(log, resp, rc, alias, reason, err.msg);
		return;
	}
	/* one accepted Response per AuthnRequest, on every gateway: the
	 * entry outlives the login state that could carry the request */
	if (v.in_response_to) {
		rc = kg_sess_replay_once(
			gw->store, req->pool, "saml-request",
			kg_psprintf(req->pool, "%s:%s", alias, request_id),
			pending.created_ms + kg_login_state_timeout_ms(gw) +
				60000,
			now, &first_use, &err);
		if (rc != KG_OK || !first_use) {
			refuse_store(log, resp, rc == KG_OK ? KG_EINVAL : rc,
				     alias, "saml_inresponseto",
				     rc == KG_OK ? "the AuthnRequest was "
						   "answered before (one "
						   "login per request)"
						 : err.msg);
			return;
		}
	}
	/* a bearer assertion is good for one login (SAML profiles
	 * 4.1.4.5), across every gateway sharing this Redis */
	rc = kg_sess_replay_once(gw->store, req->pool, "saml", assertion_key,
				 v.valid_until_ms, now, &first_use, &err);
	if (rc != KG_OK || !first_use) {
		refuse_store(log, resp, rc == KG_OK ? KG_EINVAL : rc, alias,
			     rc == KG_OK || rc == KG_EBACKEND ? "saml_replay"
							      : "saml_time",
			     rc == KG_OK ? "the assertion ID was used before"
					 : err.msg);
		return;
	}
	done.alias = alias;
	done.protocol = "saml";
	done.browser = request_id != NULL; /* not IdP-initiated */
	done.input.proto = KG_PROTO_SAML;
	done.input.saml = v.assertion;
	done.state.saml_name_id = v.assertion->name_id;
	done.state.saml_name_id_format = v.assertion->name_id_format;
	done.state.saml_session_index = v.assertion->session_index;
	done.state.saml_response = v.response_xml;
	/* what an IdP-initiated LogoutRequest may name this session by */
	if (v.assertion->name_id) {
		done.tags[0] = kg_sess_tag_saml_name_id(req->pool, alias,
							v.assertion->name_id);
		if (v.assertion->session_index)
			done.tags[1] = kg_sess_tag_saml_session(
				req->pool, alias, v.assertion->name_id,
				v.assertion->session_index);
	}
	done.return_to = kg_redirect_local_or_root(back, NULL);
	done.cap_ms = v.session_cap_ms;
	kg_login_finish(gw, req, log, &done, resp);
}
