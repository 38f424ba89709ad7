/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the bearer-token verifier: issuer choice, result cache, and
 * the checks of jwt_check.c.
 */
#include "gateway/proto/oidc/bearer.h"
#include "gateway/proto/jose/cache.h"
#include "gateway/proto/jose/check.h"
#include "gateway/proto/oidc/discovery.h"

#include <string.h>

/* One configured issuer and what verifying its tokens takes. */
typedef struct {
	const kg_conf_bearer_issuer *conf;
	kg_jwt_rules rules;
	kg_jwt_keys *keys;
	kg_oidc_discovery *discovery; /* when jwks_uri comes from it */
} jwt_issuer;

struct kg_oidc_bearer {
	const kg_conf_oidc *conf;
	const kg_log *log;
	jwt_issuer *issuers;
	int nissuers;
	kg_jwt_cache *cache;
};

/* Fills the HTTP options all of an issuer's calls use. */
static void jwt_http_opts(const kg_conf_oidc *conf, const kg_log *log,
			  kg_oidc_http_opts *http)
{
	http->timeout_s = conf->timeout_s;
	http->ssl_verify = conf->ssl_verify;
	http->ca_file = conf->ca_file;
	http->log = log;
}

/* The client ids an ID token of issuer b would name as its aud: the
 * gateway's own login clients (KeygateOIDCClientID) of the providers
 * with b's issuer, and the clients KeygateBearerClients lists for b. NULL when
 * there are none. */
static const apr_array_header_t *login_clients(apr_pool_t *pool,
					       const kg_conf_oidc *conf,
					       const kg_conf_bearer_issuer *b)
{
	apr_array_header_t *list = apr_array_make(pool, 2, sizeof(char *));

	for (int i = 0; conf->providers && i < conf->providers->nelts; i++) {
		const kg_conf_oidc *p =
			APR_ARRAY_IDX(conf->providers, i, kg_conf_oidc *);
		if (p->client_id && strcmp(p->issuer, b->issuer) == 0)
			APR_ARRAY_PUSH(list, const char *) = p->client_id;
	}
	if (b->clients)
		apr_array_cat(list, b->clients);
	return list->nelts > 0 ? list : NULL;
}

/* Prepares issuer i of conf. */
static kg_rc jwt_issuer_open(apr_pool_t *pool, const kg_conf_oidc *conf,
			     const kg_log *log, int i, jwt_issuer *is,
			     kg_err *err)
{
	kg_oidc_http_opts *http = apr_palloc(pool, sizeof(*http));
	kg_jwt_source src;
	long long max_age_ms = conf->discovery_refresh_s * 1000;
	long long min_ms = conf->jwks_refresh_min_s * 1000;
	kg_rc rc;

	jwt_http_opts(conf, log, http);
	is->conf =
		&APR_ARRAY_IDX(conf->bearer_issuers, i, kg_conf_bearer_issuer);
	is->rules.algorithms = conf->algorithms;
	is->rules.issuer = is->conf->issuer;
	is->rules.audiences = is->conf->audiences;
	is->rules.azp = NULL;
	is->rules.skew_s = conf->clock_skew_s;
	is->rules.require_exp = true;
	is->rules.require_iat = false;
	is->rules.access_token = true;
	is->rules.clients = is->conf->clients;
	is->rules.login_clients = login_clients(pool, conf, is->conf);
	src = kg_oidc_http_source(http);
	rc = kg_jwt_keys_make(pool, &src, max_age_ms, min_ms, &is->keys, err);
	if (rc == KG_OK && is->conf->jwks_uri == NULL)
		rc = kg_oidc_discovery_make(pool, is->conf->issuer, http,
					    max_age_ms, min_ms, &is->discovery,
					    err);
	return rc;
}

kg_rc kg_oidc_bearer_open(apr_pool_t *pool, const kg_conf_oidc *conf,
			  const kg_log *log, kg_oidc_bearer **out, kg_err *err)
{
	kg_oidc_bearer *v = apr_pcalloc(pool, sizeof(*v));
	kg_rc rc;

	v->conf = conf;
	v->log = log;
	v->nissuers = conf->bearer_issuers->nelts;
	v->issuers = apr_pcalloc(pool, sizeof(jwt_issuer) *
					       (size_t)(v->nissuers + 1));
	for (int i = 0; i < v->nissuers; i++) {
		rc = jwt_issuer_open(pool, conf, log, i, &v->issuers[i], err);
		if (rc != KG_OK)
			return rc;
	}
	rc = kg_jwt_cache_make(pool, (size_t)conf->bearer_cache_size, &v->cache,
			       err);
	if (rc == KG_OK)
		*out = v;
	return rc;
}

