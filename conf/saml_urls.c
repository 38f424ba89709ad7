/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML service provider's URLs, and routing paths to them.
 */
#include "conf/saml_urls.h"

#include <apr_strings.h>
#include <string.h>

/* "/auth/realms/REALM/broker/", in pool. */
static const char *broker_root(apr_pool_t *pool, const char *realm)
{
	return apr_pstrcat(pool, "/auth/realms/", realm, "/broker/", NULL);
}

void kg_conf_saml_urls_for(apr_pool_t *pool, const kg_conf *conf,
			   const char *alias, kg_conf_saml_urls *out)
{
	/* no KeygateBaseURL: paths, put after each request's origin */
	const char *base = conf->gateway.base_url ? conf->gateway.base_url : "";
	const char *realm = conf->saml.keycloak_realm;
	const char *ours = apr_pstrcat(pool, base, conf->gateway.prefix,
				       "saml/", alias, "/", NULL);

	if (realm) {
		const char *endpoint =
			apr_pstrcat(pool, base, broker_root(pool, realm), alias,
				    "/endpoint", NULL);
		out->acs = out->slo = endpoint;
		out->metadata =
			apr_pstrcat(pool, endpoint, "/descriptor", NULL);
		out->entity_id =
			apr_pstrcat(pool, base, "/auth/realms/", realm, NULL);
	} else {
		out->acs = apr_pstrcat(pool, ours, "acs", NULL);
		out->slo = apr_pstrcat(pool, ours, "slo", NULL);
		out->metadata = apr_pstrcat(pool, ours, "metadata", NULL);
		out->entity_id = out->metadata;
	}
	if (conf->saml.entity_id)
		out->entity_id = conf->saml.entity_id;
}

/* The first path segment of p (up to '/' or the end), its length in
 * *len; p advances past it and its '/'. NULL when empty. */
static const char *segment(const char **p, size_t *len)
{
	const char *s = *p;

	*len = strcspn(s, "/");
	if (*len == 0)
		return NULL;
	*p = s + *len + (s[*len] == '/');
	return s;
}

bool kg_conf_saml_is_broker_path(const kg_conf *conf, const char *path)
{
	const char *realm = conf->saml.keycloak_realm;
	size_t rlen;

	if (realm == NULL || strncmp(path, "/auth/realms/", 13) != 0)
		return false;
	rlen = strlen(realm);
	return strncmp(path + 13, realm, rlen) == 0 &&
	       strncmp(path + 13 + rlen, "/broker/", 8) == 0;
}

/* PREFIX saml/ALIAS/NAME */
static kg_saml_endpoint route_ours(apr_pool_t *pool, const char *rest,
				   const char **alias)
{
	static const struct {
		const char *name;
		kg_saml_endpoint ep;
	} names[] = {
		{"metadata", KG_SAML_EP_METADATA},
		{"login", KG_SAML_EP_LOGIN},
		{"acs", KG_SAML_EP_ACS},
		{"slo", KG_SAML_EP_SLO},
	};
	const char *a;
	size_t len;

	if (strncmp(rest, "saml/", 5) != 0)
		return KG_SAML_EP_NONE;
	rest += 5;
	if ((a = segment(&rest, &len)) == NULL)
		return KG_SAML_EP_NONE;
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		if (strcmp(rest, names[i].name) == 0) {
			*alias = apr_pstrmemdup(pool, a, len);
			return names[i].ep;
		}
	}
	return KG_SAML_EP_NONE;
}

kg_saml_endpoint kg_conf_saml_route(apr_pool_t *pool, const kg_conf *conf,
				    const char *path, const char **alias)
{
	const char *prefix = conf->gateway.prefix;
	const char *rest, *a;
	size_t len;

	*alias = NULL;
	if (strncmp(path, prefix, strlen(prefix)) == 0)
		return route_ours(pool, path + strlen(prefix), alias);
	if (!kg_conf_saml_is_broker_path(conf, path))
		return KG_SAML_EP_NONE;
	rest = path + strlen(broker_root(pool, conf->saml.keycloak_realm));
	if ((a = segment(&rest, &len)) == NULL)
		return KG_SAML_EP_NONE;
	*alias = apr_pstrmemdup(pool, a, len);
	if (strcmp(rest, "endpoint") == 0)
		return KG_SAML_EP_BROKER;
	if (strcmp(rest, "endpoint/descriptor") == 0)
		return KG_SAML_EP_METADATA;
	*alias = NULL;
	return KG_SAML_EP_NONE;
}
