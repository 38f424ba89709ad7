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
	conf->where = apr_hash_make(pool);
	conf->required = apr_array_make(pool, 2, sizeof(kg_conf_required));
	return conf;
}

kg_rc kg_conf_finish(kg_conf *conf, kg_err *err)
{
	const kg_conf_mapping *m = &conf->mapping;
	kg_rc rc = kg_conf_oidc_finish(&conf->oidc, err);

	if (rc != KG_OK) /* the message names the directive already */
		return kg_conf_locate(conf, err, "KeygateBearerClients", rc);
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
	if ((rc = kg_conf_checks(conf, err)) != KG_OK)
		return rc;
	conf->saml.aws_shared_response =
		conf->aws.enabled && !conf->aws.separate_response;
	return KG_OK;
}

/* When path is realm (n bytes, no trailing '/') + "/protocol/openid-
 * connect/" + a name, that name; else NULL. */
static const char *realm_rest(const char *path, const char *realm, size_t n)
{
	static const char oidc[] = "/protocol/openid-connect/";

	if (n == 0 || strncmp(path, realm, n) != 0 ||
	    strncmp(path + n, oidc, sizeof(oidc) - 1) != 0)
		return NULL;
	return path + n + sizeof(oidc) - 1;
}

kg_realm_endpoint kg_conf_realm_endpoint(const kg_conf *conf, const char *path)
{
	const char *iss = conf->gateway.app_jwt_issuer;
	const char *realm = conf->saml.keycloak_realm, *rest = NULL, *own;

	if (path == NULL)
		return KG_REALM_EP_NONE;
	/* /auth/realms/REALM of KeygateSAMLKeycloakPaths */
	if (realm && strncmp(path, "/auth/realms/", 13) == 0)
		rest = realm_rest(path + 13, realm, strlen(realm));
	/* the path of the app tokens' issuer */
	if (rest == NULL && iss && (own = strstr(iss, "://")) != NULL &&
	    (own = strchr(own + 3, '/')) != NULL && !strpbrk(own, "?#")) {
		size_t n = strlen(own);
		rest = realm_rest(path, own, own[n - 1] == '/' ? n - 1 : n);
	}
	if (rest == NULL)
		return KG_REALM_EP_NONE;
	if (strcmp(rest, "certs") == 0)
		return conf->gateway.app_jwt_key ? KG_REALM_EP_CERTS
						 : KG_REALM_EP_NONE;
	if (strcmp(rest, "logout") == 0)
		return KG_REALM_EP_LOGOUT;
	return KG_REALM_EP_NONE;
}
