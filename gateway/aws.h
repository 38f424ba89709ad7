/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: AWS credential propagation in the gateway (private to
 * gateway/): STS at login for every role the mappers granted, the
 * refresh job that keeps them fresh (AssumeRole on the same role with the
 * current credentials), and the optional credentials-file writer.
 *
 * Log lines (never a key, secret, token or assertion):
 *   KG-0610 notice  AUDIT aws credentials: roles issued and failed
 *   KG-0611 warning a role's refresh failed; the old keys stay
 *   KG-0612 warning the credentials file was not written
 *   KG-0613 warning the stored credentials did not read
 */
#ifndef KG_AWS_H
#define KG_AWS_H

#include "gateway/aws_set.h"
#include "gateway/gateway_impl.h"
#include "gateway/refresh.h"

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
 * kg_gateway_session_job). A failed refresh keeps the old keys until
 * they expire and is retried a minute later. */
extern const kg_session_job kg_aws_refresh_job;

/* Writes username's credentials file under KeygateAwsCredentialsDir
 * (when set) from the stored form: DIR/USERNAME/.aws/credentials, mode
 * 0600, atomically. Failures are logged. */
void kg_aws_write_file(kg_gateway *gw, apr_pool_t *pool, const kg_log *log,
		       const char *username, const char *stored);

/* Removes username's credentials file (at logout: the keys it holds
 * must not outlive the session that got them). */
void kg_aws_remove_file(kg_gateway *gw, apr_pool_t *pool,
			const char *username);

/* The STS call options from the settings. */
kg_sts_opts kg_aws_sts_opts(kg_gateway *gw, const kg_log *log);

#endif
