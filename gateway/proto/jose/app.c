/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway-signed JWT for apps, and its JWKS.
 */
#include "gateway/proto/jose/app.h"
#include "conf/read.h"
#include "gateway/base/str.h"
#include "gateway/base/b64url.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

struct kg_app_signer {
	EVP_PKEY *key;
	const char *kid;
	const char *jwks;
};

static apr_status_t signer_cleanup(void *data)
{
	kg_app_signer *s = data;

	EVP_PKEY_free(s->key);
	return APR_SUCCESS;
}

/* base64url of a big-endian RSA parameter. */
static const char *bn_b64(apr_pool_t *pool, const EVP_PKEY *key,
			  const char *name)
{
	BIGNUM *bn = NULL;
	unsigned char *bytes;
	const char *out;
	int n;

	if (!EVP_PKEY_get_bn_param(key, name, &bn))
		return NULL;
	n = BN_num_bytes(bn);
	bytes = apr_palloc(pool, (size_t)n + 1);
	BN_bn2bin(bn, bytes);
	out = kg_b64url_encode(pool, bytes, (size_t)n);
	BN_free(bn);
	return out;
}

/* Builds kid (from the public key's SHA-256) and the JWKS document. */
static kg_rc describe(apr_pool_t *pool, kg_app_signer *s, X509 *cert,
		      kg_err *err)
{
	unsigned char *der = NULL, digest[32];
	unsigned int dlen = 0;
	int len = i2d_X509(cert, &der);
	const char *x5c, *n, *e;
	char *x5c_text;
	kg_buf b;

	if (len <= 0)
		return kg_err_set(err, KG_ECONFIG,
				  "the certificate does not "
				  "encode");
	/* x5c is standard base64 (RFC 7517 §4.7), not base64url */
	x5c_text = apr_palloc(pool, (apr_size_t)apr_base64_encode_len(len));
	apr_base64_encode_binary(x5c_text, der, len);
	x5c = x5c_text;
	OPENSSL_free(der);
	der = NULL;
	len = i2d_PUBKEY(s->key, &der);
	EVP_Digest(der, (size_t)len, digest, &dlen, EVP_sha256(), NULL);
	OPENSSL_free(der);
	s->kid = apr_pstrndup(pool, kg_b64url_encode(pool, digest, dlen), 16);
	n = bn_b64(pool, s->key, OSSL_PKEY_PARAM_RSA_N);
	e = bn_b64(pool, s->key, OSSL_PKEY_PARAM_RSA_E);
	if (n == NULL || e == NULL)
		return kg_err_set(err, KG_ECONFIG, "the key is not RSA");
	kg_buf_init(&b, pool, 2048);
	kg_buf_addf(
		&b,
		"{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\","
		"\"alg\":\"RS256\",\"n\":\"%s\",\"e\":\"%s\",\"x5c\":[\"%s\"]}]"
		"}",
		s->kid, n, e, x5c);
	s->jwks = b.data;
	return KG_OK;
}

/* Reads a PEM object from path with reader. */
static void *read_pem(apr_pool_t *pool, const char *path,
		      void *(*reader)(BIO *), kg_err *err)
{
	const char *text;
	size_t len;
	BIO *bio;
	void *obj;

	if (kg_conf_read_file(pool, path, 1 << 20, &text, &len, err) != KG_OK)
		return NULL;
	bio = BIO_new_mem_buf(text, (int)len);
	obj = bio ? reader(bio) : NULL;
	BIO_free(bio);
	OPENSSL_cleanse((void *)text, len);
	if (obj == NULL)
		kg_err_set(err, KG_ECONFIG,
			   "%s: not a PEM file of the right "
			   "kind",
			   path);
	return obj;
}

static void *read_key(BIO *bio)
{
	return PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
}

static void *read_cert(BIO *bio)
{
	return PEM_read_bio_X509(bio, NULL, NULL, NULL);
}

kg_rc kg_app_signer_open(apr_pool_t *pool, const char *key_path,
			 const char *cert_path, kg_app_signer **out,
			 kg_err *err)
{
	kg_app_signer *s = apr_pcalloc(pool, sizeof(*s));
	X509 *cert;
	kg_rc rc;

	s->key = read_pem(pool, key_path, read_key, err);
	if (s->key == NULL)
		return KG_ECONFIG;
	apr_pool_cleanup_register(pool, s, signer_cleanup,
				  apr_pool_cleanup_null);
	if (EVP_PKEY_get_base_id(s->key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(s->key) < 2048)
		return kg_err_set(err, KG_ECONFIG,
				  "%s: the app-token key must be RSA of 2048 "
				  "bits or more",
				  key_path);
	cert = read_pem(pool, cert_path, read_cert, err);
	if (cert == NULL)
		return KG_ECONFIG;
	if (X509_check_private_key(cert, s->key) != 1) {
		X509_free(cert);
		return kg_err_set(err, KG_ECONFIG,
				  "%s is not the certificate of %s", cert_path,
				  key_path);
	}
	rc = describe(pool, s, cert, err);
	X509_free(cert);
	if (rc == KG_OK)
		*out = s;
	return rc;
}

const char *kg_app_signer_jwks(const kg_app_signer *s)
{
	return s->jwks;
}

static void add_claim(kg_buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	kg_buf_addf(b, ",\"%s\":", name);
	kg_buf_add_json_string(b, value);
}

kg_rc kg_app_jwt_sign(kg_app_signer *s, apr_pool_t *pool, const kg_user *user,
		      const kg_app_claims *c, const char **out, kg_err *err)
{
	unsigned char id[16], sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md;
	const char *header, *payload, *input;
	kg_buf b;
	bool ok;

	if (RAND_bytes(id, sizeof(id)) != 1)
		return kg_err_set(err, KG_EINTERNAL, "no randomness");
	kg_buf_init(&b, pool, 512);
	kg_buf_addf(&b, "{\"exp\":%lld,\"iat\":%lld,\"auth_time\":%lld",
		    c->now_s + c->lifetime_s, c->now_s, c->auth_s);
	add_claim(&b, "jti", kg_b64url_encode(pool, id, sizeof(id)));
	add_claim(&b, "iss", c->issuer);
	kg_buf_adds(&b, ",\"aud\":[\"apps\"]");
	add_claim(&b, "sub", user->username);
	add_claim(&b, "typ", "Bearer");
	add_claim(&b, "azp", "keygate");
	add_claim(&b, "sid", c->session);
	add_claim(&b, "preferred_username", user->username);
	add_claim(&b, "email", user->email);
	add_claim(&b, "given_name", user->first_name);
	add_claim(&b, "family_name", user->last_name);
	if (user->first_name || user->last_name)
		add_claim(&b, "name",
			  kg_psprintf(pool, "%s%s%s",
				      user->first_name ? user->first_name : "",
				      user->first_name && user->last_name ? " "
									  : "",
				      user->last_name ? user->last_name : ""));
	kg_buf_addc(&b, '}');
	header = kg_psprintf(
		pool, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
		s->kid);
	payload = b.data;
	input = kg_psprintf(
		pool, "%s.%s",
		kg_b64url_encode(pool, (const unsigned char *)header,
				 strlen(header)),
		kg_b64url_encode(pool, (const unsigned char *)payload,
				 strlen(payload)));
	md = EVP_MD_CTX_new();
	ok = md &&
	     EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->key) == 1 &&
	     EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
			    strlen(input)) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return kg_err_set(err, KG_EINTERNAL, "app token not signed");
	*out = kg_psprintf(pool, "%s.%s", input,
			   kg_b64url_encode(pool, sig, siglen));
	return KG_OK;
}
