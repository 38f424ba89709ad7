/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the access gate.
 */
#include "policy/gate.h"
#include "gateway/base/str.h"

#include <apr_strings.h>

bool kg_pol_gate_check(apr_pool_t *pool, const kg_conf_mapping *conf,
		       const kg_user *user, const char **reason)
{
	const apr_array_header_t *have =
		kg_bag_get(user->attributes, conf->attr_gate);

	if (conf->gate_values->nelts == 0)
		return true;
	if (have == NULL || have->nelts == 0) {
		if (conf->gate_missing == KG_GATE_MISSING_ALLOW)
			return true;
		*reason = kg_psprintf(pool,
				      "access gate: the user has no \"%s\" "
				      "attribute",
				      conf->attr_gate);
		return false;
	}
	for (int i = 0; i < conf->gate_values->nelts; i++) {
		if (kg_values_contain(have, APR_ARRAY_IDX(conf->gate_values, i,
							  const char *)))
			return true;
	}
	*reason = kg_psprintf(pool,
			      "access gate: \"%s\" holds none of the allowed "
			      "values",
			      conf->attr_gate);
	return false;
}
