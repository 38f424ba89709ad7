/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS credentials files kept fresh without a request.
 *
 * A workspace or job reads its user's credentials file long after the
 * browser closed, so the refresh cannot wait for a request. Every session
 * that holds AWS credentials is in the Redis due list "aws" (P due:aws),
 * scored by when its next refresh is due; its user's name is kept sealed
 * under P awsuser:ID for as long as the session can live, so the file can
 * be found once the session is gone. In each gateway process a thread
 * looks at the list every KG_AWS_BG_TICK_MS and, for each session due:
 *  - runs the refresh job (core/jobs.h) under the session's "aws" lock
 *    and re-checks it is due under the lock, so across every process of
 *    every replica exactly one refresh happens per session and window;
 *    the job's saved hook writes the file and the next due time;
 *  - when the session is gone (logout, kill, deactivation, timeout),
 *    removes it from the list and removes the user's file unless another
 *    live session of theirs holds credentials (KG-0729).
 * Redis down: the tick logs KG-0728 (at most once a minute) and tries
 * again at the next one.
 */
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/aws/file.h"

#include "gateway/base/periodic.h"

#include <apr_strings.h>
#include <string.h>

#define KG_AWS_BG_TICK_MS 2000
#define KG_AWS_BG_BATCH 32

/* Session id is gone: drop it from the list, and its user's file unless
 * another session of theirs still holds credentials. */
static kg_rc ended(kg_gateway *gw, apr_pool_t *pool, const char *id,
		   kg_err *err)
{
	const char *user = NULL;
	kg_rc rc = kg_aws_tracked_user(gw, pool, id, &user, err);

	if (rc != KG_OK)
		return rc;
	if (user) {
		kg_aws_release_user_file(gw->store, &gw->conf->aws, pool, user);
		kg_log_emit(&gw->log, KG_LOG_NOTICE, "KG-0729",
			    "aws credentials file released user=%s "
			    "reason=session_ended",
			    user);
	}
	return kg_aws_untrack(gw, pool, id, err);
}

/* Refreshes session id when it is due (or finds it gone). */
static kg_rc refresh_one(kg_gateway *gw, apr_pool_t *pool, const char *id,
			 long long now_ms, kg_err *err)
{
	kg_req *req = kg_req_make(pool);
	kg_sess_record *rec;
	bool written = false;
	kg_rc rc = kg_sess_store_reload(gw->store, pool, id, &rec, err);

	if (rc == KG_OK)
		rc = kg_job_run(gw, req, &gw->log, &kg_aws_refresh_job, &rec,
				now_ms, &written, err);
	if (rc == KG_ENOTFOUND) {
		kg_err_clear(err);
		return ended(gw, pool, id, err);
	}
	if (rc != KG_OK)
		return rc;
	/* not due any more (another process did it), or the lock was
	 * another's: the list gets the time this copy says; a stale one
	 * is put right at that time */
	return kg_aws_retrack(gw, pool, rec, err);
}

/* One look at the list (kg_periodic_run_fn). */
static kg_rc tick(kg_periodic *p, void *arg, apr_pool_t *pool, kg_err *err)
{
	kg_gateway *gw = arg;
	long long now = kg_state_now_ms();
	apr_array_header_t *ids;
	kg_rc rc =
		kg_aws_tracked_due(gw, pool, now, KG_AWS_BG_BATCH, &ids, err);

	for (int i = 0;
	     rc == KG_OK && i < ids->nelts && !kg_periodic_stopping(p); i++)
		rc = refresh_one(gw, pool, APR_ARRAY_IDX(ids, i, const char *),
				 now, err);
	return rc;
}

/* A failed look, at most once a minute (kg_periodic_report_fn). */
static void report(void *arg, const kg_err *err, long long interval_ms)
{
	kg_gateway *gw = arg;

	kg_log_emit(&gw->log, KG_LOG_WARN, "KG-0728",
		    "aws background refresh: %s; retried in %lld s", err->msg,
		    interval_ms / 1000);
}

kg_rc kg_aws_background_start(kg_gateway *gw, apr_pool_t *pool, kg_err *err)
{
	if (!gw->conf->aws.enabled || gw->conf->aws.credentials_dir == NULL)
		return KG_OK;
	return kg_periodic_start(pool, KG_AWS_BG_TICK_MS, tick, report, gw,
				 err);
}
