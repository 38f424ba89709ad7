/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: compact JWS parsing, header and claim checks.
 *
 * The header is read with keygate's strict JSON reader (duplicate keys
 * are an error, so no two parsers can disagree about alg), and the alg
 * allow-list is applied before any key is looked up.
 */
#include "gateway/proto/jose/check.h"
#include "conf/oidc.h"
#include "gateway/base/bag.h"
#include "gateway/base/b64url.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 9999-12-31T23:59:59Z: later NumericDates are junk. */
#define KG_JWT_TIME_MAX 253402300799LL

/* Finds the two dots of a compact JWS; false unless there are exactly
 * three segments of base64url characters with a non-empty header (an
 * empty signature fails later, after the alg check, as jwt_alg or
 * jwt_sig). */
static bool jwt_split(const char *token, size_t len, size_t dot[2])
{
	int n = 0;

	for (size_t i = 0; i < len; i++) {
		if (token[i] == '.') {
			if (n == 2)
				return false;
			dot[n++] = i;
		} else if (!((token[i] >= 'A' && token[i] <= 'Z') ||
			     (token[i] >= 'a' && token[i] <= 'z') ||
			     (token[i] >= '0' && token[i] <= '9') ||
			     token[i] == '-' || token[i] == '_'))
			return false;
	}
	return n == 2 && dot[0] > 0;
}

/* Parses text[0..len) as the JSON object what ("header", "payload")
 * into *out: strict RFC 8259, so a byte-order mark is refused
 * (jwt_json) like any other text that is not one JSON object
 * (jwt_parse). */
static kg_rc jwt_json(apr_pool_t *pool, const char *text, size_t len,
		      const char *what, kg_json **out, kg_err *err)
{
	kg_json_error e;

	if (kg_json_has_bom(text, len))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_json: the %s starts with a byte-order "
				  "mark (RFC 8259 8.1)",
				  what);
	if (!kg_json_parse(pool, text, len, KG_JSON_DEFAULT_DEPTH, out, &e) ||
	    (*out)->type != KG_JSON_OBJECT)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_parse: the %s is not a JSON object",
				  what);
	return KG_OK;
}

/* Decodes one base64url segment holding a JSON object (what names it in
 * messages: "header", "payload") into *out. */
static kg_rc jwt_segment(apr_pool_t *pool, const char *seg, size_t len,
			 const char *what, kg_json **out, kg_err *err)
{
	unsigned char *text;
	size_t text_len;

	if (!kg_b64url_decode(pool, seg, len, &text, &text_len))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_parse: the %s is not base64url", what);
	return jwt_json(pool, (const char *)text, text_len, what, out, err);
}

kg_rc kg_jwt_peek_issuer(apr_pool_t *pool, const char *token, const char **iss,
			 kg_err *err)
{
	size_t len = strnlen(token, KG_OIDC_TOKEN_MAX + 1), dot[2];
	kg_json *payload;
	kg_rc rc;

	*iss = NULL;
	if (len > KG_OIDC_TOKEN_MAX)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_size: longer than %d bytes",
				  KG_OIDC_TOKEN_MAX);
	if (!jwt_split(token, len, dot))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_parse: not a compact JWS");
	rc = jwt_segment(pool, token + dot[0] + 1, dot[1] - dot[0] - 1,
			 "payload", &payload, err);
	if (rc == KG_OK)
		*iss = kg_json_str(payload, "iss");
	return rc;
}

/* True when alg is on the list (exact: JOSE names are case-sensitive). */
static bool jwt_alg_allowed(const apr_array_header_t *list, const char *alg)
{
	for (int i = 0; i < list->nelts; i++) {
		if (strcmp(APR_ARRAY_IDX(list, i, const char *), alg) == 0)
			return true;
	}
	return false;
}

/* An access token's header typ: absent, JWT or at+jwt (RFC 9068 2.1),
 * with or without "application/", in any case (RFC 7515 4.1.9). Anything
 * else (dpop+jwt, logout+jwt, secevent+jwt, ...) is another kind of
 * token. */
static kg_rc jwt_access_typ(const kg_json *typ, kg_err *err)
{
	const char *t;

	if (typ == NULL)
		return KG_OK;
	if (typ->type != KG_JSON_STRING)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_typ: typ is not a string");
	t = typ->str;
	if (strncasecmp(t, "application/", 12) == 0)
		t += 12;
	if (strcasecmp(t, "JWT") == 0 || strcasecmp(t, "at+jwt") == 0)
		return KG_OK;
	return kg_err_set(err, KG_EAUTH,
			  "jwt_typ: typ \"%.32s\" is not an access token's",
			  typ->str);
}

