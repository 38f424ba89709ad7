/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: signing keys made at test time (never committed)
 * and tokens signed with them, including the malformed and malicious
 * ones security.md §2 lists. JSON text passed here uses ' for ".
 */
#ifndef KGT_JOSE_FIXTURE_H
#define KGT_JOSE_FIXTURE_H

#include <apr_pools.h>
#include <stddef.h>

typedef struct kgt_key kgt_key;

/* A fresh RSA-2048 or EC P-256 key named kid; freed with pool. */
kgt_key *kgt_key_rsa(apr_pool_t *pool, const char *kid);
kgt_key *kgt_key_ec(apr_pool_t *pool, const char *kid);

/* The public JWK of key, as JSON object text. */
const char *kgt_jwk(apr_pool_t *pool, const kgt_key *key);

/* {"keys":[...]} of the NULL-terminated keys. */
const char *kgt_jwks(apr_pool_t *pool, ...);

/* The public key as PEM (SubjectPublicKeyInfo). */
const char *kgt_key_pem(apr_pool_t *pool, const kgt_key *key);

/* A compact JWS of header and payload (' for "), signed with key by alg
 * (RS256, PS256 or ES256). */
const char *kgt_jws(apr_pool_t *pool, const kgt_key *key, const char *alg,
		    const char *header, const char *payload);

/* A compact JWS whose signature is HMAC-SHA256 with secret. */
const char *kgt_jws_hs256(apr_pool_t *pool, const char *header,
			  const char *payload, const char *secret);

/* base64url(header) "." base64url(payload) "." sig, unsigned. */
const char *kgt_jws_raw(apr_pool_t *pool, const char *header,
			const char *payload, const char *sig);

#endif
