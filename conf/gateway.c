/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway's server-wide settings.
 */
#include "conf/gateway.h"
#include "conf/directive.h"
#include "conf/directives.h"
#include "gateway/base/time.h"

#include <apr_strings.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

void kg_conf_gateway_defaults(apr_pool_t *pool, kg_conf_gateway *g)
{
	g->prefix = "/keygate/";
	g->metrics_allow = apr_array_make(pool, 2, sizeof(kg_conf_cidr));
	g->reload_interval_s = 10;
	g->login_alias = NULL;
	g->revocation_interval_s = 5;
	g->token_name_claim = "token_name";
	g->api_key_pass = true;
	g->app_jwt_lifetime_s = 300;
	g->app_jwt_keys = apr_array_make(pool, 2, sizeof(kg_conf_app_key));
	g->realm = "DominoRealm";
	g->login_state_timeout_s = KG_CONF_LOGIN_STATE_TIMEOUT_S;
	g->trusted_proxies = apr_array_make(pool, 2, sizeof(kg_conf_cidr));
}

const char *kg_conf_cidr_parse(apr_pool_t *pool, const char *text,
			       kg_conf_cidr *out)
{
	const char *slash = strchr(text, '/');
	char *ip = slash ? apr_pstrmemdup(pool, text, (size_t)(slash - text))
			 : apr_pstrdup(pool, text);
	int max;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, ip, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, ip, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return "must be an IP address or IP/BITS";
	}
	out->bits = max;
	if (slash) {
		char *end;
		long bits;
		if (slash[1] < '0' || slash[1] > '9')
			return "must be an IP address or IP/BITS";
		bits = strtol(slash + 1, &end, 10);
		if (*end != '\0' || bits < 0 || bits > max)
			return max == 32 ? "needs a prefix length of 0 to 32"
					 : "needs a prefix length of 0 to 128";
		out->bits = (int)bits;
	}
	for (int i = out->bits; i < max; i++) {
		if (out->addr[i / 8] & (0x80 >> (i % 8)))
			return "has host bits set past its prefix length";
	}
	out->text = apr_pstrdup(pool, text);
	return NULL;
}

static const char *set_prefix(const kg_directive *self, apr_pool_t *pool,
			      kg_conf *conf, int argc, const char *const *argv,
			      int *bad_arg)
{
	const char *p = argv[0];
	size_t n = strlen(p);

	*bad_arg = 0;
	if (n < 2 || p[0] != '/' || strstr(p, "//") || strchr(p, '?') ||
	    strchr(p, '%') || strstr(p, "/../") || strstr(p, "/./"))
		return "must be a plain absolute path such as /keygate/";
	conf->gateway.prefix = p[n - 1] == '/'
				       ? apr_pstrdup(pool, p)
				       : apr_pstrcat(pool, p, "/", NULL);
	return NULL;
}

/* The public origin: scheme, host and optional port, no path. Redirect
 * and callback URLs are built from it, never from the Host header. */
static const char *set_base_url(const kg_directive *self, apr_pool_t *pool,
				kg_conf *conf, int argc,
				const char *const *argv, int *bad_arg)
{
	const char *u = argv[0];
	const char *host = strncmp(u, "https://", 8) == 0  ? u + 8
			   : strncmp(u, "http://", 7) == 0 ? u + 7
							   : NULL;
	size_t n;

	*bad_arg = 0;
	if (host == NULL || *host == '\0' ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-.:[]") !=
		    strlen(host) - (host[strlen(host) - 1] == '/'))
		return "must be http(s)://HOST[:PORT] with no path";
	n = strlen(u);
	conf->gateway.base_url =
		apr_pstrmemdup(pool, u, u[n - 1] == '/' ? n - 1 : n);
	return NULL;
}

static const char *set_metrics(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	apr_array_header_t *list =
		apr_array_make(pool, argc, sizeof(kg_conf_cidr));

	if (argc == 1 && strcasecmp(argv[0], "off") == 0) {
		conf->gateway.metrics_allow = list;
		return NULL;
	}
	for (int i = 0; i < argc; i++) {
		const char *msg =
			kg_conf_cidr_parse(pool, argv[i], apr_array_push(list));
		if (msg) {
			*bad_arg = i;
			return apr_pstrcat(pool,
					   "must be Off or IP addresses "
					   "and CIDR ranges: ",
					   msg, NULL);
		}
	}
	conf->gateway.metrics_allow = list;
	return NULL;
}

