/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: what a bearer token maps to, remembered per token (private to
 * gateway/), so a warm API call costs no JSON parse and no mapping.
 *
 * An entry is keyed by the token's SHA-256 and the mapper generation it
 * was mapped with (a reloaded mapper file maps afresh), and lives until
 * the token's exp or KeygateBearerCacheMax, whichever is first: the same
 * life as the verified-token cache. It holds only what the request needs
 * after verification: the mapped user and the ids that revocation checks
 * by. Revocation and the API-session limit are still checked on every
 * request by the caller. Direct-mapped, bounded, one mutex per process.
 */
#ifndef KG_FLOW_PROCESS_BEARER_USERS_H
#define KG_FLOW_PROCESS_BEARER_USERS_H

#include "gateway/base/user.h"

#include <apr_pools.h>
#include <stdbool.h>

typedef struct kg_bearer_users kg_bearer_users;

/* A mapped bearer token: strings in the pool they were copied into. */
typedef struct {
	unsigned char digest[32];      /* SHA-256 of the token */
	unsigned long long generation; /* the mapper generation's serial */
	kg_user *user;
	const char *issuer, *sub, *jti, *name; /* name: the token name claim */
	long long exp_s;
} kg_bearer_user;

/* A cache of slots entries in pool (freed with it); slots 0 gives one
 * that holds nothing. NULL when out of memory. */
kg_bearer_users *kg_bearer_users_make(apr_pool_t *pool, size_t slots);

/* When the cache holds digest for generation, valid at now_ms, copies it
 * into pool as *out and returns true. */
bool kg_bearer_users_get(kg_bearer_users *c, apr_pool_t *pool,
			 const unsigned char digest[32],
			 unsigned long long generation, long long now_ms,
			 kg_bearer_user *out);

/* Remembers b (deep-copied) until until_ms. */
void kg_bearer_users_put(kg_bearer_users *c, const kg_bearer_user *b,
			 long long until_ms);

#endif
