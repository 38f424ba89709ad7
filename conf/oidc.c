/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OpenID Connect settings: defaults and directive setters.
 *
 * Setters only parse and store; they never contact a provider. The
 * client secret may be given inline or, better, as file:/path.
 */
#include "conf/oidc.h"
#include "conf/directive.h"
#include "conf/directives.h"
#include "conf/read.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

/* The algorithms keygate can verify; the allow-list is a subset. */
static const char *const known_algs[] = {"RS256", "RS384", "RS512",
					 "PS256", "PS384", "PS512",
					 "ES256", "ES384", "ES512"};
static const char *const default_algs[] = {"RS256", "PS256", "ES256"};

void kg_conf_oidc_defaults(apr_pool_t *pool, kg_conf_oidc *o)
{
	size_t n = sizeof(default_algs) / sizeof(default_algs[0]);

	memset(o, 0, sizeof(*o));
	o->alias = "oidc";
	o->client_auth = KG_OIDC_AUTH_BASIC;
	o->scope = "openid profile email";
	o->algorithms = apr_array_make(pool, (int)n, sizeof(const char *));
	for (size_t i = 0; i < n; i++)
		APR_ARRAY_PUSH(o->algorithms, const char *) = default_algs[i];
	o->clock_skew_s = 60;
	o->ssl_verify = true;
	o->timeout_s = 5;
	o->discovery_refresh_s = 3600;
	o->jwks_refresh_min_s = 30;
	o->refresh_margin_s = 60;
	o->refresh_failure_logout = true;
	o->bearer_issuers =
		apr_array_make(pool, 1, sizeof(kg_conf_bearer_issuer));
	o->bearer_clients =
		apr_array_make(pool, 1, sizeof(kg_conf_bearer_clients));
	o->bearer_cache_size = 4096;
	o->bearer_cache_max_s = 300;
	o->providers = apr_array_make(pool, 1, sizeof(kg_conf_oidc *));
}

const kg_conf_oidc *kg_conf_oidc_find(const kg_conf_oidc *o, const char *alias)
{
	for (int i = 0; alias && i < o->providers->nelts; i++) {
		const kg_conf_oidc *p =
			APR_ARRAY_IDX(o->providers, i, kg_conf_oidc *);
		if (strcmp(p->alias, alias) == 0)
			return p;
	}
	return NULL;
}

const kg_conf_oidc *kg_conf_oidc_by_issuer(const kg_conf_oidc *o,
					   const char *issuer)
{
	for (int i = 0; issuer && i < o->providers->nelts; i++) {
		const kg_conf_oidc *p =
			APR_ARRAY_IDX(o->providers, i, kg_conf_oidc *);
		if (strcmp(p->issuer, issuer) == 0)
			return p;
	}
	return NULL;
}

/* What a per-provider directive sets: the provider declared last, or the
 * defaults before any. */
static kg_conf_oidc *target(kg_conf *conf)
{
	apr_array_header_t *list = conf->oidc.providers;

	return list->nelts > 0
		       ? APR_ARRAY_IDX(list, list->nelts - 1, kg_conf_oidc *)
		       : &conf->oidc;
}

const char *kg_conf_oidc_client_auth_name(kg_oidc_client_auth a)
{
	return a == KG_OIDC_AUTH_POST ? "client_secret_post"
				      : "client_secret_basic";
}

/* True when s is an absolute http(s) URL with a host. */
static bool is_http_url(const char *s)
{
	const char *rest = NULL;

	if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	return rest && *rest && *rest != '/' && !strpbrk(s, " \t\r\n#");
}

static const char *set_provider(const kg_directive *self, apr_pool_t *pool,
				kg_conf *conf, int argc,
				const char *const *argv, int *bad_arg)
{
	const char *msg;
	kg_conf_oidc *p;

	*bad_arg = 1;
	if (!is_http_url(argv[1]))
		return "must be an http(s) URL";
	*bad_arg = 0;
	if ((msg = kg_conf_provider_add(&conf->providers, pool, argv[0],
					KG_PROVIDER_OIDC)) != NULL)
		return msg;
	p = apr_pmemdup(pool, &conf->oidc, sizeof(*p));
	p->providers = NULL;
	p->alias = apr_pstrdup(pool, argv[0]);
	p->issuer = apr_pstrdup(pool, argv[1]);
	APR_ARRAY_PUSH(conf->oidc.providers, kg_conf_oidc *) = p;
	return NULL;
}

