/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the end of every login, whatever the protocol.
 */
#include "gateway/flow/login/finish.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/aws/file.h"
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/core/page.h"
#include "gateway/flow/core/origin.h"
#include "sessions/revocation.h"
#include "sessions/tags.h"
#include "sessions/ids.h"
#include "sessions/users.h"
#include "policy/limits.h"

#include <apr_strings.h>
#include <string.h>

/* A login refused by policy: page id (403) with message, reference ref
 * (the one its audit line names), a way back to the sign-in (with the
 * return path) and to sign out. */
static void refuse(kg_gateway *gw, kg_req *req, kg_resp *resp,
		   const kg_login_done *done, kg_page_id id, const char *title,
		   const char *message, const char *ref)
{
	kg_page_values vals = {{NULL}};

	vals.v[KG_PV_TITLE] = title;
	vals.v[KG_PV_MESSAGE] = message;
	vals.v[KG_PV_REFERENCE] = ref;
	vals.v[KG_PV_RETURN_TO] = done->return_to;
	kg_page_reply(gw, req, resp, 403, id, &vals);
}

/* A login refused for this account (deactivated, an email another user
 * holds): the access-denied page with message and reference ref. */
static void refuse_account(kg_gateway *gw, kg_req *req, kg_resp *resp,
			   const char *message, const char *ref)
{
	kg_login_done none = {0};

	none.return_to = "/";
	refuse(gw, req, resp, &none, KG_PAGE_DENIED, "Access denied", message,
	       ref);
}

/* A deactivated user's login refused: the audit event, the metric and
 * the access-denied page with message. */
static void refuse_deactivated(kg_gateway *gw, kg_req *req, kg_resp *resp,
			       const kg_log *log, const char *alias,
			       const char *username, const char *message)
{
	const char *ref = kg_page_reference(req->pool);

	kg_log_emit(log, KG_LOG_NOTICE, "KG-0721",
		    "AUDIT event=%s outcome=denied actor=%s target=%s idp=%s "
		    "reason=deactivated ref=%s",
		    "User Log In", username, username, alias, ref);
	kg_metrics_inc(gw->metrics, KG_M_LOGIN_DENIED);
	refuse_account(gw, req, resp, message, ref);
}

/* A deactivated user's login ends here, before any STS call or session
 * (the session-create script checks again, atomically). True when the
 * login goes on; otherwise resp is the refusal: 403 with the page, or
 * 503 when Redis is down. */
static bool user_active(kg_gateway *gw, kg_req *req, const kg_log *log,
			const char *alias, const char *username, kg_resp *resp)
{
	kg_err err = {0};
	bool active = true;
	kg_rc rc = kg_sess_user_is_active(gw->store, req->pool, username,
					  &active, &err);

	if (rc != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0505",
			    "login failed idp=%s user=%s reason=%s", alias,
			    username, err.msg);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_FAILED);
		kg_resp_fail(resp, rc, "cache_unavailable");
		return false;
	}
	if (active)
		return true;
	refuse_deactivated(gw, req, resp, log, alias, username,
			   KG_SESS_DEACTIVATED_MESSAGE);
	return false;
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

/* The subject the stable id is kept for: the federated id, except a
 * transient NameID (SAML core 8.3.8: never the same twice), for which
 * the mapped username stands in, so every login of one person is one
 * user. */
static const char *id_subject(apr_pool_t *pool, const kg_login_done *done,
			      const kg_admit_outcome *out)
{
	static const char transient[] =
		"urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
	const kg_assertion *a = done->input.saml;

	if (done->input.proto == KG_PROTO_SAML && a && a->name_id &&
	    a->name_id_format && strcmp(a->name_id_format, transient) == 0 &&
	    strcmp(out->broker_id, a->name_id) == 0 && out->user->username)
		return apr_pstrcat(pool, "username:", out->user->username,
				   NULL);
	return out->broker_id;
}

/* Gives the login's user its stable id (sessions/ids.h) in user->id.
 * False with resp answered when the login must stop: the email is
 * another user's (KeygateEmailCollision deny: the denial page) or Redis
 * is down (503). Each outcome that changes the directory is audited. */
