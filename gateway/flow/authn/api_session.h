/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: API sessions: when an API-flow session limit is configured
 * (KeygateSessionLimit api ...), each bearer token counts as one session
 * of its user, made on the token's first use and ending when the token
 * expires, so the user and realm limits hold for API clients too. A token
 * whose session a limit ended (terminate-oldest) or an admin killed is
 * refused from then on. Private to gateway/.
 */
#ifndef KG_FLOW_AUTHN_API_SESSION_H
#define KG_FLOW_AUTHN_API_SESSION_H

#include "gateway/flow/core/state.h"

/* True when the API flow has a limit, so bearer tokens hold sessions. */
bool kg_api_sessions_on(const kg_gateway *gw);

/* Finds or makes the session of a verified token (digest, exp) for user.
 * KG_OK: it lives; KG_EDENIED: a limit refused a new one (*message is
 * why); KG_EAUTH: the token's session was ended; KG_EBACKEND: Redis. */
kg_rc kg_api_session(kg_gateway *gw, kg_req *req, const kg_log *log,
		     const kg_oidc_bearer_token *jwt, kg_user *user,
		     const char **message, kg_err *err);

#endif
