/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: an API call with a bearer token: verified against the
 * issuer's keys, checked against revocations, mapped with the mappers,
 * gated, and (when configured) counted as an API session.
 *
 * A warm token skips the verification, the JSON parse and the mapping:
 * what it mapped to is remembered per token and mapper generation
 * (bearer_users.h), from the token's second use on (the first only
 * verifies it into the verified-token cache), with the last revocation
 * answer: one lookup. The revocation check (Redis, when the answer is
 * older than KeygateRevocationCheckInterval) and the API-session limit
 * run on every request all the same.
 */
#include "gateway/flow/core/state.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/authn/api_session.h"
#include "gateway/flow/process/bearer_users.h"
#include "gateway/flow/authn/identity.h"
#include "gateway/flow/core/admit.h"
#include "gateway/proto/jose/cache.h"
#include "sessions/revocation.h"

#include <string.h>

/* Is the token revoked, or its account deactivated? An answer this
 * process got recently is reused (*answer, KeygateRevocationCheckInterval);
 * otherwise Redis is asked, and its answer goes to *answer and to the
 * token's entry. KG_EAUTH when revoked, KG_EBACKEND when Redis is down. */
static kg_rc check_revocation(kg_gateway *gw, kg_req *req,
			      const kg_bearer_user *b, kg_bearer_answer *answer,
			      kg_err *err)
{
	kg_sess_token_ids ids = {.jti = b->jti,
				 .issuer = b->issuer,
				 .sub = b->sub,
				 .name = b->name,
				 .username =
					 b->user ? b->user->username : NULL};
	bool revoked = false;
	kg_rc rc;

	if (answer->state == KG_BEARER_UNASKED) {
		rc = kg_sess_token_check(gw->store, req->pool, &ids, &revoked,
					 err);
		if (rc != KG_OK)
			return rc;
		answer->state = revoked ? KG_BEARER_REVOKED : KG_BEARER_VALID;
		answer->at_ms = kg_state_now_ms();
		kg_bearer_users_answer(gw->bearer_users, b->digest, answer);
	}
	return answer->state == KG_BEARER_REVOKED
		       ? kg_err_set(err, KG_EAUTH,
				    "the token is revoked or its account "
				    "deactivated")
		       : KG_OK;
}

/* Refuses a bearer request: 401 with error="invalid_token" (RFC 6750)
 * when the token is at fault, 503 when Redis or the keys are out of
 * reach; counted either way. */
static void reject_token(kg_gateway *gw, kg_resp *resp, kg_rc rc,
			 const char *reason)
{
	if (rc == KG_EAUTH)
		apr_table_setn(resp->headers, "WWW-Authenticate",
			       "Bearer realm=\"keygate\", "
			       "error=\"invalid_token\"");
	kg_metrics_inc(gw->metrics, rc == KG_EBACKEND ? KG_M_REQ_UNAVAILABLE
						      : KG_M_TOKEN_REJECTED);
	kg_resp_fail(resp, rc,
		     rc == KG_EBACKEND ? "cache_unavailable" : reason);
}

/* A session limit refused an API client: 403 with Keycloak's direct-grant
 * error shape. */
static void refuse_api_limit(kg_req *req, kg_resp *resp, const char *message)
{
	kg_buf b;

	kg_buf_init(&b, req->pool, 128);
	kg_buf_adds(&b, "{\"error\":\"session_limit\",\"error_description\":");
	kg_buf_add_json_string(&b, message ? message : "");
	kg_buf_adds(&b, "}\n");
	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	kg_resp_reply(resp, 403, "application/json", b.data);
}

/* Verifies token (hashed already into b->digest) and fills what b needs
 * from its claims (not the user). */
