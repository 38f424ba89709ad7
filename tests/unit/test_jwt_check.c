/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: JWT checks (security.md §2): alg none and its
 * spellings, HS256 with the public key (alg confusion), kid and key
 * mismatches, iss, aud, azp, exp, nbf, iat, bad and truncated
 * signatures, junk JSON, oversized tokens, crit, jku injection, and the
 * JWKS refresh on an unknown kid (once, rate-limited).
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"
#include "tests/unit/jwt_world.h"

#include "gateway/base/b64url.h"
#include "gateway/proto/jose/check.h"
#include "gateway/proto/oidc/http.h"

#include <apr_strings.h>
#include <string.h>

#define GOOD "{'iss':'ISS','aud':'client','sub':'u1','exp':T+300,'iat':T-0}"

/* Rules for an ID token of client "client". */
static kg_jwt_rules rules(apr_pool_t *pool, const kgt_world *w)
{
	kg_jwt_rules r = {0};
	apr_array_header_t *algs = apr_array_make(pool, 3, sizeof(char *));
	apr_array_header_t *aud = apr_array_make(pool, 1, sizeof(char *));

	APR_ARRAY_PUSH(algs, const char *) = "RS256";
	APR_ARRAY_PUSH(algs, const char *) = "PS256";
	APR_ARRAY_PUSH(algs, const char *) = "ES256";
	APR_ARRAY_PUSH(aud, const char *) = "client";
	r.algorithms = algs;
	r.issuer = w->issuer;
	r.audiences = aud;
	r.azp = "client";
	r.skew_s = 60;
	r.require_exp = true;
	r.require_iat = true;
	return r;
}

static kg_jwt_keys *keys(apr_pool_t *pool)
{
	kg_oidc_http_opts *http = apr_pcalloc(pool, sizeof(*http));
	kg_jwt_keys *k;
	kg_err err;

	http->timeout_s = 5;
	http->ssl_verify = true;
	kg_jwt_source src = kg_oidc_http_source(http);
	kg_err_clear(&err);
	assert_int_equal(kg_jwt_keys_make(pool, &src, 3600000, 30000, &k, &err),
			 KG_OK);
	return k;
}

/* Checks token; asserts rc and, on failure, that the message starts
 * with reason. */
static void expect(apr_pool_t *pool, kg_jwt_keys *k, const char *what,
		   const char *token, long long now_ms, kg_rc want,
		   const char *reason)
{
	kgt_world *w = kgt_world_get();
	kg_jwt_rules r = rules(pool, w);
	kg_jwt out;
	kg_err err;
	kg_rc rc;

	kg_err_clear(&err);
	rc = kg_jwt_check(k, pool, w->jwks_uri, token, &r, now_ms, &out, &err);
	if (rc != want ||
	    (reason && strncmp(err.msg, reason, strlen(reason)) != 0))
		fail_msg("%s: rc %s \"%s\", want %s %s", what, kg_rc_name(rc),
			 err.msg, kg_rc_name(want), reason ? reason : "");
}

/* Signed with RS256 by k1 unless the row says otherwise. */
static const char *rs(apr_pool_t *pool, const char *payload)
{
	kgt_world *w = kgt_world_get();

	return kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256','kid':'k1'}",
		       kgt_claims(pool, w, payload));
}

static void test_jwt_good_tokens_pass(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_jwt_keys *k = keys(pool);

	expect(pool, k, "RS256", rs(pool, GOOD), KGT_NOW_MS, KG_OK, NULL);
	expect(pool, k, "PS256",
	       kgt_jws(pool, w->rsa, "PS256", "{'alg':'PS256','kid':'k1'}",
		       kgt_claims(pool, w, GOOD)),
	       KGT_NOW_MS, KG_OK, NULL);
	expect(pool, k, "ES256",
	       kgt_jws(pool, w->ec, "ES256", "{'alg':'ES256','kid':'e1'}",
		       kgt_claims(pool, w, GOOD)),
	       KGT_NOW_MS, KG_OK, NULL);
	expect(pool, k, "no kid, one RSA key",
	       kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256'}",
		       kgt_claims(pool, w, GOOD)),
	       KGT_NOW_MS, KG_OK, NULL);
	expect(pool, k, "exp boundary: now - skew + 1",
	       rs(pool, "{'iss':'ISS','aud':'client','exp':T-59,'iat':T-100}"),
	       KGT_NOW_MS, KG_OK, NULL);
	expect(pool, k, "two audiences, azp is us",
	       rs(pool, "{'iss':'ISS','aud':['client','other'],"
			"'azp':'client','exp':T+300,'iat':T-0}"),
	       KGT_NOW_MS, KG_OK, NULL);
}

