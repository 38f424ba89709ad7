/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: SAML single logout, both directions.
 *
 * SP-initiated: /keygate/logout ends the session, then sends the browser
 * to the IdP with a signed LogoutRequest for the session's NameID and
 * SessionIndex; the request's ID and the landing page travel in a sealed
 * cookie named after the RelayState, and the IdP's LogoutResponse at
 * PREFIX saml/ALIAS/slo must answer that request.
 *
 * IdP-initiated: a signed LogoutRequest at the same endpoint ends every
 * session tagged at login with its NameID (and SessionIndex, when it
 * names one), then keygate answers with a signed LogoutResponse.
 */
#include "gateway/flow/logout/logout.h"
#include "gateway/flow/core/reply.h"
#include "gateway/base/str.h"
#include "gateway/flow/login/state.h"
#include "gateway/base/rand.h"
#include "gateway/flow/core/redirect.h"
#include "gateway/flow/core/origin.h"
#include "sessions/tags.h"

#include <apr_strings.h>
#include <string.h>

bool kg_logout_saml_start(kg_gateway *gw, kg_req *req, const kg_log *log,
			  const kg_sess_record *rec, const char *back,
			  kg_resp *resp)
{
	kg_saml *saml = kg_state_saml(gw, rec->idp);
	kg_login_pending pending = {.kind = KG_LOGIN_PENDING_SAML_LOGOUT};
	kg_saml_subject who;
	const char *url, *cookie;
	kg_err err = {0};
	kg_rc rc;

	if (saml == NULL || rec->protocol == NULL ||
	    strcmp(rec->protocol, "saml") != 0 ||
	    rec->state.saml_name_id == NULL)
		return false;
	who.name_id = rec->state.saml_name_id;
	who.name_id_format = rec->state.saml_name_id_format;
	who.session_index = rec->state.saml_session_index;
	rc = kg_rand_b64(req->pool, 32, &pending.state, &err);
	if (rc == KG_OK)
		rc = kg_saml_logout_url(saml, req->pool, &who, pending.state,
					&url, &pending.request_id, &err);
	if (rc == KG_OK) {
		pending.alias = rec->idp;
		pending.return_to = back;
		pending.created_ms = kg_state_now_ms();
		rc = kg_login_state_cookie(gw, req, &pending, &cookie, &err);
	}
	if (rc != KG_OK) {
		kg_log_emit(log, rc == KG_ENOTFOUND ? KG_LOG_INFO : KG_LOG_WARN,
			    "KG-0550",
			    "saml logout ends the local session only idp=%s: "
			    "%s",
			    rec->idp, err.msg);
		return false;
	}
	apr_table_addn(resp->headers, "Set-Cookie", cookie);
	kg_resp_redirect(resp, url);
	return true;
}

/* The IdP's LogoutResponse to keygate's LogoutRequest: it must answer
 * the request this browser's logout cookie remembers; then home. */
static void logout_answered(kg_gateway *gw, kg_req *req, const kg_log *log,
			    const char *alias, const kg_saml_logout_msg *msg,
			    const char *relay, kg_resp *resp)
{
	kg_login_pending pending;
	kg_err err = {0};

	if (relay == NULL ||
	    kg_login_state_read(gw, req, relay, kg_state_now_ms(), &pending,
				&err) != KG_OK ||
	    pending.kind != KG_LOGIN_PENDING_SAML_LOGOUT ||
	    strcmp(pending.alias, alias) != 0 ||
	    strcmp(pending.request_id, msg->in_response_to) != 0) {
		kg_reply_saml_refuse(log, resp, KG_EINVAL, alias,
				     "saml_inresponseto",
				     "the LogoutResponse answers no logout "
				     "of this browser");
		return;
	}
	apr_table_addn(resp->headers, "Set-Cookie",
		       kg_login_state_clear(gw, req, relay));
	if (kg_saml_logout_success(msg))
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0551",
			    "AUDIT event=%s outcome=confirmed actor=%s "
			    "target=- idp=%s",
			    "User Log Out", alias, alias);
	else
		kg_log_emit(log, KG_LOG_WARN, "KG-0552",
			    "saml logout idp=%s status=%.128s: the IdP may "
			    "keep its own session",
			    alias, msg->status);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_redirect(resp,
			 kg_redirect_local_or_root(pending.return_to, NULL));
}

