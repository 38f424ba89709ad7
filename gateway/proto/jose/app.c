/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the gateway-signed JWT for apps, and its JWKS.
 */
#include "gateway/proto/jose/app.h"
#include "conf/read.h"
#include "gateway/base/str.h"
#include "gateway/base/b64url.h"
#include "gateway/base/time.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <string.h>

/* One key of the ring, described once at load. */
typedef struct {
	EVP_PKEY *key;
	const char *kid;
	const char *jwk;	/* its JWKS member, an object */
	const char *public_key; /* base64 DER SubjectPublicKeyInfo */
	long long retire_s;	/* 0: never */
} app_key;

struct kg_app_signer {
	apr_array_header_t *keys; /* app_key *, in configured order: the
				     last signs */
};

static apr_status_t key_cleanup(void *data)
{
	app_key *k = data;

	EVP_PKEY_free(k->key);
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

/* Standard base64 (x5c, public_key: RFC 7517 4.7), not base64url. */
static const char *b64(apr_pool_t *pool, const unsigned char *der, int len)
{
	char *text = apr_palloc(pool, (apr_size_t)apr_base64_encode_len(len));

	apr_base64_encode_binary(text, der, len);
	return text;
}

/* base64url of the md digest of der. */
static const char *thumbprint(apr_pool_t *pool, const EVP_MD *md,
			      const unsigned char *der, int len)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	EVP_Digest(der, (size_t)len, digest, &dlen, md, NULL);
	return kg_b64url_encode(pool, digest, dlen);
}

/* Fills k's kid (from the public key's SHA-256), public_key and JWKS
 * member (with the certificate's x5c, x5t and x5t#S256). */
static kg_rc describe(apr_pool_t *pool, app_key *k, X509 *cert, kg_err *err)
{
	unsigned char *der = NULL, digest[32];
	unsigned int dlen = 0;
	int len = i2d_X509(cert, &der);
	const char *x5c, *x5t, *x5t256, *n, *e;

	if (len <= 0)
		return kg_err_set(err, KG_ECONFIG,
				  "the certificate does not encode");
	x5c = b64(pool, der, len);
	x5t = thumbprint(pool, EVP_sha1(), der, len);
	x5t256 = thumbprint(pool, EVP_sha256(), der, len);
	OPENSSL_free(der);
	der = NULL;
	len = i2d_PUBKEY(k->key, &der);
	if (len <= 0)
		return kg_err_set(err, KG_ECONFIG, "the key does not encode");
	EVP_Digest(der, (size_t)len, digest, &dlen, EVP_sha256(), NULL);
	k->public_key = b64(pool, der, len);
	OPENSSL_free(der);
	k->kid = apr_pstrndup(pool, kg_b64url_encode(pool, digest, dlen), 16);
	n = bn_b64(pool, k->key, OSSL_PKEY_PARAM_RSA_N);
	e = bn_b64(pool, k->key, OSSL_PKEY_PARAM_RSA_E);
	if (n == NULL || e == NULL)
		return kg_err_set(err, KG_ECONFIG, "the key is not RSA");
	k->jwk = kg_psprintf(
		pool,
		"{\"kid\":\"%s\",\"kty\":\"RSA\",\"alg\":\"RS256\","
		"\"use\":\"sig\",\"n\":\"%s\",\"e\":\"%s\",\"x5c\":[\"%s\"],"
		"\"x5t\":\"%s\",\"x5t#S256\":\"%s\"}",
		k->kid, n, e, x5c, x5t, x5t256);
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

/* A self-signed certificate of key: subject and issuer "CN=keygate app
 * tokens", serial from the public key's SHA-256 (so each key's differs),
 * valid 2000 to 9999 (RFC 5280 4.1.2.5: no well-defined end), signed
 * with SHA-256. Deterministic. */
static X509 *self_signed(EVP_PKEY *key)
{
	X509 *cert = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL, digest[32];
	int len = i2d_PUBKEY(key, &der);
	BIGNUM *serial = NULL;
	bool ok = cert && name && len > 0 &&
		  EVP_Digest(der, (size_t)len, digest, NULL, EVP_sha256(),
			     NULL) == 1;

	OPENSSL_free(der);
	digest[0] &= 0x7f; /* a positive serial of at most 8 bytes */
	ok = ok && X509_set_version(cert, 2) == 1 &&
	     (serial = BN_bin2bn(digest, 8, NULL)) != NULL &&
	     BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert)) != NULL &&
	     X509_NAME_add_entry_by_txt(
		     name, "CN", MBSTRING_ASC,
		     (const unsigned char *)"keygate app tokens", -1, -1,
		     0) == 1 &&
	     X509_set_subject_name(cert, name) == 1 &&
	     X509_set_issuer_name(cert, name) == 1 &&
	     ASN1_TIME_set_string(X509_getm_notBefore(cert),
				  "20000101000000Z") == 1 &&
	     ASN1_TIME_set_string(X509_getm_notAfter(cert),
				  "99991231235959Z") == 1 &&
	     X509_set_pubkey(cert, key) == 1 &&
	     X509_sign(cert, key, EVP_sha256()) > 0;
	BN_free(serial);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

