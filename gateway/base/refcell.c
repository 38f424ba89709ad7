/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a shared, reference-counted, swap-whole current value.
 */
#include "gateway/base/refcell.h"

#include <pthread.h>
#include <stdlib.h>

/* One stored value and the readers using it. */
struct kg_refcell_ref {
	void *value;
	int refs; /* the cache's own reference counts as one */
};

struct kg_refcell {
	pthread_mutex_t lock;
	kg_refcell_free_fn free_fn;
	long long max_age_ms, min_interval_ms;
	kg_refcell_ref *current; /* NULL: nothing stored yet */
	long long fetched_ms;
	long long attempt_ms;
	bool attempted;
	bool fetching; /* between a granted begin and its end */
};

/* Drops one reference of ref, locked; returns ref when that was the
 * last one (the caller frees it unlocked with free_ref), else NULL. */
static kg_refcell_ref *unref_locked(kg_refcell_ref *ref)
{
	return --ref->refs > 0 ? NULL : ref;
}

static void free_ref(kg_refcell *c, kg_refcell_ref *ref)
{
	if (ref == NULL)
		return;
	c->free_fn(ref->value);
	free(ref);
}

static apr_status_t refcell_cleanup(void *data)
{
	kg_refcell *c = data;

	if (c->current)
		free_ref(c, unref_locked(c->current));
	c->current = NULL;
	pthread_mutex_destroy(&c->lock);
	free(c);
	return APR_SUCCESS;
}

kg_rc kg_refcell_make(apr_pool_t *pool, kg_refcell_free_fn free_fn,
		      long long max_age_ms, long long min_interval_ms,
		      kg_refcell **out, kg_err *err)
{
	/* malloc'd, not in pool, and freed by the pool's cleanup: the cell
	 * holds the only pointer to its value, and LeakSanitizer does not
	 * scan APR pool memory (Debian's APR maps it with mmap), so a cell
	 * in pool memory made a leak checker take the value for a leak */
	kg_refcell *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	if (pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot create a shared value's mutex");
	}
	c->free_fn = free_fn;
	c->max_age_ms = max_age_ms;
	c->min_interval_ms = min_interval_ms;
	apr_pool_cleanup_register(pool, c, refcell_cleanup,
				  apr_pool_cleanup_null);
	*out = c;
	return KG_OK;
}

kg_refcell_ref *kg_refcell_acquire(kg_refcell *c, long long now_ms, bool *stale)
{
	kg_refcell_ref *ref;

	pthread_mutex_lock(&c->lock);
	if (stale)
		*stale = c->current == NULL ||
			 (c->max_age_ms != KG_REFCELL_NEVER &&
			  now_ms - c->fetched_ms >= c->max_age_ms);
	ref = c->current;
	if (ref)
		ref->refs++;
	pthread_mutex_unlock(&c->lock);
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
	pthread_mutex_lock(&c->lock);
	ref = unref_locked(ref);
	pthread_mutex_unlock(&c->lock);
	free_ref(c, ref);
}

bool kg_refcell_begin(kg_refcell *c, long long now_ms)
{
	bool ok;

	pthread_mutex_lock(&c->lock);
	ok = !c->attempted || now_ms - c->attempt_ms >= c->min_interval_ms ||
	     now_ms < c->attempt_ms;
	if (ok) {
		c->attempted = true;
		c->attempt_ms = now_ms;
		c->fetching = true;
	}
	pthread_mutex_unlock(&c->lock);
	return ok;
}

void kg_refcell_end(kg_refcell *c)
{
	pthread_mutex_lock(&c->lock);
	c->fetching = false;
	pthread_mutex_unlock(&c->lock);
}

void kg_refcell_touch(kg_refcell *c, long long now_ms)
{
	pthread_mutex_lock(&c->lock);
	c->fetched_ms = now_ms;
	c->fetching = false;
	pthread_mutex_unlock(&c->lock);
}

bool kg_refcell_fetching(kg_refcell *c)
{
	bool fetching;

	pthread_mutex_lock(&c->lock);
	fetching = c->fetching;
	pthread_mutex_unlock(&c->lock);
	return fetching;
}

void kg_refcell_store(kg_refcell *c, void *value, long long now_ms)
{
	kg_refcell_ref *ref = malloc(sizeof(*ref));
	kg_refcell_ref *old = NULL;

	if (ref == NULL) {
		/* keep the current value; the fetch ends as failed */
		c->free_fn(value);
		kg_refcell_end(c);
		return;
	}
	ref->value = value;
	ref->refs = 1;
	pthread_mutex_lock(&c->lock);
	if (c->current)
		old = unref_locked(c->current);
	c->current = ref;
	c->fetched_ms = now_ms;
	c->fetching = false;
	pthread_mutex_unlock(&c->lock);
	free_ref(c, old);
}
