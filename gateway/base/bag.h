/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the attribute bag: an ordered map from a name to a list of
 * string values, as Keycloak keeps user attributes.
 *
 * Names are compared exactly. Setting an empty list removes the name, as
 * Keycloak's setAttribute(name, []) does. Everything lives in the bag's
 * pool.
 */
#ifndef KG_BAG_H
#define KG_BAG_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
	const char *name;
	apr_array_header_t *values; /* const char * */
} kg_bag_entry;

typedef struct {
	apr_pool_t *pool;
	apr_array_header_t *entries; /* kg_bag_entry, in insertion order */
} kg_bag;

kg_bag *kg_bag_make(apr_pool_t *pool);

/* Returns a deep copy of src in pool. */
kg_bag *kg_bag_copy(apr_pool_t *pool, const kg_bag *src);

/* Returns the values of name, or NULL when the bag has no such name. */
const apr_array_header_t *kg_bag_get(const kg_bag *bag, const char *name);

/* Returns the first value of name, or NULL. */
const char *kg_bag_first(const kg_bag *bag, const char *name);

/* Replaces the values of name with a copy of values; an empty list removes
 * name. */
void kg_bag_set(kg_bag *bag, const char *name,
		const apr_array_header_t *values);

/* Replaces the values of name with the single value. */
void kg_bag_set1(kg_bag *bag, const char *name, const char *value);

/* Appends one value to name, creating it when absent. */
void kg_bag_add(kg_bag *bag, const char *name, const char *value);

/* Removes name; does nothing when it is absent. */
void kg_bag_remove(kg_bag *bag, const char *name);

/* True when two value lists hold the same strings in the same order. */
bool kg_values_equal(const apr_array_header_t *a, const apr_array_header_t *b);

/* True when list holds a string equal to value. */
bool kg_values_contain(const apr_array_header_t *list, const char *value);

#endif
