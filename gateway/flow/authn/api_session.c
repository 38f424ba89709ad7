/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: API sessions, one per bearer token.
 *
 * The token's session is found through P apitok:HASH (HASH = hex of the
 * token's SHA-256), which holds the session cookie sealed, so Redis never
 * holds a usable cookie in clear.
 */
#include "gateway/flow/authn/api_session.h"
#include "gateway/base/str.h"
#include "sessions/users.h"

#include <string.h>

bool kg_api_sessions_on(const kg_gateway *gw)
{
	const kg_conf_flow_limits *l = &gw->conf->sessions.limits[KG_FLOW_API];

	return l->user.max > 0 || l->realm.max > 0;
}

static const char *token_name(apr_pool_t *pool, const kg_oidc_bearer_token *jwt)
{
	char d[65];

	kg_hex(jwt->digest, sizeof(jwt->digest), d);
	return kg_psprintf(pool, "apitok:%s", d);
}

/* Makes the session of a token seen for the first time. */
static kg_rc create(kg_gateway *gw, kg_req *req, const kg_log *log,
		    const kg_oidc_bearer_token *jwt, kg_user *user,
		    const char *name, const char **message, kg_err *err)
{
	long long now = kg_state_now_ms();
	kg_sess_record *rec = kg_sess_record_make(req->pool);
	kg_sess_created created;
	bool stored = false;
	kg_rc rc;

	rec->user = user;
	rec->idp = jwt->issuer;
	rec->protocol = "bearer";
	rec->flow = KG_FLOW_API;
	rec->auth_ms = rec->last_access_ms = now;
	rec->idle_ms = 0;
	rec->expires_ms = now + gw->timeouts.max_ms;
	if (jwt->exp_s > 0 && jwt->exp_s * 1000 < rec->expires_ms)
		rec->expires_ms = jwt->exp_s * 1000;
	kg_sess_record_set_client(rec, req->pool, req->client_ip,
				  kg_req_header(req, "User-Agent"));
	rc = kg_sess_store_create(gw->store, req->pool, rec,
				  &gw->conf->sessions.limits[KG_FLOW_API], now,
				  &created, err);
	if (rc == KG_EDENIED) {
		*message = created.deny_message;
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0414",
			    "AUDIT event=%s outcome=denied actor=%s target=%s "
			    "reason=session_limit limit=%s",
			    "Token Rejected", user->username, user->username,
			    created.denied_by_realm ? "realm" : "user");
		return rc;
	}
	if (rc != KG_OK)
		return rc;
	rc = kg_sess_name_set(gw->store, req->pool, name, created.cookie,
			      rec->expires_ms, &stored, err);
	/* a parallel first use of the same token won: keep one session */
	if (rc == KG_OK && !stored)
		rc = kg_sess_store_delete(gw->store, req->pool, rec,
					  "duplicate_api_session", err);
	return rc;
}

kg_rc kg_api_session(kg_gateway *gw, kg_req *req, const kg_log *log,
		     const kg_oidc_bearer_token *jwt, kg_user *user,
		     const char **message, kg_err *err)
{
	const char *name = token_name(req->pool, jwt);
	const char *cookie = NULL;
	kg_sess_record *rec;
	kg_rc rc;

	rc = kg_sess_name_get(gw->store, req->pool, name, &cookie, err);
	if (rc == KG_ENOTFOUND)
		return create(gw, req, log, jwt, user, name, message, err);
	if (rc != KG_OK)
		return rc;
	rc = kg_sess_store_load(gw->store, req->pool, cookie, strlen(cookie),
				&rec, err);
	if (rc == KG_ENOTFOUND)
		return kg_err_set(err, KG_EAUTH,
				  "the token's session was ended");
	return rc;
}