static kg_rc verify(kg_gateway *gw, kg_req *req, const char *token,
		    kg_oidc_bearer_token *jwt, kg_bearer_user *b, kg_err *err)
{
	const kg_json *name;
	kg_rc rc = gw->jwt ? kg_oidc_bearer_verify_keyed(
				     gw->jwt, req->pool, token, b->digest,
				     kg_state_now_ms(), jwt, err)
			   : kg_err_set(err, KG_EAUTH,
					"jwt_iss: no KeygateBearerIssuer");

	if (rc != KG_OK)
		return rc;
	b->issuer = jwt->issuer;
	b->sub = jwt->sub;
	b->jti = jwt->jti;
	b->exp_s = jwt->exp_s;
	name = kg_json_get(jwt->claims, gw->conf->gateway.token_name_claim);
	b->name = name && name->type == KG_JSON_STRING ? name->str : NULL;
	return KG_OK;
}

/* Maps the verified claims with set: the login provider's own tokens go
 * through its mappers, any other issuer's through those of alias
 * "bearer". *b->user is in req's pool. KG_EDENIED when the gate says no
 * (*why says why). */
static kg_rc map(kg_gateway *gw, kg_req *req, const kg_log *log,
		 const kg_mapper_set *set, const kg_oidc_bearer_token *jwt,
		 kg_bearer_user *b, const char **token, const char **why,
		 kg_err *err)
{
	static const kg_mapper_set none;
	kg_map_input in = {.proto = KG_PROTO_OIDC, .claims = jwt->claims};
	const kg_conf_oidc *p =
		kg_conf_oidc_by_issuer(&gw->conf->oidc, jwt->issuer);
	const char *alias = p ? p->alias : "bearer";
	kg_admit_outcome out;
	kg_rc rc =
		kg_admit_map(req->pool, set ? set : &none, &gw->conf->mapping,
			     alias, &in, NULL, &out, err);

	if (rc != KG_OK) {
		*token = "mapping";
		*why = err->msg;
		return KG_EDENIED;
	}
	if (!out.allowed) {
		*token = out.deny_token;
		*why = out.deny_reason;
		return KG_EDENIED;
	}
	if (out.username_note)
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0415",
			    "username normalized %s issuer=%s",
			    out.username_note, jwt->issuer);
	/* the mapped user may point into the mapper generation, which a
	 * reload can free once released: copy it into the request first */
	b->user = kg_user_copy(req->pool, out.user);
	return KG_OK;
}

/* Where a token was refused. */
typedef enum { REFUSED_VERIFY, REFUSED_REVOKED, REFUSED_MAPPING } refusal;

/* Logs and answers a refusal of the token; token is the mapping
 * refusal's reason token. */
static void refuse(kg_gateway *gw, const kg_log *log, kg_resp *resp, kg_rc rc,
		   refusal stage, const char *token, const char *why)
{
	if (stage == REFUSED_VERIFY) {
		kg_log_emit(log, rc == KG_EBACKEND ? KG_LOG_ERROR : KG_LOG_WARN,
			    "KG-0410", "REJECT proto=jwt reason=%s", why);
		reject_token(gw, resp, rc, "invalid_token");
	} else if (stage == REFUSED_REVOKED) {
		kg_log_emit(log,
			    rc == KG_EBACKEND ? KG_LOG_ERROR : KG_LOG_NOTICE,
			    "KG-0412",
			    "AUDIT event=%s outcome=denied actor=- target=- "
			    "reason=%s",
			    "Token Rejected", why);
		reject_token(gw, resp, rc, "token_revoked");
	} else {
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0411",
			    "AUDIT event=%s outcome=denied actor=- target=- "
			    "reason=%s detail=%s",
			    "Token Rejected", token ? token : "mapping", why);
		kg_metrics_inc(gw->metrics, KG_M_TOKEN_REJECTED);
		kg_resp_fail(resp, KG_EDENIED,
			     token && strncmp(token, "username_", 9) == 0
				     ? token
				     : "token_denied");
	}
}

