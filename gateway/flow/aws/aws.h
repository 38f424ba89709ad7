/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS credential propagation in the flow (private to flow/):
 * STS at login for every role the mappers granted, the refresh job that
 * keeps them fresh (AssumeRole on the same role with the current
 * credentials), and the endpoints that hand them out.
 *
 * Log lines (never a key, secret, token or assertion):
 *   KG-0610 notice  AUDIT aws credentials: roles issued and failed
 *   KG-0611 warning a role's refresh failed; the old keys stay
 *   KG-0612 warning the credentials file was not written
 *   KG-0613 warning the stored credentials did not read
 *   KG-0614 warning more roles than KeygateAwsMaxRoles; the rest are skipped
 *   KG-0728 warning the background refresh could not read or write Redis
 *   KG-0729 notice  a credentials file removed: its session ended
 */
#ifndef KG_FLOW_AWS_AWS_H
#define KG_FLOW_AWS_AWS_H

#include "gateway/flow/aws/set.h"
#include "gateway/flow/core/state.h"
#include "gateway/flow/core/jobs.h"

/* Assumes each AWS role of user (at most KeygateAwsMaxRoles, duplicates
 * dropped) with the signed Response response_xml, as received. Returns
 * the stored form for the session record (one entry per role, failed
 * roles with their reason), or NULL when user has no role. Logs one
 * audit line; never fails. */
const char *kg_aws_assume(kg_gateway *gw, kg_req *req, const kg_log *log,
			  const kg_user *user, const char *response_xml);

/* kg_aws_assume at login, when the feature is on and the login Response
 * is the one for STS (KeygateAwsSAMLResponse login); else NULL. */
const char *kg_aws_at_login(kg_gateway *gw, kg_req *req, const kg_log *log,
			    const kg_user *user, const char *response_xml);

/* The job that refreshes a session's due AWS credentials (see
 * kg_job_run). A failed refresh keeps the old keys until
 * they expire and is retried a minute later. */
extern const kg_job kg_aws_refresh_job;

/* Puts rec in the background refresh's due list at its next due time
 * (none: out of it), and with first (a new session) keeps its user's
 * name for when it is gone (background.c). Only with
 * KeygateAwsCredentialsDir; failures are logged. */
void kg_aws_track(kg_gateway *gw, apr_pool_t *pool, const kg_log *log,
		  const kg_sess_record *rec, bool first);

/* Puts rec back in the due list at the time its credentials say. */
kg_rc kg_aws_retrack(kg_gateway *gw, apr_pool_t *pool,
		     const kg_sess_record *rec, kg_err *err);

/* Takes session id out of the due list. */
kg_rc kg_aws_untrack(kg_gateway *gw, apr_pool_t *pool, const char *id,
		     kg_err *err);

/* The tracked sessions due at now_ms, at most max (const char * ids in
 * pool). */
kg_rc kg_aws_tracked_due(kg_gateway *gw, apr_pool_t *pool, long long now_ms,
			 int max, apr_array_header_t **ids, kg_err *err);

/* The user of tracked session id (*user NULL when it is not known). */
kg_rc kg_aws_tracked_user(kg_gateway *gw, apr_pool_t *pool, const char *id,
			  const char **user, kg_err *err);

/* Starts the process's background refresh of credentials files (with
 * KeygateAwsCredentials On and KeygateAwsCredentialsDir set; else does
 * nothing). It stops, and its thread is joined, when pool is cleared. */
kg_rc kg_aws_background_start(kg_gateway *gw, apr_pool_t *pool, kg_err *err);

/* The STS call options from the settings. */
kg_sts_opts kg_aws_sts_opts(kg_gateway *gw, const kg_log *log);

/* GET PREFIX aws/credentials (endpoint.c): the caller's credentials file
 * or credential_process JSON, for a session cookie or a bearer token. */
void kg_aws_endpoint_credentials(kg_gateway *gw, kg_req *req, const char *alias,
				 const kg_log *log, kg_resp *resp);

/* POST PREFIX aws/saml/ALIAS (saml.c): the IdP's AWS application posts
 * its own Response for a user already signed in. */
void kg_aws_endpoint_saml(kg_gateway *gw, kg_req *req, const char *alias,
			  const kg_log *log, kg_resp *resp);

#endif