static const char *set_client_secret(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_conf_read_secret(pool, argv[0], 1,
				   &target(conf)->client_secret);
}

static const char *set_client_auth(const kg_directive *self, apr_pool_t *pool,
				   kg_conf *conf, int argc,
				   const char *const *argv, int *bad_arg)
{
	if (strcasecmp(argv[0], "basic") == 0 ||
	    strcmp(argv[0], "client_secret_basic") == 0)
		target(conf)->client_auth = KG_OIDC_AUTH_BASIC;
	else if (strcasecmp(argv[0], "post") == 0 ||
		 strcmp(argv[0], "client_secret_post") == 0)
		target(conf)->client_auth = KG_OIDC_AUTH_POST;
	else {
		*bad_arg = 0;
		return "must be basic or post";
	}
	return NULL;
}

static const char *set_scope(const kg_directive *self, apr_pool_t *pool,
			     kg_conf *conf, int argc, const char *const *argv,
			     int *bad_arg)
{
	const char *scope = argv[0];

	for (int i = 1; i < argc; i++)
		scope = apr_pstrcat(pool, scope, " ", argv[i], NULL);
	if (strstr(apr_pstrcat(pool, " ", scope, " ", NULL), " openid ") ==
	    NULL) {
		*bad_arg = 0;
		return "must include openid";
	}
	target(conf)->scope = apr_pstrdup(pool, scope);
	return NULL;
}

/* Finds name in known_algs (exact, as JOSE names are case-sensitive). */
static const char *known_alg(const char *name)
{
	for (size_t i = 0; i < sizeof(known_algs) / sizeof(known_algs[0]);
	     i++) {
		if (strcmp(known_algs[i], name) == 0)
			return known_algs[i];
	}
	return NULL;
}

static const char *set_algorithms(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg)
{
	apr_array_header_t *list =
		apr_array_make(pool, argc, sizeof(const char *));

	for (int i = 0; i < argc; i++) {
		const char *alg = known_alg(argv[i]);
		if (alg == NULL) {
			*bad_arg = i;
			return "must be RS256, RS384, RS512, PS256, PS384, "
			       "PS512, ES256, ES384 or ES512 (none and HS* are "
			       "never accepted)";
		}
		APR_ARRAY_PUSH(list, const char *) = alg;
	}
	conf->oidc.algorithms = list;
	return NULL;
}

/* A `long long` field at self->offset, in [min, max]. */
static const char *set_range(const kg_directive *self, apr_pool_t *pool,
			     kg_conf *conf, const char *arg, long long min,
			     long long max, int *bad_arg)
{
	long long n;
	const char *msg = kg_directive_number(pool, arg, min, max, &n);

	*bad_arg = 0;
	if (msg == NULL)
		*(long long *)((char *)conf + self->offset) = n;
	return msg;
}

static const char *set_skew(const kg_directive *self, apr_pool_t *pool,
			    kg_conf *conf, int argc, const char *const *argv,
			    int *bad_arg)
{
	return set_range(self, pool, conf, argv[0], 0, 600, bad_arg);
}

static const char *set_interval(const kg_directive *self, apr_pool_t *pool,
				kg_conf *conf, int argc,
				const char *const *argv, int *bad_arg)
{
	return set_range(self, pool, conf, argv[0], 1, 7 * 24 * 3600, bad_arg);
}

static const char *set_timeout(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	return set_range(self, pool, conf, argv[0], 1, 120, bad_arg);
}

static const char *set_cache_size(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg)
{
	return set_range(self, pool, conf, argv[0], 0, 1000000, bad_arg);
}

/* A per-provider string at offsetof(kg_conf_oidc, field) self->offset. */
static const char *set_p_name(const kg_directive *self, apr_pool_t *pool,
			      kg_conf *conf, int argc, const char *const *argv,
			      int *bad_arg)
{
	*bad_arg = 0;
	if (argv[0][0] == '\0')
		return "must not be empty";
	*(const char **)((char *)target(conf) + self->offset) =
		apr_pstrdup(pool, argv[0]);
	return NULL;
}

/* A per-provider On|Off at offsetof(kg_conf_oidc, field) self->offset. */
static const char *set_p_flag(const kg_directive *self, apr_pool_t *pool,
			      kg_conf *conf, int argc, const char *const *argv,
			      int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_flag(argv[0],
				 (bool *)((char *)target(conf) + self->offset));
}

