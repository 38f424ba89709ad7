/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the JWKS cache and JWS signature checks, over cjose.
 *
 * A fetched JWKS becomes an immutable keyset (malloc'd, cjose keys
 * inside) held by a kg_refcell; a reader keeps its reference while it
 * verifies, so a concurrent rotation never frees a key in use.
 */
#include "gateway/proto/jose/keys.h"
#include "gateway/base/b64url.h"
#include "gateway/base/json.h"
#include "gateway/base/buf.h"
#include "gateway/base/refcell.h"
#include "gateway/base/metrics.h"

#include <cjose/cjose.h>

#include <apr_strings.h>
#include <apr_time.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KG_JWKS_KEYS_MAX 64

typedef struct {
	char *kid;	/* NULL: none */
	char *kty;	/* "RSA", "EC" */
	char *crv;	/* EC: "P-256", ...; else NULL */
	char *alg;	/* NULL: any that fits kty */
	size_t sig_len; /* the only signature length it verifies: the
			   modulus length (RSA), twice the coordinate
			   length (EC) */
	cjose_jwk_t *jwk;
} jwt_key;

typedef struct {
	char *uri; /* where it came from */
	size_t n;
	jwt_key keys[KG_JWKS_KEYS_MAX];
} jwt_keyset;

struct kg_jwt_keys {
	kg_jwt_source src;
	kg_refcell *cache; /* of jwt_keyset */
};

static char *jwt_keys_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void jwt_keyset_free(void *value)
{
	jwt_keyset *set = value;

	for (size_t i = 0; i < set->n; i++) {
		free(set->keys[i].kid);
		free(set->keys[i].kty);
		free(set->keys[i].crv);
		free(set->keys[i].alg);
		cjose_jwk_release(set->keys[i].jwk);
	}
	free(set->uri);
	free(set);
}

kg_rc kg_jwt_keys_make(apr_pool_t *pool, const kg_jwt_source *src,
		       long long max_age_ms, long long refresh_min_ms,
		       kg_jwt_keys **out, kg_err *err)
{
	kg_jwt_keys *k = apr_pcalloc(pool, sizeof(*k));
	kg_rc rc;

	k->src = *src;
	rc = kg_refcell_make(pool, jwt_keyset_free, max_age_ms, refresh_min_ms,
			     &k->cache, err);
	if (rc == KG_OK)
		*out = k;
	return rc;
}

/* False when a member of the JWK v that cjose base64url-decodes would
 * abort the process: cjose 0.6.2 (Debian 12) asserts when the characters
 * before a '=' number 1 modulo 4 (later cjose refuses the key instead).
 * A JWKS is what a provider's jwks_uri answered, so it is checked here. */
static bool jwt_jwk_cjose_safe(const kg_json *v)
{
	static const char *const b64_members[] = {
		"n", "e", "d", "p", "q", "dp", "dq", "qi", "x", "y", "k",
	};

	for (size_t i = 0; i < sizeof(b64_members) / sizeof(*b64_members);
	     i++) {
		const char *s = kg_json_str(v, b64_members[i]);
		const char *pad = s ? strchr(s, '=') : NULL;
		if (pad && (pad - s) % 4 == 1)
			return false;
	}
	return true;
}

/* The JWS algorithms keygate verifies, with the key type they take. */
static const struct {
	const char *alg, *kty, *crv;
} jws_algs[] = {
	{"RS256", "RSA", NULL},	  {"RS384", "RSA", NULL},
	{"RS512", "RSA", NULL},	  {"PS256", "RSA", NULL},
	{"PS384", "RSA", NULL},	  {"PS512", "RSA", NULL},
	{"ES256", "EC", "P-256"}, {"ES384", "EC", "P-384"},
	{"ES512", "EC", "P-521"},
};

/* True when the JWK's alg (a JWS algorithm for kty and crv) lets it
 * verify signatures; an encryption algorithm (RSA-OAEP, ECDH-ES, ...)
 * or one for another key type never does. */
static bool jwk_alg_signs(const char *alg, const char *kty, const char *crv)
{
	for (size_t i = 0; i < sizeof(jws_algs) / sizeof(*jws_algs); i++) {
		if (strcmp(jws_algs[i].alg, alg) == 0)
			return strcmp(jws_algs[i].kty, kty) == 0 &&
			       (jws_algs[i].crv == NULL ||
				(crv && strcmp(jws_algs[i].crv, crv) == 0));
	}
	return false;
}

/* True when the JWK's key_ops (RFC 7517 4.3), when present, is an array
 * of strings that allows "verify" and nothing an encryption key does: a
 * key marked for encryption never verifies a signature. */