/* An IdP-initiated LogoutRequest, verified: used once, the sessions it
 * names end (by SessionIndex when it names exactly one, else by NameID),
 * then the signed answer. Redis down: 503, and the IdP is not told the
 * sessions ended. */
static void idp_logout(kg_gateway *gw, kg_req *req, const kg_log *log,
		       const char *alias, kg_saml_slo *slo,
		       const kg_saml_logout_msg *msg, kg_resp *resp)
{
	long long now = kg_state_now_ms();
	bool by_index = msg->session_indexes == 1;
	bool first_use = false;
	const char *tag, *url;
	kg_err err = {0};
	int ended = 0;
	kg_rc rc;

	rc = kg_sess_replay_once(
		gw->store, req->pool, "saml-slo",
		kg_psprintf(req->pool, "%s:%s", alias, msg->id),
		now + KG_SAML_SLO_MAX_AGE_MS +
			2 * gw->conf->saml.clock_skew_s * 1000,
		now, &first_use, &err);
	if (rc == KG_OK && !first_use) {
		kg_reply_saml_refuse(log, resp, KG_EINVAL, alias, "saml_replay",
				     "the LogoutRequest was used before");
		return;
	}
	tag = by_index
		      ? kg_sess_tag_saml_session(req->pool, alias, msg->name_id,
						 msg->session_index)
		      : kg_sess_tag_saml_name_id(req->pool, alias,
						 msg->name_id);
	if (rc == KG_OK)
		rc = kg_sess_tag_end(gw->store, req->pool, tag, "saml_logout",
				     &ended, &err);
	if (rc != KG_OK) {
		kg_reply_saml_refuse(log, resp, rc, alias,
				     rc == KG_EBACKEND ? "cache_unavailable"
						       : "saml_logout",
				     err.msg);
		return;
	}
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0553",
		    "AUDIT event=%s outcome=success actor=%s target=- idp=%s "
		    "by=%s sessions_ended=%d",
		    "User Log Out", alias, alias,
		    by_index ? "session_index" : "name_id", ended);
	if (kg_saml_slo_answer(slo, req->pool, &url, &err) != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0554",
			    "saml logout idp=%s: no answer for the IdP: %s",
			    alias, err.msg);
		kg_resp_fail(resp, KG_EINTERNAL, "saml_logout");
		return;
	}
	/* the browser that carried the request is the user's: when the
	 * request ended sessions, it forgets its session cookie as well */
	if (ended > 0)
		apr_table_addn(resp->headers, "Set-Cookie",
			       kg_sess_cookie_header(
				       req->pool, &gw->conf->sessions, "", 0,
				       kg_origin_cookie_secure(gw, req)));
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_redirect(resp, url);
}

void kg_logout_saml_slo(kg_gateway *gw, kg_req *req, const char *alias,
			const kg_log *log, kg_resp *resp)
{
	const char *reason = NULL;
	bool post = strcmp(req->method, "POST") == 0;
	const kg_saml_logout_msg *msg;
	kg_saml_slo_in in = {0};
	kg_saml_slo *slo;
	kg_saml *saml;
	kg_err err = {0};
	kg_rc rc;

	if ((saml = kg_state_saml(gw, alias)) == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_such_provider");
		return;
	}
	in.query = post ? NULL : req->query;
	in.form_request = post ? kg_req_form_param(req, "SAMLRequest") : NULL;
	in.form_response = post ? kg_req_form_param(req, "SAMLResponse") : NULL;
	in.relay_state = post ? kg_req_form_param(req, "RelayState")
			      : kg_req_param(req, "RelayState");
	in.origin = kg_origin(gw, req);
	rc = kg_saml_slo_receive(saml, req->pool, &in, kg_state_now_ms(), &slo,
				 &msg, &reason, &err);
	if (rc != KG_OK) {
		kg_reply_saml_refuse(log, resp, rc, alias, reason, err.msg);
		return;
	}
	if (msg->is_request)
		idp_logout(gw, req, log, alias, slo, msg, resp);
	else
		logout_answered(gw, req, log, alias, msg, in.relay_state, resp);
}
