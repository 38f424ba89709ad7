/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a bounded, thread-safe cache of verified bearer tokens, keyed
 * by the SHA-256 of the token, so a warm request costs no signature
 * check.
 *
 * Only successes are cached, each until a time the caller chooses (the
 * token's exp at the latest). The cache holds at most its capacity; when
 * a slot is needed, an expired entry or the one expiring first goes. A
 * kg_table (gateway/base/table.h): striped locks, so threads rarely wait
 * on each other.
 */
#ifndef KG_PROTO_JOSE_CACHE_H
#define KG_PROTO_JOSE_CACHE_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

#define KG_JWT_CACHE_KEY 32

typedef struct kg_jwt_cache kg_jwt_cache;

/* Makes a cache of capacity entries in pool; capacity 0 gives a cache
 * that holds nothing. Entries are freed with pool. */
kg_rc kg_jwt_cache_make(apr_pool_t *pool, size_t capacity, kg_jwt_cache **out,
			kg_err *err);

/* Writes SHA-256(token[0..len)) into key. */
void kg_jwt_cache_key(const char *token, size_t len,
		      unsigned char key[KG_JWT_CACHE_KEY]);

/* When key is cached and valid at now_ms, copies its payload into pool
 * (*payload NUL-terminated, *len bytes) and returns true. */
bool kg_jwt_cache_get(kg_jwt_cache *c, apr_pool_t *pool,
		      const unsigned char key[KG_JWT_CACHE_KEY],
		      long long now_ms, const char **payload, size_t *len);

/* Caches payload[0..len) (copied) under key until until_ms. */
void kg_jwt_cache_put(kg_jwt_cache *c,
		      const unsigned char key[KG_JWT_CACHE_KEY],
		      const char *payload, size_t len, long long until_ms);

#endif
