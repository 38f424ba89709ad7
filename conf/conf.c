/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the settings and their cross-directive checks.
 */
#include "conf/conf.h"

#include <apr_strings.h>

kg_conf *kg_conf_make(apr_pool_t *pool)
{
	kg_conf *conf = apr_pcalloc(pool, sizeof(*conf));

	kg_conf_gateway_defaults(pool, &conf->gateway);
	kg_conf_mapping_defaults(pool, &conf->mapping);
	kg_conf_sessions_defaults(pool, &conf->sessions);
	kg_conf_oidc_defaults(pool, &conf->oidc);
	kg_conf_saml_defaults(pool, &conf->saml);
	kg_conf_aws_defaults(&conf->aws);
	return conf;
}

kg_rc kg_conf_finish(kg_conf *conf, kg_err *err)
{
	const kg_conf_mapping *m = &conf->mapping;
	kg_rc rc = kg_conf_oidc_finish(&conf->oidc, err);

	if (rc != KG_OK)
		return rc;
	if (m->default_role && !kg_conf_mapping_has_role(m, m->default_role))
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateDefaultRole \"%s\" is not one of "
				  "KeygateRoles",
				  m->default_role);
	if (conf->aws.enabled && conf->aws.region == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateAwsCredentials On needs "
				  "KeygateAwsRegion");
	if (conf->aws.enabled && conf->saml.idps->nelts == 0)
		return kg_err_set(err, KG_ECONFIG,
				  "KeygateAwsCredentials On needs a "
				  "KeygateSAMLProvider (STS takes a SAML "
				  "Response)");
	conf->saml.aws_shared_response =
		conf->aws.enabled && !conf->aws.separate_response;
	return KG_OK;
}
