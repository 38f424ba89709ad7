/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OIDC session job (core/jobs.h runs it under its lock).
 *
 * OIDC: within KeygateOIDCRefreshMargin of the access token's expiry, the
 * next request refreshes the tokens. A refresh the provider refuses ends
 * the session (KeygateOIDCRefreshFailure logout) or keeps it; a provider
 * that cannot be reached keeps it, and the next request tries again.
 */
#include "gateway/flow/authn/oidc_refresh.h"
#include "gateway/base/str.h"

#include <string.h>

/* True when rec's access token expires within the margin. */
static bool oidc_due(kg_gateway *gw, const kg_sess_record *rec,
		     long long now_ms)
{
	const kg_conf_oidc *p = NULL;
	long long expires;

	if (strcmp(rec->protocol, "oidc") != 0 || rec->idp == NULL ||
	    kg_state_oidc(gw, rec->idp, &p) == NULL ||
	    rec->state.oidc_refresh_token == NULL ||
	    rec->state.oidc_access_expires == NULL ||
	    !kg_str_to_int(rec->state.oidc_access_expires, 0, INT64_MAX,
			   &expires))
		return false;
	return now_ms >= expires - p->refresh_margin_s * 1000;
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
	const kg_conf_oidc *p = NULL;
	kg_oidc *oidc = kg_state_oidc(gw, rec->idp, &p);
	kg_oidc_tokens tokens;
	kg_err why = {0};
	kg_rc rc;

	if (oidc == NULL) /* the provider left the config: keep the session */
		return KG_OK;
	rc = kg_oidc_refresh(oidc, req->pool, rec->state.oidc_refresh_token,
			     now_ms, &tokens, &why);
	if (rc == KG_OK) {
		take_tokens(rec, req->pool, &tokens);
		*changed = true;
		kg_log_emit(log, KG_LOG_INFO, NULL,
			    "session refreshed idp=%s user=%s", p->alias,
			    rec->user->username);
		return KG_OK;
	}
	if (rc == KG_EAUTH && p->refresh_failure_logout) {
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0530",
			    "AUDIT event=%s outcome=success actor=%s target=%s "
			    "idp=%s reason=refresh_refused detail=%s",
			    "Session Ended", "oidc_provider",
			    rec->user->username, p->alias, why.msg);
		rc = kg_sess_store_delete(gw->store, req->pool, rec,
					  "refresh_refused", err);
		return rc == KG_OK ? KG_ENOTFOUND : rc;
	}
	kg_log_emit(log, KG_LOG_WARN, "KG-0531",
		    "refresh failed, the session goes on idp=%s user=%s %s",
		    p->alias, rec->user->username, why.msg);
	return KG_OK;
}

const kg_job kg_authn_oidc_refresh_job = {"refresh", oidc_due, oidc_run, NULL};
