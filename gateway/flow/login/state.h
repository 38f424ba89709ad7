/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a login in progress, kept in the browser: the OIDC state,
 * nonce, PKCE verifier and return path, sealed (AES-256-GCM, bound to the
 * state) in a cookie named after the state, so parallel logins in
 * several tabs do not overwrite each other. Nothing is written to Redis
 * before the IdP answers.
 */
#ifndef KG_FLOW_LOGIN_STATE_H
#define KG_FLOW_LOGIN_STATE_H

#include "gateway/flow/core/state.h"
#include "gateway/proto/oidc/oidc.h"

/* How long a login may take at the IdP. */
#define KG_LOGIN_STATE_TTL_S 600

/* The Set-Cookie value that carries pending, in answer to req (whose
 * origin decides Secure), in req's pool. */
kg_rc kg_login_state_cookie(kg_gateway *gw, const kg_req *req,
			    const kg_oidc_pending *pending,
			    const char **set_cookie, kg_err *err);

/* Reads the pending login of state from req's cookies. KG_EINVAL when
 * there is none, it does not open, or it is older than the TTL (as at
 * now_ms). */
kg_rc kg_login_state_read(kg_gateway *gw, const kg_req *req,
			  const char *state, long long now_ms,
			  kg_oidc_pending *out, kg_err *err);

/* The Set-Cookie value that deletes the cookie of state. */
const char *kg_login_state_clear(kg_gateway *gw, const kg_req *req,
				 const char *state);

#endif
