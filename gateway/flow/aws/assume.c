/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS credentials at login and their refresh.
 *
 * At login every role is assumed with the same signed Response, one
 * after the other (STS wants it within minutes of issue); one role
 * failing never fails the login or the other roles. A refresh assumes
 * the same role with the role's current keys (role chaining: one hour at
 * most) under the session's "aws" lock, so one gateway does it.
 */
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/aws/file.h"
#include "gateway/base/str.h"

#include <apr_base64.h>
#include <string.h>

#define KG_AWS_RETRY_MS 60000 /* a failed refresh is tried again after */
/* A refresh runs inside a user's request and under a 15 s lock: each call
 * gets at most two attempts of at most 4 s, and no new role is started
 * after 6 s (the rest stay due for a later request), so the job ends
 * before the lock can expire and let another gateway start it again. */
#define KG_AWS_REFRESH_TIMEOUT_S 4
#define KG_AWS_REFRESH_ATTEMPTS 2
#define KG_AWS_REFRESH_BUDGET_MS 6000

kg_sts_opts kg_aws_sts_opts(kg_gateway *gw, const kg_log *log)
{
	const kg_conf_aws *a = &gw->conf->aws;
	kg_sts_opts o = {0};

	o.endpoint = a->endpoint;
	o.region = a->region;
	o.ca_file = a->ca_file;
	o.timeout_s = a->timeout_s;
	o.log = log;
	return o;
}

/* STS's reason for a failure, short and without secrets. */
static const char *failure(apr_pool_t *pool, const kg_sts_outcome *oc,
			   const kg_err *why)
{
	if (oc->code)
		return kg_psprintf(pool, "%s: %.200s", oc->code,
				   oc->message ? oc->message : "");
	return kg_psprintf(pool, "%.200s", why->msg);
}

/* True when role r of user came before index i (a repeated pair). */
static bool repeated(const apr_array_header_t *roles, int i)
{
	const kg_aws_role *r = &APR_ARRAY_IDX(roles, i, kg_aws_role);

	for (int j = 0; j < i; j++) {
		const kg_aws_role *s = &APR_ARRAY_IDX(roles, j, kg_aws_role);
		if (strcmp(s->role, r->role) == 0 &&
		    strcmp(s->principal, r->principal) == 0)
			return true;
	}
	return false;
}

/* The base64 of the Response as received, for STS. */
static const char *response_b64(apr_pool_t *pool, const char *xml)
{
	int len = (int)strlen(xml);
	char *out = apr_palloc(pool, (apr_size_t)apr_base64_encode_len(len));

	apr_base64_encode(out, xml, len);
	return out;
}

const char *kg_aws_at_login(kg_gateway *gw, kg_req *req, const kg_log *log,
			    const kg_user *user, const char *response_xml)
{
	if (!gw->conf->aws.enabled || gw->conf->aws.separate_response)
		return NULL;
	return kg_aws_assume(gw, req, log, user, response_xml);
}

const char *kg_aws_assume(kg_gateway *gw, kg_req *req, const kg_log *log,
			  const kg_user *user, const char *response_xml)
{
	const kg_conf_aws *a = &gw->conf->aws;
	kg_sts_opts opts = kg_aws_sts_opts(gw, log);
	long long duration = user->aws_session_duration > 0
				     ? user->aws_session_duration
				     : a->default_duration_s;
	kg_aws_set *set = kg_aws_set_make(req->pool);
	const char *b64;
	int issued = 0, failed = 0;

	if (response_xml == NULL || user->aws_roles == NULL ||
	    user->aws_roles->nelts == 0)
		return NULL;
	b64 = response_b64(req->pool, response_xml);
	for (int i = 0; i < user->aws_roles->nelts; i++) {
		const kg_aws_role *role =
			&APR_ARRAY_IDX(user->aws_roles, i, kg_aws_role);
		kg_aws_role_creds *r;
		kg_sts_outcome oc;
		kg_err why = {0};
		if (repeated(user->aws_roles, i))
			continue;
		if (set->roles->nelts >= a->max_roles) {
			kg_log_emit(log, KG_LOG_WARN, "KG-0614",
				    "aws: more than %d roles for user=%s; the "
				    "rest are not assumed (KeygateAwsMaxRoles)",
				    a->max_roles, user->username);
			break;
		}
		r = apr_array_push(set->roles);
		memset(r, 0, sizeof(*r));
		r->role_arn = role->role;
		r->principal_arn = role->principal;
		r->ok = kg_sts_assume_role_with_saml(
				req->pool, &opts, role->role, role->principal,
				b64, duration, &r->creds, &oc, &why) == KG_OK;
		if (!r->ok)
			r->error = failure(req->pool, &oc, &why);
		issued += r->ok;
		failed += !r->ok;
	}
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0610",
		    "AUDIT event=%s outcome=%s actor=%s target=%s issued=%d "
		    "failed=%d",
		    "AWS Credentials Issued", failed ? "partial" : "success",
		    user->username, user->username, issued, failed);
	return kg_aws_set_encode(req->pool, set, a->refresh_window_s);
}

