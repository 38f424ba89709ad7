/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the login endpoints (private to flow/). Each handler is a
 * kg_handler: the router hands it the alias its path names.
 */
#ifndef KG_FLOW_LOGIN_LOGIN_H
#define KG_FLOW_LOGIN_LOGIN_H

#include "gateway/flow/core/state.h"

/* GET PREFIX login with an OIDC provider: to its authorization endpoint
 * (code flow, PKCE, state and nonce in the login-state cookie). */
void kg_login_oidc_start(kg_gateway *gw, kg_req *req, const kg_log *log,
			 kg_resp *resp);

/* PREFIX oidc/callback: the code is redeemed, the ID token verified, and
 * the login finishes (finish.h). */
kg_handler kg_login_oidc_callback;

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

/* True when a plain PREFIX login goes to a SAML provider (the login
 * provider is one, or there is no OIDC login). */
bool kg_login_saml_handles(kg_gateway *gw);

#endif