static const char *set_reload(const kg_directive *self, apr_pool_t *pool,
			      kg_conf *conf, int argc, const char *const *argv,
			      int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(pool, argv[0], 0, 86400,
				   &conf->gateway.reload_interval_s);
}

static const char *set_revocation(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(pool, argv[0], 0, 300,
				   &conf->gateway.revocation_interval_s);
}

static const char *set_app_lifetime(const kg_directive *self, apr_pool_t *pool,
				    kg_conf *conf, int argc,
				    const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(pool, argv[0], 10, 3600,
				   &conf->gateway.app_jwt_lifetime_s);
}

/* KeygateAppJWTKey FILE [CERT] [until=TIME]: one more key; the last
 * line's key signs. */
static const char *set_app_key(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	kg_conf_app_key *k = apr_array_push(conf->gateway.app_jwt_keys);

	memset(k, 0, sizeof(*k));
	k->key = apr_pstrdup(pool, argv[0]);
	for (int i = 1; i < argc; i++) {
		*bad_arg = i;
		if (strncmp(argv[i], "until=", 6) == 0) {
			if (!kg_time_parse(argv[i] + 6, false, &k->retire_s))
				return "until= takes an RFC 3339 time "
				       "(2026-12-31T00:00:00Z)";
		} else if (i == 1) {
			k->cert = apr_pstrdup(pool, argv[i]);
		} else {
			return "expected until=TIME";
		}
	}
	conf->gateway.app_jwt_key = k->key;
	return NULL;
}

