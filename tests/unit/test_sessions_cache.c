/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the per-process session cache (sessions/cache.c):
 * off until up, ages out, never keeps a read an invalidation overtook,
 * serves only while the invalidation watch is proven alive, and lets one
 * request of those sharing a cached copy write its touch.
 */
#include "tests/unit/fixture.h"

#include "sessions/cache.h"

#include <string.h>

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

static bool has(kg_sess_cache *c, apr_pool_t *pool, const char *id,
		long long now, const char *want)
{
	const unsigned char *data;
	size_t len;

	return kg_sess_cache_get(c, pool, id, now, &data, &len) &&
	       len == strlen(want) && memcmp(data, want, len) == 0;
}

static void put(kg_sess_cache *c, const char *id, const char *v,
		uint64_t ticket, long long now)
{
	kg_sess_cache_put(c, id, (const unsigned char *)v, strlen(v), ticket,
			  now);
}

static void test_off_until_up_and_ages_out(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_cache *c = kg_sess_cache_make(pool, 64, 10000);

	put(c, ID_A, "v1", kg_sess_cache_ticket(c), 1000);
	assert_false(has(c, pool, ID_A, 1000, "v1")); /* down: not kept */
	kg_sess_cache_set_up(c, true);
	put(c, ID_A, "v1", kg_sess_cache_ticket(c), 1000);
	assert_true(has(c, pool, ID_A, 1000, "v1"));
	assert_true(has(c, pool, ID_A, 10999, "v1"));
	assert_false(has(c, pool, ID_A, 11000, "v1")); /* aged out */
	assert_false(has(c, pool, ID_A, 999, "v1"));   /* clock went back */
	assert_false(has(c, pool, ID_B, 1000, "v1"));
	kg_sess_cache_set_up(c, false); /* down forgets everything */
	kg_sess_cache_set_up(c, true);
	assert_false(has(c, pool, ID_A, 1000, "v1"));
}

static void test_invalidations_win_over_reads(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_cache *c = kg_sess_cache_make(pool, 64, 10000);
	uint64_t t;

	kg_sess_cache_set_up(c, true);
	put(c, ID_A, "v1", kg_sess_cache_ticket(c), 1000);
	kg_sess_cache_invalidate(c, ID_A, strlen(ID_A));
	assert_false(has(c, pool, ID_A, 1000, "v1"));
	/* a read that started before an invalidation of its id is dropped */
	t = kg_sess_cache_ticket(c);
	kg_sess_cache_invalidate(c, ID_A, strlen(ID_A));
	put(c, ID_A, "stale", t, 1000);
	assert_false(has(c, pool, ID_A, 1000, "stale"));
	/* ... but not for another id's invalidation (unless they share a
	 * slot: 1 slot here would) */
	t = kg_sess_cache_ticket(c);
	kg_sess_cache_invalidate(c, ID_B, strlen(ID_B));
	put(c, ID_A, "v2", t, 1000);
	assert_true(has(c, pool, ID_A, 1000, "v2"));
	/* a flush voids every earlier ticket */
	t = kg_sess_cache_ticket(c);
	kg_sess_cache_flush(c);
	put(c, ID_B, "old", t, 1000);
	assert_false(has(c, pool, ID_B, 1000, "old"));
	assert_false(has(c, pool, ID_A, 1000, "v2"));
	/* a ticket older than the invalidation ring is void too */
	t = kg_sess_cache_ticket(c);
	for (int i = 0; i < 300; i++)
		kg_sess_cache_invalidate(c, ID_B, strlen(ID_B));
	put(c, ID_A, "late", t, 1000);
	assert_false(has(c, pool, ID_A, 1000, "late"));
}

static void test_one_slot_displaces(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_cache *c = kg_sess_cache_make(pool, 1, 10000);

	kg_sess_cache_set_up(c, true);
	put(c, ID_A, "a", kg_sess_cache_ticket(c), 1000);
	put(c, ID_B, "b", kg_sess_cache_ticket(c), 1000);
	assert_false(has(c, pool, ID_A, 1000, "a"));
	assert_true(has(c, pool, ID_B, 1000, "b"));
}

/* With a freshness bound, an entry is served only while the watch's last
 * proof of life (a PONG) is younger than the bound: a frozen Redis or a
 * cut path stops the cache within it, and the next PONG brings it back. */
static void test_served_only_while_the_watch_is_fresh(void **state)
{
	apr_pool_t *pool = *state;
	kg_sess_cache *c = kg_sess_cache_make(pool, 64, 10000);

	kg_sess_cache_set_up(c, true);
	kg_sess_cache_set_freshness(c, 250);
	put(c, ID_A, "v1", kg_sess_cache_ticket(c), 1000);
	assert_false(has(c, pool, ID_A, 1000, "v1")); /* no PONG yet */
	kg_sess_cache_alive(c, 1000);
	assert_true(has(c, pool, ID_A, 1000, "v1"));
	assert_true(has(c, pool, ID_A, 1249, "v1"));
	assert_false(has(c, pool, ID_A, 1250, "v1")); /* the pongs stopped */
	kg_sess_cache_alive(c, 1200); /* a late PONG: the entry is still kept */
	assert_true(has(c, pool, ID_A, 1300, "v1"));
	assert_false(has(c, pool, ID_A, 1450, "v1"));
	kg_sess_cache_set_freshness(c, 0); /* off: only the age counts */
	assert_true(has(c, pool, ID_A, 5000, "v1"));
}

/* Of the requests that read one cached copy, one writes its touch: the
 * claim holds for the touch interval, ends with the entry (the write's
 * notice), and a failed write gives it back. Uncached ids always touch. */
static void test_one_touch_per_cached_copy(void **state)
{
	kg_sess_cache *c = kg_sess_cache_make(*state, 64, 10000);

	kg_sess_cache_set_up(c, true);
	assert_true(kg_sess_cache_claim_touch(c, ID_A, 1000, 60000));
	assert_true(kg_sess_cache_claim_touch(c, ID_A, 1000, 60000));
	put(c, ID_A, "v1", kg_sess_cache_ticket(c), 1000);
	assert_true(kg_sess_cache_claim_touch(c, ID_A, 2000, 60000));
	assert_false(kg_sess_cache_claim_touch(c, ID_A, 2001, 60000));
	assert_false(kg_sess_cache_claim_touch(c, ID_A, 61999, 60000));
	assert_true(kg_sess_cache_claim_touch(c, ID_B, 2001, 60000));
	/* a touch that is due again after a whole interval */
	assert_true(kg_sess_cache_claim_touch(c, ID_A, 62000, 60000));
	/* the write failed: the next request tries again */
	kg_sess_cache_unclaim_touch(c, ID_A, 62000);
	assert_true(kg_sess_cache_claim_touch(c, ID_A, 62001, 60000));
	/* another claim's give-up does not end this one */
	kg_sess_cache_unclaim_touch(c, ID_A, 62000);
	assert_false(kg_sess_cache_claim_touch(c, ID_A, 62002, 60000));
	/* the write's invalidation ends the entry, and the claim with it */
	kg_sess_cache_invalidate(c, ID_A, strlen(ID_A));
	put(c, ID_A, "v2", kg_sess_cache_ticket(c), 62003);
	assert_true(kg_sess_cache_claim_touch(c, ID_A, 62004, 60000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_off_until_up_and_ages_out),
		KGT(test_invalidations_win_over_reads),
		KGT(test_one_slot_displaces),
		KGT(test_served_only_while_the_watch_is_fresh),
		KGT(test_one_touch_per_cached_copy),
	};
	return KGT_RUN(tests);
}
