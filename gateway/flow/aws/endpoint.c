/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: GET PREFIX aws/credentials: the caller's AWS credentials as
 * the shared credentials file, or ?format=process as credential_process
 * JSON (?profile=NAME picks one; default: [default]). Always
 * Cache-Control: no-store.
 *
 * The caller is the session of its cookie or, for a workload, a bearer
 * token checked like any API call (signature, revocation, gate); the
 * token's user gets the credentials of its most recently used SSO
 * session that has some. Due credentials are refreshed first.
 */
#include "gateway/flow/aws/aws.h"
#include "gateway/flow/authn/authn.h"
#include "gateway/flow/aws/render.h"
#include "gateway/flow/aws/aws.h"
#include "sessions/store.h"

#include <string.h>

/* The most recently used session of user holding usable AWS
 * credentials, or NULL; KG_EBACKEND when Redis is down. */
static kg_rc newest_with_aws(kg_gateway *gw, kg_req *req, const char *user,
			     kg_sess_record **out, kg_err *err)
{
	apr_array_header_t *all;
	kg_rc rc = kg_sess_admin_list(gw->store, req->pool, user,
				      kg_state_now_ms(), &all, err);

	*out = NULL;
	for (int i = 0; rc == KG_OK && i < all->nelts; i++) {
		kg_sess_entry *e = &APR_ARRAY_IDX(all, i, kg_sess_entry);
		kg_aws_set *set;
		kg_err why = {0};
		if (e->rec && e->rec->state.sts_credentials &&
		    kg_aws_set_decode(req->pool, e->rec->state.sts_credentials,
				      &set, &why) == KG_OK &&
		    kg_aws_default_role(set, kg_aws_profiles(req->pool, set),
					NULL, kg_state_now_ms() / 1000) >= 0)
			*out = e->rec; /* least recently used first */
	}
	return rc;
}

/* The caller's session with AWS credentials, refreshed when due. On a
 * refusal resp is the answer and *out is NULL. */
static void find_session(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_resp *resp, kg_sess_record **out)
{
	kg_conf_location *loc = kg_conf_location_make(req->pool);
	kg_caller caller = {0};
	kg_err err = {0};
	bool written = false;
	kg_rc rc = kg_authn_session(gw, req, log, out, &err);

	if (rc == KG_ENOTFOUND && gw->conf->aws.bearer &&
	    kg_req_header(req, "Authorization")) {
		loc->unauth = KG_UNAUTH_401;
		kg_authn_request(gw, loc, req, log, resp, &caller);
		if (resp->action != KG_RESP_CONTINUE)
			return;
		resp->action = KG_RESP_REPLY;
		if (caller.user == NULL) {
			rc = KG_ENOTFOUND;
		} else {
			rc = newest_with_aws(gw, req, caller.user->username,
					     out, &err);
			if (rc == KG_OK && *out)
				rc = kg_job_run(
					gw, req, log, &kg_aws_refresh_job, out,
					kg_state_now_ms(), &written, &err);
		}
	}
	if (rc == KG_OK && *out)
		return;
	*out = NULL;
	if (rc == KG_OK || rc == KG_ENOTFOUND) {
		apr_table_setn(resp->headers, "WWW-Authenticate",
			       "Bearer realm=\"keygate\"");
		kg_resp_fail(resp, KG_EAUTH, "no_session");
		return;
	}
	kg_state_log_outage(gw, log, err.msg);
	kg_resp_fail(resp, rc, "cache_unavailable");
}

void kg_aws_endpoint_credentials(kg_gateway *gw, kg_req *req, const char *alias,
				 const kg_log *log, kg_resp *resp)
{
	const char *format = kg_req_param(req, "format");
	const char *profile = kg_req_param(req, "profile");
	const char *preferred = gw->conf->aws.default_profile;
	long long now_s = kg_state_now_ms() / 1000;
	kg_sess_record *rec = NULL;
	kg_aws_set *set = NULL;
	const char *body = NULL;
	kg_err err = {0};

	apr_table_setn(resp->headers, "Cache-Control", "no-store");
	apr_table_setn(resp->headers, "X-Content-Type-Options", "nosniff");
	if (!gw->conf->aws.enabled) {
		kg_resp_fail(resp, KG_ENOTFOUND, "aws_off");
		return;
	}
	if (format && strcmp(format, "process") != 0 &&
	    strcmp(format, "file") != 0) {
		kg_resp_fail(resp, KG_EINVAL, "bad_format");
		return;
	}
	find_session(gw, req, log, resp, &rec);
	if (rec == NULL)
		return;
	if (rec->state.sts_credentials &&
	    kg_aws_set_decode(req->pool, rec->state.sts_credentials, &set,
			      &err) == KG_OK)
		body = format && strcmp(format, "process") == 0
			       ? kg_aws_render_process(req->pool, set, profile,
						       preferred, now_s)
			       : kg_aws_render_file(req->pool, set, preferred,
						    now_s);
	if (body == NULL) {
		kg_log_emit(log, KG_LOG_INFO, NULL,
			    "aws credentials asked for, none usable user=%s",
			    rec->user->username);
		kg_resp_fail(resp, KG_ENOTFOUND, "no_aws_credentials");
		return;
	}
	kg_resp_reply(resp, 200,
		      format && strcmp(format, "process") == 0
			      ? "application/json"
			      : "text/plain; charset=utf-8",
		      body);
}