/* alg none in every spelling, HMAC with the public key: rejected before
 * any key is looked up. */
static void test_jwt_alg_attacks_are_rejected(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_jwt_keys *k = keys(pool);
	const char *good = rs(pool, GOOD);
	const char *claims = kgt_claims(pool, w, GOOD);
	static const char *const nones[] = {
		"{'alg':'none'}", "{'alg':'None'}",
		"{'alg':'NONE'}", "{'alg':'nOnE'}",
		"{'alg':''}",	  "{'alg':null}",
		"{'typ':'JWT'}",  "{'alg':'HS256','kid':'k1'}"};

	for (size_t i = 0; i < sizeof(nones) / sizeof(nones[0]); i++) {
		expect(pool, k, nones[i],
		       kgt_jws_raw(pool, nones[i], claims, ""), KGT_NOW_MS,
		       KG_EAUTH, "jwt_alg");
		/* the original signature kept */
		expect(pool, k, nones[i],
		       kgt_jws_raw(pool, nones[i], claims,
				   strrchr(good, '.') + 1),
		       KGT_NOW_MS, KG_EAUTH, "jwt_alg");
	}
	expect(pool, k, "HS256 keyed with the PEM public key",
	       kgt_jws_hs256(pool, "{'alg':'HS256','kid':'k1'}", claims,
			     kgt_key_pem(pool, w->rsa)),
	       KGT_NOW_MS, KG_EAUTH, "jwt_alg");
	expect(pool, k, "HS256 keyed with the JWK text",
	       kgt_jws_hs256(pool, "{'alg':'HS256'}", claims,
			     kgt_jwk(pool, w->rsa)),
	       KGT_NOW_MS, KG_EAUTH, "jwt_alg");
	expect(pool, k, "RS256 claimed on the EC key",
	       kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256','kid':'e1'}",
		       claims),
	       KGT_NOW_MS, KG_EAUTH, "jwt_key");
}

static void test_jwt_claims_are_checked(void **state)
{
	static const struct {
		const char *what, *payload, *reason;
	} rows[] = {
		{"wrong iss",
		 "{'iss':'http://evil','aud':'client','exp':T+300,'iat':T-0}",
		 "jwt_iss"},
		{"iss with a trailing slash",
		 "{'iss':'ISS/','aud':'client','exp':T+300,'iat':T-0}",
		 "jwt_iss"},
		{"no iss", "{'aud':'client','exp':T+300,'iat':T-0}", "jwt_iss"},
		{"wrong aud",
		 "{'iss':'ISS','aud':'other','exp':T+300,'iat':T-0}",
		 "jwt_aud"},
		{"missing aud", "{'iss':'ISS','exp':T+300,'iat':T-0}",
		 "jwt_aud"},
		{"aud a number", "{'iss':'ISS','aud':5,'exp':T+300,'iat':T-0}",
		 "jwt_aud"},
		{"aud an object",
		 "{'iss':'ISS','aud':{'a':'client'},'exp':T+300,'iat':T-0}",
		 "jwt_aud"},
		{"two audiences, no azp",
		 "{'iss':'ISS','aud':['client','other'],'exp':T+300,"
		 "'iat':T-0}",
		 "jwt_azp"},
		{"azp another client",
		 "{'iss':'ISS','aud':'client','azp':'other','exp':T+300,"
		 "'iat':T-0}",
		 "jwt_azp"},
		{"expired",
		 "{'iss':'ISS','aud':'client','exp':T-61,'iat':T-400}",
		 "jwt_exp"},
		{"expired at now - skew",
		 "{'iss':'ISS','aud':'client','exp':T-60,'iat':T-400}",
		 "jwt_exp"},
		{"no exp", "{'iss':'ISS','aud':'client','iat':T-0}", "jwt_exp"},
		{"exp a string",
		 "{'iss':'ISS','aud':'client','exp':'9999999999','iat':T-0}",
		 "jwt_exp"},
		{"exp 1e300",
		 "{'iss':'ISS','aud':'client','exp':1e300,'iat':T-0}",
		 "jwt_exp"},
		{"exp negative",
		 "{'iss':'ISS','aud':'client','exp':-2,'iat':T-0}", "jwt_exp"},
		{"nbf in 10 minutes",
		 "{'iss':'ISS','aud':'client','exp':T+3000,'nbf':T+600,"
		 "'iat':T-0}",
		 "jwt_nbf"},
		{"iat in an hour",
		 "{'iss':'ISS','aud':'client','exp':T+7200,'iat':T+3600}",
		 "jwt_iat"},
		{"no iat", "{'iss':'ISS','aud':'client','exp':T+300}",
		 "jwt_iat"},
	};
	apr_pool_t *pool = *state;
	kg_jwt_keys *k = keys(pool);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		expect(pool, k, rows[i].what, rs(pool, rows[i].payload),
		       KGT_NOW_MS, KG_EAUTH, rows[i].reason);
}