/* A per-provider interval at offsetof(kg_conf_oidc, field) self->offset. */
static const char *set_p_interval(const kg_directive *self, apr_pool_t *pool,
				  kg_conf *conf, int argc,
				  const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(
		pool, argv[0], 1, 7 * 24 * 3600,
		(long long *)((char *)target(conf) + self->offset));
}

static const char *set_refresh_failure(const kg_directive *self,
				       apr_pool_t *pool, kg_conf *conf,
				       int argc, const char *const *argv,
				       int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_choice(pool, argv[0], "logout", "keep",
				   &target(conf)->refresh_failure_logout);
}

/* KeygateBearerIssuer ISSUER JWKS_URL|discovery AUDIENCE... */
static const char *set_bearer_issuer(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	kg_conf_bearer_issuer *b;

	*bad_arg = 0;
	if (!is_http_url(argv[0]))
		return "must be an http(s) URL";
	*bad_arg = 1;
	if (strcmp(argv[1], "discovery") != 0 && !is_http_url(argv[1]))
		return "must be an http(s) URL or discovery";
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '\0') {
			*bad_arg = i;
			return "empty value";
		}
	}
	b = apr_array_push(conf->oidc.bearer_issuers);
	b->clients = NULL;
	b->issuer = apr_pstrdup(pool, argv[0]);
	b->jwks_uri = strcmp(argv[1], "discovery") == 0
			      ? NULL
			      : apr_pstrdup(pool, argv[1]);
	b->audiences = apr_array_make(pool, argc - 2, sizeof(const char *));
	for (int i = 2; i < argc; i++)
		APR_ARRAY_PUSH(b->audiences, const char *) =
			apr_pstrdup(pool, argv[i]);
	return NULL;
}

/* KeygateBearerClients ISSUER CLIENT_ID... */
static const char *set_bearer_clients(const kg_directive *self,
				      apr_pool_t *pool, kg_conf *conf, int argc,
				      const char *const *argv, int *bad_arg)
{
	kg_conf_bearer_clients *c;

	*bad_arg = 0;
	if (!is_http_url(argv[0]))
		return "must be an http(s) URL";
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '\0') {
			*bad_arg = i;
			return "empty value";
		}
	}
	c = apr_array_push(conf->oidc.bearer_clients);
	c->issuer = apr_pstrdup(pool, argv[0]);
	c->clients = apr_array_make(pool, argc - 1, sizeof(const char *));
	for (int i = 1; i < argc; i++)
		APR_ARRAY_PUSH(c->clients, const char *) =
			apr_pstrdup(pool, argv[i]);
	return NULL;
}

/* Gives provider p the settings every provider shares with o. */
static void share(kg_conf_oidc *p, const kg_conf_oidc *o)
{
	p->algorithms = o->algorithms;
	p->clock_skew_s = o->clock_skew_s;
	p->ca_file = o->ca_file;
	p->ssl_verify = o->ssl_verify;
	p->timeout_s = o->timeout_s;
	p->discovery_refresh_s = o->discovery_refresh_s;
	p->jwks_refresh_min_s = o->jwks_refresh_min_s;
	p->bearer_issuers = o->bearer_issuers;
	p->bearer_clients = o->bearer_clients;
	p->bearer_cache_size = o->bearer_cache_size;
	p->bearer_cache_max_s = o->bearer_cache_max_s;
}

kg_rc kg_conf_oidc_finish(kg_conf_oidc *o, kg_err *err)
{
	for (int i = 0; i < o->providers->nelts; i++)
		share(APR_ARRAY_IDX(o->providers, i, kg_conf_oidc *), o);
	/* from scratch, so that finishing twice gives the same lists */
	for (int j = 0; j < o->bearer_issuers->nelts; j++)
		APR_ARRAY_IDX(o->bearer_issuers, j, kg_conf_bearer_issuer)
			.clients = NULL;
	for (int i = 0; i < o->bearer_clients->nelts; i++) {
		const kg_conf_bearer_clients *c = &APR_ARRAY_IDX(
			o->bearer_clients, i, kg_conf_bearer_clients);
		bool found = false;
		for (int j = 0; j < o->bearer_issuers->nelts; j++) {
			kg_conf_bearer_issuer *b = &APR_ARRAY_IDX(
				o->bearer_issuers, j, kg_conf_bearer_issuer);
			if (strcmp(b->issuer, c->issuer) != 0)
				continue;
			found = true;
			if (b->clients == NULL)
				b->clients = apr_array_copy(
					o->bearer_clients->pool, c->clients);
			else
				apr_array_cat(b->clients, c->clients);
		}
		if (!found)
			return kg_err_set(err, KG_ECONFIG,
					  "KeygateBearerClients %s: no "
					  "KeygateBearerIssuer has this issuer",
					  c->issuer);
	}
	return KG_OK;
}

