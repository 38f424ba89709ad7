/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OpenID Connect settings: the provider the gateway logs
 * users in with (issuer, client, algorithms, clock skew, TLS, refresh
 * intervals) and the issuers whose bearer JWTs the API accepts.
 *
 * Plain data: conf/ decides nothing and never connects to a provider;
 * gateway/proto/oidc*.c and jwt*.c read these settings.
 */
#ifndef KG_CONF_OIDC_H
#define KG_CONF_OIDC_H

#include "conf/sessions.h"
#include "gateway/base/err.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

/* How the client authenticates at the token endpoint. */
typedef enum {
	KG_OIDC_AUTH_BASIC = 0, /* client_secret_basic (the default) */
	KG_OIDC_AUTH_POST	/* client_secret_post */
} kg_oidc_client_auth;

/* An issuer whose bearer JWTs the API accepts. */
typedef struct {
	const char *issuer;	       /* exact iss */
	const char *jwks_uri;	       /* NULL: from the issuer's discovery */
	apr_array_header_t *audiences; /* const char *: aud must hold one */
	apr_array_header_t *clients;   /* const char *: the clients (azp or
					  client_id) its tokens may come
					  from; NULL: any client */
} kg_conf_bearer_issuer;

/* KeygateBearerClients as written: kg_conf_oidc_finish gives each
 * issuer its list (several lines for one issuer add up). */
typedef struct {
	const char *issuer;
	apr_array_header_t *clients; /* const char * */
} kg_conf_bearer_clients;

/* The largest token keygate parses; larger ones are refused unread. */
#define KG_OIDC_TOKEN_MAX (16 * 1024)

/* The OIDC settings. kg_conf's own copy holds the defaults, the shared
 * token checks and the bearer settings; each KeygateOIDCProvider is a
 * copy of it (in providers) with its own alias, issuer and client. The
 * per-provider directives (client, secret, auth, scope, userinfo,
 * refresh) set the provider declared above them, or the defaults above
 * any provider; the rest apply to every provider (kg_conf_oidc_finish
 * copies them in). */
typedef struct kg_conf_oidc kg_conf_oidc;
struct kg_conf_oidc {
	/* one provider for browser logins; issuer NULL: not a provider */
	const char *alias;  /* the identity-provider alias for mappers */
	const char *issuer; /* compared exactly, as OIDC requires */
	const char *client_id;
	kg_conf_secret client_secret;
	kg_oidc_client_auth client_auth;
	const char *scope; /* "openid profile email" */
	bool userinfo;	   /* also fetch the userinfo endpoint */

	/* token checks, shared with the bearer verifier */
	apr_array_header_t *algorithms; /* const char *: RS256 PS256 ES256 */
	long long clock_skew_s;		/* 60 */

	/* talking to the provider */
	const char *ca_file;	       /* NULL: the system's CA store */
	bool ssl_verify;	       /* true; false only for tests */
	long long timeout_s;	       /* 5: per HTTP call */
	long long discovery_refresh_s; /* 3600: discovery and JWKS max age */
	long long jwks_refresh_min_s;  /* 30: at most one JWKS fetch per */

	/* keeping a session's tokens fresh */
	long long refresh_margin_s;  /* refresh this long before expiry; 60 */
	bool refresh_failure_logout; /* a refused refresh ends the session
					(true) or keeps it (false) */

	/* bearer tokens for the API */
	apr_array_header_t *bearer_issuers; /* kg_conf_bearer_issuer */
	apr_array_header_t *bearer_clients; /* kg_conf_bearer_clients */
	long long bearer_cache_size;	    /* 4096 results; 0: no cache */
	long long bearer_cache_max_s;	    /* 300: a result's longest life */

	apr_array_header_t *providers; /* kg_conf_oidc *: one per
					  KeygateOIDCProvider, in config
					  order; NULL inside a provider */
};

/* Fills o with the defaults; strings are static, lists live in pool. */
void kg_conf_oidc_defaults(apr_pool_t *pool, kg_conf_oidc *o);

/* Gives each KeygateBearerIssuer the clients KeygateBearerClients lists
 * for it, and each provider the shared settings (algorithms, skew, TLS,
 * timeouts). KG_ECONFIG when a KeygateBearerClients names no configured
 * bearer issuer. */
kg_rc kg_conf_oidc_finish(kg_conf_oidc *o, kg_err *err);

/* The OIDC provider named alias, or NULL. */
const kg_conf_oidc *kg_conf_oidc_find(const kg_conf_oidc *o, const char *alias);

/* The OIDC provider whose issuer is exactly issuer, or NULL. */
const kg_conf_oidc *kg_conf_oidc_by_issuer(const kg_conf_oidc *o,
					   const char *issuer);

/* Returns the stable name of a client authentication method
 * ("client_secret_basic", "client_secret_post"). */
const char *kg_conf_oidc_client_auth_name(kg_oidc_client_auth a);

#endif
