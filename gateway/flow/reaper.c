/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session reaper's thread. Every KeygateSessionReapInterval
 * ms it runs one kg_sess_reaper_tick, which claims the sessions whose
 * deadline passed unnoticed and logs each end once across every process
 * of every replica, and reads ahead two ticks. Redis down: the tick logs
 * KG-0740 (at most once a minute) and tries again at the next one; the
 * sessions due meanwhile are claimed then.
 */
#include "gateway/flow/reaper.h"
#include "gateway/base/periodic.h"
#include "sessions/reap.h"

struct reaper_job {
	kg_gateway *gw;
	kg_sess_reaper *reaper;
};

/* One tick (kg_periodic_run_fn). */
static kg_rc tick(kg_periodic *p, void *arg, apr_pool_t *pool, kg_err *err)
{
	struct reaper_job *j = arg;

	return kg_sess_reaper_tick(j->reaper, pool, kg_state_now_ms(), NULL,
				   err);
}

/* A failed tick, at most once a minute (kg_periodic_report_fn). */
static void report(void *arg, const kg_err *err, long long interval_ms)
{
	struct reaper_job *j = arg;

	kg_log_emit(&j->gw->log, KG_LOG_WARN, "KG-0740",
		    "session reaper: %s; retried in %lld ms", err->msg,
		    interval_ms);
}

kg_rc kg_reaper_start(kg_gateway *gw, apr_pool_t *pool, kg_err *err)
{
	long long tick_ms = gw->conf->sessions.reap_interval_ms;
	struct reaper_job *j;
	kg_rc rc;

	if (gw->store == NULL)
		return KG_OK;
	j = apr_pcalloc(pool, sizeof(*j));
	j->gw = gw;
	/* two ticks ahead: a session is read at least once before its end */
	rc = kg_sess_reaper_make(pool, gw->store, 2 * tick_ms, &j->reaper, err);
	if (rc == KG_OK)
		rc = kg_periodic_start(pool, tick_ms, tick, report, j, err);
	if (rc != KG_OK)
		return rc;
	kg_log_emit(&gw->log, KG_LOG_DEBUG, NULL,
		    "session reaper started interval_ms=%lld", tick_ms);
	return KG_OK;
}
