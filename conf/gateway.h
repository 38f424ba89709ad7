/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's server-wide settings: where its own endpoints
 * live, who may read metrics, how often the mapper file is re-checked.
 */
#ifndef KG_CONF_GATEWAY_H
#define KG_CONF_GATEWAY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

typedef struct {
	const char *prefix;	       /* "/keygate/": always starts and
					  ends with '/' */
	apr_array_header_t *metrics_allow; /* const char * client IPs; empty:
					      metrics are off */
	long long reload_interval_s;   /* mapper-file mtime check, 0: never */
	const char *login_alias;       /* the provider a login goes to */
	long long revocation_interval_s; /* reuse a revocation answer for
					    at most this long; 5 */
	const char *token_name_claim;	 /* "token_name" */
	bool api_key_pass;		 /* X-Domino-Api-Key goes to the
					    backend untouched */
	bool access_token_strip; /* an access_token query or form parameter
				    is removed (KeygateAccessTokenParam
				    strip); false: the request is refused
				    with 400 (refuse, the default) */
	const char *app_jwt_key;	 /* PEM RSA key; NULL: no app tokens */
	const char *app_jwt_cert;	 /* its certificate, for x5c */
	const char *app_jwt_issuer;	 /* NULL: KeygateBaseURL */
	long long app_jwt_lifetime_s;	 /* 300 */
	const char *base_url;	       /* "https://domino.example.com": the
					  public origin, without a path */
} kg_conf_gateway;

void kg_conf_gateway_defaults(apr_pool_t *pool, kg_conf_gateway *g);

#endif