/* Loads one key of the ring and its certificate (see
 * kg_app_signer_open); *used set when extra (KeygateAppJWTCert) is it. */
static kg_rc load_key(apr_pool_t *pool, const kg_conf_app_key *spec,
		      X509 *extra, bool *used, app_key **out, kg_err *err)
{
	app_key *k = apr_pcalloc(pool, sizeof(*k));
	X509 *cert = NULL;
	kg_rc rc;

	k->retire_s = spec->retire_s;
	k->key = read_pem(pool, spec->key, read_key, err);
	if (k->key == NULL)
		return KG_ECONFIG;
	apr_pool_cleanup_register(pool, k, key_cleanup, apr_pool_cleanup_null);
	if (EVP_PKEY_get_base_id(k->key) != EVP_PKEY_RSA ||
	    EVP_PKEY_get_bits(k->key) < 2048)
		return kg_err_set(err, KG_ECONFIG,
				  "%s: the app-token key must be RSA of 2048 "
				  "bits or more",
				  spec->key);
	if (spec->cert) {
		cert = read_pem(pool, spec->cert, read_cert, err);
		if (cert == NULL)
			return KG_ECONFIG;
		if (X509_check_private_key(cert, k->key) != 1) {
			X509_free(cert);
			return kg_err_set(err, KG_ECONFIG,
					  "%s is not the certificate of %s",
					  spec->cert, spec->key);
		}
	} else if (extra && X509_check_private_key(extra, k->key) == 1) {
		*used = true;
		cert = X509_dup(extra);
	} else {
		cert = self_signed(k->key);
	}
	if (cert == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "%s: no certificate could be made",
				  spec->key);
	rc = describe(pool, k, cert, err);
	X509_free(cert);
	*out = k;
	return rc;
}

kg_rc kg_app_signer_open(apr_pool_t *pool, const apr_array_header_t *keys,
			 const char *cert_path, kg_app_signer **out,
			 kg_err *err)
{
	kg_app_signer *s = apr_pcalloc(pool, sizeof(*s));
	X509 *extra = NULL;
	bool used = false;
	kg_rc rc = KG_OK;

	if (keys->nelts == 0)
		return kg_err_set(err, KG_ECONFIG, "no KeygateAppJWTKey");
	if (cert_path &&
	    (extra = read_pem(pool, cert_path, read_cert, err)) == NULL)
		return KG_ECONFIG;
	s->keys = apr_array_make(pool, keys->nelts, sizeof(app_key *));
	for (int i = 0; rc == KG_OK && i < keys->nelts; i++)
		rc = load_key(pool, &APR_ARRAY_IDX(keys, i, kg_conf_app_key),
			      extra, &used, (app_key **)apr_array_push(s->keys),
			      err);
	X509_free(extra);
	if (rc == KG_OK && cert_path && !used)
		rc = kg_err_set(err, KG_ECONFIG,
				"%s is not the certificate of any "
				"KeygateAppJWTKey",
				cert_path);
	if (rc == KG_OK)
		*out = s;
	return rc;
}

static const app_key *signing_key(const kg_app_signer *s)
{
	return APR_ARRAY_IDX(s->keys, s->keys->nelts - 1, app_key *);
}

const char *kg_app_signer_jwks(const kg_app_signer *s, apr_pool_t *pool,
			       long long now_s)
{
	kg_buf b;

	kg_buf_init(&b, pool, 4096);
	kg_buf_adds(&b, "{\"keys\":[");
	kg_buf_adds(&b, signing_key(s)->jwk);
	for (int i = s->keys->nelts - 2; i >= 0; i--) {
		const app_key *k = APR_ARRAY_IDX(s->keys, i, app_key *);
		if (k->retire_s && k->retire_s <= now_s)
			continue;
		kg_buf_addc(&b, ',');
		kg_buf_adds(&b, k->jwk);
	}
	kg_buf_adds(&b, "]}");
	return b.data;
}

const char *kg_app_signer_public_key(const kg_app_signer *s)
{
	return signing_key(s)->public_key;
}

