/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the checks every signed JWT goes through (ID tokens, logout
 * tokens, bearer tokens): size, compact form, header, algorithm
 * allow-list, signature (by kg_jwt_keys), then iss, aud, azp, exp, nbf
 * and iat with a clock skew.
 *
 * Every rejection is KG_EAUTH with a message that starts with a stable
 * reason: jwt_size, jwt_parse, jwt_header, jwt_alg, jwt_key, jwt_sig,
 * jwt_iss, jwt_aud, jwt_azp, jwt_exp, jwt_nbf, jwt_iat. The token itself
 * never appears in a message.
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
} kg_jwt_rules;

/* A verified token. */
typedef struct {
	kg_json *claims;     /* the payload, a JSON object */
	const char *payload; /* its text, as signed */
	size_t payload_len;
	long long exp_s;     /* 0 when absent */
	const char *alg;
	const char *kid;     /* NULL when absent */
} kg_jwt;

/* Returns the iss of token without verifying anything, or NULL: only to
 * choose which issuer's rules and keys to verify it with. */
const char *kg_jwt_peek_issuer(apr_pool_t *pool, const char *token);

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