static bool jwk_ops_verify(const kg_json *ops)
{
	static const char *const enc_ops[] = {"encrypt",   "decrypt",
					      "wrapKey",   "unwrapKey",
					      "deriveKey", "deriveBits"};
	bool verify = false;

	if (ops == NULL)
		return true;
	if (ops->type != KG_JSON_ARRAY)
		return false;
	for (size_t i = 0; i < ops->count; i++) {
		const kg_json *op = ops->members[i].value;
		if (op->type != KG_JSON_STRING)
			return false;
		for (size_t j = 0; j < sizeof(enc_ops) / sizeof(*enc_ops); j++)
			if (strcmp(op->str, enc_ops[j]) == 0)
				return false;
		verify = verify || strcmp(op->str, "verify") == 0;
	}
	return verify;
}

/* The exact length of a signature by the JWK v (RFC 7518 3.3, 3.4):
 * RSA the modulus length in bytes, EC twice the coordinate length of
 * its curve; 0 when it cannot be told (the key is skipped). */
static size_t jwk_sig_len(apr_pool_t *pool, const kg_json *v, const char *kty)
{
	const char *crv = kg_json_str(v, "crv"), *n = kg_json_str(v, "n");
	unsigned char *bytes;
	size_t len, i = 0;

	if (strcmp(kty, "EC") == 0) {
		if (crv == NULL)
			return 0;
		return strcmp(crv, "P-256") == 0   ? 64
		       : strcmp(crv, "P-384") == 0 ? 96
		       : strcmp(crv, "P-521") == 0 ? 132
						   : 0;
	}
	if (n == NULL || !kg_b64url_decode(pool, n, strlen(n), &bytes, &len))
		return 0;
	while (i < len && bytes[i] == 0)
		i++; /* a leading zero octet some encoders add */
	return len - i;
}

/* Adds the JWK object v to set unless it is not a signing key keygate
 * can use: its use, key_ops and alg must all allow verifying a JWS
 * (RFC 7517 4.2-4.4). */
static void jwt_keyset_add(apr_pool_t *pool, jwt_keyset *set, const kg_json *v)
{
	const char *kty = kg_json_str(v, "kty");
	const kg_json *use = kg_json_get(v, "use"),
		      *alg = kg_json_get(v, "alg");
	jwt_key *key = &set->keys[set->n];
	cjose_err cerr;
	kg_buf text;
	size_t sig_len;

	if (set->n >= KG_JWKS_KEYS_MAX || kty == NULL ||
	    (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0) ||
	    (use &&
	     (use->type != KG_JSON_STRING || strcmp(use->str, "sig") != 0)) ||
	    !jwk_ops_verify(kg_json_get(v, "key_ops")) ||
	    (alg && (alg->type != KG_JSON_STRING ||
		     !jwk_alg_signs(alg->str, kty, kg_json_str(v, "crv")))) ||
	    !jwt_jwk_cjose_safe(v))
		return;
	sig_len = jwk_sig_len(pool, v, kty);
	if (sig_len == 0)
		return;
	kg_buf_init(&text, pool, 1024);
	kg_json_write(&text, v);
	key->jwk = cjose_jwk_import(text.data, text.len, &cerr);
	if (key->jwk == NULL)
		return;
	key->kid = jwt_keys_strdup(kg_json_str(v, "kid"));
	key->kty = jwt_keys_strdup(kty);
	key->crv = jwt_keys_strdup(kg_json_str(v, "crv"));
	key->alg = jwt_keys_strdup(kg_json_str(v, "alg"));
	key->sig_len = sig_len;
	set->n++;
}

/* Parses the JWKS body[0..len) (the answer of uri, HTTP status) into a
 * new keyset (*out, the caller's to free). */
static kg_rc jwt_keyset_from(apr_pool_t *pool, const char *uri, int status,
			     const char *body, size_t len, jwt_keyset **out,
			     kg_err *err)
{
	kg_json *doc = NULL;
	const kg_json *keys;
	kg_json_error e;
	jwt_keyset *set;

	if (status == 200 && kg_json_has_bom(body, len))
		return kg_err_set(err, KG_EBACKEND,
				  "jwks_json: %s answered a JWKS that starts "
				  "with a byte-order mark (RFC 8259 8.1)",
				  uri);
	if (status == 200 &&
	    !kg_json_parse(pool, body, len, KG_JSON_DEFAULT_DEPTH, &doc, &e))
		doc = NULL;
	keys = doc && doc->type == KG_JSON_OBJECT ? kg_json_get(doc, "keys")
						  : NULL;
	if (keys == NULL || keys->type != KG_JSON_ARRAY)
		return kg_err_set(err, KG_EBACKEND,
				  "jwks_fetch: %s answered HTTP %d without a "
				  "JWKS",
				  uri, status);
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	set->uri = strdup(uri);
	for (size_t i = 0; i < keys->count; i++) {
		if (keys->members[i].value->type == KG_JSON_OBJECT)
			jwt_keyset_add(pool, set, keys->members[i].value);
	}
	*out = set;
	return KG_OK;
}