static void test_jwt_malformed_tokens_are_rejected(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_jwt_keys *k = keys(pool);
	const char *good = rs(pool, GOOD);
	const char *other = rs(pool, "{'iss':'ISS','aud':'client','sub':'u2',"
				     "'exp':T+300,'iat':T-0}");
	const char *dot2 = strrchr(good, '.');
	char *flipped = apr_pstrdup(pool, good);
	char *big = apr_palloc(pool, 17 * 1024);

	/* a payload of another token with this one's signature */
	flipped = apr_pstrcat(
		pool,
		apr_pstrmemdup(pool, other,
			       (size_t)(strrchr(other, '.') - other)),
		dot2, NULL);
	expect(pool, k, "swapped payload", flipped, KGT_NOW_MS, KG_EAUTH,
	       "jwt_sig");
	expect(pool, k, "signed by another key with the same kid",
	       kgt_jws(pool, w->attacker, "RS256", "{'alg':'RS256','kid':'k1'}",
		       kgt_claims(pool, w, GOOD)),
	       KGT_NOW_MS, KG_EAUTH, "jwt_sig");
	expect(pool, k, "truncated signature",
	       apr_pstrmemdup(pool, good, strlen(good) - 20), KGT_NOW_MS,
	       KG_EAUTH, "jwt_sig");
	expect(pool, k, "two segments",
	       apr_pstrmemdup(pool, good, (size_t)(dot2 - good)), KGT_NOW_MS,
	       KG_EAUTH, "jwt_parse");
	expect(pool, k, "four segments", apr_pstrcat(pool, good, ".x", NULL),
	       KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "padding", apr_pstrcat(pool, good, "=", NULL),
	       KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "whitespace", apr_pstrcat(pool, " ", good, NULL),
	       KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "empty", "", KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "JSON junk payload",
	       kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256','kid':'k1'}",
		       "{'iss':"),
	       KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "payload an array",
	       kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256','kid':'k1'}",
		       "[1,2]"),
	       KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "header junk", kgt_jws_raw(pool, "{'alg'", GOOD, "x"),
	       KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "duplicate alg",
	       kgt_jws_raw(pool, "{'alg':'RS256','alg':'none'}", GOOD, "x"),
	       KGT_NOW_MS, KG_EAUTH, "jwt_parse");
	expect(pool, k, "crit",
	       kgt_jws(pool, w->rsa, "RS256",
		       "{'alg':'RS256','kid':'k1','crit':['exp']}",
		       kgt_claims(pool, w, GOOD)),
	       KGT_NOW_MS, KG_EAUTH, "jwt_header");
	expect(pool, k, "kid a number",
	       kgt_jws(pool, w->rsa, "RS256", "{'alg':'RS256','kid':1}",
		       kgt_claims(pool, w, GOOD)),
	       KGT_NOW_MS, KG_EAUTH, "jwt_header");
	memset(big, 'A', 17 * 1024 - 1);
	big[17 * 1024 - 1] = '\0';
	expect(pool, k, "oversized", big, KGT_NOW_MS, KG_EAUTH, "jwt_size");
}

