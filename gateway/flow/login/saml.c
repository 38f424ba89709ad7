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
 * browser that started a login can finish it with the IdP's answer.
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

/* The provider the route named (alias), or for a plain `login` (alias
 * NULL): the KeygateLoginProvider when it names a SAML provider, else the
 * first SAML provider when there is no OIDC login. */
static const char *login_alias(kg_gateway *gw, const char *alias)
{
	const kg_conf *c = gw->conf;

	if (alias)
		return alias;
	if (c->gateway.login_alias &&
	    kg_conf_saml_find(&c->saml, c->gateway.login_alias))
		return c->gateway.login_alias;
	if (gw->oidc == NULL && c->saml.idps->nelts > 0)
		return APR_ARRAY_IDX(c->saml.idps, 0, kg_conf_saml_idp).alias;
	return NULL;
}

bool kg_login_saml_handles(kg_gateway *gw)
{
	return kg_gateway_saml(gw, login_alias(gw, NULL)) != NULL;
}

void kg_login_saml_metadata(kg_gateway *gw, kg_req *req,
		const char *alias, const kg_log *log, kg_resp *resp)
{
	kg_saml *saml = kg_gateway_saml(gw, alias);

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

void kg_login_saml_start(kg_gateway *gw, kg_req *req,
		const char *alias, const kg_log *log, kg_resp *resp)
{
	kg_saml *saml;

	alias = login_alias(gw, alias);
	saml = kg_gateway_saml(gw, alias);
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
				       pending.state, &url,
				       &pending.request_id, &err);
	if (rc == KG_OK) {
		pending.alias = alias;
		pending.return_to = back;
		pending.created_ms = kg_gateway_now_ms();
		rc = kg_login_state_cookie(gw, req, &pending, &cookie,
					   &err);
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

void kg_login_saml_acs(kg_gateway *gw, kg_req *req,
		const char *alias, const kg_log *log, kg_resp *resp)
{
	kg_saml *saml = kg_gateway_saml(gw, alias);
	const char *relay = kg_req_form_param(req, "RelayState");
	const char *request_id = NULL, *reason = NULL, *back = "/";
	long long now = kg_gateway_now_ms();
	kg_login_pending pending;
	kg_saml_verified v;
	kg_login_done done = {0};
	kg_err err = {0};
	bool first_use = false;
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
	memset(&err, 0, sizeof(err));
	rc = kg_saml_acs(saml, req->pool, kg_origin(gw, req),
			 kg_req_form_param(req, "SAMLResponse"),
			 request_id, now, &v, &reason, &err);
	if (rc != KG_OK) {
		kg_reply_saml_refuse(log, resp, rc, alias, reason, err.msg);
		return;
	}
	/* a bearer assertion is good for one login (SAML profiles
	 * 4.1.4.5), across every gateway sharing this Redis */
	rc = kg_sess_replay_once(
		gw->store, req->pool, "saml",
		kg_psprintf(req->pool, "%s:%s", alias, v.assertion_id),
		v.valid_until_ms, now, &first_use, &err);
	if (rc != KG_OK) {
		kg_reply_saml_refuse(log, resp, rc == KG_EINVAL ? KG_EINVAL : rc, alias,
			   rc == KG_EBACKEND ? "cache_unavailable"
					     : "saml_time",
			   err.msg);
		return;
	}
	if (!first_use) {
		kg_reply_saml_refuse(log, resp, KG_EINVAL, alias, "saml_replay",
			   "the assertion ID was used before");
		return;
	}
	done.alias = alias;
	done.protocol = "saml";
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
