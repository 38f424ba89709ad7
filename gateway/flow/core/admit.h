/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: from a verified login to a Domino user and a yes/no: the
 * mappers, the Domino interpretation, then the access gate.
 *
 * The gateway's ACS and OIDC callback and the `keygate map` dry run all
 * call this, so what an admin sees in the dry run is what a login does.
 */
#ifndef KG_FLOW_CORE_ADMIT_H
#define KG_FLOW_CORE_ADMIT_H

#include "mappers/map.h"

typedef struct {
	kg_user *user;
	bool first_login;
	const char *broker_id; /* the federated identity's id, or NULL */
	bool allowed;
	const char *deny_reason;   /* for the admin and the log, or NULL */
	const char *deny_token;	   /* its reason token: username_space,
				      username_control, username_case, mapping
				      or access_gate; NULL when allowed */
	const char *username_note; /* a token's username was trimmed or
				      lower-cased (settings allowed it): how */
	const char *deny_message;  /* what the user is shown, or NULL */
	apr_array_header_t *warnings;
} kg_admit_outcome;

/* Maps one login for alias and decides whether it may go on. A failed
 * mapping (e.g. an unresolved username template) or a closed gate is
 * KG_OK with allowed false; KG_EINVAL only when the input cannot be mapped
 * at all. */
kg_rc kg_admit_map(apr_pool_t *pool, const kg_mapper_set *set,
		   const kg_conf_mapping *conf, const char *alias,
		   const kg_map_input *in, const kg_user *stored,
		   kg_admit_outcome *out, kg_err *err);

#endif
