/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's server-wide settings: where its own endpoints
 * live, who may read metrics, how often the mapper file is re-checked.
 */
#ifndef KG_CONF_GATEWAY_H
#define KG_CONF_GATEWAY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

/* An address block of KeygateTrustedProxies: family AF_INET or
 * AF_INET6, the network's bytes (4 or 16), and the prefix length. */
typedef struct {
	int family;
	unsigned char addr[16];
	int bits;
	const char *text; /* as written, for messages */
} kg_conf_cidr;

/* A KeygateAppJWTKey line: the key, its certificate (NULL: the one of
 * KeygateAppJWTCert if it matches, else a self-signed one is made), and
 * when it leaves the JWKS (0: never). */
typedef struct {
	const char *key;
	const char *cert;
	long long retire_s; /* seconds since the epoch */
} kg_conf_app_key;

typedef struct {
	const char *prefix;		   /* "/keygate/": always starts and
					      ends with '/' */
	apr_array_header_t *metrics_allow; /* kg_conf_cidr: the clients that
					      may read metrics; empty: off */
	long long reload_interval_s;	 /* mapper-file mtime check, 0: never */
	const char *login_alias;	 /* the provider a login goes to */
	long long revocation_interval_s; /* reuse a revocation answer for
					    at most this long; 5 */
	const char *token_name_claim;	 /* "token_name" */
	bool api_key_pass;		 /* X-Domino-Api-Key goes to the
					    backend untouched */
	bool access_token_strip; /* an access_token query or form parameter
				    is removed (KeygateAccessTokenParam
				    strip); false: the request is refused
				    with 400 (refuse, the default) */
	const char *app_jwt_key; /* the signing key (the last
				    KeygateAppJWTKey); NULL: no app
				    tokens */
	apr_array_header_t *app_jwt_keys; /* kg_conf_app_key, in order: the
					     last signs, the others are
					     published until they retire */
	const char *app_jwt_cert;	  /* a certificate of one of them */
	const char *app_jwt_issuer;	  /* NULL: the realm's URL */
	const char *realm;		  /* KeygateRealm: "DominoRealm";
					     NULL (Off): no realm endpoints */
	bool realm_set;			  /* KeygateRealm was written */
	long long app_jwt_lifetime_s;	  /* 300 */
	long long login_state_timeout_s;  /* how long a login (or SAML
					     logout) may take at the IdP;
					     600, at least 30 */
	const char *base_url;		  /* "https://domino.example.com": the
					     public origin, without a path;
					     NULL: each request's own */
	apr_array_header_t *trusted_proxies; /* kg_conf_cidr: the peers whose
						X-Forwarded-For, -Proto and
						-Host count; empty: none */
	const char *audit_log; /* KeygateAuditLog: a file, or "|command"
				  (a piped logger); NULL: none */
	bool log_json;	       /* KeygateLogFormat json: every keygate line
				  is one JSON object */
} kg_conf_gateway;

/* KeygateLoginStateTimeout: the default, and the least it may be (the
 * time a person needs at the IdP's login page). */
#define KG_CONF_LOGIN_STATE_TIMEOUT_S 600
#define KG_CONF_LOGIN_STATE_TIMEOUT_MIN_S 30

void kg_conf_gateway_defaults(apr_pool_t *pool, kg_conf_gateway *g);

/* Parses "IP" or "IP/BITS" (IPv4 or IPv6) into *out; the host bits of
 * the address must be zero. Returns NULL or what is wrong. */
const char *kg_conf_cidr_parse(apr_pool_t *pool, const char *text,
			       kg_conf_cidr *out);

#endif
