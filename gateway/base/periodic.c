/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a job that runs at a fixed interval on a thread of its own
 * (see periodic.h).
 */
#include "gateway/base/periodic.h"

#include <apr_time.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

#define REPORT_EVERY_MS 60000

struct kg_periodic {
	long long interval_ms;
	kg_periodic_run_fn run;
	kg_periodic_report_fn report;
	void *arg;
	pthread_t thread;
	pthread_mutex_t lock; /* guards stop, with wake */
	pthread_cond_t wake;  /* signalled when stop is set */
	int stop;	      /* atomic too: read by runs without the lock */
	long long reported;   /* the last report, ms; the thread's own */
};

bool kg_periodic_stopping(const kg_periodic *p)
{
	return __atomic_load_n(&p->stop, __ATOMIC_ACQUIRE) != 0;
}

/* One run in a pool of its own, and its report when due. */
static void run_once(kg_periodic *p)
{
	apr_pool_t *pool;
	kg_err err = {0};
	long long now;

	if (apr_pool_create_unmanaged_ex(&pool, NULL, NULL) != APR_SUCCESS)
		return;
	if (p->run(p, p->arg, pool, &err) != KG_OK) {
		now = (long long)(apr_time_now() / 1000);
		if (p->reported == 0 || now - p->reported >= REPORT_EVERY_MS) {
			p->reported = now;
			p->report(p->arg, &err, p->interval_ms);
		}
	}
	apr_pool_destroy(pool);
}

/* Waits interval_ms or until stop is set (on CLOCK_MONOTONIC). */
static void wait_interval(kg_periodic *p)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(p->interval_ms / 1000);
	until.tv_nsec += (long)(p->interval_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->stop &&
	       pthread_cond_timedwait(&p->wake, &p->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&p->lock);
}

static void *thread_main(void *arg)
{
	kg_periodic *p = arg;

	while (!kg_periodic_stopping(p)) {
		run_once(p);
		wait_interval(p);
	}
	return NULL;
}

static apr_status_t stop(void *data)
{
	kg_periodic *p = data;

	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	return APR_SUCCESS;
}

kg_rc kg_periodic_start(apr_pool_t *pool, long long interval_ms,
			kg_periodic_run_fn run, kg_periodic_report_fn report,
			void *arg, kg_err *err)
{
	kg_periodic *p = apr_pcalloc(pool, sizeof(*p));
	pthread_condattr_t attr;

	p->interval_ms = interval_ms > 0 ? interval_ms : 1;
	p->run = run;
	p->report = report;
	p->arg = arg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&p->thread, NULL, thread_main, p) != 0) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot start a background thread");
	}
	apr_pool_cleanup_register(pool, p, stop, apr_pool_cleanup_null);
	return KG_OK;
}
