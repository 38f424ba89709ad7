/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session reaper's thread. Every KeygateSessionReapInterval
 * ms it runs one kg_sess_reaper_tick, which claims the sessions whose
 * deadline passed unnoticed and logs each end once across every process
 * of every replica, and reads ahead two ticks. Redis down: the tick logs
 * KG-0740 (at most once a minute) and tries again at the next one; the
 * sessions due meanwhile are claimed then.
 */
#include "gateway/flow/reaper.h"
#include "sessions/reap.h"

#include <pthread.h>
#include <time.h>

struct reaper_thread {
	kg_gateway *gw;
	kg_sess_reaper *reaper;
	long long tick_ms;
	pthread_t thread;
	int stop;		 /* atomic: set at pool cleanup */
	long long failed_logged; /* last KG-0740, ms */
};

/* One tick, in a pool of its own. */
static void tick(struct reaper_thread *t)
{
	long long now = kg_state_now_ms();
	apr_pool_t *pool;
	kg_err err = {0};
	kg_rc rc;

	if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
		return;
	rc = kg_sess_reaper_tick(t->reaper, pool, now, NULL, &err);
	if (rc != KG_OK && now - t->failed_logged >= 60000) {
		t->failed_logged = now;
		kg_log_emit(&t->gw->log, KG_LOG_WARN, "KG-0740",
			    "session reaper: %s; retried in %lld ms", err.msg,
			    t->tick_ms);
	}
	apr_pool_destroy(pool);
}

static void *run(void *arg)
{
	struct reaper_thread *t = arg;
	struct timespec step = {0, 50 * 1000 * 1000};

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		tick(t);
		for (long long s = 0;
		     s < t->tick_ms / 50 &&
		     !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
		     s++)
			nanosleep(&step, NULL);
	}
	return NULL;
}

static apr_status_t stop(void *data)
{
	struct reaper_thread *t = data;

	__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
	pthread_join(t->thread, NULL);
	return APR_SUCCESS;
}

kg_rc kg_reaper_start(kg_gateway *gw, apr_pool_t *pool, kg_err *err)
{
	struct reaper_thread *t;
	kg_rc rc;

	if (gw->store == NULL)
		return KG_OK;
	t = apr_pcalloc(pool, sizeof(*t));
	t->gw = gw;
	t->tick_ms = gw->conf->sessions.reap_interval_ms;
	/* two ticks ahead: a session is read at least once before its end */
	rc = kg_sess_reaper_make(pool, gw->store, 2 * t->tick_ms, &t->reaper,
				 err);
	if (rc != KG_OK)
		return rc;
	if (pthread_create(&t->thread, NULL, run, t) != 0)
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot start the session reaper thread");
	apr_pool_cleanup_register(pool, t, stop, apr_pool_cleanup_null);
	kg_log_emit(&gw->log, KG_LOG_DEBUG, NULL,
		    "session reaper started interval_ms=%lld", t->tick_ms);
	return KG_OK;
}