/* The configured issuer named iss, or NULL. */
static jwt_issuer *jwt_find_issuer(kg_oidc_bearer *v, const char *iss)
{
	for (int i = 0; iss && i < v->nissuers; i++) {
		if (strcmp(v->issuers[i].conf->issuer, iss) == 0)
			return &v->issuers[i];
	}
	return NULL;
}

/* Fills *out from verified claims. */
static void jwt_token_fill(const jwt_issuer *is, kg_json *claims,
			   long long exp_s, bool cached,
			   kg_oidc_bearer_token *out)
{
	out->claims = claims;
	out->issuer = is->conf->issuer;
	out->sub = kg_json_str(claims, "sub");
	out->jti = kg_json_str(claims, "jti");
	out->exp_s = exp_s;
	out->cached = cached;
}

/* Answers from the cache: the payload is re-parsed and its claims
 * re-checked (cheap, and exp is re-checked on every hit). */
static bool jwt_from_cache(kg_oidc_bearer *v, apr_pool_t *pool,
			   const unsigned char *key, long long now_ms,
			   kg_oidc_bearer_token *out)
{
	const char *payload;
	size_t len;
	kg_json *claims;
	kg_json_error e;
	jwt_issuer *is;
	long long exp_s;
	kg_err err;

	if (!kg_jwt_cache_get(v->cache, pool, key, now_ms, &payload, &len) ||
	    !kg_json_parse(pool, payload, len, KG_JSON_DEFAULT_DEPTH, &claims,
			   &e))
		return false;
	is = jwt_find_issuer(v, kg_json_str(claims, "iss"));
	kg_err_clear(&err);
	if (is == NULL || kg_jwt_check_claims(claims, &is->rules, now_ms,
					      &exp_s, &err) != KG_OK)
		return false;
	jwt_token_fill(is, claims, exp_s, true, out);
	return true;
}

kg_rc kg_oidc_bearer_verify(kg_oidc_bearer *v, apr_pool_t *pool,
			    const char *token, long long now_ms,
			    kg_oidc_bearer_token *out, kg_err *err)
{
	unsigned char key[KG_JWT_CACHE_KEY];

	kg_jwt_cache_key(token, strnlen(token, KG_OIDC_TOKEN_MAX + 1), key);
	return kg_oidc_bearer_verify_keyed(v, pool, token, key, now_ms, out,
					   err);
}

kg_rc kg_oidc_bearer_verify_keyed(kg_oidc_bearer *v, apr_pool_t *pool,
				  const char *token,
				  const unsigned char key[32], long long now_ms,
				  kg_oidc_bearer_token *out, kg_err *err)
{
	size_t len = strnlen(token, KG_OIDC_TOKEN_MAX + 1);
	const char *jwks_uri, *iss;
	jwt_issuer *is;
	kg_jwt jwt;
	kg_rc rc;

	if (len > KG_OIDC_TOKEN_MAX)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_size: longer than %d bytes",
				  KG_OIDC_TOKEN_MAX);
	memcpy(out->digest, key, sizeof(out->digest));
	if (jwt_from_cache(v, pool, key, now_ms, out))
		return KG_OK;
	rc = kg_jwt_peek_issuer(pool, token, &iss, err);
	if (rc != KG_OK)
		return rc;
	is = jwt_find_issuer(v, iss);
	if (is == NULL)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_iss: not issued by a configured issuer");
	jwks_uri = is->conf->jwks_uri;
	if (jwks_uri == NULL) {
		kg_oidc_meta meta;
		rc = kg_oidc_discovery_get(is->discovery, pool, now_ms, &meta,
					   err);
		if (rc != KG_OK)
			return rc;
		jwks_uri = meta.jwks_uri;
	}
	rc = kg_jwt_check(is->keys, pool, jwks_uri, token, &is->rules, now_ms,
			  &jwt, err);
	if (rc != KG_OK)
		return rc;
	if (v->conf->bearer_cache_max_s > 0) {
		long long until = now_ms + v->conf->bearer_cache_max_s * 1000;
		if (jwt.exp_s * 1000 < until)
			until = jwt.exp_s * 1000;
		kg_jwt_cache_put(v->cache, key, jwt.payload, jwt.payload_len,
				 until);
	}
	jwt_token_fill(is, jwt.claims, jwt.exp_s, false, out);
	return KG_OK;
}
