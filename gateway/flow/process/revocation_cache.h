/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a small per-process memory of recent revocation answers, so a
 * busy API client does not cost a Redis round trip per request. An answer
 * is reused for at most KeygateRevocationCheckInterval seconds: a token
 * revoked, or an account deactivated, stops working within that many
 * seconds on every gateway. Bounded: a fixed table, the oldest answer in
 * a slot is replaced. Thread-safe.
 */
#ifndef KG_FLOW_PROCESS_REVOCATION_CACHE_H
#define KG_FLOW_PROCESS_REVOCATION_CACHE_H

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kg_revocation_cache kg_revocation_cache;

/* Makes a cache that keeps answers for max_age_ms (0: never). */
kg_revocation_cache *kg_revocation_cache_make(apr_pool_t *pool,
					      long long max_age_ms);

/* True (and *revoked set) when the answer for the token whose SHA-256 is
 * digest is younger than the max age at now_ms. */
bool kg_revocation_cache_get(kg_revocation_cache *c,
			     const unsigned char digest[32], long long now_ms,
			     bool *revoked);

/* Remembers the answer for the token of digest as of now_ms. */
void kg_revocation_cache_put(kg_revocation_cache *c,
			     const unsigned char digest[32], long long now_ms,
			     bool revoked);

#endif