/* jku / x5u / jwk in the header are never followed or trusted. */
static void test_jwt_header_keys_are_ignored(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_jwt_keys *k = keys(pool);
	const char *hdr = kg_psprintf(
		pool,
		"{'alg':'RS256','kid':'k1','jku':'%s','x5u':'%s','jwk':%s}",
		kgt_http_url(w->http, pool, "/evil"),
		kgt_http_url(w->http, pool, "/evil"),
		kgt_q(pool, kgt_jwk(pool, w->attacker)));

	kgt_http_route(w->http, "/evil", 200, "application/json",
		       kgt_jwks(pool, w->attacker, NULL));
	expect(pool, k, "jku/x5u/jwk",
	       kgt_jws(pool, w->attacker, "RS256", hdr,
		       kgt_claims(pool, w, GOOD)),
	       KGT_NOW_MS, KG_EAUTH, "jwt_sig");
	assert_int_equal(kgt_http_hits(w->http, "/evil"), 0);
}

/* An unknown kid fetches the JWKS once; within the refresh interval no
 * more fetches happen, after it one more. */
static void test_jwt_unknown_kid_refreshes_once(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_jwt_keys *k = keys(pool);
	kgt_key *k2 = kgt_key_ec(pool, "k2");
	int base = kgt_http_hits(w->http, "/jwks");
	const char *rotated =
		kgt_jws(pool, k2, "ES256", "{'alg':'ES256','kid':'k2'}",
			kgt_claims(pool, w, GOOD));
	const char *unknown = kgt_jws(pool, w->attacker, "RS256",
				      "{'alg':'RS256','kid':'zz'}",
				      kgt_claims(pool, w, GOOD));

	expect(pool, k, "first use", rs(pool, GOOD), KGT_NOW_MS, KG_OK, NULL);
	assert_int_equal(kgt_http_hits(w->http, "/jwks"), base + 1);
	expect(pool, k, "cached", rs(pool, GOOD), KGT_NOW_MS + 1000, KG_OK,
	       NULL);
	assert_int_equal(kgt_http_hits(w->http, "/jwks"), base + 1);
	/* the provider rotates in k2 */
	kgt_http_route(w->http, "/jwks", 200, "application/json",
		       kgt_jwks(pool, w->rsa, w->ec, k2, NULL));
	expect(pool, k, "rotated kid", rotated, KGT_NOW_MS + 31000, KG_OK,
	       NULL);
	assert_int_equal(kgt_http_hits(w->http, "/jwks"), base + 2);
	expect(pool, k, "unknown kid, rate-limited", unknown,
	       KGT_NOW_MS + 32000, KG_EAUTH, "jwt_key");
	expect(pool, k, "unknown kid again", unknown, KGT_NOW_MS + 33000,
	       KG_EAUTH, "jwt_key");
	assert_int_equal(kgt_http_hits(w->http, "/jwks"), base + 2);
	expect(pool, k, "unknown kid after the interval", unknown,
	       KGT_NOW_MS + 62000, KG_EAUTH, "jwt_key");
	assert_int_equal(kgt_http_hits(w->http, "/jwks"), base + 3);
	kgt_world_reset();
}

/* The JWK text of key named kid, with its "use":"sig" replaced by extra
 * (JSON members without the braces, ' for "). */
static const char *jwk_with(apr_pool_t *pool, const kgt_key *key,
			    const char *kid, const char *extra)
{
	const char *jwk = kgt_jwk(pool, key);
	const char *kid_at = strstr(jwk, "\"kid\":\"");
	const char *rest = strstr(jwk, ",\"use\":\"sig\"");

	assert_non_null(kid_at);
	assert_non_null(rest);
	return apr_pstrcat(
		pool, apr_pstrmemdup(pool, jwk, (size_t)(kid_at - jwk)),
		"\"kid\":\"", kid, "\"", *extra ? "," : "", kgt_q(pool, extra),
		rest + strlen(",\"use\":\"sig\""), NULL);
}

/* RFC 7517 4.2-4.4: a JWK verifies only when its use, key_ops and alg
 * allow it; an encryption key never does, even under its own kid. */