kg_rc kg_jwt_keys_parse(apr_pool_t *pool, const char *body, size_t len,
			size_t *usable, size_t *skipped, kg_err *err)
{
	jwt_keyset *set;
	const kg_json *keys;
	kg_json *doc;
	kg_json_error e;
	kg_rc rc = jwt_keyset_from(pool, "-", 200, body, len, &set, err);

	if (rc != KG_OK)
		return rc;
	*usable = set->n;
	kg_json_parse(pool, body, len, KG_JSON_DEFAULT_DEPTH, &doc, &e);
	keys = kg_json_get(doc, "keys");
	*skipped = keys->count - set->n;
	jwt_keyset_free(set);
	return KG_OK;
}

/* Fetches and parses the JWKS at uri into a new keyset (*out). */
static kg_rc jwt_keys_fetch(kg_jwt_keys *k, apr_pool_t *pool, const char *uri,
			    jwt_keyset **out, kg_err *err)
{
	const char *body = NULL;
	size_t len = 0;
	int status = 0;
	kg_rc rc;

	int slot = kg_metrics_slot(uri, "jwt");
	long long t0 = kg_metrics_clock_us();

	rc = k->src.fetch(k->src.ctx, pool, uri, &status, &body, &len, err);
	kg_metrics_since(KG_H_METADATA, slot, t0);
	if (rc == KG_OK)
		rc = jwt_keyset_from(pool, uri, status, body, len, out, err);
	if (rc == KG_OK)
		kg_metrics_gauge(KG_G_JWKS_AT, slot, (long long)time(NULL));
	if (rc == KG_OK)
		kg_log_emit(k->src.log, KG_LOG_INFO, NULL,
			    "jwks fetched uri=%s keys=%zu", uri, (*out)->n);
	return rc;
}

/* The key type (and curve) alg needs: kty "RSA", or "EC" with *crv. */
static const char *jwt_alg_kty(const char *alg, const char **crv)
{
	*crv = NULL;
	if (alg[0] == 'R' || alg[0] == 'P')
		return "RSA";
	if (strcmp(alg, "ES256") == 0)
		*crv = "P-256";
	else if (strcmp(alg, "ES384") == 0)
		*crv = "P-384";
	else if (strcmp(alg, "ES512") == 0)
		*crv = "P-521";
	return "EC";
}

/* True when key may verify a token signed with alg. */
static bool jwt_key_fits(const jwt_key *key, const char *alg)
{
	const char *crv, *kty = jwt_alg_kty(alg, &crv);

	return strcmp(key->kty, kty) == 0 &&
	       (crv == NULL || (key->crv && strcmp(key->crv, crv) == 0)) &&
	       (key->alg == NULL || strcmp(key->alg, alg) == 0);
}

/* The key of set named kid, or with kid NULL the only key fitting alg;
 * NULL when there is none (or, without kid, more than one). */
static const jwt_key *jwt_keyset_find(const jwt_keyset *set, const char *uri,
				      const char *alg, const char *kid)
{
	const jwt_key *found = NULL;

	if (set == NULL || strcmp(set->uri, uri) != 0)
		return NULL;
	for (size_t i = 0; i < set->n; i++) {
		const jwt_key *key = &set->keys[i];
		if (kid && key->kid && strcmp(key->kid, kid) == 0)
			return key;
		if (kid == NULL && jwt_key_fits(key, alg)) {
			if (found)
				return NULL;
			found = key;
		}
	}
	return found;
}

