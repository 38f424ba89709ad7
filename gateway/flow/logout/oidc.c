/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: OIDC Back-Channel Logout 1.0: the provider POSTs a signed
 * logout token; the sessions it names (by sid, else by sub) end.
 */
#include "gateway/flow/logout/logout.h"
#include "gateway/flow/core/reply.h"
#include "sessions/tags.h"

#include <string.h>

/* The spec's error answer: 400 (503 when Redis is down), no cache, and
 * one log line. */
static void refuse(const kg_log *log, kg_resp *resp, kg_rc rc,
		   const char *detail)
{
	kg_reply_refuse(log, resp, rc == KG_EBACKEND ? rc : KG_EINVAL,
			"KG-0520", "oidc", "oidc_logout_token", "%s", detail);
}

void kg_logout_oidc_backchannel(kg_gateway *gw, kg_req *req, const char *alias,
				const kg_log *log, kg_resp *resp)
{
	const char *token = kg_req_form_param(req, "logout_token");
	const char *sid = NULL, *sub = NULL, *jti = NULL, *tag;
	long long now = kg_state_now_ms();
	bool first_use = false;
	kg_err err = {0};
	int ended = 0;
	const kg_conf_oidc *p = NULL;
	kg_oidc *oidc = kg_state_oidc(gw, alias, &p);
	kg_rc rc;

	if (oidc == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_login_provider");
		return;
	}
	if (token == NULL) {
		refuse(log, resp, KG_EINVAL, "no logout_token");
		return;
	}
	rc = kg_oidc_logout_token_verify(oidc, req->pool, token, now, &sid,
					 &sub, &jti, &err);
	if (rc != KG_OK) {
		refuse(log, resp, rc, err.msg);
		return;
	}
	rc = kg_sess_replay_once(gw->store, req->pool, "logout", jti,
				 now + 24 * 3600 * 1000LL, now, &first_use,
				 &err);
	if (rc != KG_OK || !first_use) {
		refuse(log, resp, rc != KG_OK ? rc : KG_EINVAL,
		       rc != KG_OK ? err.msg : "jti replayed");
		return;
	}
	tag = sid ? kg_sess_tag_oidc_sid(req->pool, p->issuer, sid)
		  : kg_sess_tag_oidc_sub(req->pool, p->issuer, sub);
	rc = kg_sess_tag_end(gw->store, req->pool, tag, "backchannel_logout",
			     &ended, &err);
	if (rc != KG_OK) {
		refuse(log, resp, rc, err.msg);
		return;
	}
	kg_metrics_inc(gw->metrics, KG_M_BACKCHANNEL_LOGOUT);
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0522",
		    "AUDIT event=%s outcome=success actor=%s target=- "
		    "idp=%s by=%s sessions_ended=%d",
		    "User Log Out", "oidc_provider", p->alias,
		    sid ? "sid" : "sub", ended);
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, 200, "text/plain", "");
}
