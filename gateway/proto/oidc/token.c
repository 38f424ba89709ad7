/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the token endpoint: redeeming a code (with the PKCE verifier)
 * and refreshing, the ID token checks (OIDC Core §3.1.3.7: signature,
 * iss, aud, azp, exp, iat, nbf, nonce, at_hash), and userinfo.
 *
 * Tokens and codes are never logged; an error message names the reason
 * and, for the token endpoint, only its error code.
 */
#include "gateway/proto/oidc/oidc.h"
#include "gateway/base/b64url.h"
#include "gateway/proto/oidc/oidc_int.h"
#include "gateway/base/rand.h"
#include "gateway/base/metrics.h"

#include <apr_strings.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

/* The form of a token request: the grant's fields, then the client's
 * authentication (client_secret_post, or client_id alone for a public
 * client; client_secret_basic goes in the header). */
typedef struct {
	kg_oidc_http_param params[8];
	size_t n;
} oidc_form;

static void oidc_form_add(oidc_form *f, const char *name, const char *value)
{
	f->params[f->n].name = name;
	f->params[f->n].value = value;
	f->n++;
}

/* POSTs form to the token endpoint with the configured client
 * authentication. */
static kg_rc oidc_token_call(kg_oidc *o, apr_pool_t *pool, long long now_ms,
			     oidc_form *form, kg_oidc_http_reply *reply,
			     kg_err *err)
{
	const kg_conf_oidc *c = o->conf;
	const char *secret = (const char *)c->client_secret.bytes;
	bool basic = secret && c->client_auth == KG_OIDC_AUTH_BASIC;
	kg_oidc_meta meta;
	kg_rc rc =
		kg_oidc_discovery_get(o->discovery, pool, now_ms, &meta, err);
	long long t0;

	if (rc != KG_OK)
		return rc;
	if (meta.token_endpoint == NULL)
		return kg_err_set(err, KG_EBACKEND,
				  "oidc_discovery: no token_endpoint");
	if (!basic)
		oidc_form_add(form, "client_id", c->client_id);
	if (secret && !basic)
		oidc_form_add(form, "client_secret", secret);
	t0 = kg_metrics_clock_us();
	rc = kg_oidc_http_post_form(
		pool, &o->http, meta.token_endpoint, form->params, form->n,
		basic ? c->client_id : NULL, secret, reply, err);
	kg_metrics_since(KG_H_TOKEN, kg_metrics_slot(c->issuer, "oidc"), t0);
	return rc;
}

/* Checks at_hash (OIDC Core §3.1.3.8) when the ID token has one: the
 * left half of SHA-256 of the access token (every allowed alg of size
 * 256 uses SHA-256; larger ones are not checked here). */
static kg_rc oidc_check_at_hash(apr_pool_t *pool, const kg_jwt *id,
				const char *access_token, kg_err *err)
{
	const char *at_hash = kg_json_str(id->claims, "at_hash");
	unsigned char md[SHA256_DIGEST_LENGTH];

	if (at_hash == NULL || access_token == NULL ||
	    strcmp(id->alg + 2, "256") != 0)
		return KG_OK;
	SHA256((const unsigned char *)access_token, strlen(access_token), md);
	if (!kg_str_equal_ct(at_hash,
			     kg_b64url_encode(pool, md, sizeof(md) / 2)))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_at_hash: at_hash does not match the "
				  "access token");
	return KG_OK;
}

/* Merges userinfo claims into claims: the ID token's own claims win.
 * Returns a new object in pool. */
static kg_json *oidc_merge(apr_pool_t *pool, kg_json *claims,
			   const kg_json *info)
{
	kg_json *out = apr_pmemdup(pool, claims, sizeof(*claims));
	size_t n = 0;

	out->members = apr_palloc(pool, sizeof(kg_json_member) *
						(claims->count + info->count));
	for (size_t i = 0; i < claims->count; i++)
		out->members[n++] = claims->members[i];
	for (size_t i = 0; i < info->count; i++) {
		if (kg_json_get(claims, info->members[i].key) == NULL)
			out->members[n++] = info->members[i];
	}
	out->count = n;
	return out;
}

