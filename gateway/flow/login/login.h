/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the login endpoints (private to flow/). Each handler is a
 * kg_handler: the router hands it the alias its path names.
 */
#ifndef KG_FLOW_LOGIN_LOGIN_H
#define KG_FLOW_LOGIN_LOGIN_H

#include "gateway/flow/core/state.h"

/* PREFIX oidc/ALIAS/login (and a plain PREFIX login with an OIDC login
 * provider): to the provider's authorization endpoint (code flow, PKCE,
 * state, nonce and the alias in the login-state cookie). alias NULL: the
 * first OIDC provider. */
kg_handler kg_login_oidc_start;

/* PREFIX oidc/ALIAS/callback (PREFIX oidc/callback: the first OIDC
 * provider): the state must be one of this provider's logins; the code
 * is redeemed, the ID token verified, and the login finishes (finish.h). */
kg_handler kg_login_oidc_callback;

/* PREFIX login: to provider alias (NULL: KeygateLoginProvider, else the
 * first OIDC provider, else the first SAML provider), by its protocol.
 * 404 no_such_provider when there is none. */
kg_handler kg_login_start;

/* PREFIX saml/ALIAS/metadata: the SP metadata. */
kg_handler kg_login_saml_metadata;

/* PREFIX saml/ALIAS/login (and a plain PREFIX login with alias NULL): a
 * signed AuthnRequest over HTTP-Redirect. */
kg_handler kg_login_saml_start;

/* PREFIX saml/ALIAS/acs: the Response over HTTP-POST, checked, then the
 * login finishes. */
kg_handler kg_login_saml_acs;

/* GET PREFIX login: kc_idp_hint=ALIAS or idp=ALIAS starts that
 * provider's login; email=ADDRESS the provider whose email domains hold
 * it; else with one provider, or a KeygateLoginProvider, the default
 * login; else the sign-in page, one button per provider in order. An
 * unknown hint or domain shows the page with a notice (KG-0444,
 * KG-0445). return_to is kept, guarded, through every step. */
kg_handler kg_login_signin;

/* The text of provider p's sign-in button: its display name, or
 * "Continue with Single Sign On" when that is empty or the alias itself
 * (Domino's rule). Static or conf-owned. */
const char *kg_login_button_text(const kg_conf_provider *p);

/* True when req asks for a fresh authentication: its prompt parameter
 * is exactly "login" (any other value is ignored, never passed on). The
 * OIDC login then sends prompt=login, the SAML one ForceAuthn="true". */
bool kg_login_fresh_auth(const kg_req *req);

/* "&prompt=login" when kg_login_fresh_auth(req), else "": for the links
 * and forms of the sign-in page, so the choice is carried through. */
const char *kg_login_fresh_auth_query(const kg_req *req);

#endif
