/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a session's AWS credentials in the forms workloads read: the
 * shared credentials file, credential_process JSON, and the status that
 * /keygate/session shows (private to gateway/).
 */
#ifndef KG_FLOW_AWS_RENDER_H
#define KG_FLOW_AWS_RENDER_H

#include "gateway/flow/aws/set.h"
#include "gateway/base/str.h"

/* The profile name of each role of set, in the same order (an array of
 * const char *, in pool): the role's name from its ARN, with any byte
 * outside [A-Za-z0-9_.@+-] made '-'; "NAME-ACCOUNT" when roles of two
 * accounts share a name; a "-2", "-3" suffix for what still repeats. */
apr_array_header_t *kg_aws_profiles(apr_pool_t *pool, const kg_aws_set *set);

/* The index of the role whose credentials [default] gets: the role of
 * profile preferred when it is usable, else the first usable role; -1
 * when none is. Usable: keys that are still valid at now_s. */
int kg_aws_default_role(const kg_aws_set *set, const apr_array_header_t *names,
			const char *preferred, long long now_s);

/* The AWS shared credentials file: [default], then one profile per
 * usable role. NULL when no role is usable. In pool. */
const char *kg_aws_render_file(apr_pool_t *pool, const kg_aws_set *set,
			       const char *preferred, long long now_s);

/* The credential_process JSON (Version 1, with Expiration) of profile
 * ("default" or NULL: the [default] one), or NULL when it names no
 * usable role. In pool. */
const char *kg_aws_render_process(apr_pool_t *pool, const kg_aws_set *set,
				  const char *profile, const char *preferred,
				  long long now_s);

/* Appends a JSON array saying, per role, its profile, ARN, status ("ok",
 * "expired", "failed"), expiry and last error; never a key. */
void kg_aws_render_status(kg_buf *b, const kg_aws_set *set, long long now_s);

#endif
