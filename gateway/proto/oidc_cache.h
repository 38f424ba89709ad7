/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: one value fetched from a provider (a discovery document, a
 * JWKS), shared by the threads of a process and swapped whole when it is
 * refreshed.
 *
 * Readers take a reference, use the value and drop the reference; the
 * value is freed when it has been swapped out and the last reader is
 * done. A mutex guards only the swap and the reference counts, never a
 * fetch: the fetch runs unlocked between kg_oidc_cache_begin and
 * kg_oidc_cache_store. Fetches are rate-limited: at most one attempt per
 * min_interval_ms, whatever its outcome.
 */
#ifndef KG_PROTO_OIDC_CACHE_H
#define KG_PROTO_OIDC_CACHE_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stdbool.h>

typedef struct kg_oidc_cache kg_oidc_cache;

/* A reader's reference to one stored value. */
typedef struct kg_oidc_cache_ref kg_oidc_cache_ref;

/* Frees a value that the cache no longer holds and no reader uses. */
typedef void (*kg_oidc_cache_free_fn)(void *value);

/* Makes an empty cache in pool; the value still held when pool is
 * destroyed is freed with free_fn. A value older than max_age_ms is
 * stale: still served, but due for a refresh. */
kg_rc kg_oidc_cache_make(apr_pool_t *pool, kg_oidc_cache_free_fn free_fn,
			 long long max_age_ms, long long min_interval_ms,
			 kg_oidc_cache **out, kg_err *err);

/* Returns a reference to the current value (NULL when none has been
 * stored), and sets *stale when it is missing or older than max_age_ms.
 * The value stays valid until kg_oidc_cache_release. */
kg_oidc_cache_ref *kg_oidc_cache_acquire(kg_oidc_cache *c, long long now_ms,
					 bool *stale);

/* The value a reference holds. */
void *kg_oidc_cache_value(const kg_oidc_cache_ref *ref);

/* Drops a reference kg_oidc_cache_acquire returned; ref may be NULL. */
void kg_oidc_cache_release(kg_oidc_cache *c, kg_oidc_cache_ref *ref);

/* True when the caller may fetch now: no attempt was made in the last
 * min_interval_ms. Records this attempt either way it ends. */
bool kg_oidc_cache_begin(kg_oidc_cache *c, long long now_ms);

/* Ends a fetch that kg_oidc_cache_begin granted and that failed. */
void kg_oidc_cache_end(kg_oidc_cache *c);

/* True while a granted fetch has neither stored nor ended. */
bool kg_oidc_cache_fetching(kg_oidc_cache *c);

/* Makes value (owned by the cache from now on) the current one, fetched
 * at now_ms; the old value is freed once its readers are done. */
void kg_oidc_cache_store(kg_oidc_cache *c, void *value, long long now_ms);

#endif
