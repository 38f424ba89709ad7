/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a session's AWS credentials, one entry per role, and the form
 * they take inside the (sealed) session record (private to gateway/).
 *
 * The stored form is "1 DUE_MS\n" and a JSON object: DUE_MS is when the
 * next refresh is due (0: never), so the per-request check reads one
 * number and parses no JSON. The record is sealed at rest; nothing here
 * is ever logged.
 */
#ifndef KG_FLOW_AWS_SET_H
#define KG_FLOW_AWS_SET_H

#include "gateway/base/err.h"
#include "gateway/proto/aws/sts.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

typedef struct {
	const char *role_arn;
	const char *principal_arn;
	bool ok;		  /* creds hold keys STS issued */
	const char *error;	  /* why the role failed, or why its last
				     refresh failed; nothing secret */
	kg_sts_creds creds;	  /* when ok */
	long long retry_after_ms; /* a failed refresh waits until then */
} kg_aws_role_creds;

typedef struct {
	apr_array_header_t *roles; /* kg_aws_role_creds, in the IdP's order */
} kg_aws_set;

/* An empty set, in pool. */
kg_aws_set *kg_aws_set_make(apr_pool_t *pool);

/* When set needs its next refresh: the earliest, over roles that hold
 * unexpired keys, of (expiry - window_s) and retry_after_ms; 0 when none
 * will. */
long long kg_aws_set_due_ms(const kg_aws_set *set, long long window_s);

/* The stored form of set, in pool. */
const char *kg_aws_set_encode(apr_pool_t *pool, const kg_aws_set *set,
			      long long window_s);

/* Reads a stored form into a new set in pool. KG_EINVAL when it is not
 * one. */
kg_rc kg_aws_set_decode(apr_pool_t *pool, const char *text, kg_aws_set **out,
			kg_err *err);

/* When the stored form text says the next refresh is due (ms since the
 * epoch; 0: never, also for NULL or malformed text). Reads only the
 * leading number. */
long long kg_aws_set_due_at(const char *text);

/* True when the stored form text says a refresh is due at now_ms (NULL
 * text: never). Reads only the leading number. */
bool kg_aws_set_due(const char *text, long long now_ms);

/* The session name STS gave role r: the last part of its assumed-role
 * ARN, or NULL. In pool. */
const char *kg_aws_session_name(apr_pool_t *pool, const kg_aws_role_creds *r);

#endif
