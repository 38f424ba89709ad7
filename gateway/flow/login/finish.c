/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the end of every login, whatever the protocol.
 */
#include "gateway/flow/login/finish.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/aws/file.h"
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/core/reply.h"
#include "gateway/flow/core/origin.h"
#include "sessions/tags.h"
#include "sessions/users.h"

#include <apr_strings.h>

static void refuse(kg_req *req, kg_resp *resp, const char *message)
{
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, 403, "text/html; charset=utf-8",
		      kg_reply_message(req->pool, "Access denied", message));
}

/* Maps the login twice when needed: once to learn the federated id (a
 * BROKER_ID template may set it), then with the stored user of that id
 * so the sync modes have something to update. */
static kg_rc map_login(kg_gateway *gw, kg_req *req, const kg_mapper_set *set,
		       const kg_login_done *done, kg_admit_outcome *out,
		       kg_err *err)
{
	const kg_conf_mapping *conf = &gw->conf->mapping;
	kg_user *stored = NULL;
	kg_rc rc;

	rc = kg_admit_map(req->pool, set, conf, done->alias, &done->input, NULL,
			  out, err);
	if (rc != KG_OK || !out->allowed || out->broker_id == NULL)
		return rc;
	rc = kg_sess_user_load(gw->store, req->pool, done->alias,
			       out->broker_id, &stored, err);
	if (rc == KG_ENOTFOUND)
		return KG_OK;
	if (rc != KG_OK)
		return rc;
	return kg_admit_map(req->pool, set, conf, done->alias, &done->input,
			    stored, out, err);
}

/* Creates the session under the SSO-login limits, holding aws (the
 * stored AWS credentials, or NULL). */
static kg_rc create_session(kg_gateway *gw, kg_req *req,
			    const kg_login_done *done, kg_user *user,
			    const char *aws, long long now,
			    kg_sess_created *created, kg_sess_record **out,
			    kg_err *err)
{
	kg_sess_record *rec = kg_sess_record_make(req->pool);

	rec->user = user;
	rec->idp = done->alias;
	rec->protocol = done->protocol;
	rec->flow = KG_FLOW_SSO;
	rec->auth_ms = rec->last_access_ms = now;
	rec->idle_ms = gw->timeouts.idle_ms;
	rec->expires_ms = now + gw->timeouts.max_ms;
	if (done->cap_ms > now && done->cap_ms < rec->expires_ms)
		rec->expires_ms = done->cap_ms;
	rec->state = done->state;
	rec->state.sts_credentials = aws;
	*out = rec;
	return kg_sess_store_create(gw->store, req->pool, rec,
				    &gw->conf->sessions.limits[KG_FLOW_SSO],
				    now, created, err);
}

/* Tags the new session with what a protocol logout may name it by. A
 * failure is logged: the login still stands. */
static void tag_session(kg_gateway *gw, kg_req *req, const kg_log *log,
			const kg_login_done *done, const kg_sess_record *rec)
{
	kg_err err = {0};

	for (int i = 0; i < 3 && done->tags[i]; i++) {
		if (kg_sess_tag_add(gw->store, req->pool, done->tags[i],
				    rec->id, rec->expires_ms, &err) != KG_OK)
			kg_log_emit(log, KG_LOG_WARN, "KG-0507",
				    "session not tagged for protocol logout: "
				    "%s",
				    err.msg);
	}
}

/* A login always starts a new session: whatever session the browser
 * presented (its own old one, or one planted on it) is ended, so nothing
 * from it survives (session fixation). */
static void end_presented_session(kg_gateway *gw, kg_req *req,
				  const kg_log *log)
{
	kg_sess_record *old = NULL;
	kg_err err = {0};

	if (kg_authn_session(gw, req, log, &old, &err) == KG_OK &&
	    kg_sess_store_delete(gw->store, req->pool, old, "replaced_by_login",
				 &err) != KG_OK)
		kg_log_emit(log, KG_LOG_WARN, "KG-0508",
			    "the session presented at login was not ended: %s",
			    err.msg);
}