/* Checks the header; sets *alg and *kid. */
static kg_rc jwt_header(const kg_json *h, const kg_jwt_rules *rules,
			const char **alg, const char **kid, kg_err *err)
{
	const kg_json *k = kg_json_get(h, "kid");

	*alg = kg_json_str(h, "alg");
	if (*alg == NULL)
		return kg_err_set(err, KG_EAUTH, "jwt_alg: no alg in header");
	if (!jwt_alg_allowed(rules->algorithms, *alg))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_alg: alg \"%.16s\" is not allowed",
				  *alg);
	if (kg_json_get(h, "crit") || kg_json_get(h, "zip") ||
	    kg_json_get(h, "enc"))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_header: crit, zip and enc are not "
				  "supported");
	if (k && k->type != KG_JSON_STRING)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_header: kid is not a string");
	*kid = k ? k->str : NULL;
	return rules->access_token ? jwt_access_typ(kg_json_get(h, "typ"), err)
				   : KG_OK;
}

kg_rc kg_jwt_check(kg_jwt_keys *keys, apr_pool_t *pool, const char *jwks_uri,
		   const char *token, const kg_jwt_rules *rules,
		   long long now_ms, kg_jwt *out, kg_err *err)
{
	size_t len = strnlen(token, KG_OIDC_TOKEN_MAX + 1), dot[2];
	kg_json *header, *claims;
	const char *alg = NULL, *kid = NULL, *payload = NULL;
	size_t payload_len;
	long long exp_s;
	kg_rc rc;

	if (len > KG_OIDC_TOKEN_MAX)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_size: longer than %d bytes",
				  KG_OIDC_TOKEN_MAX);
	if (!jwt_split(token, len, dot))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_parse: not a compact JWS");
	rc = jwt_segment(pool, token, dot[0], "header", &header, err);
	if (rc == KG_OK)
		rc = jwt_header(header, rules, &alg, &kid, err);
	if (rc == KG_OK)
		rc = kg_jwt_keys_verify(keys, pool, jwks_uri, token, len, alg,
					kid, now_ms, &payload, &payload_len,
					err);
	if (rc == KG_OK)
		rc = jwt_json(pool, payload, payload_len, "payload", &claims,
			      err);
	if (rc != KG_OK)
		return rc;
	rc = kg_jwt_check_claims(claims, rules, now_ms, &exp_s, err);
	if (rc != KG_OK)
		return rc;
	out->claims = claims;
	out->payload = payload;
	out->payload_len = payload_len;
	out->exp_s = exp_s;
	out->alg = alg;
	out->kid = kid;
	return KG_OK;
}

/* Reads the NumericDate claim name into *out (whole seconds). Returns
 * false when it is present but not a number from 0 to KG_JWT_TIME_MAX;
 * *present says whether it is there. */
static bool jwt_time(const kg_json *claims, const char *name, bool *present,
		     long long *out)
{
	const kg_json *v = kg_json_get(claims, name);
	double d;

	*present = v != NULL;
	*out = 0;
	if (v == NULL)
		return true;
	if (v->type != KG_JSON_NUMBER)
		return false;
	d = strtod(v->str, NULL);
	if (!isfinite(d) || d < 0 || d > (double)KG_JWT_TIME_MAX)
		return false;
	*out = (long long)d;
	return true;
}

/* True when aud (a string or an array of strings) holds one of want;
 * *count is how many audiences aud names (0 when malformed). */
static bool jwt_aud_match(const kg_json *aud, const apr_array_header_t *want,
			  size_t *count)
{
	bool match = false;

	*count = 0;
	if (aud == NULL)
		return false;
	if (aud->type == KG_JSON_STRING) {
		*count = 1;
		return kg_values_contain(want, aud->str);
	}
	if (aud->type != KG_JSON_ARRAY)
		return false;
	for (size_t i = 0; i < aud->count; i++) {
		const kg_json *v = aud->members[i].value;
		if (v->type != KG_JSON_STRING) {
			*count = 0;
			return false;
		}
		match = match || kg_values_contain(want, v->str);
	}
	*count = aud->count;
	return match;
}

/* Checks exp, nbf and iat against now_s with skew_s. */
static kg_rc jwt_check_times(const kg_json *claims, const kg_jwt_rules *r,
			     long long now_s, long long *exp_s, kg_err *err)
{
	bool has_exp, has_nbf, has_iat;
	long long nbf, iat;

	if (!jwt_time(claims, "exp", &has_exp, exp_s) ||
	    (!has_exp && r->require_exp))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_exp: exp is missing or not a time");
	if (has_exp && now_s >= *exp_s + r->skew_s)
		return kg_err_set(err, KG_EAUTH, "jwt_exp: expired %lld s ago",
				  now_s - *exp_s);
	if (!jwt_time(claims, "nbf", &has_nbf, &nbf))
		return kg_err_set(err, KG_EAUTH, "jwt_nbf: nbf is not a time");
	if (has_nbf && nbf > now_s + r->skew_s)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_nbf: not valid for another %lld s",
				  nbf - now_s);
	if (!jwt_time(claims, "iat", &has_iat, &iat) ||
	    (!has_iat && r->require_iat))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_iat: iat is missing or not a time");
	if (has_iat && iat > now_s + r->skew_s)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_iat: issued %lld s in the future",
				  iat - now_s);
	return KG_OK;
}