static void test_jwk_use_key_ops_and_alg_are_obeyed(void **state)
{
	static const struct {
		const char *what, *members;
		bool usable;
	} rows[] = {
		{"no use, key_ops or alg", "", true},
		{"use sig", "'use':'sig'", true},
		{"use enc", "'use':'enc'", false},
		{"use an unknown value", "'use':'tls'", false},
		{"use not a string", "'use':1", false},
		{"key_ops verify", "'key_ops':['verify']", true},
		{"key_ops sign and verify", "'key_ops':['sign','verify']",
		 true},
		{"key_ops encrypt", "'key_ops':['encrypt']", false},
		{"key_ops wrapKey", "'key_ops':['wrapKey','unwrapKey']", false},
		{"key_ops verify and encrypt", "'key_ops':['verify','encrypt']",
		 false},
		{"key_ops without verify", "'key_ops':['sign']", false},
		{"key_ops a string", "'key_ops':'verify'", false},
		{"key_ops with a number", "'key_ops':['verify',1]", false},
		{"use sig, key_ops encrypt",
		 "'use':'sig','key_ops':['encrypt']", false},
		{"alg RS256", "'alg':'RS256'", true},
		{"alg RSA-OAEP", "'alg':'RSA-OAEP'", false},
		{"alg RSA-OAEP-256 with use sig",
		 "'use':'sig','alg':'RSA-OAEP-256'", false},
		{"alg ES256 on an RSA key", "'alg':'ES256'", false},
		{"alg none", "'alg':'none'", false},
		{"alg HS256", "'alg':'HS256'", false},
	};
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *jwks = apr_pstrcat(
			pool, "{\"keys\":[",
			jwk_with(pool, w->rsa, "k1", rows[i].members), "]}",
			NULL);
		size_t usable = 9, skipped = 9;
		kg_err err;
		kg_err_clear(&err);
		assert_int_equal(kg_jwt_keys_parse(pool, jwks, strlen(jwks),
						   &usable, &skipped, &err),
				 KG_OK);
		if (usable != (rows[i].usable ? 1u : 0u) ||
		    skipped != (rows[i].usable ? 0u : 1u))
			fail_msg("%s: usable %zu skipped %zu", rows[i].what,
				 usable, skipped);
		/* the same key, named by the token's kid, served as the JWKS */
		kgt_http_route(w->http, "/jwks", 200, "application/json", jwks);
		expect(pool, keys(pool), rows[i].what, rs(pool, GOOD),
		       KGT_NOW_MS, rows[i].usable ? KG_OK : KG_EAUTH,
		       rows[i].usable ? NULL : "jwt_key");
	}
	/* an EC key marked for ECDH never verifies an ES256 signature */
	{
		const char *jwks =
			apr_pstrcat(pool, "{\"keys\":[",
				    jwk_with(pool, w->ec, "e1",
					     "'use':'enc','alg':'ECDH-ES'"),
				    "]}", NULL);
		kgt_http_route(w->http, "/jwks", 200, "application/json", jwks);
		expect(pool, keys(pool), "EC key for ECDH-ES",
		       kgt_jws(pool, w->ec, "ES256",
			       "{'alg':'ES256','kid':'e1'}",
			       kgt_claims(pool, w, GOOD)),
		       KGT_NOW_MS, KG_EAUTH, "jwt_key");
	}
	/* RFC 8259 8.1: a JWKS with a byte-order mark is no JWKS */
	{
		const char *jwks =
			apr_pstrcat(pool, "\xef\xbb\xbf",
				    kgt_jwks(pool, w->rsa, NULL), NULL);
		size_t usable, skipped;
		kg_err err;
		kg_err_clear(&err);
		assert_int_equal(kg_jwt_keys_parse(pool, jwks, strlen(jwks),
						   &usable, &skipped, &err),
				 KG_EBACKEND);
		assert_non_null(strstr(err.msg, "jwks_json"));
		kgt_http_route(w->http, "/jwks", 200, "application/json", jwks);
		expect(pool, keys(pool), "JWKS with a BOM", rs(pool, GOOD),
		       KGT_NOW_MS, KG_EBACKEND, "jwks_json");
	}
	kgt_world_reset();
}

/* The token with its signature bytes replaced: sig[0..n). */
static const char *with_sig(apr_pool_t *pool, const char *token,
			    const unsigned char *sig, size_t n)
{
	const char *dot = strrchr(token, '.');

	return apr_pstrcat(
		pool, apr_pstrmemdup(pool, token, (size_t)(dot - token) + 1),
		kg_b64url_encode(pool, sig, n), NULL);
}

