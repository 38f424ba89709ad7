/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a provider's signing keys (its JWKS), fetched, cached and
 * rotated, and the JWS signature check against them (cjose, only here).
 *
 * One kg_jwt_keys per provider, shared by a process's threads. Keys are
 * looked up by kid, never by a key or URL the token names (jku, x5u,
 * jwk and x5c are ignored). An unknown kid triggers one JWKS fetch, at
 * most once per refresh_min_ms; a JWKS older than max_age_ms is
 * refetched, and kept when the refetch fails.
 */
#ifndef KG_PROTO_JWT_KEYS_H
#define KG_PROTO_JWT_KEYS_H

#include "gateway/base/err.h"
#include "gateway/proto/oidc_http.h"

#include <apr_pools.h>
#include <stddef.h>

typedef struct kg_jwt_keys kg_jwt_keys;

/* Makes an empty key cache in pool (which must outlive every use); http
 * is copied. */
kg_rc kg_jwt_keys_make(apr_pool_t *pool, const kg_oidc_http_opts *http,
		       long long max_age_ms, long long refresh_min_ms,
		       kg_jwt_keys **out, kg_err *err);

/* Checks the signature of the compact JWS token[0..len), whose header
 * the caller has parsed and checked: alg is on the allow-list, kid is
 * its kid or NULL (then the only key that fits alg is used). The keys
 * come from the JWKS at uri. On success *payload (NUL-terminated) and
 * *payload_len hold the signed payload, in pool.
 * Errors: KG_EAUTH "jwt_key: ..." (no such key, or it does not fit alg),
 * KG_EAUTH "jwt_sig: ..." (bad signature), KG_EAUTH "jwt_parse: ...",
 * KG_EBACKEND when no JWKS could be fetched. */
kg_rc kg_jwt_keys_verify(kg_jwt_keys *k, apr_pool_t *pool, const char *uri,
			 const char *token, size_t len, const char *alg,
			 const char *kid, long long now_ms,
			 const char **payload, size_t *payload_len,
			 kg_err *err);

#endif
