/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a bounded table of one process, keyed by 32 bytes (a SHA-256),
 * shared by its threads: what the per-process caches of verified and
 * mapped bearer tokens are made of.
 *
 * It holds at most its capacity, in sets of 4 entries; an entry lives
 * until a time its writer chooses. When a set is full, a new key takes
 * the place of an expired entry or of the one that expires first. The
 * table owns the values put in it and frees them (free_fn) when they are
 * displaced or replaced, and when its pool goes. Locks are striped over
 * the sets, so threads rarely wait on each other; a caller reads or
 * changes a value only inside a callback that runs under its set's lock
 * (keep it short: copy out, set a field; never block).
 */
#ifndef KG_BASE_TABLE_H
#define KG_BASE_TABLE_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

#define KG_TABLE_KEY 32

typedef struct kg_table kg_table;

typedef void (*kg_table_free_fn)(void *value);

/* Reads value (copying out what the caller keeps) under the lock; returns
 * whether it was usable. */
typedef bool (*kg_table_read_fn)(const void *value, void *baton);

/* Changes value in place under the lock; may move *until_ms. */
typedef void (*kg_table_change_fn)(void *value, long long *until_ms,
				   void *baton);

/* A table of capacity entries (rounded up to whole sets) in pool;
 * capacity 0 gives one that holds nothing. */
kg_rc kg_table_make(apr_pool_t *pool, size_t capacity, kg_table_free_fn free_fn,
		    kg_table **out, kg_err *err);

/* When key is held and not expired at now_ms, returns read(value,
 * baton); false otherwise. */
bool kg_table_get(kg_table *t, const unsigned char key[KG_TABLE_KEY],
		  long long now_ms, kg_table_read_fn read, void *baton);

/* Holds value (the table's from now on, also when it is not kept: a
 * table of capacity 0 frees it at once) under key until until_ms,
 * replacing what key held. */
void kg_table_put(kg_table *t, const unsigned char key[KG_TABLE_KEY],
		  void *value, long long until_ms);

/* When key is held and not expired at now_ms, runs change(value,
 * &until_ms, baton) and returns true; false otherwise. */
bool kg_table_change(kg_table *t, const unsigned char key[KG_TABLE_KEY],
		     long long now_ms, kg_table_change_fn change, void *baton);

#endif
