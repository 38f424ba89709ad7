/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a bounded per-process table: 4-way set-associative, striped
 * pthread mutexes.
 */
#include "gateway/base/table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WAYS 4
#define STRIPES 16

typedef struct {
	unsigned char key[KG_TABLE_KEY];
	long long until_ms; /* 0: empty */
	void *value;
} entry;

struct kg_table {
	size_t nsets;
	entry *entries; /* nsets * WAYS */
	kg_table_free_fn free_fn;
	pthread_mutex_t locks[STRIPES];
};

static apr_status_t table_free(void *data)
{
	kg_table *t = data;

	for (size_t i = 0; i < t->nsets * WAYS; i++)
		if (t->entries[i].value)
			t->free_fn(t->entries[i].value);
	free(t->entries);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&t->locks[i]);
	return APR_SUCCESS;
}

kg_rc kg_table_make(apr_pool_t *pool, size_t capacity, kg_table_free_fn free_fn,
		    kg_table **out, kg_err *err)
{
	kg_table *t = apr_pcalloc(pool, sizeof(*t));

	t->nsets = (capacity + WAYS - 1) / WAYS;
	t->free_fn = free_fn;
	t->entries = calloc(t->nsets * WAYS + 1, sizeof(entry));
	if (t->entries == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&t->locks[i], NULL);
	apr_pool_cleanup_register(pool, t, table_free, apr_pool_cleanup_null);
	*out = t;
	return KG_OK;
}

/* The set of key (its first bytes are already uniform), and its lock. */
static entry *set_of(kg_table *t, const unsigned char *key,
		     pthread_mutex_t **lock)
{
	unsigned long long h;
	size_t set;

	memcpy(&h, key, sizeof(h));
	set = (size_t)(h % t->nsets);
	*lock = &t->locks[set % STRIPES];
	return &t->entries[set * WAYS];
}

/* The live entry of key in set, or NULL. Called locked. */
static entry *find(entry *set, const unsigned char *key, long long now_ms)
{
	for (int i = 0; i < WAYS; i++)
		if (set[i].until_ms > now_ms &&
		    memcmp(set[i].key, key, KG_TABLE_KEY) == 0)
			return &set[i];
	return NULL;
}

bool kg_table_get(kg_table *t, const unsigned char key[KG_TABLE_KEY],
		  long long now_ms, kg_table_read_fn read, void *baton)
{
	pthread_mutex_t *lock;
	entry *set, *e;
	bool ok = false;

	if (t->nsets == 0)
		return false;
	set = set_of(t, key, &lock);
	pthread_mutex_lock(lock);
	if ((e = find(set, key, now_ms)) != NULL)
		ok = read(e->value, baton);
	pthread_mutex_unlock(lock);
	return ok;
}

void kg_table_put(kg_table *t, const unsigned char key[KG_TABLE_KEY],
		  void *value, long long until_ms)
{
	pthread_mutex_t *lock;
	entry *set, *victim;
	void *old;

	if (t->nsets == 0) {
		t->free_fn(value);
		return;
	}
	set = set_of(t, key, &lock);
	pthread_mutex_lock(lock);
	victim = &set[0];
	for (int i = 0; i < WAYS; i++) {
		if (memcmp(set[i].key, key, KG_TABLE_KEY) == 0) {
			victim = &set[i];
			break;
		}
		if (set[i].until_ms < victim->until_ms)
			victim = &set[i];
	}
	old = victim->value;
	memcpy(victim->key, key, KG_TABLE_KEY);
	victim->value = value;
	victim->until_ms = until_ms;
	pthread_mutex_unlock(lock);
	if (old)
		t->free_fn(old);
}

bool kg_table_change(kg_table *t, const unsigned char key[KG_TABLE_KEY],
		     long long now_ms, kg_table_change_fn change, void *baton)
{
	pthread_mutex_t *lock;
	entry *set, *e;

	if (t->nsets == 0)
		return false;
	set = set_of(t, key, &lock);
	pthread_mutex_lock(lock);
	if ((e = find(set, key, now_ms)) != NULL)
		change(e->value, &e->until_ms, baton);
	pthread_mutex_unlock(lock);
	return e != NULL;
}
