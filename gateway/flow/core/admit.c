/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: from a verified login to a Domino user and a yes/no.
 */
#include "gateway/flow/core/admit.h"
#include "policy/gate.h"

kg_rc kg_admit_map(apr_pool_t *pool, const kg_mapper_set *set,
		   const kg_conf_mapping *conf, const char *alias,
		   const kg_map_input *in, const kg_user *stored,
		   kg_admit_outcome *out, kg_err *err)
{
	kg_map_result res;
	const char *reason = NULL;
	kg_rc rc;

	rc = kg_map_apply(pool, set, conf, alias, in, stored, &res, err);
	if (rc != KG_OK)
		return rc;
	out->user = res.user;
	out->first_login = res.first_login;
	out->broker_id = res.broker_id;
	out->warnings = res.warnings;
	out->deny_reason = NULL;
	out->deny_token = NULL;
	out->deny_message = NULL;
	out->username_note = res.username_note;
	if (res.failure) {
		out->allowed = false;
		out->deny_reason = res.failure;
		out->deny_token =
			res.failure_token ? res.failure_token : "mapping";
		return KG_OK;
	}
	kg_map_domino(pool, conf, &res);
	out->allowed = kg_pol_gate_check(pool, conf, res.user, &reason);
	if (!out->allowed) {
		out->deny_reason = reason;
		out->deny_token = "access_gate";
		out->deny_message = conf->gate_message;
	}
	return KG_OK;
}
