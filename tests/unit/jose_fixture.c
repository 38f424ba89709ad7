/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: test-time keys and token signing with OpenSSL.
 */
#include "tests/unit/jose_fixture.h"
#include "gateway/base/str.h"
#include "tests/unit/fixture.h"

#include "gateway/base/b64url.h"

#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <string.h>

struct kgt_key {
	EVP_PKEY *pkey;
	const char *kid;
	int ec;
};

static apr_status_t key_free(void *data)
{
	EVP_PKEY_free(((kgt_key *)data)->pkey);
	return APR_SUCCESS;
}

static kgt_key *key_make(apr_pool_t *pool, const char *kid, EVP_PKEY *pkey,
			 int ec)
{
	kgt_key *k = apr_pcalloc(pool, sizeof(*k));

	if (pkey == NULL)
		fail_msg("key generation failed");
	k->pkey = pkey;
	k->kid = apr_pstrdup(pool, kid);
	k->ec = ec;
	apr_pool_cleanup_register(pool, k, key_free, apr_pool_cleanup_null);
	return k;
}

kgt_key *kgt_key_rsa(apr_pool_t *pool, const char *kid)
{
	return key_make(pool, kid,
			EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048), 0);
}

kgt_key *kgt_key_ec(apr_pool_t *pool, const char *kid)
{
	return key_make(pool, kid, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
			1);
}

/* base64url of the big-endian bytes of a BIGNUM parameter, padded to
 * pad bytes when pad > 0. */
static const char *bn_param(apr_pool_t *pool, const kgt_key *k,
			    const char *name, int pad)
{
	BIGNUM *bn = NULL;
	unsigned char buf[512];
	int n;

	if (!EVP_PKEY_get_bn_param(k->pkey, name, &bn))
		fail_msg("no %s", name);
	n = pad > 0 ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);
	BN_free(bn);
	return kg_b64url_encode(pool, buf, (size_t)n);
}

const char *kgt_jwk(apr_pool_t *pool, const kgt_key *k)
{
	if (k->ec)
		return kg_psprintf(
			pool,
			"{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"%s\","
			"\"use\":\"sig\",\"x\":\"%s\",\"y\":\"%s\"}",
			k->kid, bn_param(pool, k, OSSL_PKEY_PARAM_EC_PUB_X, 32),
			bn_param(pool, k, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
	return kg_psprintf(pool,
			   "{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\","
			   "\"n\":\"%s\",\"e\":\"%s\"}",
			   k->kid, bn_param(pool, k, OSSL_PKEY_PARAM_RSA_N, 0),
			   bn_param(pool, k, OSSL_PKEY_PARAM_RSA_E, 0));
}

const char *kgt_jwks(apr_pool_t *pool, ...)
{
	const char *out = "{\"keys\":[", *sep = "";
	const kgt_key *k;
	va_list ap;

	va_start(ap, pool);
	while ((k = va_arg(ap, const kgt_key *)) != NULL) {
		out = apr_pstrcat(pool, out, sep, kgt_jwk(pool, k), NULL);
		sep = ",";
	}
	va_end(ap);
	return apr_pstrcat(pool, out, "]}", NULL);
}

const char *kgt_key_pem(apr_pool_t *pool, const kgt_key *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	const char *out;

	PEM_write_bio_PUBKEY(b, k->pkey);
	n = BIO_get_mem_data(b, &data);
	out = apr_pstrmemdup(pool, data, (size_t)n);
	BIO_free(b);
	return out;
}

/* base64url(header) "." base64url(payload), after ' -> ". */
static const char *signing_input(apr_pool_t *pool, const char *header,
				 const char *payload)
{
	const char *h = kgt_q(pool, header), *p = kgt_q(pool, payload);

	return apr_pstrcat(
		pool,
		kg_b64url_encode(pool, (const unsigned char *)h, strlen(h)),
		".",
		kg_b64url_encode(pool, (const unsigned char *)p, strlen(p)),
		NULL);
}

/* Turns a DER ECDSA signature into JOSE's r || s (32 bytes each). */
static size_t ecdsa_raw(unsigned char *sig, size_t len)
{
	const unsigned char *p = sig;
	ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *ss;

	ECDSA_SIG_get0(s, &r, &ss);
	BN_bn2binpad(r, sig, 32);
	BN_bn2binpad(ss, sig + 32, 32);
	ECDSA_SIG_free(s);
	return 64;
}

const char *kgt_jws(apr_pool_t *pool, const kgt_key *k, const char *alg,
		    const char *header, const char *payload)
{
	const char *in = signing_input(pool, header, payload);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char sig[1024];
	size_t len = sizeof(sig);

	if (EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, k->pkey) != 1)
		fail_msg("sign init");
	if (strcmp(alg, "PS256") == 0) {
		EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
		EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
	}
	if (EVP_DigestSign(md, sig, &len, (const unsigned char *)in,
			   strlen(in)) != 1)
		fail_msg("sign");
	EVP_MD_CTX_free(md);
	if (k->ec)
		len = ecdsa_raw(sig, len);
	return apr_pstrcat(pool, in, ".", kg_b64url_encode(pool, sig, len),
			   NULL);
}

const char *kgt_jws_hs256(apr_pool_t *pool, const char *header,
			  const char *payload, const char *secret)
{
	const char *in = signing_input(pool, header, payload);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	HMAC(EVP_sha256(), secret, (int)strlen(secret),
	     (const unsigned char *)in, strlen(in), mac, &len);
	return apr_pstrcat(pool, in, ".", kg_b64url_encode(pool, mac, len),
			   NULL);
}

const char *kgt_jws_raw(apr_pool_t *pool, const char *header,
			const char *payload, const char *sig)
{
	return apr_pstrcat(pool, signing_input(pool, header, payload), ".", sig,
			   NULL);
}