void kg_login_finish(kg_gateway *gw, kg_req *req, const kg_log *log,
		     const kg_login_done *done, kg_resp *resp)
{
	const kg_mapper_set *set = NULL;
	kg_mappers_gen *gen = NULL;
	kg_admit_outcome out;
	kg_sess_created created;
	kg_sess_record *rec = NULL;
	const char *aws;
	kg_err err = {0};
	long long now = kg_state_now_ms();
	kg_rc rc;

	if (gw->mappers == NULL) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0501",
			    "login refused: no KeygateMappers file");
		kg_resp_fail(resp, KG_ECONFIG, "no_mappers");
		return;
	}
	gen = kg_mappers_live_acquire(gw->mappers, now / 1000, log, &set);
	rc = map_login(gw, req, set, done, &out, &err);
	/* the mapped user may point into the mapper generation, which a
	 * reload can free once released: copy it into the request first */
	if (rc == KG_OK)
		out.user = kg_user_copy(req->pool, out.user);
	kg_mappers_live_release(gw->mappers, gen);
	if (rc != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0502",
			    "AUDIT event=%s outcome=failure actor=- target=- "
			    "idp=%s reason=mapping detail=%s",
			    "User Log In", done->alias, err.msg);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_FAILED);
		kg_resp_fail(resp, rc, "mapping");
		return;
	}
	if (out.username_note)
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0415",
			    "username normalized %s idp=%s", out.username_note,
			    done->alias);
	if (!out.allowed) {
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0503",
			    "AUDIT event=%s outcome=denied actor=%s target=%s "
			    "idp=%s reason=%s",
			    "User Log In",
			    out.user->username ? out.user->username : "-",
			    out.user->username ? out.user->username : "-",
			    done->alias, out.deny_reason);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_DENIED);
		refuse(req, resp,
		       out.deny_message ? out.deny_message
					: "You cannot sign in to Domino.");
		return;
	}
	end_presented_session(gw, req, log);
	aws = kg_aws_at_login(gw, req, log, out.user,
			      done->state.saml_response);
	rc = create_session(gw, req, done, out.user, aws, now, &created, &rec,
			    &err);
	if (rc == KG_EDENIED) {
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0504",
			    "AUDIT event=%s outcome=denied actor=%s target=%s "
			    "idp=%s reason=session_limit limit=%s",
			    "User Log In", out.user->username,
			    out.user->username, done->alias,
			    created.denied_by_realm ? "realm" : "user");
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_DENIED);
		refuse(req, resp, created.deny_message);
		return;
	}
	if (rc != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0505",
			    "login failed idp=%s user=%s reason=%s",
			    done->alias, out.user->username, err.msg);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_FAILED);
		kg_resp_fail(resp, rc,
			     rc == KG_EBACKEND ? "cache_unavailable"
					       : "session_create");
		return;
	}
	tag_session(gw, req, log, done, rec);
	kg_aws_write_file(gw, req->pool, log, out.user->username, aws);
	if (out.broker_id &&
	    kg_sess_user_save(gw->store, req->pool, done->alias, out.broker_id,
			      out.user, &err) != KG_OK)
		kg_log_emit(log, KG_LOG_WARN, "KG-0506",
			    "stored user not saved: %s", err.msg);
	kg_metrics_inc(gw->metrics, KG_M_LOGIN_OK);
	if (req->start_us)
		/* a provider is its SAML alias or its OIDC issuer */
		kg_metrics_since(
			KG_H_LOGIN,
			kg_metrics_slot(strcmp(done->protocol, "oidc") == 0
						? gw->conf->oidc.issuer
						: done->alias,
					done->protocol),
			req->start_us);
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0500",
		    "AUDIT event=%s outcome=success actor=%s target=%s idp=%s "
		    "protocol=%s evicted=%d",
		    "User Log In", out.user->username, out.user->username,
		    done->alias, done->protocol, created.evicted);
	apr_table_addn(resp->headers, "Set-Cookie",
		       kg_sess_cookie_header(req->pool, &gw->conf->sessions,
					     created.cookie, -1,
					     kg_origin_cookie_secure(gw, req)));
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_redirect(resp, done->return_to);
}