const char *kg_app_signer_summary(const kg_app_signer *s, apr_pool_t *pool,
				  long long now_s)
{
	kg_buf b;

	kg_buf_init(&b, pool, 128);
	kg_buf_addf(&b, "signing=%s", signing_key(s)->kid);
	for (int i = s->keys->nelts - 2; i >= 0; i--) {
		const app_key *k = APR_ARRAY_IDX(s->keys, i, app_key *);
		char at[KG_TIME_UTC_LEN + 1];
		kg_buf_adds(&b, i == s->keys->nelts - 2 ? " published=" : ",");
		kg_buf_adds(&b, k->kid);
		if (k->retire_s == 0)
			continue;
		kg_time_format_utc(k->retire_s, at);
		kg_buf_addf(&b, "(%s%s)",
			    k->retire_s <= now_s ? "retired " : "until ", at);
	}
	return b.data;
}

const char *kg_app_signer_kid(const kg_app_signer *s)
{
	return signing_key(s)->kid;
}

static void add_claim(kg_buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	kg_buf_addf(b, ",\"%s\":", name);
	kg_buf_add_json_string(b, value);
}

/* bytes as a UUID with the given version nibble, in pool. */
static const char *uuid_text(apr_pool_t *pool, unsigned char b[16],
			     unsigned version)
{
	b[6] = (unsigned char)((b[6] & 0x0f) | (version << 4));
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return kg_psprintf(pool,
			   "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			   "%02x%02x%02x%02x%02x%02x",
			   b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8],
			   b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* session_state / sid: a UUID (version 8, RFC 9562) from the SHA-256 of
 * the session id, so apps can tell sessions apart and learn nothing of
 * the Redis key. */
static const char *session_ref(apr_pool_t *pool, const char *session)
{
	unsigned char digest[32];
	unsigned int dlen = 0;
	const char *input;

	if (session == NULL)
		return NULL;
	input = apr_pstrcat(pool, "keygate-sid:", session, NULL);
	EVP_Digest(input, strlen(input), digest, &dlen, EVP_sha256(), NULL);
	return uuid_text(pool, digest, 8);
}

kg_rc kg_app_jwt_sign(kg_app_signer *s, apr_pool_t *pool, const kg_user *user,
		      const kg_app_claims *c, const char **out, kg_err *err)
{
	const app_key *k = signing_key(s);
	unsigned char id[16], sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md;
	const char *header, *payload, *input, *sid;
	kg_buf b;
	bool ok;

	if (RAND_bytes(id, sizeof(id)) != 1)
		return kg_err_set(err, KG_EINTERNAL, "no randomness");
	sid = session_ref(pool, c->session);
	kg_buf_init(&b, pool, 1024);
	/* the members and order of Domino's documented example */
	kg_buf_addf(&b, "{\"exp\":%lld,\"iat\":%lld,\"auth_time\":%lld",
		    c->now_s + c->lifetime_s, c->now_s, c->auth_s);
	add_claim(&b, "jti", uuid_text(pool, id, 4));
	add_claim(&b, "iss", c->issuer);
	kg_buf_adds(&b, ",\"aud\":[\"apps\"]");
	/* the stable user id (sessions/ids.h); a user without one (a
	 * bearer-token caller) by username */
	add_claim(&b, "sub", user->id ? user->id : user->username);
	add_claim(&b, "typ", "Bearer");
	add_claim(&b, "azp", "domino-play");
	add_claim(&b, "session_state", sid);
	add_claim(&b, "scope", "openid email profile");
	add_claim(&b, "sid", sid);
	if (user->email)
		kg_buf_adds(&b, ",\"email_verified\":true");
	add_claim(&b, "idp_id", user->id);
	if (user->first_name || user->last_name)
		add_claim(&b, "name",
			  kg_psprintf(pool, "%s%s%s",
				      user->first_name ? user->first_name : "",
				      user->first_name && user->last_name ? " "
									  : "",
				      user->last_name ? user->last_name : ""));
	add_claim(&b, "preferred_username", user->username);
	add_claim(&b, "given_name", user->first_name);
	add_claim(&b, "family_name", user->last_name);
	add_claim(&b, "email", user->email);
	add_claim(&b, "idpbroker", c->idp);
	kg_buf_addc(&b, '}');
	header = kg_psprintf(
		pool, "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}",
		k->kid);
	payload = b.data;
	input = kg_psprintf(
		pool, "%s.%s",
		kg_b64url_encode(pool, (const unsigned char *)header,
				 strlen(header)),
		kg_b64url_encode(pool, (const unsigned char *)payload,
				 strlen(payload)));
	md = EVP_MD_CTX_new();
	ok = md &&
	     EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k->key) == 1 &&
	     EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input,
			    strlen(input)) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return kg_err_set(err, KG_EINTERNAL, "app token not signed");
	*out = kg_psprintf(pool, "%s.%s", input,
			   kg_b64url_encode(pool, sig, siglen));
	return KG_OK;
}
