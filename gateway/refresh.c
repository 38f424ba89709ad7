/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: keeping a session fresh. A job that must run once across
 * gateways (an OIDC token refresh, an AWS credential refresh) takes a
 * lock in Redis; the gateways that do not get it go on with what they
 * have.
 *
 * OIDC: within KeygateOIDCRefreshMargin of the access token's expiry, the
 * next request refreshes the tokens. A refresh the provider refuses ends
 * the session (KeygateOIDCRefreshFailure logout) or keeps it; a provider
 * that cannot be reached keeps it, and the next request tries again.
 */
#include "gateway/refresh.h"
#include "gateway/base/str.h"
#include "sessions/lock.h"

#include <openssl/rand.h>
#include <string.h>

#define KG_REFRESH_LOCK_MS 15000

kg_rc kg_gateway_session_job(kg_gateway *gw, kg_req *req, const kg_log *log,
			     const kg_session_job *job, kg_sess_record **recp,
			     long long now_ms, bool *written, kg_err *err)
{
	kg_sess_record *rec = *recp, *fresh;
	const char *lock;
	unsigned char nonce[16];
	char holder[33];
	kg_err why = {0};
	bool got = false, changed = false;
	kg_rc rc;

	*written = false;
	if (!job->due(gw, rec, now_ms))
		return KG_OK; /* every request: nothing allocated before here */
	lock = kg_psprintf(req->pool, "%s:%s", job->lock_prefix, rec->id);
	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return kg_err_set(err, KG_EINTERNAL, "no randomness");
	kg_hex(nonce, sizeof(nonce), holder);
	rc = kg_sess_lock_try(gw->store, req->pool, lock, KG_REFRESH_LOCK_MS,
			      holder, &got, err);
	if (rc != KG_OK)
		return rc;
	if (!got) {
		/* another gateway is at it: go on, and do not write this
		 * (soon stale) copy back with a touch */
		*written = true;
		return KG_OK;
	}
	/* read it again under the lock: another gateway may have done the
	 * job (and rotated a refresh token) since this request read it */
	rc = kg_sess_store_reload(gw->store, req->pool, rec->id, &fresh, err);
	if (rc == KG_OK) {
		*recp = rec = fresh;
		if (job->due(gw, rec, now_ms))
			rc = job->run(gw, req, log, rec, now_ms, &changed, err);
		if (rc == KG_OK && changed)
			rc = kg_sess_store_save(gw->store, req->pool, rec,
						now_ms, written, err);
		if (rc == KG_OK && changed && job->saved)
			job->saved(gw, req, log, rec);
	}
	kg_sess_lock_release(gw->store, req->pool, lock, holder, &why);
	return rc;
}

/* True when rec's access token expires within the margin. */
static bool oidc_due(kg_gateway *gw, const kg_sess_record *rec,
		     long long now_ms)
{
	long long expires;

	if (gw->oidc == NULL || strcmp(rec->protocol, "oidc") != 0 ||
	    rec->state.oidc_refresh_token == NULL ||
	    rec->state.oidc_access_expires == NULL ||
	    !kg_str_to_int(rec->state.oidc_access_expires, 0, INT64_MAX,
			   &expires))
		return false;
	return now_ms >= expires - gw->conf->oidc.refresh_margin_s * 1000;
}

/* Puts the new tokens into rec. */
static void take_tokens(kg_sess_record *rec, apr_pool_t *pool,
			const kg_oidc_tokens *t)
{
	if (t->id_token)
		rec->state.oidc_id_token = t->id_token;
	if (t->access_token)
		rec->state.oidc_access_token = t->access_token;
	if (t->refresh_token)
		rec->state.oidc_refresh_token = t->refresh_token;
	rec->state.oidc_access_expires =
		t->access_expires_ms > 0
			? kg_psprintf(pool, "%lld", t->access_expires_ms)
			: NULL;
}

static kg_rc oidc_run(kg_gateway *gw, kg_req *req, const kg_log *log,
		      kg_sess_record *rec, long long now_ms, bool *changed,
		      kg_err *err)
{
	kg_oidc_tokens tokens;
	kg_err why = {0};
	kg_rc rc;

	rc = kg_oidc_refresh(gw->oidc, req->pool, rec->state.oidc_refresh_token,
			     now_ms, &tokens, &why);
	if (rc == KG_OK) {
		take_tokens(rec, req->pool, &tokens);
		*changed = true;
		kg_log_emit(log, KG_LOG_INFO, NULL, "session refreshed user=%s",
			    rec->user->username);
		return KG_OK;
	}
	if (rc == KG_EAUTH && gw->conf->oidc.refresh_failure_logout) {
		kg_log_emit(
			log, KG_LOG_NOTICE, "KG-0530",
			"AUDIT session ended reason=refresh_refused user=%s "
			"%s",
			rec->user->username, why.msg);
		rc = kg_sess_store_delete(gw->store, req->pool, rec,
					  "refresh_refused", err);
		return rc == KG_OK ? KG_ENOTFOUND : rc;
	}
	kg_log_emit(log, KG_LOG_WARN, "KG-0531",
		    "refresh failed, the session goes on user=%s %s",
		    rec->user->username, why.msg);
	return KG_OK;
}

kg_rc kg_gateway_refresh(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_sess_record **recp, long long now_ms, bool *written,
			 kg_err *err)
{
	static const kg_session_job job = {"refresh", oidc_due, oidc_run, NULL};

	return kg_gateway_session_job(gw, req, log, &job, recp, now_ms, written,
				      err);
}
