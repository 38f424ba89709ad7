/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a small per-process memory of recent revocation answers.
 */
#include "gateway/flow/process/revocation_cache.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <string.h>

#define SLOTS 4096
#define LOCKS 16

typedef struct {
	unsigned char digest[SHA256_DIGEST_LENGTH];
	long long at_ms; /* 0: empty */
	bool revoked;
} slot;

struct kg_revocation_cache {
	long long max_age_ms;
	slot slots[SLOTS];
	pthread_mutex_t locks[LOCKS];
};

static apr_status_t revocation_cache_free(void *data)
{
	kg_revocation_cache *c = data;

	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_destroy(&c->locks[i]);
	return APR_SUCCESS;
}

kg_revocation_cache *kg_revocation_cache_make(apr_pool_t *pool,
					      long long max_age_ms)
{
	kg_revocation_cache *c = apr_pcalloc(pool, sizeof(*c));

	c->max_age_ms = max_age_ms;
	for (int i = 0; i < LOCKS; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	apr_pool_cleanup_register(pool, c, revocation_cache_free,
				  apr_pool_cleanup_null);
	return c;
}

/* The slot of a token digest. */
static size_t locate(const unsigned char *d)
{
	return ((size_t)d[0] << 8 | d[1]) % SLOTS;
}

bool kg_revocation_cache_get(kg_revocation_cache *c,
			     const unsigned char d[32], long long now_ms,
			     bool *revoked)
{
	size_t i;
	bool hit;

	if (c->max_age_ms <= 0)
		return false;
	i = locate(d);
	pthread_mutex_lock(&c->locks[i % LOCKS]);
	hit = c->slots[i].at_ms > 0 && now_ms - c->slots[i].at_ms >= 0 &&
	      now_ms - c->slots[i].at_ms < c->max_age_ms &&
	      memcmp(c->slots[i].digest, d, SHA256_DIGEST_LENGTH) == 0;
	if (hit)
		*revoked = c->slots[i].revoked;
	pthread_mutex_unlock(&c->locks[i % LOCKS]);
	return hit;
}

void kg_revocation_cache_put(kg_revocation_cache *c,
			     const unsigned char d[32], long long now_ms,
			     bool revoked)
{
	size_t i;

	if (c->max_age_ms <= 0)
		return;
	i = locate(d);
	pthread_mutex_lock(&c->locks[i % LOCKS]);
	memcpy(c->slots[i].digest, d, SHA256_DIGEST_LENGTH);
	c->slots[i].at_ms = now_ms;
	c->slots[i].revoked = revoked;
	pthread_mutex_unlock(&c->locks[i % LOCKS]);
}
