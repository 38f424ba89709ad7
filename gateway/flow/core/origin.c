/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the public origin of a request.
 */
#include "gateway/flow/core/origin.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

const char *kg_origin(const kg_gateway *gw, const kg_req *req)
{
	const char *scheme = req->scheme ? req->scheme : "http";
	bool https = strcasecmp(scheme, "https") == 0;

	if (gw->conf->gateway.base_url)
		return gw->conf->gateway.base_url;
	if (req->port <= 0 || req->port == (https ? 443 : 80))
		return apr_pstrcat(req->pool, https ? "https" : "http", "://",
				   req->host ? req->host : "localhost", NULL);
	return kg_psprintf(req->pool, "%s://%s:%d", https ? "https" : "http",
			   req->host ? req->host : "localhost", req->port);
}

bool kg_origin_cookie_secure(const kg_gateway *gw, const kg_req *req)
{
	switch (gw->conf->sessions.cookie_secure) {
	case KG_COOKIE_SECURE_ON:
		return true;
	case KG_COOKIE_SECURE_OFF:
		return false;
	case KG_COOKIE_SECURE_AUTO:
		break;
	}
	return strncmp(kg_origin(gw, req), "https://", 8) == 0;
}

const char *kg_origin_realm_url(const kg_gateway *gw, const kg_req *req)
{
	const kg_conf_gateway *g = &gw->conf->gateway;

	if (g->app_jwt_issuer)
		return g->app_jwt_issuer;
	if (g->realm == NULL)
		return kg_origin(gw, req);
	return apr_pstrcat(req->pool, kg_origin(gw, req), "/auth/realms/",
			   g->realm, NULL);
}
