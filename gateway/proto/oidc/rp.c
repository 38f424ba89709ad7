/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the OpenID Connect relying party: the provider object, the
 * login URL (code flow with PKCE S256, state and nonce) and the
 * RP-initiated logout URL. Code redemption is in oidc_token.c, the
 * back-channel logout token in oidc_logout.c.
 */
#include "gateway/proto/oidc/oidc.h"
#include "gateway/proto/oidc/oidc_int.h"
#include "gateway/base/rand.h"

#include <apr_escape.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <string.h>

/* 256 bits for state, nonce and the PKCE verifier. */
#define KG_OIDC_RANDOM_BYTES 32

kg_rc kg_oidc_open(apr_pool_t *pool, const kg_conf_oidc *conf,
		   const kg_log *log, kg_oidc **out, kg_err *err)
{
	kg_oidc *o = apr_pcalloc(pool, sizeof(*o));
	long long max_age_ms = conf->discovery_refresh_s * 1000;
	long long min_ms = conf->jwks_refresh_min_s * 1000;
	kg_rc rc;

	if (conf->issuer == NULL || conf->client_id == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "OIDC login needs KeygateOIDCProvider and "
				  "KeygateOIDCClientID");
	o->conf = conf;
	o->log = log;
	o->http.timeout_s = conf->timeout_s;
	o->http.ssl_verify = conf->ssl_verify;
	o->http.ca_file = conf->ca_file;
	o->http.log = log;
	o->client = apr_array_make(pool, 1, sizeof(const char *));
	APR_ARRAY_PUSH(o->client, const char *) = conf->client_id;
	if (!conf->ssl_verify)
		kg_log_emit(log, KG_LOG_WARN, "KG-0432",
			    "TLS certificates of the OpenID provider are NOT "
			    "verified (KeygateOIDCSSLVerify Off): for tests "
			    "only issuer=%s",
			    conf->issuer);
	rc = kg_oidc_discovery_make(pool, conf->issuer, &o->http, max_age_ms,
				    min_ms, &o->discovery, err);
	if (rc == KG_OK) {
		kg_jwt_source src = kg_oidc_http_source(&o->http);
		rc = kg_jwt_keys_make(pool, &src, max_age_ms, min_ms, &o->keys,
				      err);
	}
	if (rc == KG_OK)
		*out = o;
	return rc;
}

void kg_oidc_rules(const kg_oidc *o, bool azp, kg_jwt_rules *rules)
{
	memset(rules, 0, sizeof(*rules));
	rules->algorithms = o->conf->algorithms;
	rules->issuer = o->conf->issuer;
	rules->audiences = o->client;
	rules->azp = azp ? o->conf->client_id : NULL;
	rules->skew_s = o->conf->clock_skew_s;
	rules->require_exp = true;
	rules->require_iat = true;
}

kg_rc kg_oidc_jwt_check(kg_oidc *o, apr_pool_t *pool, const char *token,
			const kg_jwt_rules *rules, long long now_ms,
			kg_jwt *out, kg_err *err)
{
	kg_oidc_meta meta;
	kg_rc rc =
		kg_oidc_discovery_get(o->discovery, pool, now_ms, &meta, err);

	if (rc != KG_OK)
		return rc;
	return kg_jwt_check(o->keys, pool, meta.jwks_uri, token, rules, now_ms,
			    out, err);
}

/* Appends "&name=value" (or "?" first) to url, value form-encoded. */
static const char *oidc_url_add(apr_pool_t *pool, const char *url,
				const char *name, const char *value)
{
	return apr_pstrcat(pool, url, strchr(url, '?') ? "&" : "?", name, "=",
			   apr_pescape_urlencoded(pool, value), NULL);
}

kg_rc kg_oidc_login_url(kg_oidc *o, apr_pool_t *pool, const char *redirect_uri,
			const char *return_to, bool fresh_auth,
			long long now_ms, kg_oidc_pending *pending,
			const char **url, kg_err *err)
{
	kg_oidc_meta meta;
	kg_oidc_pending p;
	const char *u;
	kg_rc rc =
		kg_oidc_discovery_get(o->discovery, pool, now_ms, &meta, err);

	if (rc != KG_OK)
		return rc;
	if (meta.authorization_endpoint == NULL)
		return kg_err_set(err, KG_EBACKEND,
				  "oidc_discovery: no authorization_endpoint");
	if ((rc = kg_rand_b64(pool, KG_OIDC_RANDOM_BYTES, &p.state, err)) !=
		    KG_OK ||
	    (rc = kg_rand_b64(pool, KG_OIDC_RANDOM_BYTES, &p.nonce, err)) !=
		    KG_OK ||
	    (rc = kg_rand_b64(pool, KG_OIDC_RANDOM_BYTES, &p.code_verifier,
			      err)) != KG_OK)
		return rc;
	p.return_to = apr_pstrdup(pool, return_to ? return_to : "/");
	p.created_ms = now_ms;
	u = oidc_url_add(pool, meta.authorization_endpoint, "response_type",
			 "code");
	u = oidc_url_add(pool, u, "client_id", o->conf->client_id);
	u = oidc_url_add(pool, u, "redirect_uri", redirect_uri);
	u = oidc_url_add(pool, u, "scope", o->conf->scope);
	u = oidc_url_add(pool, u, "state", p.state);
	u = oidc_url_add(pool, u, "nonce", p.nonce);
	u = oidc_url_add(pool, u, "code_challenge",
			 kg_oidc_pkce_challenge(pool, p.code_verifier));
	u = oidc_url_add(pool, u, "code_challenge_method", "S256");
	if (fresh_auth)
		u = oidc_url_add(pool, u, "prompt", "login");
	*pending = p;
	*url = u;
	return KG_OK;
}

const char *kg_oidc_logout_url(kg_oidc *o, apr_pool_t *pool,
			       const char *id_token_hint,
			       const char *post_logout_redirect_uri)
{
	kg_oidc_meta meta;
	kg_err err;
	const char *u;

	kg_err_clear(&err);
	if (kg_oidc_discovery_get(o->discovery, pool,
				  apr_time_as_msec(apr_time_now()), &meta,
				  &err) != KG_OK ||
	    meta.end_session_endpoint == NULL)
		return NULL;
	u = meta.end_session_endpoint;
	if (id_token_hint)
		u = oidc_url_add(pool, u, "id_token_hint", id_token_hint);
	if (post_logout_redirect_uri)
		u = oidc_url_add(pool, u, "post_logout_redirect_uri",
				 post_logout_redirect_uri);
	u = oidc_url_add(pool, u, "client_id", o->conf->client_id);
	return u;
}

kg_rc kg_oidc_ready(kg_oidc *o, apr_pool_t *pool, long long now_ms, kg_err *err)
{
	kg_oidc_meta meta;

	return kg_oidc_discovery_get(o->discovery, pool, now_ms, &meta, err);
}
