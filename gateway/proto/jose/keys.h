/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a provider's signing keys (its JWKS), fetched, cached and
 * rotated, and the JWS signature check against them (cjose, only here).
 *
 * One kg_jwt_keys per provider, shared by a process's threads. Keys are
 * looked up by kid, never by a key or URL the token names (jku, x5u,
 * jwk and x5c are ignored). A JWK is used only as its use, key_ops and
 * alg allow (RFC 7517 4.2-4.4): a key for encryption never verifies a
 * signature. A signature must have its key's exact length (RSA: the
 * modulus; ES256 64 bytes, ES384 96, ES512 132): a padded or short one
 * never reaches cjose. An unknown kid triggers one JWKS fetch, at
 * most once per refresh_min_ms; a JWKS older than max_age_ms is
 * refetched, and kept when the refetch fails.
 *
 * No network I/O here: the JWKS bytes come through the fetch function
 * the caller hands in (proto/oidc's HTTP client in the gateway).
 */
#ifndef KG_PROTO_JOSE_KEYS_H
#define KG_PROTO_JOSE_KEYS_H

#include "gateway/base/err.h"
#include "gateway/base/log.h"

#include <apr_pools.h>
#include <stddef.h>

typedef struct kg_jwt_keys kg_jwt_keys;

/* GETs uri: KG_OK with the HTTP status and the body (NUL-terminated, in
 * pool) for any answer, whatever its status; KG_EBACKEND when none came. */
typedef kg_rc kg_jwt_fetch_fn(void *ctx, apr_pool_t *pool, const char *uri,
			      int *status, const char **body, size_t *len,
			      kg_err *err);

/* Where a key cache gets its JWKS. */
typedef struct {
	kg_jwt_fetch_fn *fetch;
	void *ctx;	      /* fetch's; must outlive the cache */
	long long timeout_ms; /* how long one fetch may take */
	const kg_log *log;    /* fetches are logged here; may be NULL */
} kg_jwt_source;

/* Makes an empty key cache in pool (which must outlive every use); src
 * is copied. */
kg_rc kg_jwt_keys_make(apr_pool_t *pool, const kg_jwt_source *src,
		       long long max_age_ms, long long refresh_min_ms,
		       kg_jwt_keys **out, kg_err *err);

/* Parses a JWKS document body[0..len) and counts the keys keygate would
 * verify with (*usable) and those it skips (*skipped). KG_EBACKEND
 * "jwks_fetch: ..." when it is not a JWKS, "jwks_json: ..." when it
 * starts with a byte-order mark (strict RFC 8259, like every JOSE
 * text). For tests and fuzzing: the
 * cache parses with the same code. */
kg_rc kg_jwt_keys_parse(apr_pool_t *pool, const char *body, size_t len,
			size_t *usable, size_t *skipped, kg_err *err);

/* Checks the signature of the compact JWS token[0..len), whose header
 * the caller has parsed and checked: alg is on the allow-list, kid is
 * its kid or NULL (then the only key that fits alg is used). The keys
 * come from the JWKS at uri. On success *payload (NUL-terminated) and
 * *payload_len hold the signed payload, in pool.
 * Errors: KG_EAUTH "jwt_key: ..." (no such key, or it does not fit alg),
 * KG_EAUTH "jwt_sig: ..." (bad signature, or not the key's exact
 * signature length), KG_EAUTH "jwt_parse: ...",
 * KG_EBACKEND when no JWKS could be fetched. */
kg_rc kg_jwt_keys_verify(kg_jwt_keys *k, apr_pool_t *pool, const char *uri,
			 const char *token, size_t len, const char *alg,
			 const char *kid, long long now_ms,
			 const char **payload, size_t *payload_len,
			 kg_err *err);

#endif
