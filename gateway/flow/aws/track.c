/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the sessions whose credentials files the background refresh
 * keeps (background.c): the Redis due list "aws", and each session's
 * user's name kept sealed for when the session is gone.
 */
#include "gateway/flow/aws/aws.h"
#include "sessions/duelist.h"
#include "sessions/users.h"

#include <apr_strings.h>

#define KG_AWS_DUE_LIST "aws"

/* P awsuser:ID: the sealed name of a session's user. */
static const char *user_name_key(apr_pool_t *pool, const char *id)
{
	return apr_pstrcat(pool, "awsuser:", id, NULL);
}

void kg_aws_track(kg_gateway *gw, apr_pool_t *pool, const kg_log *log,
		  const kg_sess_record *rec, bool first)
{
	long long due = kg_aws_set_due_at(rec->state.sts_credentials);
	kg_err err = {0};
	bool stored;
	kg_rc rc = KG_OK;

	if (gw->conf->aws.credentials_dir == NULL)
		return;
	if (first && due > 0 && rec->user->username)
		rc = kg_sess_name_set(
			gw->store, pool, user_name_key(pool, rec->id),
			rec->user->username,
			kg_sess_record_deadline(rec) > rec->expires_ms
				? kg_sess_record_deadline(rec)
				: rec->expires_ms,
			&stored, &err);
	if (rc == KG_OK)
		rc = kg_sess_due_put(gw->store, pool, KG_AWS_DUE_LIST, rec->id,
				     due, &err);
	if (rc != KG_OK)
		kg_log_emit(log, KG_LOG_WARN, "KG-0728",
			    "aws background refresh: session not tracked: %s",
			    err.msg);
}

kg_rc kg_aws_retrack(kg_gateway *gw, apr_pool_t *pool,
		     const kg_sess_record *rec, kg_err *err)
{
	return kg_sess_due_put(gw->store, pool, KG_AWS_DUE_LIST, rec->id,
			       kg_aws_set_due_at(rec->state.sts_credentials),
			       err);
}

kg_rc kg_aws_untrack(kg_gateway *gw, apr_pool_t *pool, const char *id,
		     kg_err *err)
{
	return kg_sess_due_put(gw->store, pool, KG_AWS_DUE_LIST, id, 0, err);
}

kg_rc kg_aws_tracked_due(kg_gateway *gw, apr_pool_t *pool, long long now_ms,
			 int max, apr_array_header_t **ids, kg_err *err)
{
	return kg_sess_due_get(gw->store, pool, KG_AWS_DUE_LIST, now_ms, max,
			       ids, err);
}

kg_rc kg_aws_tracked_user(kg_gateway *gw, apr_pool_t *pool, const char *id,
			  const char **user, kg_err *err)
{
	kg_err why = {0};
	kg_rc rc = kg_sess_name_get(gw->store, pool, user_name_key(pool, id),
				    user, &why);

	if (rc == KG_ENOTFOUND) {
		*user = NULL;
		return KG_OK;
	}
	return rc == KG_OK ? rc : kg_err_set(err, rc, "%s", why.msg);
}
