/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: session jobs. A change to a session that must run once across
 * gateways (an OIDC token refresh, an AWS credential refresh) takes a
 * lock in Redis; the gateways that do not get it go on with what they
 * have. The jobs are registered once, when the gateway opens
 * (gw->jobs), so the request path names none of them.
 */
#ifndef KG_FLOW_CORE_JOBS_H
#define KG_FLOW_CORE_JOBS_H

#include "gateway/flow/core/state.h"

/* A change to a session that must run once across gateways. */
struct kg_job {
	const char *lock_prefix; /* the lock is PREFIX:ID; static text */
	/* Is the job due for rec at now_ms? Cheap: it runs per request. */
	bool (*due)(kg_gateway *gw, const kg_sess_record *rec,
		    long long now_ms);
	/* Does the job on rec (the fresh copy, the lock held). *changed:
	 * rec must be saved. KG_ENOTFOUND: it ended the session. Other
	 * errors are the caller's to pass on (KG_EBACKEND: Redis down). */
	kg_rc (*run)(kg_gateway *gw, kg_req *req, const kg_log *log,
		     kg_sess_record *rec, long long now_ms, bool *changed,
		     kg_err *err);
	/* Called once rec was saved; NULL: nothing to do. */
	void (*saved)(kg_gateway *gw, kg_req *req, const kg_log *log,
		      const kg_sess_record *rec);
};

/* Runs job on *recp when it is due at now_ms: takes the lock (another
 * gateway holding it means that one does the job: this request goes on
 * with its copy and *written is true so it is not written back), reads
 * the record again, checks it is still due, runs the job and saves the
 * record when it changed (*recp is then the fresh copy). KG_OK: the
 * session goes on; KG_ENOTFOUND: it ended; KG_EBACKEND: Redis is down. */
kg_rc kg_job_run(kg_gateway *gw, kg_req *req, const kg_log *log,
		 const kg_job *job, kg_sess_record **recp, long long now_ms,
		 bool *written, kg_err *err);

/* Runs every registered job on *recp in turn (each may replace *recp).
 * *written: some job saved the record, so the caller need not touch it.
 * Stops at the first error. */
kg_rc kg_jobs_run(kg_gateway *gw, kg_req *req, const kg_log *log,
		  kg_sess_record **recp, long long now_ms, bool *written,
		  kg_err *err);

#endif
