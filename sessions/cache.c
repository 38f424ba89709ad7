/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the per-process cache of sealed session records.
 *
 * Invalidations are numbered; the last RING of them remember which slot
 * they hit, so a put can tell whether its id was invalidated after its
 * ticket. A ticket older than the ring (or than the last flush) makes
 * the put a no-op: correct, merely a miss next time.
 */
#include "sessions/cache.h"
#include "sessions/cookie.h"

#include <apr_strings.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RING 256

typedef struct {
	char id[KG_SESS_ID_LEN + 1]; /* "" when empty */
	unsigned char *data;	     /* malloc'd */
	size_t len;
	long long stored_ms;
	long long touch_ms; /* claimed touch of this copy; 0: none */
} slot;

struct kg_sess_cache {
	pthread_mutex_t lock;
	slot *slots;
	size_t n;
	long long max_age_ms;
	long long freshness_ms; /* 0: not checked */
	long long alive_ms;	/* the last proof of life */
	bool up;
	uint64_t seq;	     /* invalidations so far */
	uint64_t valid_from; /* tickets before this are void (flushes) */
	size_t ring[RING];   /* slot of invalidation number i % RING */
};

static void slot_clear(slot *s)
{
	free(s->data);
	memset(s, 0, sizeof(*s));
}

static apr_status_t cache_free(void *data)
{
	kg_sess_cache *c = data;

	for (size_t i = 0; i < c->n; i++)
		slot_clear(&c->slots[i]);
	free(c->slots);
	pthread_mutex_destroy(&c->lock);
	return APR_SUCCESS;
}

kg_sess_cache *kg_sess_cache_make(apr_pool_t *pool, size_t slots,
				  long long max_age_ms)
{
	kg_sess_cache *c = apr_pcalloc(pool, sizeof(*c));

	c->slots = calloc(slots ? slots : 1, sizeof(slot));
	if (c->slots == NULL)
		return NULL;
	c->n = slots ? slots : 1;
	c->max_age_ms = max_age_ms;
	pthread_mutex_init(&c->lock, NULL);
	apr_pool_cleanup_register(pool, c, cache_free, apr_pool_cleanup_null);
	return c;
}

/* The slot of id[0..len) (FNV-1a). */
static size_t slot_of(const kg_sess_cache *c, const char *id, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
	return (size_t)(h % c->n);
}

uint64_t kg_sess_cache_ticket(kg_sess_cache *c)
{
	uint64_t t;

	pthread_mutex_lock(&c->lock);
	t = c->seq;
	pthread_mutex_unlock(&c->lock);
	return t;
}

/* True when the watch proved itself alive recently enough. Locked. */
static bool fresh_locked(const kg_sess_cache *c, long long now_ms)
{
	return c->freshness_ms <= 0 ||
	       (now_ms - c->alive_ms < c->freshness_ms &&
		now_ms >= c->alive_ms - c->freshness_ms);
}

void kg_sess_cache_set_freshness(kg_sess_cache *c, long long ms)
{
	pthread_mutex_lock(&c->lock);
	c->freshness_ms = ms;
	pthread_mutex_unlock(&c->lock);
}

void kg_sess_cache_alive(kg_sess_cache *c, long long as_of_ms)
{
	pthread_mutex_lock(&c->lock);
	c->alive_ms = as_of_ms; /* pongs come in order */
	pthread_mutex_unlock(&c->lock);
}

bool kg_sess_cache_get(kg_sess_cache *c, apr_pool_t *pool, const char *id,
		       long long now_ms, const unsigned char **data,
		       size_t *len)
{
	slot *s = &c->slots[slot_of(c, id, strlen(id))];
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	if (c->up && fresh_locked(c, now_ms) && strcmp(s->id, id) == 0 &&
	    s->data && now_ms - s->stored_ms < c->max_age_ms &&
	    now_ms >= s->stored_ms) {
		*data = apr_pmemdup(pool, s->data, s->len);
		*len = s->len;
		hit = true;
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* True when an invalidation numbered after ticket hit slot i. Locked. */
static bool invalidated_since(const kg_sess_cache *c, uint64_t ticket, size_t i)
{
	if (ticket < c->valid_from || c->seq - ticket >= RING)
		return true;
	for (uint64_t n = ticket; n < c->seq; n++)
		if (c->ring[n % RING] == i)
			return true;
	return false;
}

void kg_sess_cache_put(kg_sess_cache *c, const char *id,
		       const unsigned char *data, size_t len, uint64_t ticket,
		       long long now_ms)
{
	size_t idlen = strlen(id), i = slot_of(c, id, idlen);
	unsigned char *copy;
	slot *s = &c->slots[i];

	if (idlen > KG_SESS_ID_LEN || (copy = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(copy, data, len);
	pthread_mutex_lock(&c->lock);
	if (c->up && !invalidated_since(c, ticket, i)) {
		slot_clear(s);
		memcpy(s->id, id, idlen + 1);
		s->data = copy;
		s->len = len;
		s->stored_ms = now_ms;
		copy = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	free(copy);
}

/* The slot holding id's record, or NULL. Locked. */
static slot *slot_holding(kg_sess_cache *c, const char *id)
{
	slot *s = &c->slots[slot_of(c, id, strlen(id))];

	return s->data && strcmp(s->id, id) == 0 ? s : NULL;
}

bool kg_sess_cache_claim_touch(kg_sess_cache *c, const char *id,
			       long long now_ms, long long interval_ms)
{
	bool mine = true;
	slot *s;

	pthread_mutex_lock(&c->lock);
	if ((s = slot_holding(c, id)) != NULL) {
		if (s->touch_ms != 0 && now_ms >= s->touch_ms &&
		    now_ms - s->touch_ms < interval_ms)
			mine = false;
		else
			s->touch_ms = now_ms;
	}
	pthread_mutex_unlock(&c->lock);
	return mine;
}

void kg_sess_cache_unclaim_touch(kg_sess_cache *c, const char *id,
				 long long claimed_ms)
{
	slot *s;

	pthread_mutex_lock(&c->lock);
	if ((s = slot_holding(c, id)) != NULL && s->touch_ms == claimed_ms)
		s->touch_ms = 0;
	pthread_mutex_unlock(&c->lock);
}

void kg_sess_cache_invalidate(kg_sess_cache *c, const char *id, size_t len)
{
	size_t i = slot_of(c, id, len);
	slot *s = &c->slots[i];

	pthread_mutex_lock(&c->lock);
	c->ring[c->seq % RING] = i;
	c->seq++;
	if (strlen(s->id) == len && memcmp(s->id, id, len) == 0)
		slot_clear(s);
	pthread_mutex_unlock(&c->lock);
}

/* Locked. */
static void flush_locked(kg_sess_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->slots[i].data)
			slot_clear(&c->slots[i]);
	c->seq++;
	c->valid_from = c->seq;
}

void kg_sess_cache_flush(kg_sess_cache *c)
{
	pthread_mutex_lock(&c->lock);
	flush_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void kg_sess_cache_set_up(kg_sess_cache *c, bool up)
{
	pthread_mutex_lock(&c->lock);
	flush_locked(c);
	c->up = up;
	pthread_mutex_unlock(&c->lock);
}

bool kg_sess_cache_is_up(kg_sess_cache *c)
{
	bool up;

	pthread_mutex_lock(&c->lock);
	up = c->up;
	pthread_mutex_unlock(&c->lock);
	return up;
}