/* Reads the userinfo endpoint with the access token; its sub must be the
 * ID token's (OIDC Core §5.3.2). */
static kg_rc oidc_userinfo(kg_oidc *o, apr_pool_t *pool, long long now_ms,
			   kg_oidc_tokens *t, kg_err *err)
{
	kg_oidc_meta meta;
	kg_oidc_http_reply reply;
	const kg_json *info;
	kg_rc rc =
		kg_oidc_discovery_get(o->discovery, pool, now_ms, &meta, err);

	if (rc != KG_OK || meta.userinfo_endpoint == NULL)
		return rc;
	rc = kg_oidc_http_get(pool, &o->http, meta.userinfo_endpoint,
			      t->access_token, &reply, err);
	if (rc != KG_OK)
		return rc;
	if (reply.status >= 500)
		return kg_err_set(err, KG_EBACKEND, "oidc_userinfo: HTTP %d",
				  reply.status);
	info = reply.status == 200 ? kg_oidc_http_json(pool, &reply) : NULL;
	if (info == NULL)
		return kg_err_set(
			err, KG_EAUTH,
			"oidc_userinfo: HTTP %d without a JSON object",
			reply.status);
	if (t->sub == NULL ||
	    !kg_str_equal_ct(kg_json_str(info, "sub"), t->sub))
		return kg_err_set(err, KG_EAUTH,
				  "oidc_userinfo: sub differs from the ID "
				  "token's");
	t->claims = oidc_merge(pool, t->claims, info);
	return KG_OK;
}

/* Judges the token endpoint's reply. */
static kg_rc oidc_token_reply(const kg_oidc_http_reply *reply,
			      const kg_json *body, kg_err *err)
{
	const char *type = kg_json_str(body, "token_type");

	if (reply->status >= 500)
		return kg_err_set(err, KG_EBACKEND,
				  "oidc_token: the token endpoint answered "
				  "HTTP %d",
				  reply->status);
	if (body == NULL)
		return kg_err_set(err, KG_EAUTH,
				  "oidc_token: the answer (HTTP %d) is not a "
				  "JSON object",
				  reply->status);
	if (reply->status != 200 || kg_json_get(body, "error"))
		return kg_err_set(
			err, KG_EAUTH, "oidc_token: error \"%.64s\" (HTTP %d)",
			kg_json_str(body, "error") ? kg_json_str(body, "error")
						   : "",
			reply->status);
	if (kg_json_str(body, "access_token") == NULL || type == NULL ||
	    strcasecmp(type, "Bearer") != 0)
		return kg_err_set(err, KG_EAUTH,
				  "oidc_token: no Bearer access_token");
	return KG_OK;
}

kg_rc kg_oidc_token_parse(apr_pool_t *pool, int status, const char *body,
			  size_t len, long long now_ms, kg_oidc_tokens *out,
			  kg_err *err)
{
	kg_oidc_http_reply reply = {status, body, len};
	const kg_json *json = kg_oidc_http_json(pool, &reply);
	const kg_json *expires;
	long long expires_s;
	kg_rc rc = oidc_token_reply(&reply, json, err);

	if (rc != KG_OK)
		return rc;
	memset(out, 0, sizeof(*out));
	out->id_token = kg_json_str(json, "id_token");
	out->access_token = kg_json_str(json, "access_token");
	out->refresh_token = kg_json_str(json, "refresh_token");
	expires = kg_json_get(json, "expires_in");
	if (expires && expires->type == KG_JSON_NUMBER &&
	    kg_str_to_int(expires->str, 0, 366LL * 24 * 3600, &expires_s))
		out->access_expires_ms = now_ms + expires_s * 1000;
	return KG_OK;
}

/* Turns a token reply into *out: the ID token (required when nonce is
 * not NULL, i.e. at login) is verified, and its nonce compared. */
