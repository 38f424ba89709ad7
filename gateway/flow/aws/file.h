/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the optional credentials-file writer (KeygateAwsCredentialsDir),
 * private to flow/.
 */
#ifndef KG_FLOW_AWS_FILE_H
#define KG_FLOW_AWS_FILE_H

#include "gateway/flow/core/state.h"

/* Writes username's credentials file under KeygateAwsCredentialsDir
 * (when set) from the stored form: DIR/USERNAME/.aws/credentials, mode
 * 0600, atomically. Failures are logged. */
void kg_aws_write_file(kg_gateway *gw, apr_pool_t *pool, const kg_log *log,
		       const char *username, const char *stored);

/* Removes username's credentials file (at logout: the keys it holds
 * must not outlive the session that got them). */
void kg_aws_remove_file(kg_gateway *gw, apr_pool_t *pool, const char *username);

/* The same with the settings alone, for callers without a gateway (the
 * keygate CLI). */
void kg_aws_remove_user_file(const kg_conf_aws *a, apr_pool_t *pool,
			     const char *username);

/* Removes username's credentials file unless a live session of theirs
 * still holds AWS credentials (that session's refresh keeps the file):
 * for a session that ended some other way than its user's logout. */
void kg_aws_release_user_file(kg_sess_store *store, const kg_conf_aws *a,
			      apr_pool_t *pool, const char *username);

#endif
