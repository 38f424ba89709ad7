/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the attribute bag.
 */
#include "bag.h"

#include <apr_strings.h>
#include <string.h>

kg_bag *kg_bag_make(apr_pool_t *pool)
{
	kg_bag *bag = apr_palloc(pool, sizeof(*bag));

	bag->pool = pool;
	bag->entries = apr_array_make(pool, 8, sizeof(kg_bag_entry));
	return bag;
}

static apr_array_header_t *copy_values(apr_pool_t *pool,
				       const apr_array_header_t *src)
{
	apr_array_header_t *dst = apr_array_make(
		pool, src->nelts > 0 ? src->nelts : 1, sizeof(const char *));

	for (int i = 0; i < src->nelts; i++)
		APR_ARRAY_PUSH(dst, const char *) =
			apr_pstrdup(pool, APR_ARRAY_IDX(src, i, const char *));
	return dst;
}

kg_bag *kg_bag_copy(apr_pool_t *pool, const kg_bag *src)
{
	kg_bag *bag = kg_bag_make(pool);

	for (int i = 0; i < src->entries->nelts; i++) {
		const kg_bag_entry *e =
			&APR_ARRAY_IDX(src->entries, i, kg_bag_entry);
		kg_bag_set(bag, e->name, e->values);
	}
	return bag;
}

static kg_bag_entry *find(const kg_bag *bag, const char *name)
{
	for (int i = 0; i < bag->entries->nelts; i++) {
		kg_bag_entry *e = &APR_ARRAY_IDX(bag->entries, i, kg_bag_entry);
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

const apr_array_header_t *kg_bag_get(const kg_bag *bag, const char *name)
{
	const kg_bag_entry *e = find(bag, name);

	return e ? e->values : NULL;
}

const char *kg_bag_first(const kg_bag *bag, const char *name)
{
	const kg_bag_entry *e = find(bag, name);

	if (e == NULL || e->values->nelts == 0)
		return NULL;
	return APR_ARRAY_IDX(e->values, 0, const char *);
}

void kg_bag_set(kg_bag *bag, const char *name, const apr_array_header_t *values)
{
	kg_bag_entry *e;

	if (values == NULL || values->nelts == 0) {
		kg_bag_remove(bag, name);
		return;
	}
	e = find(bag, name);
	if (e == NULL) {
		e = apr_array_push(bag->entries);
		e->name = apr_pstrdup(bag->pool, name);
	}
	e->values = copy_values(bag->pool, values);
}

void kg_bag_set1(kg_bag *bag, const char *name, const char *value)
{
	apr_array_header_t *one =
		apr_array_make(bag->pool, 1, sizeof(const char *));

	APR_ARRAY_PUSH(one, const char *) = value;
	kg_bag_set(bag, name, one);
}

void kg_bag_add(kg_bag *bag, const char *name, const char *value)
{
	kg_bag_entry *e = find(bag, name);

	if (e == NULL) {
		kg_bag_set1(bag, name, value);
		return;
	}
	APR_ARRAY_PUSH(e->values, const char *) = apr_pstrdup(bag->pool, value);
}

void kg_bag_remove(kg_bag *bag, const char *name)
{
	apr_array_header_t *entries = bag->entries;

	for (int i = 0; i < entries->nelts; i++) {
		kg_bag_entry *e = &APR_ARRAY_IDX(entries, i, kg_bag_entry);
		if (strcmp(e->name, name) != 0)
			continue;
		memmove(e, e + 1,
			(size_t)(entries->nelts - i - 1) * sizeof(*e));
		entries->nelts--;
		return;
	}
}

bool kg_values_equal(const apr_array_header_t *a, const apr_array_header_t *b)
{
	if (a->nelts != b->nelts)
		return false;
	for (int i = 0; i < a->nelts; i++) {
		if (strcmp(APR_ARRAY_IDX(a, i, const char *),
			   APR_ARRAY_IDX(b, i, const char *)) != 0)
			return false;
	}
	return true;
}

bool kg_values_contain(const apr_array_header_t *list, const char *value)
{
	for (int i = 0; list && i < list->nelts; i++) {
		if (strcmp(APR_ARRAY_IDX(list, i, const char *), value) == 0)
			return true;
	}
	return false;
}
