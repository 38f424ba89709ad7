/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the access gate: may this mapped user use Domino at all?
 *
 * The gate reads one user attribute (accessforDomino by default), which
 * must hold one of the configured values. With no values configured the
 * gate is off. A missing or empty attribute allows or denies as
 * configured (Domino's sample script allows; keygate denies by default).
 * Pure: a decision from data.
 */
#ifndef KG_POLICY_GATE_H
#define KG_POLICY_GATE_H

#include "conf/mapping.h"
#include "gateway/base/user.h"

/* True when user may pass. On false, *reason (allocated in pool) says why
 * for the log and the admin; the user is shown conf->gate_message. */
bool kg_pol_gate_check(apr_pool_t *pool, const kg_conf_mapping *conf,
		       const kg_user *user, const char **reason);

#endif
