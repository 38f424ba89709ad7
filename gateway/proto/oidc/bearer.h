/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: bearer JWTs for the API: `Authorization: Bearer <JWT>` checked
 * against the configured issuers (KeygateBearerIssuer): signature by the
 * issuer's JWKS (Keycloak's .../protocol/openid-connect/certs, or the
 * jwks_uri of its discovery document), the algorithm allow-list, iss,
 * aud, exp, nbf and iat with the configured skew; only access tokens
 * (no ID, logout or refresh tokens, see check.h), and with
 * KeygateBearerClients only from the listed clients (azp, else
 * client_id).
 *
 * One kg_oidc_bearer per process, shared by its threads. Successes are
 * cached by the token's SHA-256 until min(exp, now + cache time), so a
 * warm request costs a hash and a JSON parse, no signature check.
 * Revocation (jti, subject) is the caller's check, on every request.
 * Rejections are KG_EAUTH with a reason as in jwt_check.h; an
 * unreachable JWKS with no cached keys is KG_EBACKEND.
 */
#ifndef KG_PROTO_OIDC_BEARER_H
#define KG_PROTO_OIDC_BEARER_H

#include "conf/oidc.h"
#include "gateway/base/err.h"
#include "gateway/base/json.h"
#include "gateway/base/log.h"

#include <apr_pools.h>
#include <stdbool.h>

typedef struct kg_oidc_bearer kg_oidc_bearer;

/* A verified bearer token; everything lives in the caller's pool. */
typedef struct {
	kg_json *claims;    /* the payload, a JSON object */
	const char *issuer; /* the configured issuer it matched */
	const char *sub;    /* NULL when absent */
	const char *jti;    /* NULL when absent */
	long long exp_s;
	bool cached;		  /* answered from the result cache */
	unsigned char digest[32]; /* SHA-256 of the token, for callers that
				     remember per-token answers too */
} kg_oidc_bearer_token;

/* Prepares the issuers of conf (which must outlive pool); keys and
 * discovery documents are fetched lazily. */
kg_rc kg_oidc_bearer_open(apr_pool_t *pool, const kg_conf_oidc *conf,
			  const kg_log *log, kg_oidc_bearer **out, kg_err *err);

/* Verifies token (the text after "Bearer "); fills *out in pool.
 * KG_EAUTH "jwt_iss: ..." when no configured issuer issued it. */
kg_rc kg_oidc_bearer_verify(kg_oidc_bearer *v, apr_pool_t *pool,
			    const char *token, long long now_ms,
			    kg_oidc_bearer_token *out, kg_err *err);

/* kg_oidc_bearer_verify for a caller that already hashed the token: key is
 * kg_jwt_cache_key of it (jwt_cache.h), so it is not hashed twice. */
kg_rc kg_oidc_bearer_verify_keyed(kg_oidc_bearer *v, apr_pool_t *pool,
				  const char *token,
				  const unsigned char key[32], long long now_ms,
				  kg_oidc_bearer_token *out, kg_err *err);

#endif
