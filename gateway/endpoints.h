/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: helpers the endpoint handlers share (private to gateway/).
 */
#ifndef KG_ENDPOINTS_H
#define KG_ENDPOINTS_H

#include "gateway/gateway_impl.h"

/* The decoded value of query parameter name, or NULL (also when it is
 * malformed). */
const char *kg_endpoint_param(const kg_req *req, const char *name);

/* The request's return_to parameter when it is a local path, else "/"
 * (and a REJECT line in the log). */
const char *kg_endpoint_return_to(const kg_req *req, const kg_log *log);

/* The decoded value of a form field of an
 * application/x-www-form-urlencoded POST body, or NULL. */
const char *kg_endpoint_form_param(const kg_req *req, const char *name);

/* The OIDC endpoints (login_oidc.c, logout_oidc.c). */
void kg_endpoint_login(kg_gateway *gw, kg_req *req, const kg_log *log,
		       kg_resp *resp);
void kg_endpoint_oidc_callback(kg_gateway *gw, kg_req *req,
			       const kg_log *log, kg_resp *resp);
void kg_endpoint_oidc_backchannel(kg_gateway *gw, kg_req *req,
				  const kg_log *log, kg_resp *resp);

/* The SAML endpoints (login_saml.c): PREFIX saml/ALIAS/metadata, login
 * and acs; a plain PREFIX login goes to kg_endpoint_saml_login when
 * kg_endpoint_saml_handles_login says the login provider is SAML. */
void kg_endpoint_saml_metadata(kg_gateway *gw, kg_req *req,
			       const kg_log *log, kg_resp *resp);
void kg_endpoint_saml_login(kg_gateway *gw, kg_req *req, const kg_log *log,
			    kg_resp *resp);
void kg_endpoint_saml_acs(kg_gateway *gw, kg_req *req, const kg_log *log,
			  kg_resp *resp);
bool kg_endpoint_saml_handles_login(kg_gateway *gw, const kg_req *req);

/* GET PREFIX aws/credentials (aws_endpoint.c) and POST PREFIX
 * aws/saml/ALIAS (aws_saml.c). */
void kg_endpoint_aws_credentials(kg_gateway *gw, kg_req *req,
				 const kg_log *log, kg_resp *resp);
void kg_endpoint_aws_saml(kg_gateway *gw, kg_req *req, const kg_log *log,
			  kg_resp *resp);

/* A refused SAML message: one log line "REJECT proto=saml reason=REASON
 * idp=ALIAS DETAIL", then 400 (401 for a signature, 503 when Redis is
 * down). detail must quote no message content. */
void kg_endpoint_saml_refuse(const kg_log *log, kg_resp *resp, kg_rc rc,
			     const char *alias, const char *reason,
			     const char *detail);

/* Keycloak's broker endpoint (KeygateSAMLKeycloakPaths): the ACS for a
 * POSTed SAMLResponse, else the SLO service (login_saml.c). */
void kg_endpoint_saml_broker(kg_gateway *gw, kg_req *req, const kg_log *log,
			     kg_resp *resp);

/* SAML single logout (logout_saml.c): PREFIX saml/ALIAS/slo takes an
 * IdP-initiated LogoutRequest (HTTP-Redirect or POST) or the IdP's
 * LogoutResponse to keygate's own request. */
void kg_endpoint_saml_slo(kg_gateway *gw, kg_req *req, const kg_log *log,
			  kg_resp *resp);

/* Ends a SAML session at its IdP too: when rec came from a SAML provider
 * whose metadata has an SLO service, sets resp to the redirect carrying
 * a signed LogoutRequest (and the cookie that remembers it) and returns
 * true. rec has already been deleted; back is the local page to land on
 * after the IdP answers. */
bool kg_endpoint_saml_logout_start(kg_gateway *gw, kg_req *req,
				   const kg_log *log,
				   const kg_sess_record *rec, const char *back,
				   kg_resp *resp);

/* The tags a SAML session carries for IdP-initiated logout. */
const char *kg_saml_tag_name_id(apr_pool_t *pool, const char *alias,
				const char *name_id);
const char *kg_saml_tag_session(apr_pool_t *pool, const char *alias,
				const char *name_id,
				const char *session_index);

/* The tags an OIDC session carries for back-channel logout. */
const char *kg_oidc_tag_sid(apr_pool_t *pool, const char *issuer,
			    const char *sid);
const char *kg_oidc_tag_sub(apr_pool_t *pool, const char *issuer,
			    const char *sub);

#endif
