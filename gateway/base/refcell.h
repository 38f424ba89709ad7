/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the current version of a value that is replaced whole (a
 * discovery document, a JWKS, a mapper file's compiled set, an IdP's
 * lasso server), shared by the threads of a process.
 *
 * Readers take a reference, use the value and drop the reference; the
 * value is freed when it has been swapped out and the last reader is
 * done. A mutex guards only the swap and the reference counts, never a
 * fetch: the fetch runs unlocked between kg_refcell_begin and
 * kg_refcell_store (or kg_refcell_touch, or kg_refcell_end). Fetches are
 * rate-limited: at most one attempt per min_interval_ms, whatever its
 * outcome. A cell whose value is only ever replaced by its owner (no
 * fetching) passes KG_REFCELL_NEVER as max_age_ms and never calls begin.
 */
#ifndef KG_BASE_REFCELL_H
#define KG_BASE_REFCELL_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <limits.h>
#include <stdbool.h>

typedef struct kg_refcell kg_refcell;

/* A reader's reference to one stored value. */
typedef struct kg_refcell_ref kg_refcell_ref;

/* Frees a value that the cache no longer holds and no reader uses. It
 * runs in whichever thread drops the last reference, outside the lock. */
typedef void (*kg_refcell_free_fn)(void *value);

/* A max_age_ms that never comes: the value is never stale. */
#define KG_REFCELL_NEVER LLONG_MAX

/* Makes an empty cache in pool; the value still held when pool is
 * destroyed is freed with free_fn (every reader must be done by then). A
 * value older than max_age_ms is stale: still served, but due for a
 * refresh. */
kg_rc kg_refcell_make(apr_pool_t *pool, kg_refcell_free_fn free_fn,
		      long long max_age_ms, long long min_interval_ms,
		      kg_refcell **out, kg_err *err);

/* Returns a reference to the current value (NULL when none has been
 * stored), and, when stale is not NULL, sets *stale when it is missing or
 * older than max_age_ms at now_ms. The value stays valid until
 * kg_refcell_release. */
kg_refcell_ref *kg_refcell_acquire(kg_refcell *c, long long now_ms,
				   bool *stale);

/* The value a reference holds. */
void *kg_refcell_value(const kg_refcell_ref *ref);

/* Drops a reference kg_refcell_acquire returned; ref may be NULL. */
void kg_refcell_release(kg_refcell *c, kg_refcell_ref *ref);

/* True when the caller may fetch now: no attempt was made in the last
 * min_interval_ms. Records this attempt either way it ends. A granted
 * fetch ends with exactly one of kg_refcell_store, kg_refcell_touch or
 * kg_refcell_end. */
bool kg_refcell_begin(kg_refcell *c, long long now_ms);

/* Ends a fetch that kg_refcell_begin granted and that failed. */
void kg_refcell_end(kg_refcell *c);

/* Ends a granted fetch that found the current value still current (an
 * HTTP 304, an unchanged file): it counts as fetched at now_ms, so it is
 * not stale again before max_age_ms from now. */
void kg_refcell_touch(kg_refcell *c, long long now_ms);

/* True while a granted fetch has not ended. */
bool kg_refcell_fetching(kg_refcell *c);

/* Makes value (owned by the cache from now on) the current one, fetched
 * at now_ms, and ends a granted fetch if one is running; the old value
 * is freed once its readers are done. Also how an owner that never
 * fetches sets or replaces the value. */
void kg_refcell_store(kg_refcell *c, void *value, long long now_ms);

#endif