static bool aws_due(kg_gateway *gw, const kg_sess_record *rec, long long now_ms)
{
	return gw->conf->aws.enabled &&
	       kg_aws_set_due(rec->state.sts_credentials, now_ms);
}

/* True when role r is due for a refresh at now_ms. */
static bool role_due(const kg_aws_role_creds *r, long long window_s,
		     long long now_ms)
{
	long long exp_ms = r->creds.expiration_s * 1000;

	return r->ok && now_ms < exp_ms && now_ms >= exp_ms - window_s * 1000 &&
	       now_ms >= r->retry_after_ms;
}

/* Refreshes role r of rec's user; logs a failure. */
static void refresh_role(kg_gateway *gw, kg_req *req, const kg_log *log,
			 const kg_sess_record *rec, kg_aws_role_creds *r,
			 long long now_ms)
{
	kg_sts_opts opts = kg_aws_sts_opts(gw, log);
	const char *name = kg_aws_session_name(req->pool, r);

	if (opts.timeout_s > KG_AWS_REFRESH_TIMEOUT_S)
		opts.timeout_s = KG_AWS_REFRESH_TIMEOUT_S;
	opts.max_attempts = KG_AWS_REFRESH_ATTEMPTS;
	kg_sts_creds creds;
	kg_sts_outcome oc;
	kg_err why = {0};

	if (name == NULL)
		name = rec->user->aws_session_name ? rec->user->aws_session_name
						   : rec->user->username;
	if (kg_sts_assume_role(req->pool, &opts, &r->creds.keys, r->role_arn,
			       name, KG_STS_CHAIN_MAX_DURATION, 0, &creds, &oc,
			       &why) == KG_OK) {
		r->creds = creds;
		r->error = NULL;
		r->retry_after_ms = 0;
		return;
	}
	r->error = failure(req->pool, &oc, &why);
	r->retry_after_ms = now_ms + KG_AWS_RETRY_MS;
	kg_log_emit(log, KG_LOG_WARN, "KG-0611",
		    "aws refresh failed user=%s role=%s reason=%s; the "
		    "current keys stay until they expire",
		    rec->user->username, r->role_arn, r->error);
}

static kg_rc aws_run(kg_gateway *gw, kg_req *req, const kg_log *log,
		     kg_sess_record *rec, long long now_ms, bool *changed,
		     kg_err *err)
{
	long long window = gw->conf->aws.refresh_window_s;
	kg_aws_set *set;
	kg_err why = {0};

	*changed = true;
	if (kg_aws_set_decode(req->pool, rec->state.sts_credentials, &set,
			      &why) != KG_OK) {
		kg_log_emit(log, KG_LOG_WARN, "KG-0613",
			    "aws credentials of user=%s dropped: %s",
			    rec->user->username, why.msg);
		rec->state.sts_credentials = NULL;
		return KG_OK;
	}
	for (int i = 0; i < set->roles->nelts; i++) {
		kg_aws_role_creds *r =
			&APR_ARRAY_IDX(set->roles, i, kg_aws_role_creds);
		if (kg_state_now_ms() - now_ms >= KG_AWS_REFRESH_BUDGET_MS)
			break;
		if (role_due(r, window, now_ms))
			refresh_role(gw, req, log, rec, r, now_ms);
	}
	rec->state.sts_credentials = kg_aws_set_encode(req->pool, set, window);
	return KG_OK;
}

/* Once the refreshed record is saved (never for a session that ended
 * meanwhile): the credentials file follows it. */
static void aws_saved(kg_gateway *gw, kg_req *req, const kg_log *log,
		      const kg_sess_record *rec)
{
	kg_aws_write_file(gw, req->pool, log, rec->user->username,
			  rec->state.sts_credentials);
	kg_aws_track(gw, req->pool, log, rec, false);
}

const kg_job kg_aws_refresh_job = {"aws", aws_due, aws_run, aws_saved};
