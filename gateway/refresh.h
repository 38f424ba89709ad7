/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: keeping what a session holds fresh (OIDC tokens, AWS
 * credentials), one gateway at a time (private to gateway/).
 */
#ifndef KG_REFRESH_H
#define KG_REFRESH_H

#include "gateway/gateway_impl.h"

/* A change to a session that must run once across gateways. */
typedef struct {
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
} kg_session_job;

/* Runs job on *recp when it is due at now_ms: takes the lock (another
 * gateway holding it means that one does the job: this request goes on
 * with its copy and *written is true so it is not written back), reads
 * the record again, checks it is still due, runs the job and saves the
 * record when it changed (*recp is then the fresh copy). KG_OK: the
 * session goes on; KG_ENOTFOUND: it ended; KG_EBACKEND: Redis is down. */
kg_rc kg_gateway_session_job(kg_gateway *gw, kg_req *req, const kg_log *log,
			     const kg_session_job *job, kg_sess_record **recp,
			     long long now_ms, bool *written, kg_err *err);

/* Refreshes the OIDC tokens of *recp when they are due (within
 * KeygateOIDCRefreshMargin of expiry), as kg_gateway_session_job does. A
 * refusal by the provider ends the session (KG_ENOTFOUND) when
 * KeygateOIDCRefreshFailure is logout. */
kg_rc kg_gateway_refresh(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_sess_record **recp, long long now_ms, bool *written,
			 kg_err *err);

#endif
