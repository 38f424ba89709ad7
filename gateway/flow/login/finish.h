/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the end of every login, whatever the protocol: the mappers
 * (with the stored user, so sync modes apply), the access gate, the
 * session-count limit, the session, and the redirect home.
 */
#ifndef KG_FLOW_LOGIN_FINISH_H
#define KG_FLOW_LOGIN_FINISH_H

#include "gateway/flow/core/state.h"
#include "gateway/flow/core/admit.h"

/* A verified login, as the protocol endpoint hands it over. */
typedef struct {
	const char *alias;     /* the identity provider */
	const char *protocol;  /* "oidc" or "saml" */
	kg_map_input input;    /* verified claims or assertion */
	kg_sess_state state;   /* tokens, NameID, ... for the session */
	const char *return_to; /* local path (already checked) */
	long long cap_ms;      /* an IdP cap on the session, or 0 */
	bool browser;	       /* the gateway started this login in the
				  browser (not IdP-initiated): the browser
				  flow's limits apply too */
	const char *tags[3];   /* what a protocol logout may name the
				  session by (sid, sub, ...); NULL-ended */
} kg_login_done;

/* Finishes a login into resp: a 302 with the session cookie, a 403 page
 * (the gate or a session limit said no, with the configured message), or
 * a failure (503 when Redis is down). Every outcome is one audit line. */
void kg_login_finish(kg_gateway *gw, kg_req *req, const kg_log *log,
		     const kg_login_done *done, kg_resp *resp);

#endif
