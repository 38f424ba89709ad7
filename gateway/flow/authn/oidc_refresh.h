/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OIDC token refresh, a session job (core/jobs.h).
 */
#ifndef KG_FLOW_AUTHN_OIDC_REFRESH_H
#define KG_FLOW_AUTHN_OIDC_REFRESH_H

#include "gateway/flow/core/jobs.h"

/* Within KeygateOIDCRefreshMargin of the access token's expiry, refreshes
 * the session's tokens. A refresh the provider refuses ends the session
 * (KeygateOIDCRefreshFailure logout) or keeps it; a provider that cannot
 * be reached keeps it, and a later request tries again. */
extern const kg_job kg_authn_oidc_refresh_job;

#endif