static bool assign_id(kg_gateway *gw, kg_req *req, const kg_log *log,
		      const kg_login_done *done, const char *subject,
		      kg_user *user, kg_resp *resp)
{
	kg_sess_id_result r;
	kg_err err = {0};
	const char *name = user->username ? user->username : "-", *ref;
	kg_rc rc = kg_sess_id_assign(gw->store, req->pool, done->alias, subject,
				     user, gw->conf->mapping.email_link,
				     kg_state_now_ms(), &r, &err);

	if (rc != KG_OK) {
		kg_log_emit(log, KG_LOG_ERROR, "KG-0704",
			    "login failed idp=%s user=%s reason=user_id %s",
			    done->alias, name, err.msg);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_FAILED);
		kg_resp_fail(resp, rc,
			     rc == KG_EBACKEND ? "cache_unavailable"
					       : "user_id");
		return false;
	}
	switch (r.status) {
	case KG_SESS_ID_CONFLICT:
		ref = kg_page_reference(req->pool);
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0701",
			    "AUDIT login denied event=\"User Log In Denied\" "
			    "actor=%s target=%s idp=%s reason=email_collision "
			    "holder=%s ref=%s",
			    name, name, done->alias, r.owner, ref);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_DENIED);
		refuse_account(
			gw, req, resp,
			"An account with this email address already exists. "
			"Ask your administrator to link your accounts.",
			ref);
		return false;
	case KG_SESS_ID_CREATED:
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0700",
			    "AUDIT user created event=\"User Created\" "
			    "actor=%s target=%s idp=%s id=%s",
			    name, name, done->alias, r.id);
		break;
	case KG_SESS_ID_LINKED:
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0702",
			    "AUDIT user linked event=\"User Linked\" "
			    "actor=%s target=%s idp=%s id=%s reason=email",
			    name, name, done->alias, r.id);
		break;
	case KG_SESS_ID_EMAIL_HELD:
		kg_log_emit(log, KG_LOG_WARN, "KG-0703",
			    "user keeps its id; its email is another user's "
			    "idp=%s user=%s id=%s holder=%s",
			    done->alias, name, r.id, r.owner);
		break;
	case KG_SESS_ID_EXISTING:
		break;
	}
	user->id = r.id;
	return true;
}

/* The limits a login meets, and which flow each half comes from (for
 * the log): the identity provider's post-login flow (the provider's own
 * KeygateProviderSessionLimit, else the sso flow's) and, for a login the
 * gateway started in the browser, also the browser flow's, the stricter
 * of the two. */
typedef struct {
	kg_conf_flow_limits limits;
	const char *user_from; /* "browser", "sso" or "provider" */
	const char *realm_from;
} login_limits;

static void limits_of(const kg_gateway *gw, const kg_login_done *done,
		      login_limits *out)
{
	const kg_conf_provider *p =
		kg_conf_provider_find(gw->conf, done->alias);
	const char *post = p && p->has_limits ? "provider" : "sso";
	bool user_post = true, realm_post = true;

	out->limits = p && p->has_limits
			      ? p->limits
			      : gw->conf->sessions.limits[KG_FLOW_SSO];
	if (done->browser)
		kg_pol_limits_stricter(
			&out->limits,
			&gw->conf->sessions.limits[KG_FLOW_BROWSER],
			&out->limits, &user_post, &realm_post);
	out->user_from = user_post ? post : "browser";
	out->realm_from = realm_post ? post : "browser";
}

/* Creates the session (flow sso: every login through an identity
 * provider ends in its post-login flow) under limits, holding aws (the
 * stored AWS credentials, or NULL). */
static kg_rc create_session(kg_gateway *gw, kg_req *req,
			    const kg_login_done *done, kg_user *user,
			    const char *aws, const login_limits *limits,
			    long long now, kg_sess_created *created,
			    kg_sess_record **out, kg_err *err)
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
	kg_sess_record_set_client(rec, req->pool, req->client_ip,
				  kg_req_header(req, "User-Agent"));
	*out = rec;
	return kg_sess_store_create(gw->store, req->pool, rec, &limits->limits,
				    now, created, err);
}

