/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: PREFIX login: which provider a browser login goes to when the
 * request names none, and on to that provider's protocol.
 */
#include "gateway/flow/login/login.h"

/* The default login provider: KeygateLoginProvider, else the first OIDC
 * provider declared, else the first SAML one (as before several OIDC
 * providers); NULL when there is none. */
static const kg_conf_provider *default_provider(const kg_conf *c)
{
	if (c->gateway.login_alias)
		return kg_conf_provider_find(c, c->gateway.login_alias);
	if (c->oidc.providers->nelts > 0)
		return kg_conf_provider_find(
			c, APR_ARRAY_IDX(c->oidc.providers, 0, kg_conf_oidc *)
				   ->alias);
	if (c->saml.idps->nelts > 0)
		return kg_conf_provider_find(
			c,
			APR_ARRAY_IDX(c->saml.idps, 0, kg_conf_saml_idp).alias);
	return NULL;
}

void kg_login_start(kg_gateway *gw, kg_req *req, const char *alias,
		    const kg_log *log, kg_resp *resp)
{
	const kg_conf_provider *p =
		alias ? kg_conf_provider_find(gw->conf, alias)
		      : default_provider(gw->conf);

	if (p == NULL) {
		kg_resp_fail(resp, KG_ENOTFOUND, "no_login_provider");
		return;
	}
	if (p->protocol == KG_PROVIDER_OIDC)
		kg_login_oidc_start(gw, req, p->alias, log, resp);
	else
		kg_login_saml_start(gw, req, p->alias, log, resp);
}