/* The signature bytes of token. */
static unsigned char *sig_of(apr_pool_t *pool, const char *token, size_t *n)
{
	const char *dot = strrchr(token, '.') + 1;
	unsigned char *out;

	assert_true(kg_b64url_decode(pool, dot, strlen(dot), &out, n));
	return out;
}

/* RFC 7518 3.3/3.4: ES256 is exactly 64 bytes, RSA exactly the modulus
 * length. A padded ES256 signature (each half with a leading zero) or an
 * RSA signature without its leading zero byte is the same number to the
 * library and verified before this check: a second spelling of a signed
 * token. Both are refused before cjose sees them. */
static void test_signature_lengths_are_exact(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_jwt_keys *k = keys(pool);
	const char *es =
		kgt_jws(pool, w->ec, "ES256", "{'alg':'ES256','kid':'e1'}",
			kgt_claims(pool, w, GOOD));
	size_t n;
	unsigned char *sig = sig_of(pool, es, &n), padded[66] = {0};
	const char *rsa = NULL;

	assert_int_equal(n, 64);
	expect(pool, k, "ES256, 64 bytes", es, KGT_NOW_MS, KG_OK, NULL);
	memcpy(padded + 1, sig, 32);
	memcpy(padded + 34, sig + 32, 32);
	expect(pool, k, "ES256 halves padded to 33 bytes",
	       with_sig(pool, es, padded, 66), KGT_NOW_MS, KG_EAUTH,
	       "jwt_sig: the signature is 66 bytes");
	expect(pool, k, "ES256 one byte short", with_sig(pool, es, sig, 63),
	       KGT_NOW_MS, KG_EAUTH, "jwt_sig: the signature is 63 bytes");
	/* an RSA signature that starts with a zero byte (1 in 256), sent
	 * without it */
	for (int i = 0; i < 20000 && rsa == NULL; i++) {
		const char *t = rs(pool, kg_psprintf(pool,
						     "{'iss':'ISS','aud':"
						     "'client','jti':'j%d',"
						     "'exp':T+300,'iat':T-0}",
						     i));
		sig = sig_of(pool, t, &n);
		if (sig[0] == 0)
			rsa = t;
	}
	assert_non_null(rsa);
	expect(pool, k, "RSA with its leading zero", rsa, KGT_NOW_MS, KG_OK,
	       NULL);
	expect(pool, k, "RSA without its leading zero (255 bytes)",
	       with_sig(pool, rsa, sig + 1, 255), KGT_NOW_MS, KG_EAUTH,
	       "jwt_sig: the signature is 255 bytes");
	{
		unsigned char longer[257] = {0};
		memcpy(longer + 1, sig, 256);
		expect(pool, k, "RSA with a second leading zero (257 bytes)",
		       with_sig(pool, rsa, longer, 257), KGT_NOW_MS, KG_EAUTH,
		       "jwt_sig: the signature is 257 bytes");
	}
}

/* No JWKS reachable and none cached: backend error, not "bad token". */
static void test_jwt_unreachable_jwks_is_backend(void **state)
{
	apr_pool_t *pool = *state;
	kgt_world *w = kgt_world_get();
	kg_jwt_rules r = rules(pool, w);
	kg_jwt_keys *k = keys(pool);
	kg_jwt out;
	kg_err err;

	kg_err_clear(&err);
	assert_int_equal(
		kg_jwt_check(k, pool,
			     kg_psprintf(pool, "http://127.0.0.1:%d/jwks",
					 kgt_http_dead_port()),
			     rs(pool, GOOD), &r, KGT_NOW_MS, &out, &err),
		KG_EBACKEND);
	assert_non_null(strstr(err.msg, "oidc_unreachable"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_jwt_good_tokens_pass),
		KGT(test_jwt_alg_attacks_are_rejected),
		KGT(test_jwt_claims_are_checked),
		KGT(test_jwt_malformed_tokens_are_rejected),
		KGT(test_jwt_header_keys_are_ignored),
		KGT(test_jwt_unknown_kid_refreshes_once),
		KGT(test_jwt_unreachable_jwks_is_backend),
		KGT(test_jwk_use_key_ops_and_alg_are_obeyed),
		KGT(test_signature_lengths_are_exact),
	};
	return KGT_RUN(tests);
}
