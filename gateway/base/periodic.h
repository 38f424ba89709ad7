/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a job that runs at a fixed interval on a thread of its own in
 * each process (the session reaper, the AWS credentials refresh).
 *
 * Each run gets a scratch pool of its own, destroyed after it. A failed
 * run is reported at most once a minute (the first at once), so a Redis
 * outage is one line a minute, not one a tick. The thread is stopped and
 * joined when the pool it was started in is cleaned up: a stop wakes the
 * thread at once, it does not wait out the interval.
 */
#ifndef KG_PERIODIC_H
#define KG_PERIODIC_H

#include "gateway/base/err.h"

#include <apr_pools.h>
#include <stdbool.h>

typedef struct kg_periodic kg_periodic;

/* One run of the job: pool is its scratch, arg the job's own. KG_OK, or
 * a failure in err. A run that loops should end soon once
 * kg_periodic_stopping(p). */
typedef kg_rc (*kg_periodic_run_fn)(kg_periodic *p, void *arg, apr_pool_t *pool,
				    kg_err *err);

/* Reports a failed run (at most once a minute); interval_ms is when the
 * next run comes. */
typedef void (*kg_periodic_report_fn)(void *arg, const kg_err *err,
				      long long interval_ms);

/* Starts a thread that calls run every interval_ms (the first call at
 * once), until pool is cleaned up. KG_EINTERNAL in err when the thread
 * cannot start. run, report and arg must outlive pool's cleanup. */
kg_rc kg_periodic_start(apr_pool_t *pool, long long interval_ms,
			kg_periodic_run_fn run, kg_periodic_report_fn report,
			void *arg, kg_err *err);

/* Whether p is being stopped. Thread-safe. */
bool kg_periodic_stopping(const kg_periodic *p);

#endif
