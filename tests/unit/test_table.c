/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the bounded per-process table (gateway/base/
 * table.c): what a get sees, expiry, in-place changes, which entry a full
 * set gives up, and that every value is freed exactly once.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/table.h"

#include <stdlib.h>
#include <string.h>

static int frees;

static void count_free(void *value)
{
	frees++;
	free(value);
}

static int *num(int v)
{
	int *p = malloc(sizeof(*p));

	*p = v;
	return p;
}

/* A key in set 0 of a one-set table (any key is, there). */
static void key_of(int i, unsigned char key[KG_TABLE_KEY])
{
	memset(key, 0, KG_TABLE_KEY);
	key[KG_TABLE_KEY - 1] = (unsigned char)i;
	key[KG_TABLE_KEY - 2] = 1; /* never all zero */
}

static bool read_int(const void *value, void *baton)
{
	*(int *)baton = *(const int *)value;
	return true;
}

static bool refuse(const void *value, void *baton)
{
	return false;
}

static int get(kg_table *t, int k, long long now)
{
	unsigned char key[KG_TABLE_KEY];
	int v = -1;

	key_of(k, key);
	return kg_table_get(t, key, now, read_int, &v) ? v : -1;
}

static void put(kg_table *t, int k, int v, long long until)
{
	unsigned char key[KG_TABLE_KEY];

	key_of(k, key);
	kg_table_put(t, key, num(v), until);
}

static void add(void *value, long long *until_ms, void *baton)
{
	*(int *)value += *(int *)baton;
	*until_ms += 100;
}

static void test_get_put_expiry_and_change(void **state)
{
	apr_pool_t *pool;
	kg_table *t;
	kg_err err = {0};
	unsigned char key[KG_TABLE_KEY];
	int one = 1, v;

	apr_pool_create(&pool, *state);
	frees = 0;
	assert_int_equal(kg_table_make(pool, 4, count_free, &t, &err), KG_OK);
	assert_int_equal(get(t, 1, 0), -1);
	put(t, 1, 10, 1000);
	assert_int_equal(get(t, 1, 999), 10);
	assert_int_equal(get(t, 1, 1000), -1); /* expired */
	key_of(1, key);
	assert_false(kg_table_get(t, key, 0, refuse, &v));
	assert_true(kg_table_change(t, key, 0, add, &one));
	assert_int_equal(get(t, 1, 1050), 11); /* and lives 100 ms longer */
	assert_false(kg_table_change(t, key, 5000, add, &one));
	put(t, 1, 20, 2000); /* replaces: the old value is freed */
	assert_int_equal(frees, 1);
	assert_int_equal(get(t, 1, 0), 20);
	apr_pool_destroy(pool);
	assert_int_equal(frees, 2);
}

static void test_a_full_set_gives_up_the_entry_expiring_first(void **state)
{
	apr_pool_t *pool;
	kg_table *t;
	kg_err err = {0};

	apr_pool_create(&pool, *state);
	frees = 0;
	assert_int_equal(kg_table_make(pool, 4, count_free, &t, &err), KG_OK);
	put(t, 1, 1, 4000);
	put(t, 2, 2, 1000);
	put(t, 3, 3, 3000);
	put(t, 4, 4, 2000);
	put(t, 5, 5, 5000); /* takes 2's place */
	assert_int_equal(frees, 1);
	assert_int_equal(get(t, 2, 0), -1);
	assert_int_equal(get(t, 1, 0), 1);
	assert_int_equal(get(t, 5, 0), 5);
	put(t, 6, 6, 6000); /* takes 4's place */
	assert_int_equal(get(t, 4, 0), -1);
	assert_int_equal(get(t, 3, 0), 3);
	apr_pool_destroy(pool);
	assert_int_equal(frees, 6);
}

static void test_capacity_zero_holds_nothing(void **state)
{
	apr_pool_t *pool;
	kg_table *t;
	kg_err err = {0};

	apr_pool_create(&pool, *state);
	frees = 0;
	assert_int_equal(kg_table_make(pool, 0, count_free, &t, &err), KG_OK);
	put(t, 1, 1, 1000);
	assert_int_equal(frees, 1);
	assert_int_equal(get(t, 1, 0), -1);
	apr_pool_destroy(pool);
	assert_int_equal(frees, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_get_put_expiry_and_change),
		KGT(test_a_full_set_gives_up_the_entry_expiring_first),
		KGT(test_capacity_zero_holds_nothing),
	};

	return KGT_RUN(tests);
}