/* KeygateRealm NAME|Off: the Keycloak realm keygate stands in for. */
static const char *set_realm(const kg_directive *self, apr_pool_t *pool,
			     kg_conf *conf, int argc, const char *const *argv,
			     int *bad_arg)
{
	*bad_arg = 0;
	conf->gateway.realm_set = true;
	if (strcasecmp(argv[0], "Off") == 0) {
		conf->gateway.realm = NULL;
		return NULL;
	}
	for (const char *c = argv[0]; *c; c++)
		if (!(strchr("-_.", *c) || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			return "must be a realm name: letters, digits, '-', "
			       "'_' or '.'";
	conf->gateway.realm = apr_pstrdup(pool, argv[0]);
	return NULL;
}

static const char *set_login_state(const kg_directive *self, apr_pool_t *pool,
				   kg_conf *conf, int argc,
				   const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(pool, argv[0],
				   KG_CONF_LOGIN_STATE_TIMEOUT_MIN_S, 86400,
				   &conf->gateway.login_state_timeout_s);
}

static const char *set_api_key(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_choice(pool, argv[0], "pass", "reject",
				   &conf->gateway.api_key_pass);
}

/* KeygateTrustedProxies CIDR...: replaces the list (Off empties it). */
static const char *set_trusted_proxies(const kg_directive *self,
				       apr_pool_t *pool, kg_conf *conf,
				       int argc, const char *const *argv,
				       int *bad_arg)
{
	apr_array_header_t *list =
		apr_array_make(pool, argc, sizeof(kg_conf_cidr));

	if (argc == 1 && strcasecmp(argv[0], "off") == 0) {
		conf->gateway.trusted_proxies = list;
		return NULL;
	}
	for (int i = 0; i < argc; i++) {
		const char *msg =
			kg_conf_cidr_parse(pool, argv[i], apr_array_push(list));
		if (msg) {
			*bad_arg = i;
			return msg;
		}
	}
	conf->gateway.trusted_proxies = list;
	return NULL;
}

/* KeygateAuditLog FILE|"|COMMAND": where AUDIT lines go as well. */
static const char *set_audit_log(const kg_directive *self, apr_pool_t *pool,
				 kg_conf *conf, int argc,
				 const char *const *argv, int *bad_arg)
{
	const char *v = argv[0];

	*bad_arg = 0;
	if (v[0] == '\0' || (v[0] == '|' && v[1 + strspn(v + 1, " ")] == '\0'))
		return "must be a file or \"|command\"";
	if (strcasecmp(v, "off") == 0) {
		conf->gateway.audit_log = NULL;
		return NULL;
	}
	conf->gateway.audit_log = apr_pstrdup(pool, v);
	return NULL;
}

static const char *set_log_format(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_choice(pool, argv[0], "json", "text",
				   &conf->gateway.log_json);
}

static const char *set_access_token_param(const kg_directive *self,
					  apr_pool_t *pool, kg_conf *conf,
					  int argc, const char *const *argv,
					  int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_choice(pool, argv[0], "strip", "refuse",
				   &conf->gateway.access_token_strip);
}

const kg_directive kg_conf_gateway_directives[] = {
	{"KeygateEndpointPrefix", 1, 1, set_prefix, "PATH",
	 "where keygate's own endpoints live (default /keygate/)"},
	{"KeygateMetricsAllow", 1, -1, set_metrics, "Off|CIDR...",
	 "client addresses and ranges (IPv4 and IPv6, ADDR or ADDR/BITS) "
	 "that may read the Prometheus metrics"},
	{"KeygateMapperReloadInterval", 1, 1, set_reload, "SECONDS",
	 "how often the mapper file's mtime is checked (0: never)"},
	{"KeygateBaseURL", 1, 1, set_base_url, "https://HOST[:PORT]",
	 "the gateway's public origin; callback and logout URLs are built "
	 "from it, never from the Host header"},
	{"KeygateRevocationCheckInterval", 1, 1, set_revocation, "SECONDS",
	 "how long a gateway reuses a token's revocation answer (0: ask "
	 "Redis on every request)"},
	{"KeygateTokenNameClaim", 1, 1, kg_directive_set_name, "CLAIM",
	 "the bearer-token claim `keygate tokens revoke --name` matches",
	 KG_CONF_OFFSET(gateway.token_name_claim)},
	{"KeygateApiKey", 1, 1, set_api_key, "pass|reject",
	 "X-Domino-Api-Key requests: passed to Domino untouched, or refused"},
	{"KeygateAccessTokenParam", 1, 1, set_access_token_param,
	 "refuse|strip",
	 "an access_token query or form parameter (never a credential, RFC "
	 "6750 2.3): refuse the request with 400 (default) or remove it"},
	{"KeygateAppJWTKey", 1, 3, set_app_key, "FILE [CERT] [until=TIME]",
	 "a PEM RSA private key of the app identity tokens; the last one "
	 "signs, earlier ones stay in the JWKS until TIME"},
	{"KeygateAppJWTCert", 1, 1, kg_directive_set_name, "FILE",
	 "PEM certificate of one of those keys, published in the JWKS as x5c",
	 KG_CONF_OFFSET(gateway.app_jwt_cert)},
	{"KeygateAppJWTIssuer", 1, 1, kg_directive_set_name, "URL",
	 "iss of the app identity tokens (default BASE/auth/realms/REALM)",
	 KG_CONF_OFFSET(gateway.app_jwt_issuer)},
	{"KeygateRealm", 1, 1, set_realm, "NAME|Off",
	 "the Keycloak realm keygate answers for at /auth/realms/NAME "
	 "(default DominoRealm)"},
	{"KeygateAppJWTLifetime", 1, 1, set_app_lifetime, "SECONDS",
	 "how long an app identity token is valid (default 300)"},
	{"KeygateTrustedProxies", 1, -1, set_trusted_proxies, "Off|CIDR...",
	 "the proxies (load balancers) whose X-Forwarded-For, -Proto and "
	 "-Host are believed; from anyone else they are deleted"},
	{"KeygateLoginProvider", 1, 1, kg_directive_set_name, "ALIAS",
	 "the identity provider alias a browser login goes to",
	 KG_CONF_OFFSET(gateway.login_alias)},
	{"KeygateAuditLog", 1, 1, set_audit_log, "FILE|\"|COMMAND\"|Off",
	 "where the audit events (the log lines that start with AUDIT) go as "
	 "well: a file (relative to ServerRoot) or a piped logger, opened "
	 "by the parent like ErrorLog"},
	{"KeygateLogFormat", 1, 1, set_log_format, "text|json",
	 "keygate's log lines as key=value text (default) or one JSON object "
	 "each"},
	{"KeygateLoginStateTimeout", 1, 1, set_login_state, "SECONDS",
	 "how long a login may take at the identity provider (default 600, "
	 "at least 30); a later answer is refused"},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