/* Who the token is: from the per-token memory (one lookup, which also
 * gives a recent revocation answer), or verified, mapped, checked for
 * revocation (with the mapped user: it may be deactivated) and
 * remembered. On refusal
 * resp is the answer and false is returned. */
static bool identify(kg_gateway *gw, kg_req *req, const char *token,
		     const kg_log *log, kg_resp *resp, kg_bearer_user *b)
{
	long long now = kg_state_now_ms();
	const kg_mapper_set *set = NULL;
	kg_mappers_gen *gen = NULL;
	const char *why = NULL, *why_token = NULL;
	refusal stage = REFUSED_MAPPING;
	kg_bearer_answer answer;
	kg_oidc_bearer_token jwt;
	kg_err err = {0};
	kg_rc rc;

	memset(b, 0, sizeof(*b));
	if (gw->mappers)
		gen = kg_mappers_live_acquire(gw->mappers, now / 1000, log,
					      &set);
	kg_jwt_cache_key(token, strnlen(token, KG_OIDC_TOKEN_MAX + 1),
			 b->digest);
	if (kg_bearer_users_get(gw->bearer_users, req->pool, b->digest,
				kg_mappers_live_serial(gen), now, b, &answer) ||
	    answer.state == KG_BEARER_REVOKED) {
		/* known: mapped, or verified before and found revoked */
		rc = check_revocation(gw, req, b, &answer, &err);
		stage = REFUSED_REVOKED;
	} else if ((rc = verify(gw, req, token, &jwt, b, &err)) != KG_OK) {
		stage = REFUSED_VERIFY;
	} else if ((rc = map(gw, req, log, set, &jwt, b, &why_token, &why,
			     &err)) != KG_OK) {
		stage = REFUSED_MAPPING;
	} else if ((rc = check_revocation(gw, req, b, &answer, &err)) !=
		   KG_OK) {
		/* after the mapping: the mapped user may be deactivated */
		stage = REFUSED_REVOKED;
	} else if (jwt.cached) {
		/* remembered from the second sight on: a token used once
		 * (most cold ones) costs no entry */
		long long until =
			now + gw->conf->oidc.bearer_cache_max_s * 1000;
		b->generation = kg_mappers_live_serial(gen);
		if (b->exp_s > 0 && b->exp_s * 1000 < until)
			until = b->exp_s * 1000;
		kg_bearer_users_put(gw->bearer_users, b, until, &answer);
	}
	if (gen)
		kg_mappers_live_release(gw->mappers, gen);
	if (rc != KG_OK)
		refuse(gw, log, resp, rc, stage, why_token,
		       why ? why : err.msg);
	return rc == KG_OK;
}

void kg_authn_bearer(kg_gateway *gw, const kg_conf_location *loc, kg_req *req,
		     const char *token, const kg_log *log, kg_resp *resp,
		     kg_caller *caller)
{
	kg_bearer_user b;
	kg_err err = {0};
	kg_rc rc;

	if (!identify(gw, req, token, log, resp, &b))
		return;
	if (kg_api_sessions_on(gw)) {
		kg_oidc_bearer_token jwt = {.issuer = b.issuer,
					    .sub = b.sub,
					    .jti = b.jti,
					    .exp_s = b.exp_s};
		const char *message = NULL;
		memcpy(jwt.digest, b.digest, sizeof(jwt.digest));
		rc = kg_api_session(gw, req, log, &jwt, b.user, &message, &err);
		if (rc == KG_EDENIED) {
			refuse_api_limit(req, resp, message);
			return;
		}
		if (rc != KG_OK) {
			reject_token(gw, resp, rc, "token_session_ended");
			return;
		}
	}
	caller->user = b.user;
	caller->via = "bearer";
	caller->auth_ms = kg_state_now_ms();
	kg_metrics_inc(gw->metrics, KG_M_REQ_BEARER);
	resp->user = b.user->username;
	resp->action = KG_RESP_CONTINUE;
	kg_identity_set(req->pool, resp->backend_headers, b.user, NULL, loc);
}