/* What kind of token an access token's claims say it is not: an ID
 * token (nonce, at_hash, c_hash, Keycloak's typ "ID") or a logout token
 * (events, Keycloak's typ "Logout"); Keycloak's refresh and offline
 * tokens (typ "Refresh", "Offline") are not access tokens either.
 * Keycloak before the fix of keycloak/keycloak#26893 (2024) copies the
 * login's nonce into its access tokens, which it marks typ "Bearer" (its
 * ID tokens are typ "ID"): there a nonce does not make an ID token. */
static kg_rc jwt_access_claims(const kg_json *claims, kg_err *err)
{
	static const char *const id_claims[] = {"nonce", "at_hash", "c_hash"};
	const char *kc_typ = kg_json_str(claims, "typ");
	bool kc_bearer = kc_typ && strcasecmp(kc_typ, "Bearer") == 0;

	if (kg_json_get(claims, "events") ||
	    (kc_typ && strcasecmp(kc_typ, "Logout") == 0))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_logout_token: a logout token is not an "
				  "access token");
	for (size_t i = kc_bearer ? 1 : 0;
	     i < sizeof(id_claims) / sizeof(*id_claims); i++) {
		if (kg_json_get(claims, id_claims[i]))
			return kg_err_set(err, KG_EAUTH,
					  "jwt_id_token: %s: an ID token is "
					  "not an access token",
					  id_claims[i]);
	}
	if (kc_typ && strcasecmp(kc_typ, "ID") == 0)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_id_token: typ ID: an ID token is not an "
				  "access token");
	if (kc_typ && (strcasecmp(kc_typ, "Refresh") == 0 ||
		       strcasecmp(kc_typ, "Offline") == 0))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_typ: typ \"%s\" is not an access "
				  "token's",
				  kc_typ);
	return KG_OK;
}

/* The login client aud names, when aud (string or array) names one of
 * login (and the caller found no API audience in it); else NULL. */
static const char *jwt_aud_login_client(const kg_json *aud,
					const apr_array_header_t *login)
{
	if (aud == NULL || login == NULL)
		return NULL;
	if (aud->type == KG_JSON_STRING)
		return kg_values_contain(login, aud->str) ? aud->str : NULL;
	for (size_t i = 0; aud->type == KG_JSON_ARRAY && i < aud->count; i++) {
		const kg_json *v = aud->members[i].value;
		if (v->type == KG_JSON_STRING &&
		    kg_values_contain(login, v->str))
			return v->str;
	}
	return NULL;
}

/* The access token's client is one of rules->clients: azp (OIDC), else
 * client_id (RFC 9068); when both are there they must agree. */
static kg_rc jwt_check_client(const kg_json *claims,
			      const apr_array_header_t *clients, kg_err *err)
{
	const kg_json *azp = kg_json_get(claims, "azp");
	const kg_json *cid = kg_json_get(claims, "client_id");

	if ((azp && azp->type != KG_JSON_STRING) ||
	    (cid && cid->type != KG_JSON_STRING))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_azp: azp or client_id is not a string");
	if (azp && cid && strcmp(azp->str, cid->str) != 0)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_azp: azp and client_id name different "
				  "clients");
	if (azp == NULL && cid == NULL)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_azp: no azp or client_id, and the "
				  "issuer's clients are listed");
	if (!kg_values_contain(clients, azp ? azp->str : cid->str))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_azp: client \"%.64s\" is not one this "
				  "issuer's tokens may come from",
				  azp ? azp->str : cid->str);
	return KG_OK;
}

kg_rc kg_jwt_check_claims(const kg_json *claims, const kg_jwt_rules *rules,
			  long long now_ms, long long *exp_s, kg_err *err)
{
	const char *iss = kg_json_str(claims, "iss"), *login;
	const kg_json *azp = kg_json_get(claims, "azp");
	const kg_json *aud = kg_json_get(claims, "aud");
	size_t naud;
	kg_rc rc;

	if (iss == NULL || strcmp(iss, rules->issuer) != 0)
		return kg_err_set(err, KG_EAUTH, "jwt_iss: iss is not \"%s\"",
				  rules->issuer);
	if (rules->access_token &&
	    (rc = jwt_access_claims(claims, err)) != KG_OK)
		return rc;
	if (!jwt_aud_match(aud, rules->audiences, &naud)) {
		login = jwt_aud_login_client(aud, rules->login_clients);
		if (login)
			return kg_err_set(err, KG_EAUTH,
					  "jwt_id_token: aud names the login "
					  "client \"%.64s\", not an API "
					  "audience",
					  login);
		return kg_err_set(err, KG_EAUTH,
				  naud == 0 ? "jwt_aud: aud is missing or "
					      "malformed"
					    : "jwt_aud: aud does not name "
					      "this client");
	}
	if (rules->azp && (azp || naud > 1) &&
	    (azp == NULL || azp->type != KG_JSON_STRING ||
	     strcmp(azp->str, rules->azp) != 0))
		return kg_err_set(err, KG_EAUTH, "jwt_azp: azp is not \"%s\"",
				  rules->azp);
	if (rules->clients &&
	    (rc = jwt_check_client(claims, rules->clients, err)) != KG_OK)
		return rc;
	return jwt_check_times(claims, rules, now_ms / 1000, exp_s, err);
}
