/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the logout endpoints (private to flow/). Each handler is a
 * kg_handler: the router hands it the alias its path names.
 */
#ifndef KG_FLOW_LOGOUT_LOGOUT_H
#define KG_FLOW_LOGOUT_LOGOUT_H

#include "gateway/flow/core/state.h"

/* GET or POST PREFIX logout: ends the session and clears the cookie,
 * then goes to the provider's end_session_endpoint (OIDC sessions, when
 * it has one), to the IdP's SLO service with a signed LogoutRequest (SAML
 * sessions, when it has one), or straight to the local return_to
 * (PREFIX signed-out without one). */
kg_handler kg_logout_local;

/* GET PREFIX signed-out: the signed-out page, with "Sign in again". */
kg_handler kg_logout_signed_out;

/* POST PREFIX oidc/backchannel: OIDC Back-Channel Logout 1.0. */
kg_handler kg_logout_oidc_backchannel;

/* PREFIX saml/ALIAS/slo: an IdP-initiated LogoutRequest (HTTP-Redirect or
 * POST) or the IdP's LogoutResponse to keygate's own request. */
kg_handler kg_logout_saml_slo;

/* Ends a SAML session at its IdP too: when rec came from a SAML provider
 * whose metadata has an SLO service, sets resp to the redirect carrying
 * a signed LogoutRequest (and the cookie that remembers it) and returns
 * true. rec has already been deleted; back is the local page to land on
 * after the IdP answers. */
bool kg_logout_saml_start(kg_gateway *gw, kg_req *req, const kg_log *log,
			  const kg_sess_record *rec, const char *back,
			  kg_resp *resp);

#endif
