/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the session reaper (sessions/reap.h) on a real
 * redis-server: a session that ends with no request is claimed and
 * logged once, whichever reaper (process) gets there first, with the
 * user and cause it read ahead; one no reaper read is logged as
 * target=unknown; a live session is never claimed.
 */
#include "tests/unit/fixture.h"
#include "tests/unit/flow_fixture.h"

#include "sessions/reap.h"
#include "sessions/record.h"

#include <apr_time.h>
#include <string.h>
#include <unistd.h>

static long long now_ms(void)
{
	return apr_time_now() / 1000;
}

/* How many times needle is in the captured log. */
static int times_logged(kgt_flow *f, const char *needle)
{
	const char *text = kgt_flow_log_text(f), *p = text;
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

/* A session of user that ends in ms, with no idle window. */
static const char *ending_in(kgt_flow *f, const char *user, long long ms)
{
	kg_sess_record *rec = kgt_flow_record(f, user, NULL);

	rec->idle_ms = 0;
	rec->expires_ms = now_ms() + ms;
	return kgt_flow_mint(f, rec);
}

static void test_an_unnoticed_expiry_is_logged_once(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_reaper *a, *b, *late;
	kg_err err = {0};
	int claimed = -1;
	const char *cookie = ending_in(f, "alice", 700);
	const char *live = ending_in(f, "carol", 60000);

	assert_int_equal(kg_sess_reaper_make(f->pool, f->store, 2000, &a, &err),
			 KG_OK);
	assert_int_equal(kg_sess_reaper_make(f->pool, f->store, 2000, &b, &err),
			 KG_OK);
	assert_int_equal(
		kg_sess_reaper_make(f->pool, f->store, 2000, &late, &err),
		KG_OK);
	/* both read alice's session ahead; nothing is due yet */
	assert_int_equal(
		kg_sess_reaper_tick(a, f->pool, now_ms(), &claimed, &err),
		KG_OK);
	assert_int_equal(claimed, 0);
	assert_int_equal(
		kg_sess_reaper_tick(b, f->pool, now_ms(), &claimed, &err),
		KG_OK);
	usleep(900 * 1000);
	assert_int_equal(kgt_flow_lookup(f, cookie, NULL), KG_ENOTFOUND);
	assert_int_equal(
		kg_sess_reaper_tick(b, f->pool, now_ms(), &claimed, &err),
		KG_OK);
	assert_int_equal(claimed, 1);
	assert_int_equal(
		kg_sess_reaper_tick(a, f->pool, now_ms(), &claimed, &err),
		KG_OK);
	assert_int_equal(claimed, 0);
	assert_int_equal(times_logged(f, "AUDIT event=\"Session Expired\""), 1);
	assert_true(kgt_flow_logged(
		f, "KG-0305 AUDIT event=\"Session Expired\" outcome=success "
		   "actor=keygate target=alice reason=max-expired sess="));
	/* one that no reaper read ahead: claimed once, its user unknown */
	ending_in(f, "bob", 300);
	usleep(500 * 1000);
	assert_int_equal(
		kg_sess_reaper_tick(late, f->pool, now_ms(), &claimed, &err),
		KG_OK);
	assert_int_equal(claimed, 1);
	assert_int_equal(
		kg_sess_reaper_tick(a, f->pool, now_ms(), &claimed, &err),
		KG_OK);
	assert_int_equal(claimed, 0);
	assert_true(kgt_flow_logged(f, "target=unknown reason=expired sess="));
	assert_int_equal(times_logged(f, "AUDIT event=\"Session Expired\""), 2);
	/* the live one is untouched */
	assert_int_equal(kgt_flow_lookup(f, live, NULL), KG_OK);
}

static void test_redis_down_is_an_error_not_a_claim(void **state)
{
	kgt_flow *f = kgt_flow_begin(state, NULL);
	kg_sess_reaper *r;
	kg_err err = {0};
	int claimed = -1;

	assert_int_equal(kg_sess_reaper_make(f->pool, f->store, 2000, &r, &err),
			 KG_OK);
	kgt_flow_stop_redis(f);
	assert_int_equal(
		kg_sess_reaper_tick(r, f->pool, now_ms(), &claimed, &err),
		KG_EBACKEND);
	assert_false(kgt_flow_logged(f, "Session Expired"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT_FLOW(test_an_unnoticed_expiry_is_logged_once),
		KGT_FLOW(test_redis_down_is_an_error_not_a_claim),
	};
	return KGT_RUN(tests);
}