#define OIDC(field) KG_CONF_OFFSET(oidc.field)
#define PROVIDER(field) offsetof(kg_conf_oidc, field)

const kg_directive kg_conf_oidc_directives[] = {
	{"KeygateOIDCProvider", 2, 2, set_provider, "ALIAS ISSUER",
	 "an OpenID provider for logins: its alias (for mappers and endpoint "
	 "paths) and its issuer, compared exactly; the client directives "
	 "below it are its own"},
	{"KeygateOIDCClientID", 1, 1, set_p_name, "ID",
	 "the client_id registered at the provider", PROVIDER(client_id)},
	{"KeygateOIDCClientSecret", 1, 1, set_client_secret,
	 "SECRET|file:/PATH",
	 "the client secret; file:/PATH reads it from a file"},
	{"KeygateOIDCClientAuth", 1, 1, set_client_auth, "basic|post",
	 "client_secret_basic or client_secret_post at the token endpoint"},
	{"KeygateOIDCScope", 1, -1, set_scope, "SCOPE...",
	 "the scopes asked for at login (must include openid)"},
	{"KeygateOIDCUserinfo", 1, 1, set_p_flag, "On|Off",
	 "also read the userinfo endpoint after login", PROVIDER(userinfo)},
	{"KeygateOIDCAlgorithms", 1, -1, set_algorithms, "ALG...",
	 "the signature algorithms accepted on ID and bearer tokens"},
	{"KeygateOIDCClockSkew", 1, 1, set_skew, "SECONDS",
	 "the clock skew allowed on exp, nbf and iat", OIDC(clock_skew_s)},
	{"KeygateOIDCCAFile", 1, 1, kg_directive_set_name, "FILE",
	 "the CA bundle that provider certificates must chain to",
	 OIDC(ca_file)},
	{"KeygateOIDCSSLVerify", 1, 1, kg_directive_set_flag, "On|Off",
	 "verify the provider's TLS certificate (Off only for tests)",
	 OIDC(ssl_verify)},
	{"KeygateOIDCTimeout", 1, 1, set_timeout, "SECONDS",
	 "the time limit of each call to the provider", OIDC(timeout_s)},
	{"KeygateOIDCDiscoveryRefresh", 1, 1, set_interval, "SECONDS",
	 "refetch the discovery document and JWKS when older than this",
	 OIDC(discovery_refresh_s)},
	{"KeygateOIDCJWKSRefreshMin", 1, 1, set_interval, "SECONDS",
	 "fetch a JWKS at most once per this many seconds (unknown kid)",
	 OIDC(jwks_refresh_min_s)},
	{"KeygateOIDCRefreshMargin", 1, 1, set_p_interval, "SECONDS",
	 "refresh a session's access token this long before it expires",
	 PROVIDER(refresh_margin_s)},
	{"KeygateOIDCRefreshFailure", 1, 1, set_refresh_failure, "logout|keep",
	 "when the provider refuses a refresh: end the session or keep it"},
	{"KeygateBearerIssuer", 3, -1, set_bearer_issuer,
	 "ISSUER JWKS_URL|discovery AUDIENCE...",
	 "accept bearer JWTs from this issuer for one of these audiences"},
	{"KeygateBearerClients", 2, -1, set_bearer_clients,
	 "ISSUER CLIENT_ID...",
	 "accept this issuer's bearer JWTs only from these clients (azp, "
	 "else client_id)"},
	{"KeygateBearerCacheSize", 1, 1, set_cache_size, "N",
	 "how many bearer-token results to cache (0: no cache)",
	 OIDC(bearer_cache_size)},
	{"KeygateBearerCacheTime", 1, 1, set_interval, "SECONDS",
	 "the longest a cached bearer-token result lives",
	 OIDC(bearer_cache_max_s)},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