/* Checks the signature with key and copies the payload into pool. */
static kg_rc jwt_keys_check(apr_pool_t *pool, const jwt_key *key,
			    const char *token, size_t len, const char *alg,
			    const char **payload, size_t *payload_len,
			    kg_err *err)
{
	cjose_err cerr;
	cjose_jws_t *jws;
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	kg_rc rc = KG_OK;
	const char *sig = memrchr(token, '.', len);
	unsigned char *sig_bytes;
	size_t sig_len;

	if (!jwt_key_fits(key, alg))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_key: the key does not fit alg %s", alg);
	/* exact lengths only: cjose splits an EC signature in halves and
	 * OpenSSL takes a short RSA one as a number, so a padded or
	 * shortened copy of a signature would verify too */
	if (sig == NULL ||
	    !kg_b64url_decode(pool, sig + 1, len - (size_t)(sig + 1 - token),
			      &sig_bytes, &sig_len))
		return kg_err_set(err, KG_EAUTH,
				  "jwt_sig: the signature is not base64url");
	if (sig_len != key->sig_len)
		return kg_err_set(err, KG_EAUTH,
				  "jwt_sig: the signature is %zu bytes, %s "
				  "with this key takes %zu",
				  sig_len, alg, key->sig_len);
	jws = cjose_jws_import(token, len, &cerr);
	if (jws == NULL)
		return kg_err_set(err, KG_EAUTH, "jwt_parse: %s", cerr.message);
	if (!cjose_jws_verify(jws, key->jwk, &cerr))
		rc = kg_err_set(err, KG_EAUTH,
				"jwt_sig: the signature does not verify");
	else if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &cerr))
		rc = kg_err_set(err, KG_EAUTH, "jwt_parse: no payload");
	else {
		*payload = apr_pstrmemdup(pool, (const char *)plain, plain_len);
		*payload_len = plain_len;
	}
	cjose_jws_release(jws);
	return rc;
}

/* Polls for the first key set while another thread is fetching it, for
 * at most the HTTP timeout. Returns a reference, or NULL when none came
 * (the fetch failed, or none is under way: a failed attempt is
 * rate-limited, so the caller answers 503 at once). */
static kg_refcell_ref *wait_for_first_keys(kg_jwt_keys *k, long long now_ms)
{
	long long waited_ms = 0, limit_ms = k->src.timeout_ms + 500;
	bool stale;

	while (waited_ms < limit_ms && kg_refcell_fetching(k->cache)) {
		kg_refcell_ref *ref;
		apr_sleep(apr_time_from_msec(20));
		waited_ms += 20;
		ref = kg_refcell_acquire(k->cache, now_ms + waited_ms, &stale);
		if (ref && kg_refcell_value(ref))
			return ref;
		kg_refcell_release(k->cache, ref);
	}
	return NULL;
}

kg_rc kg_jwt_keys_verify(kg_jwt_keys *k, apr_pool_t *pool, const char *uri,
			 const char *token, size_t len, const char *alg,
			 const char *kid, long long now_ms,
			 const char **payload, size_t *payload_len, kg_err *err)
{
	bool stale;
	kg_refcell_ref *ref = kg_refcell_acquire(k->cache, now_ms, &stale);
	const jwt_key *key = jwt_keyset_find(ref ? kg_refcell_value(ref) : NULL,
					     uri, alg, kid);
	kg_err fetch_err;
	kg_rc rc = KG_OK;

	kg_err_clear(&fetch_err);
	if (ref == NULL && !kg_refcell_begin(k->cache, now_ms)) {
		/* no key set yet and another thread is fetching the first
		 * one: wait for it rather than refuse a good token */
		ref = wait_for_first_keys(k, now_ms);
		if (ref == NULL)
			return kg_err_set(err, KG_EBACKEND,
					  "jwt_key: no key set from %s yet",
					  uri);
		key = jwt_keyset_find(kg_refcell_value(ref), uri, alg, kid);
		stale = false;
	} else if ((key == NULL || stale) &&
		   (ref == NULL || kg_refcell_begin(k->cache, now_ms))) {
		jwt_keyset *set = NULL;
		rc = jwt_keys_fetch(k, pool, uri, &set, &fetch_err);
		if (rc == KG_OK) {
			kg_refcell_store(k->cache, set, now_ms);
			kg_refcell_release(k->cache, ref);
			ref = kg_refcell_acquire(k->cache, now_ms, &stale);
			key = jwt_keyset_find(kg_refcell_value(ref), uri, alg,
					      kid);
		} else {
			kg_refcell_end(k->cache);
			kg_log_emit(k->src.log, KG_LOG_WARN, "KG-0402",
				    "jwks fetch failed uri=%s reason=%s", uri,
				    fetch_err.msg);
		}
	}
	if (key == NULL && rc != KG_OK)
		rc = kg_err_set(err, rc, "%s", fetch_err.msg);
	else if (key == NULL)
		rc = kg_err_set(err, KG_EAUTH,
				"jwt_key: no key with kid \"%.64s\" at %s",
				kid ? kid : "", uri);
	else
		rc = jwt_keys_check(pool, key, token, len, alg, payload,
				    payload_len, err);
	kg_refcell_release(k->cache, ref);
	return rc;
}
