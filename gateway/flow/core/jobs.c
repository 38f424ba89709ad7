/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: running session jobs under a Redis lock.
 */
#include "gateway/flow/core/jobs.h"
#include "gateway/base/str.h"
#include "sessions/lock.h"

#include <openssl/rand.h>
#include <string.h>

#define KG_JOB_LOCK_MS 15000

kg_rc kg_job_run(kg_gateway *gw, kg_req *req, const kg_log *log,
		 const kg_job *job, kg_sess_record **recp, long long now_ms,
		 bool *written, kg_err *err)
{
	kg_sess_record *rec = *recp, *fresh;
	const char *lock;
	unsigned char nonce[16];
	char holder[33];
	kg_err why = {0};
	bool got = false, changed = false;
	kg_rc rc;

	*written = false;
	if (!job->due(gw, rec, now_ms))
		return KG_OK; /* every request: nothing allocated before here */
	lock = kg_psprintf(req->pool, "%s:%s", job->lock_prefix, rec->id);
	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return kg_err_set(err, KG_EINTERNAL, "no randomness");
	kg_hex(nonce, sizeof(nonce), holder);
	rc = kg_sess_lock_try(gw->store, req->pool, lock, KG_JOB_LOCK_MS,
			      holder, &got, err);
	if (rc != KG_OK)
		return rc;
	if (!got) {
		/* another gateway is at it: go on, and do not write this
		 * (soon stale) copy back with a touch */
		*written = true;
		return KG_OK;
	}
	/* read it again under the lock: another gateway may have done the
	 * job (and rotated a refresh token) since this request read it */
	rc = kg_sess_store_reload(gw->store, req->pool, rec->id, &fresh, err);
	if (rc == KG_OK) {
		*recp = rec = fresh;
		if (job->due(gw, rec, now_ms))
			rc = job->run(gw, req, log, rec, now_ms, &changed, err);
		if (rc == KG_OK && changed)
			rc = kg_sess_store_save(gw->store, req->pool, rec,
						now_ms, written, err);
		if (rc == KG_OK && changed && job->saved)
			job->saved(gw, req, log, rec);
	}
	kg_sess_lock_release(gw->store, req->pool, lock, holder, &why);
	return rc;
}

kg_rc kg_jobs_run(kg_gateway *gw, kg_req *req, const kg_log *log,
		  kg_sess_record **recp, long long now_ms, bool *written,
		  kg_err *err)
{
	kg_rc rc = KG_OK;

	*written = false;
	for (int i = 0; i < gw->njobs && rc == KG_OK; i++) {
		bool w = false;
		if (!gw->jobs[i]->due(gw, *recp, now_ms))
			continue; /* the common case: no call, nothing made */
		rc = kg_job_run(gw, req, log, gw->jobs[i], recp, now_ms, &w,
				err);
		*written = *written || w;
	}
	return rc;
}
