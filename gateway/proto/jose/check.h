/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the checks every signed JWT goes through (ID tokens, logout
 * tokens, bearer tokens): size, compact form, header, algorithm
 * allow-list, signature (by kg_jwt_keys), then iss, aud, azp, exp, nbf
 * and iat with a clock skew.
 *
 * Every rejection is KG_EAUTH with a message that starts with a stable
 * reason: jwt_size, jwt_parse, jwt_json, jwt_header, jwt_typ, jwt_alg,
 * jwt_key, jwt_sig, jwt_iss, jwt_id_token, jwt_logout_token, jwt_aud,
 * jwt_azp, jwt_exp, jwt_nbf, jwt_iat. The token itself never appears in
 * a message.
 *
 * Access tokens (rules.access_token, bearer tokens for the API) must
 * look like one: header typ absent, JWT or at+jwt (RFC 9068); no nonce
 * (but see Keycloak's typ "Bearer" in check.c), at_hash or c_hash, and
 * no Keycloak typ "ID" (an ID token: jwt_id_token);
 * no events and no Keycloak typ "Logout" (a logout token:
 * jwt_logout_token); an aud that names a login client and no API
 * audience is an ID token too.
 */
#ifndef KG_PROTO_JOSE_CHECK_H
#define KG_PROTO_JOSE_CHECK_H

#include "gateway/base/err.h"
#include "gateway/base/json.h"
#include "gateway/proto/jose/keys.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

/* What a token must satisfy. */
typedef struct {
	const apr_array_header_t *algorithms; /* const char *: allowed alg */
	const char *issuer;		      /* iss, exactly */
	const apr_array_header_t *audiences;  /* aud must hold one of them */
	const char *azp; /* NULL: unchecked; else azp, when present or when
			    aud has several values, must equal it */
	long long skew_s;
	bool require_exp; /* logout tokens may omit exp */
	bool require_iat;
	bool access_token; /* a bearer token: only an access token passes */
	const apr_array_header_t *clients; /* const char *; NULL: any client.
					      Else the token's client (azp,
					      else client_id) must be one */
	const apr_array_header_t *login_clients; /* const char *: client ids
						    an ID token would name as
						    aud; may be NULL */
} kg_jwt_rules;

/* A verified token. */
typedef struct {
	kg_json *claims;     /* the payload, a JSON object */
	const char *payload; /* its text, as signed */
	size_t payload_len;
	long long exp_s; /* 0 when absent */
	const char *alg;
	const char *kid; /* NULL when absent */
} kg_jwt;

/* Sets *iss to the iss of token (NULL when it has none) without
 * verifying anything: only to choose which issuer's rules and keys to
 * verify it with. KG_EAUTH (jwt_size, jwt_parse, jwt_json) when the
 * token is not a compact JWS with a JSON object payload. */
kg_rc kg_jwt_peek_issuer(apr_pool_t *pool, const char *token, const char **iss,
			 kg_err *err);

/* Verifies token against the keys at jwks_uri and rules; fills *out (in
 * pool) on success. See the file comment for the reasons. */
kg_rc kg_jwt_check(kg_jwt_keys *keys, apr_pool_t *pool, const char *jwks_uri,
		   const char *token, const kg_jwt_rules *rules,
		   long long now_ms, kg_jwt *out, kg_err *err);

/* Checks only the claims of an already verified payload against rules
 * (what kg_jwt_check does after the signature). */
kg_rc kg_jwt_check_claims(const kg_json *claims, const kg_jwt_rules *rules,
			  long long now_ms, long long *exp_s, kg_err *err);

#endif