static kg_rc oidc_tokens(kg_oidc *o, apr_pool_t *pool,
			 const kg_oidc_http_reply *reply, const char *nonce,
			 long long now_ms, kg_oidc_tokens *out, kg_err *err)
{
	kg_oidc_tokens t;
	kg_jwt_rules rules;
	kg_jwt id;
	kg_rc rc = kg_oidc_token_parse(pool, reply->status, reply->body,
				       reply->len, now_ms, &t, err);

	if (rc != KG_OK)
		return rc;
	if (t.id_token == NULL && nonce)
		return kg_err_set(err, KG_EAUTH, "oidc_token: no id_token");
	if (t.id_token) {
		kg_oidc_rules(o, true, &rules);
		rc = kg_oidc_jwt_check(o, pool, t.id_token, &rules, now_ms, &id,
				       err);
		if (rc != KG_OK)
			return rc;
		if (nonce &&
		    !kg_str_equal_ct(kg_json_str(id.claims, "nonce"), nonce))
			return kg_err_set(err, KG_EAUTH,
					  "oidc_nonce: the ID token's nonce "
					  "is not this login's");
		rc = oidc_check_at_hash(pool, &id, t.access_token, err);
		if (rc != KG_OK)
			return rc;
		t.claims = id.claims;
		t.sub = kg_json_str(id.claims, "sub");
		t.sid = kg_json_str(id.claims, "sid");
		if (t.sub == NULL)
			return kg_err_set(err, KG_EAUTH,
					  "oidc_token: the ID token has no "
					  "sub");
	}
	if (t.claims && o->conf->userinfo)
		rc = oidc_userinfo(o, pool, now_ms, &t, err);
	if (rc == KG_OK)
		*out = t;
	return rc;
}

kg_rc kg_oidc_redeem(kg_oidc *o, apr_pool_t *pool,
		     const kg_oidc_pending *pending, const char *state,
		     const char *code, const char *redirect_uri,
		     long long now_ms, kg_oidc_tokens *out, kg_err *err)
{
	oidc_form form = {.n = 0};
	kg_oidc_http_reply reply;
	kg_rc rc;

	if (!kg_str_equal_ct(state, pending->state))
		return kg_err_set(err, KG_EAUTH,
				  "oidc_state: the callback's state is not "
				  "this login's");
	if (code == NULL || code[0] == '\0' ||
	    strnlen(code, KG_OIDC_CODE_MAX + 1) > KG_OIDC_CODE_MAX)
		return kg_err_set(err, KG_EAUTH,
				  "oidc_code: missing or too long");
	oidc_form_add(&form, "grant_type", "authorization_code");
	oidc_form_add(&form, "code", code);
	oidc_form_add(&form, "redirect_uri", redirect_uri);
	oidc_form_add(&form, "code_verifier", pending->code_verifier);
	rc = oidc_token_call(o, pool, now_ms, &form, &reply, err);
	if (rc == KG_OK)
		rc = oidc_tokens(o, pool, &reply, pending->nonce, now_ms, out,
				 err);
	return rc;
}

kg_rc kg_oidc_refresh(kg_oidc *o, apr_pool_t *pool, const char *refresh_token,
		      long long now_ms, kg_oidc_tokens *out, kg_err *err)
{
	oidc_form form = {.n = 0};
	kg_oidc_http_reply reply;
	kg_rc rc;

	if (refresh_token == NULL || refresh_token[0] == '\0' ||
	    strnlen(refresh_token, KG_OIDC_TOKEN_MAX + 1) > KG_OIDC_TOKEN_MAX)
		return kg_err_set(err, KG_EAUTH,
				  "oidc_refresh: missing or too long");
	oidc_form_add(&form, "grant_type", "refresh_token");
	oidc_form_add(&form, "refresh_token", refresh_token);
	rc = oidc_token_call(o, pool, now_ms, &form, &reply, err);
	if (rc == KG_OK)
		rc = oidc_tokens(o, pool, &reply, NULL, now_ms, out, err);
	if (rc == KG_OK && out->refresh_token == NULL)
		out->refresh_token = apr_pstrdup(pool, refresh_token);
	return rc;
}
