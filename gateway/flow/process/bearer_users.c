/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: mapped bearer tokens, remembered per token.
 *
 * Each entry owns an unmanaged APR pool (its own allocator), so entries
 * are made and freed from any thread without touching a shared pool.
 */
#include "gateway/flow/process/bearer_users.h"

#include <apr_strings.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	apr_pool_t *pool; /* NULL: empty */
	kg_bearer_user b;
	long long until_ms;
} entry;

struct kg_bearer_users {
	pthread_mutex_t lock;
	entry *slots;
	size_t n;
};

static void entry_clear(entry *e)
{
	if (e->pool)
		apr_pool_destroy(e->pool);
	memset(e, 0, sizeof(*e));
}

static apr_status_t users_free(void *data)
{
	kg_bearer_users *c = data;

	for (size_t i = 0; i < c->n; i++)
		entry_clear(&c->slots[i]);
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	return APR_SUCCESS;
}

kg_bearer_users *kg_bearer_users_make(apr_pool_t *pool, size_t slots)
{
	kg_bearer_users *c = apr_pcalloc(pool, sizeof(*c));

	c->n = slots;
	if (slots && (c->slots = calloc(slots, sizeof(entry))) == NULL)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	apr_pool_cleanup_register(pool, c, users_free, apr_pool_cleanup_null);
	return c;
}

/* The slot of a digest: its first bytes are already uniform. */
static entry *slot_of(kg_bearer_users *c, const unsigned char digest[32])
{
	size_t h;

	memcpy(&h, digest, sizeof(h));
	return &c->slots[h % c->n];
}

/* Copies b's strings and user into pool. */
static void copy_into(apr_pool_t *pool, const kg_bearer_user *b,
		      kg_bearer_user *out)
{
	*out = *b;
	out->user = kg_user_copy(pool, b->user);
	out->issuer = b->issuer ? apr_pstrdup(pool, b->issuer) : NULL;
	out->sub = b->sub ? apr_pstrdup(pool, b->sub) : NULL;
	out->jti = b->jti ? apr_pstrdup(pool, b->jti) : NULL;
	out->name = b->name ? apr_pstrdup(pool, b->name) : NULL;
}

bool kg_bearer_users_get(kg_bearer_users *c, apr_pool_t *pool,
			 const unsigned char digest[32],
			 unsigned long long generation, long long now_ms,
			 kg_bearer_user *out)
{
	entry *e;
	bool hit;

	if (c == NULL || c->n == 0)
		return false;
	e = slot_of(c, digest);
	pthread_mutex_lock(&c->lock);
	hit = e->pool && memcmp(e->b.digest, digest, 32) == 0 &&
	      e->b.generation == generation && now_ms < e->until_ms;
	if (hit)
		copy_into(pool, &e->b, out);
	pthread_mutex_unlock(&c->lock);
	return hit;
}

void kg_bearer_users_put(kg_bearer_users *c, const kg_bearer_user *b,
			 long long until_ms)
{
	apr_pool_t *pool;
	entry fresh = {0}, *e;

	if (c == NULL || c->n == 0 ||
	    apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
		return;
	fresh.pool = pool;
	copy_into(pool, b, &fresh.b);
	fresh.until_ms = until_ms;
	e = slot_of(c, b->digest);
	pthread_mutex_lock(&c->lock);
	entry_clear(e);
	*e = fresh;
	pthread_mutex_unlock(&c->lock);
}