/* The metrics slot of done's provider: its SAML alias, or its OIDC
 * issuer (as the token and discovery metrics name it). */
static int metrics_slot(const kg_gateway *gw, const kg_login_done *done)
{
	const kg_conf_oidc *o =
		strcmp(done->protocol, "oidc") == 0
			? kg_conf_oidc_find(&gw->conf->oidc, done->alias)
			: NULL;

	return kg_metrics_slot(o ? o->issuer : done->alias, done->protocol);
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
	/* no KeygateMappers: no mapper runs, and the user is the provider's
	 * username (OIDC preferred_username, SAML NameID), as in Keycloak */
	static const kg_mapper_set no_mappers = {.path = "(no KeygateMappers)"};
	const kg_mapper_set *set = &no_mappers;
	kg_mappers_gen *gen = NULL;
	login_limits limits;
	kg_admit_outcome out;
	kg_sess_created created;
	kg_sess_record *rec = NULL;
	const char *aws, *ref;
	kg_err err = {0};
	long long now = kg_state_now_ms();
	kg_rc rc;

	if (gw->mappers)
		gen = kg_mappers_live_acquire(gw->mappers, now / 1000, log,
					      &set);
	rc = map_login(gw, req, set, done, &out, &err);
	/* the mapped user may point into the mapper generation, which a
	 * reload can free once released: copy it into the request first */
	if (rc == KG_OK)
		out.user = kg_user_copy(req->pool, out.user);
	if (gw->mappers)
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
		ref = kg_page_reference(req->pool);
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0503",
			    "AUDIT event=%s outcome=denied actor=%s target=%s "
			    "idp=%s reason=%s ref=%s",
			    "User Log In",
			    out.user->username ? out.user->username : "-",
			    out.user->username ? out.user->username : "-",
			    done->alias, out.deny_reason, ref);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_DENIED);
		refuse(gw, req, resp, done, KG_PAGE_DENIED, "Access denied",
		       out.deny_message ? out.deny_message
					: "You cannot sign in to Domino.",
		       ref);
		return;
	}
	if (!user_active(gw, req, log, done->alias, out.user->username, resp))
		return;
	if (out.broker_id &&
	    !assign_id(gw, req, log, done, id_subject(req->pool, done, &out),
		       out.user, resp))
		return;
	end_presented_session(gw, req, log);
	aws = kg_aws_at_login(gw, req, log, out.user,
			      done->state.saml_response);
	limits_of(gw, done, &limits);
	rc = create_session(gw, req, done, out.user, aws, &limits, now,
			    &created, &rec, &err);
	if (rc == KG_EDENIED && created.deactivated) {
		refuse_deactivated(gw, req, resp, log, done->alias,
				   out.user->username, created.deny_message);
		return;
	}
	if (rc == KG_EDENIED) {
		ref = kg_page_reference(req->pool);
		kg_log_emit(
			log, KG_LOG_NOTICE, "KG-0504",
			"AUDIT event=%s outcome=denied actor=%s target=%s "
			"idp=%s reason=session_limit limit=%s flow=%s ref=%s",
			"User Log In", out.user->username, out.user->username,
			done->alias, created.denied_by_realm ? "realm" : "user",
			created.denied_by_realm ? limits.realm_from
						: limits.user_from,
			ref);
		kg_metrics_inc(gw->metrics, KG_M_LOGIN_DENIED);
		refuse(gw, req, resp, done, KG_PAGE_LIMIT, "Too many sessions",
		       kg_page_limit_text(created.deny_message), ref);
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
	if (aws)
		kg_aws_track(gw, req->pool, log, rec, true);
	if (out.broker_id &&
	    kg_sess_user_save(gw->store, req->pool, done->alias, out.broker_id,
			      out.user, &err) != KG_OK)
		kg_log_emit(log, KG_LOG_WARN, "KG-0506",
			    "stored user not saved: %s", err.msg);
	kg_metrics_inc(gw->metrics, KG_M_LOGIN_OK);
	if (req->start_us)
		kg_metrics_since(KG_H_LOGIN, metrics_slot(gw, done),
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
