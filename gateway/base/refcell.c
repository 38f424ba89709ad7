/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a shared, reference-counted, rate-limited provider value.
 */
#include "gateway/base/refcell.h"

#include <apr_thread_mutex.h>
#include <stdlib.h>

/* One stored value and the readers using it. */
struct kg_refcell_ref {
	void *value;
	int refs; /* the cache's own reference counts as one */
};

struct kg_refcell {
	apr_thread_mutex_t *lock;
	kg_refcell_free_fn free_fn;
	long long max_age_ms, min_interval_ms;
	kg_refcell_ref *current; /* NULL: nothing fetched yet */
	long long fetched_ms;
	long long attempt_ms;
	bool attempted;
	bool fetching; /* between a granted begin and store or end */
};

/* Drops one reference of ref; frees it at zero. Called locked. */
static void oidc_cache_unref(kg_refcell *c, kg_refcell_ref *ref)
{
	if (--ref->refs > 0)
		return;
	c->free_fn(ref->value);
	free(ref);
}

static apr_status_t oidc_cache_cleanup(void *data)
{
	kg_refcell *c = data;

	if (c->current)
		oidc_cache_unref(c, c->current);
	c->current = NULL;
	return APR_SUCCESS;
}

kg_rc kg_refcell_make(apr_pool_t *pool, kg_refcell_free_fn free_fn,
			 long long max_age_ms, long long min_interval_ms,
			 kg_refcell **out, kg_err *err)
{
	kg_refcell *c = apr_pcalloc(pool, sizeof(*c));

	if (apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT,
				    pool) != APR_SUCCESS)
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot create the provider cache mutex");
	c->free_fn = free_fn;
	c->max_age_ms = max_age_ms;
	c->min_interval_ms = min_interval_ms;
	/* registered after the mutex, so it runs before the mutex goes */
	apr_pool_cleanup_register(pool, c, oidc_cache_cleanup,
				  apr_pool_cleanup_null);
	*out = c;
	return KG_OK;
}

kg_refcell_ref *kg_refcell_acquire(kg_refcell *c, long long now_ms,
					 bool *stale)
{
	kg_refcell_ref *ref;

	apr_thread_mutex_lock(c->lock);
	*stale = c->current == NULL || now_ms - c->fetched_ms >= c->max_age_ms;
	ref = c->current;
	if (ref)
		ref->refs++;
	apr_thread_mutex_unlock(c->lock);
	return ref;
}

void *kg_refcell_value(const kg_refcell_ref *ref)
{
	return ref->value;
}

void kg_refcell_release(kg_refcell *c, kg_refcell_ref *ref)
{
	if (ref == NULL)
		return;
	apr_thread_mutex_lock(c->lock);
	oidc_cache_unref(c, ref);
	apr_thread_mutex_unlock(c->lock);
}

bool kg_refcell_begin(kg_refcell *c, long long now_ms)
{
	bool ok;

	apr_thread_mutex_lock(c->lock);
	ok = !c->attempted || now_ms - c->attempt_ms >= c->min_interval_ms ||
	     now_ms < c->attempt_ms;
	if (ok) {
		c->attempted = true;
		c->attempt_ms = now_ms;
		c->fetching = true;
	}
	apr_thread_mutex_unlock(c->lock);
	return ok;
}

void kg_refcell_end(kg_refcell *c)
{
	apr_thread_mutex_lock(c->lock);
	c->fetching = false;
	apr_thread_mutex_unlock(c->lock);
}

bool kg_refcell_fetching(kg_refcell *c)
{
	bool fetching;

	apr_thread_mutex_lock(c->lock);
	fetching = c->fetching;
	apr_thread_mutex_unlock(c->lock);
	return fetching;
}

void kg_refcell_store(kg_refcell *c, void *value, long long now_ms)
{
	kg_refcell_ref *ref = malloc(sizeof(*ref));
	kg_refcell_ref *old;

	if (ref == NULL) {
		c->free_fn(value);
		return;
	}
	ref->value = value;
	ref->refs = 1;
	apr_thread_mutex_lock(c->lock);
	old = c->current;
	c->current = ref;
	c->fetched_ms = now_ms;
	c->fetching = false;
	if (old)
		oidc_cache_unref(c, old);
	apr_thread_mutex_unlock(c->lock);
}
