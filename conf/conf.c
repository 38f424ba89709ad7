/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the settings and their cross-directive checks.
 */
#include "conf/conf.h"
#include "conf/checks.h"

#include <apr_strings.h>
#include <string.h>

kg_conf *kg_conf_make(apr_pool_t *pool)
{
	kg_conf *conf = apr_pcalloc(pool, sizeof(*conf));

	kg_conf_gateway_defaults(pool, &conf->gateway);
	kg_conf_mapping_defaults(pool, &conf->mapping);
	kg_conf_sessions_defaults(pool, &conf->sessions);
	kg_conf_oidc_defaults(pool, &conf->oidc);
	kg_conf_saml_defaults(pool, &conf->saml);
	kg_conf_aws_defaults(&conf->aws);
	kg_conf_pages_defaults(pool, &conf->pages);
	kg_conf_providers_defaults(pool, &conf->providers);
	conf->where = apr_hash_make(pool);
	conf->required = apr_array_make(pool, 2, sizeof(kg_conf_required));
	return conf;
}

/* The newest key signs: it cannot retire. */
static kg_rc app_keys_finish(const kg_conf_gateway *g, kg_err *err)
{
	const apr_array_header_t *keys = g->app_jwt_keys;

	if (keys->nelts > 0 &&
	    APR_ARRAY_IDX(keys, keys->nelts - 1, kg_conf_app_key).retire_s)
		return kg_err_set(err, KG_ECONFIG,
				  "the last KeygateAppJWTKey signs the app "
				  "tokens: it cannot have until=");
	if (g->app_jwt_cert && keys->nelts == 0)
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateAppJWTCert needs KeygateAppJWTKey");
	return KG_OK;
}

/* A KeygateLoginProvider must name a provider: KG_ECONFIG at its
 * line. */
static kg_rc check_login_provider(const kg_conf *c, kg_err *err)
{
	const char *login = c->gateway.login_alias;

	if (login && kg_conf_provider_find(c, login) == NULL)
		return kg_conf_fail(
			c, err, "KeygateLoginProvider",
			"KeygateLoginProvider \"%s\" names no "
			"KeygateSAMLProvider or KeygateOIDCProvider",
			login);
	return KG_OK;
}

kg_rc kg_conf_finish(kg_conf *conf, kg_err *err)
{
	const kg_conf_mapping *m = &conf->mapping;
	kg_rc rc = kg_conf_oidc_finish(&conf->oidc, err);

	const char *what, *msg;

	if (rc != KG_OK) /* the message names the directive already */
		return kg_conf_locate(conf, err, "KeygateBearerClients", rc);
	if ((rc = check_login_provider(conf, err)) != KG_OK)
		return rc;
	if ((msg = kg_conf_sessions_check(&conf->sessions, &what)) != NULL)
		return kg_conf_fail(conf, err, what, "%s %s", what, msg);
	if (m->default_role && !kg_conf_mapping_has_role(m, m->default_role))
		return kg_conf_fail(conf, err, "KeygateDefaultRole",
				    "KeygateDefaultRole \"%s\" is not one of "
				    "KeygateRoles",
				    m->default_role);
	if (conf->aws.enabled && conf->aws.region == NULL)
		return kg_conf_fail(conf, err, "KeygateAwsCredentials",
				    "KeygateAwsCredentials On needs "
				    "KeygateAwsRegion");
	if (conf->aws.enabled && conf->saml.idps->nelts == 0)
		return kg_conf_fail(conf, err, "KeygateAwsCredentials",
				    "KeygateAwsCredentials On needs a "
				    "KeygateSAMLProvider (STS takes a SAML "
				    "Response)");
	/* one realm: KeygateSAMLKeycloakPaths names KeygateRealm's */
	if (conf->saml.keycloak_realm && conf->gateway.realm_set &&
	    (conf->gateway.realm == NULL ||
	     strcmp(conf->saml.keycloak_realm, conf->gateway.realm) != 0))
		return kg_conf_fail(conf, err, "KeygateSAMLKeycloakPaths",
				    "KeygateSAMLKeycloakPaths %s is not "
				    "KeygateRealm %s",
				    conf->saml.keycloak_realm,
				    conf->gateway.realm ? conf->gateway.realm
							: "Off");
	if (conf->saml.keycloak_realm)
		conf->gateway.realm = conf->saml.keycloak_realm;
	if ((rc = app_keys_finish(&conf->gateway, err)) != KG_OK)
		return kg_conf_locate(conf, err, "KeygateAppJWTKey", rc);
	if ((rc = kg_conf_checks(conf, err)) != KG_OK)
		return rc;
	conf->saml.aws_shared_response =
		conf->aws.enabled && !conf->aws.separate_response;
	return KG_OK;
}

/* Which endpoint path is under the realm root (n bytes, no trailing
 * '/'), or NONE. */
static kg_realm_endpoint realm_rest(const kg_conf *conf, const char *path,
				    const char *root, size_t n)
{
	static const char oidc[] = "/protocol/openid-connect/";
	bool keys = conf->gateway.app_jwt_key != NULL;
	const char *rest;

	if (n == 0 || strncmp(path, root, n) != 0)
		return KG_REALM_EP_NONE;
	rest = path + n;
	if (rest[0] == '\0' || strcmp(rest, "/") == 0)
		return keys ? KG_REALM_EP_INFO : KG_REALM_EP_NONE;
	if (strcmp(rest, "/.well-known/openid-configuration") == 0)
		return keys ? KG_REALM_EP_DISCOVERY : KG_REALM_EP_NONE;
	if (strncmp(rest, oidc, sizeof(oidc) - 1) != 0)
		return KG_REALM_EP_NONE;
	rest += sizeof(oidc) - 1;
	if (strcmp(rest, "certs") == 0)
		return keys ? KG_REALM_EP_CERTS : KG_REALM_EP_NONE;
	if (strcmp(rest, "logout") == 0)
		return KG_REALM_EP_LOGOUT;
	if (strcmp(rest, "auth") == 0)
		return KG_REALM_EP_AUTH;
	return KG_REALM_EP_NONE;
}

kg_realm_endpoint kg_conf_realm_endpoint(const kg_conf *conf, const char *path)
{
	const char *iss = conf->gateway.app_jwt_issuer;
	const char *realm = conf->gateway.realm, *own;
	kg_realm_endpoint ep = KG_REALM_EP_NONE;

	if (path == NULL)
		return KG_REALM_EP_NONE;
	/* /auth/realms/REALM of KeygateRealm */
	if (realm && strncmp(path, "/auth/realms/", 13) == 0)
		ep = realm_rest(conf, path + 13, realm, strlen(realm));
	/* the path of the app tokens' issuer */
	if (ep == KG_REALM_EP_NONE && iss &&
	    (own = strstr(iss, "://")) != NULL &&
	    (own = strchr(own + 3, '/')) != NULL && !strpbrk(own, "?#")) {
		size_t n = strlen(own);
		ep = realm_rest(conf, path, own, own[n - 1] == '/' ? n - 1 : n);
	}
	return ep;
}
