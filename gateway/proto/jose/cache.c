/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the bearer result cache: 4-way set-associative, striped locks.
 */
#include "gateway/proto/jose/cache.h"

#include <apr_strings.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define KG_JWT_CACHE_WAYS 4
#define KG_JWT_CACHE_STRIPES 16

typedef struct {
	unsigned char key[KG_JWT_CACHE_KEY];
	long long until_ms; /* 0: empty */
	char *payload;	    /* malloc'd */
	size_t len;
} jwt_cache_entry;

struct kg_jwt_cache {
	size_t nsets;
	jwt_cache_entry *entries; /* nsets * KG_JWT_CACHE_WAYS */
	pthread_mutex_t locks[KG_JWT_CACHE_STRIPES];
};

static apr_status_t jwt_cache_cleanup(void *data)
{
	kg_jwt_cache *c = data;

	for (size_t i = 0; i < c->nsets * KG_JWT_CACHE_WAYS; i++)
		free(c->entries[i].payload);
	free(c->entries);
	for (size_t i = 0; i < KG_JWT_CACHE_STRIPES; i++)
		pthread_mutex_destroy(&c->locks[i]);
	return APR_SUCCESS;
}

kg_rc kg_jwt_cache_make(apr_pool_t *pool, size_t capacity,
			kg_jwt_cache **out, kg_err *err)
{
	kg_jwt_cache *c = apr_pcalloc(pool, sizeof(*c));

	c->nsets = (capacity + KG_JWT_CACHE_WAYS - 1) / KG_JWT_CACHE_WAYS;
	c->entries = calloc(c->nsets * KG_JWT_CACHE_WAYS + 1,
			    sizeof(jwt_cache_entry));
	if (c->entries == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	for (size_t i = 0; i < KG_JWT_CACHE_STRIPES; i++)
		pthread_mutex_init(&c->locks[i], NULL);
	apr_pool_cleanup_register(pool, c, jwt_cache_cleanup,
				  apr_pool_cleanup_null);
	*out = c;
	return KG_OK;
}

void kg_jwt_cache_key(const char *token, size_t len,
		      unsigned char key[KG_JWT_CACHE_KEY])
{
	SHA256((const unsigned char *)token, len, key);
}

/* The set of key, and the lock that guards it. */
static jwt_cache_entry *jwt_cache_set(kg_jwt_cache *c,
				      const unsigned char *key,
				      pthread_mutex_t **lock)
{
	unsigned long long h;
	size_t set;

	memcpy(&h, key, sizeof(h));
	set = (size_t)(h % c->nsets);
	*lock = &c->locks[set % KG_JWT_CACHE_STRIPES];
	return &c->entries[set * KG_JWT_CACHE_WAYS];
}

bool kg_jwt_cache_get(kg_jwt_cache *c, apr_pool_t *pool,
		      const unsigned char key[KG_JWT_CACHE_KEY],
		      long long now_ms, const char **payload, size_t *len)
{
	pthread_mutex_t *lock;
	jwt_cache_entry *set;
	bool hit = false;

	if (c->nsets == 0)
		return false;
	set = jwt_cache_set(c, key, &lock);
	pthread_mutex_lock(lock);
	for (int i = 0; i < KG_JWT_CACHE_WAYS && !hit; i++) {
		if (set[i].until_ms > now_ms &&
		    memcmp(set[i].key, key, KG_JWT_CACHE_KEY) == 0) {
			*payload = apr_pstrmemdup(pool, set[i].payload,
						  set[i].len);
			*len = set[i].len;
			hit = true;
		}
	}
	pthread_mutex_unlock(lock);
	return hit;
}

void kg_jwt_cache_put(kg_jwt_cache *c,
		      const unsigned char key[KG_JWT_CACHE_KEY],
		      const char *payload, size_t len, long long until_ms)
{
	pthread_mutex_t *lock;
	jwt_cache_entry *set, *victim;
	char *copy;

	if (c->nsets == 0 || (copy = malloc(len + 1)) == NULL)
		return;
	memcpy(copy, payload, len);
	copy[len] = '\0';
	set = jwt_cache_set(c, key, &lock);
	pthread_mutex_lock(lock);
	victim = &set[0];
	for (int i = 0; i < KG_JWT_CACHE_WAYS; i++) {
		if (memcmp(set[i].key, key, KG_JWT_CACHE_KEY) == 0) {
			victim = &set[i];
			break;
		}
		if (set[i].until_ms < victim->until_ms)
			victim = &set[i];
	}
	free(victim->payload);
	memcpy(victim->key, key, KG_JWT_CACHE_KEY);
	victim->payload = copy;
	victim->len = len;
	victim->until_ms = until_ms;
	pthread_mutex_unlock(lock);
}
