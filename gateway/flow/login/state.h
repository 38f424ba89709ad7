/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a login (or a SAML logout) in progress, kept in the browser:
 * what keygate must remember until the IdP answers, sealed (AES-256-GCM,
 * bound to the state) in a cookie named after the state, so parallel
 * logins in several tabs do not overwrite each other. Nothing is written
 * to Redis before the IdP answers.
 */
#ifndef KG_FLOW_LOGIN_STATE_H
#define KG_FLOW_LOGIN_STATE_H

#include "gateway/flow/core/state.h"

/* How long a login may take at the IdP (KeygateLoginStateTimeout), in
 * ms: a login state older than this does not open. */
long long kg_login_state_timeout_ms(const kg_gateway *gw);

/* What a pending state is for. */
typedef enum {
	KG_LOGIN_PENDING_OIDC,	      /* an OIDC authorization-code login */
	KG_LOGIN_PENDING_SAML,	      /* a SAML login (an AuthnRequest) */
	KG_LOGIN_PENDING_SAML_LOGOUT, /* a SAML logout keygate started (a
					 LogoutRequest) */
} kg_login_pending_kind;

/* A login or logout in progress. The fields a kind does not use are
 * NULL. */
typedef struct {
	kg_login_pending_kind kind;
	const char *state;	/* random, 256 bits, base64url: the OIDC
				   state or the SAML RelayState, and the
				   cookie's name */
	const char *alias;	/* the IdP's alias (OIDC: NULL in a cookie from
				   before several OIDC providers) */
	const char *request_id; /* SAML: the AuthnRequest's or
				   LogoutRequest's ID, which the answer's
				   InResponseTo must name */
	const char *nonce;	/* OIDC: the ID token's nonce */
	const char *code_verifier; /* OIDC: the PKCE verifier */
	const char *return_to;	   /* the local path to go back to */
	long long created_ms;
} kg_login_pending;

/* The Set-Cookie value that carries pending, in answer to req (whose
 * origin decides Secure), in req's pool. KG_EINVAL when a field its kind
 * needs is missing. */
kg_rc kg_login_state_cookie(kg_gateway *gw, const kg_req *req,
			    const kg_login_pending *pending,
			    const char **set_cookie, kg_err *err);

/* Reads the pending login of state from req's cookies, of whatever kind
 * (the caller checks out->kind, and out->alias for SAML). KG_EINVAL when
 * there is none, it does not open, or it is older than the TTL (as at
 * now_ms). */
kg_rc kg_login_state_read(kg_gateway *gw, const kg_req *req, const char *state,
			  long long now_ms, kg_login_pending *out, kg_err *err);

/* The Set-Cookie value that deletes the cookie of state. */
const char *kg_login_state_clear(kg_gateway *gw, const kg_req *req,
				 const char *state);

#endif
