/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the URLs of the SAML service provider of each alias, and which
 * SAML endpoint a request path names.
 *
 * By default the endpoints live under the prefix:
 *   PREFIX saml/ALIAS/metadata, login, acs, slo
 * With KeygateSAMLKeycloakPaths REALM they also answer at Keycloak's
 * broker paths, which then are the SP's published URLs:
 *   /auth/realms/REALM/broker/ALIAS/endpoint             (ACS and SLO)
 *   /auth/realms/REALM/broker/ALIAS/endpoint/descriptor  (metadata)
 * and the default entity ID is Keycloak's: BASE_URL/auth/realms/REALM.
 *
 * Pure functions of the settings: no I/O.
 */
#ifndef KG_CONF_SAML_URLS_H
#define KG_CONF_SAML_URLS_H

#include "conf/conf.h"

/* The published URLs of one alias's service provider. */
typedef struct {
	const char *entity_id;
	const char *metadata; /* where the SP metadata is served */
	const char *acs;      /* AssertionConsumerService (HTTP-POST) */
	const char *slo;      /* SingleLogoutService (Redirect and POST) */
} kg_conf_saml_urls;

/* Fills *out for alias (strings in pool). Without KeygateBaseURL the
 * URLs are paths, which the SP puts after each request's origin (and the
 * entity ID must then be configured: kg_gateway_check makes sure). */
void kg_conf_saml_urls_for(apr_pool_t *pool, const kg_conf *conf,
			   const char *alias, kg_conf_saml_urls *out);

/* What a path names. */
typedef enum {
	KG_SAML_EP_NONE = 0,
	KG_SAML_EP_METADATA,
	KG_SAML_EP_LOGIN,
	KG_SAML_EP_ACS,
	KG_SAML_EP_SLO,
	KG_SAML_EP_BROKER /* Keycloak's broker endpoint: ACS or SLO by the
			     message it carries */
} kg_saml_endpoint;

/* The SAML endpoint path names (a path without its query), and in
 * *alias the alias it names (in pool), or KG_SAML_EP_NONE. The alias is
 * not checked against the configured providers. */
kg_saml_endpoint kg_conf_saml_route(apr_pool_t *pool, const kg_conf *conf,
				    const char *path, const char **alias);

/* True when path lies under Keycloak's broker paths of the configured
 * realm (so the binding hands it to keygate). */
bool kg_conf_saml_is_broker_path(const kg_conf *conf, const char *path);

#endif
