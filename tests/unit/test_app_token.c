/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the app-token keyring (gateway/proto/jose/app.c):
 * a self-signed x5c made the same way every time, a rollover whose older
 * key leaves the JWKS at its time, certificates matched to their keys,
 * and a token with Domino's claims signed by the newest key.
 */
#include "tests/unit/fixture.h"

#include "gateway/base/b64url.h"
#include "gateway/base/json.h"
#include "gateway/proto/jose/app.h"

#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A folder with two RSA keys (k1.pem, k2.pem) and a certificate of k2
 * (k2.crt), made once for the whole file. */
static char folder[] = "/tmp/kgt-app.XXXXXX";

static void write_key(const char *name, EVP_PKEY **out)
{
	char path[64];
	EVP_PKEY *key = EVP_RSA_gen(2048);
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", folder, name);
	f = fopen(path, "w");
	if (key == NULL || f == NULL ||
	    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1)
		abort();
	fclose(f);
	*out = key;
}

static void write_cert(EVP_PKEY *key)
{
	char path[64];
	X509 *cert = X509_new();
	FILE *f;

	snprintf(path, sizeof(path), "%s/k2.crt", folder);
	f = fopen(path, "w");
	X509_set_version(cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(cert), 7);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN",
				   MBSTRING_ASC, (const unsigned char *)"k2",
				   -1, -1, 0);
	X509_set_issuer_name(cert, X509_get_subject_name(cert));
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	X509_set_pubkey(cert, key);
	if (f == NULL || X509_sign(cert, key, EVP_sha256()) <= 0 ||
	    PEM_write_X509(f, cert) != 1)
		abort();
	fclose(f);
	X509_free(cert);
}

static EVP_PKEY *key1, *key2;

static int make_keys(void **state)
{
	if (mkdtemp(folder) == NULL)
		return -1;
	write_key("k1.pem", &key1);
	write_key("k2.pem", &key2);
	write_cert(key2);
	return 0;
}

static int remove_keys(void **state)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", folder);
	EVP_PKEY_free(key1);
	EVP_PKEY_free(key2);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *path(apr_pool_t *pool, const char *name)
{
	return name ? apr_pstrcat(pool, folder, "/", name, NULL) : NULL;
}

/* A keyring of the NULL-terminated (key, cert, retire_s) triples. */
static kg_rc ring(apr_pool_t *pool, const char *extra, kg_app_signer **out,
		  kg_err *err, ...)
{
	apr_array_header_t *keys =
		apr_array_make(pool, 2, sizeof(kg_conf_app_key));
	const char *k;
	va_list ap;

	va_start(ap, err);
	while ((k = va_arg(ap, const char *)) != NULL) {
		kg_conf_app_key *c = apr_array_push(keys);
		c->key = path(pool, k);
		c->cert = path(pool, va_arg(ap, const char *));
		c->retire_s = va_arg(ap, long long);
	}
	va_end(ap);
	return kg_app_signer_open(pool, keys, path(pool, extra), out, err);
}

static kg_json *json(apr_pool_t *pool, const char *text)
{
	kg_json *v;
	kg_json_error je;

	assert_true(kg_json_parse(pool, text, strlen(text), 16, &v, &je));
	return v;
}

static const char *member(const kg_json *v, const char *name)
{
	const kg_json *m = kg_json_get(v, name);

	return m && m->type == KG_JSON_STRING ? m->str : NULL;
}

/* The public key of the certificate in the JWKS member k. */
static EVP_PKEY *x5c_key(apr_pool_t *pool, const kg_json *k)
{
	const kg_json *x5c = kg_json_get(k, "x5c");
	const char *b64 = x5c->members[0].value->str;
	unsigned char *der = apr_palloc(pool, strlen(b64));
	const unsigned char *p = der;
	int len = EVP_DecodeBlock(der, (const unsigned char *)b64,
				  (int)strlen(b64));
	X509 *cert;
	EVP_PKEY *key;

	/* EVP_DecodeBlock counts the padding as zero bytes */
	len -= (int)(strlen(b64) - strcspn(b64, "="));
	cert = d2i_X509(NULL, &p, len);
	assert_non_null(cert);
	key = X509_get_pubkey(cert);
	X509_free(cert);
	return key;
}

static void test_a_key_alone_gets_a_stable_self_signed_x5c(void **state)
{
	apr_pool_t *pool = *state;
	kg_app_signer *a, *b;
	kg_err err = {0};
	kg_json *doc;
	const kg_json *k;
	EVP_PKEY *pub;

	assert_int_equal(ring(pool, NULL, &a, &err, "k1.pem", NULL, 0LL, NULL),
			 KG_OK);
	assert_int_equal(ring(pool, NULL, &b, &err, "k1.pem", NULL, 0LL, NULL),
			 KG_OK);
	assert_string_equal(kg_app_signer_jwks(a, pool, 0),
			    kg_app_signer_jwks(b, pool, 0));
	doc = json(pool, kg_app_signer_jwks(a, pool, 0));
	assert_int_equal(kg_json_get(doc, "keys")->count, 1);
	k = kg_json_get(doc, "keys")->members[0].value;
	assert_string_equal(member(k, "kid"), kg_app_signer_kid(a));
	assert_string_equal(member(k, "alg"), "RS256");
	assert_string_equal(member(k, "use"), "sig");
	assert_non_null(member(k, "x5t"));
	assert_non_null(member(k, "x5t#S256"));
	pub = x5c_key(pool, k);
	assert_int_equal(EVP_PKEY_eq(pub, key1), 1);
	EVP_PKEY_free(pub);
}

static void test_rollover_lists_the_old_key_until_its_time(void **state)
{
	apr_pool_t *pool = *state;
	kg_app_signer *s, *only;
	kg_err err = {0};
	kg_json *doc;

	assert_int_equal(ring(pool, NULL, &s, &err, "k1.pem", NULL, 1000LL,
			      "k2.pem", "k2.crt", 0LL, NULL),
			 KG_OK);
	assert_int_equal(
		ring(pool, NULL, &only, &err, "k2.pem", "k2.crt", 0LL, NULL),
		KG_OK);
	assert_string_equal(kg_app_signer_kid(s), kg_app_signer_kid(only));
	assert_string_equal(kg_app_signer_public_key(s),
			    kg_app_signer_public_key(only));
	doc = json(pool, kg_app_signer_jwks(s, pool, 999));
	assert_int_equal(kg_json_get(doc, "keys")->count, 2);
	assert_string_equal(
		member(kg_json_get(doc, "keys")->members[0].value, "kid"),
		kg_app_signer_kid(s)); /* the signing key first */
	assert_string_equal(kg_app_signer_jwks(s, pool, 1000),
			    kg_app_signer_jwks(only, pool, 1000));
}

static void test_certificates_must_be_their_keys(void **state)
{
	apr_pool_t *pool = *state;
	kg_app_signer *s;
	kg_err err = {0};
	kg_json *doc;
	EVP_PKEY *pub;

	assert_int_equal(
		ring(pool, NULL, &s, &err, "k1.pem", "k2.crt", 0LL, NULL),
		KG_ECONFIG);
	assert_non_null(strstr(err.msg, "is not the certificate of"));
	kg_err_clear(&err);
	/* KeygateAppJWTCert finds its key among several */
	assert_int_equal(ring(pool, "k2.crt", &s, &err, "k2.pem", NULL, 0LL,
			      "k1.pem", NULL, 0LL, NULL),
			 KG_OK);
	doc = json(pool, kg_app_signer_jwks(s, pool, 0));
	pub = x5c_key(pool, kg_json_get(doc, "keys")->members[1].value);
	assert_int_equal(EVP_PKEY_eq(pub, key2), 1);
	EVP_PKEY_free(pub);
	assert_int_equal(
		ring(pool, "k2.crt", &s, &err, "k1.pem", NULL, 0LL, NULL),
		KG_ECONFIG);
	assert_non_null(strstr(err.msg, "any KeygateAppJWTKey"));
}

/* The payload of token, after checking its signature with key. */
static kg_json *verified(apr_pool_t *pool, const char *token, EVP_PKEY *key)
{
	const char *dot = strrchr(token, '.');
	const char *payload = strchr(token, '.') + 1;
	size_t sig_len, len;
	unsigned char *sig, *text;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	assert_true(kg_b64url_decode(pool, dot + 1, strlen(dot + 1), &sig,
				     &sig_len));
	assert_int_equal(
		EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, sig_len,
					  (const unsigned char *)token,
					  (size_t)(dot - token)),
			 1);
	EVP_MD_CTX_free(md);
	assert_true(kg_b64url_decode(pool, payload, (size_t)(dot - payload),
				     &text, &len));
	return json(pool, apr_pstrmemdup(pool, (const char *)text, len));
}

static void test_the_token_has_dominos_claims(void **state)
{
	apr_pool_t *pool = *state;
	kg_app_signer *s;
	kg_err err = {0};
	kg_user *u = kgt_user(pool, "jdoe", NULL);
	kg_app_claims c = {.issuer =
				   "https://d.example/auth/realms/DominoRealm",
			   .session = "SESSIONID0123456789",
			   .idp = "corp",
			   .auth_s = 100,
			   .now_s = 200,
			   .lifetime_s = 300};
	const char *token;
	kg_json *p;

	u->id = "74e837a7-61ec-4777-8862-772037aec72f";
	u->email = "jdoe@example.com";
	u->first_name = "John";
	u->last_name = "Doe";
	assert_int_equal(ring(pool, NULL, &s, &err, "k1.pem", NULL, 0LL,
			      "k2.pem", NULL, 0LL, NULL),
			 KG_OK);
	assert_int_equal(kg_app_jwt_sign(s, pool, u, &c, &token, &err), KG_OK);
	assert_null(strstr(token, "SESSIONID"));
	p = verified(pool, token, key2);
	assert_string_equal(kg_json_get(p, "exp")->str, "500");
	assert_string_equal(kg_json_get(p, "iat")->str, "200");
	assert_string_equal(kg_json_get(p, "auth_time")->str, "100");
	assert_string_equal(member(p, "iss"), c.issuer);
	assert_string_equal(kg_json_get(p, "aud")->members[0].value->str,
			    "apps");
	assert_string_equal(member(p, "sub"), u->id);
	assert_string_equal(member(p, "idp_id"), u->id);
	assert_string_equal(member(p, "typ"), "Bearer");
	assert_string_equal(member(p, "sid"), member(p, "session_state"));
	assert_int_equal(strlen(member(p, "sid")), 36);
	assert_int_equal(strlen(member(p, "jti")), 36);
	assert_true(kg_json_get(p, "email_verified")->type == KG_JSON_TRUE);
	assert_string_equal(member(p, "name"), "John Doe");
	assert_string_equal(member(p, "preferred_username"), "jdoe");
	assert_string_equal(member(p, "idpbroker"), "corp");
	/* a caller without an id (a bearer token): sub is the username */
	u->id = NULL;
	u->email = NULL;
	c.idp = NULL;
	assert_int_equal(kg_app_jwt_sign(s, pool, u, &c, &token, &err), KG_OK);
	p = verified(pool, token, key2);
	assert_string_equal(member(p, "sub"), "jdoe");
	assert_null(kg_json_get(p, "idp_id"));
	assert_null(kg_json_get(p, "email_verified"));
	assert_null(kg_json_get(p, "idpbroker"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_a_key_alone_gets_a_stable_self_signed_x5c),
		KGT(test_rollover_lists_the_old_key_until_its_time),
		KGT(test_certificates_must_be_their_keys),
		KGT(test_the_token_has_dominos_claims),
	};
	int rc;

	if (make_keys(NULL) != 0)
		return 1;
	rc = KGT_RUN(tests);
	return remove_keys(NULL) == 0 ? rc : 1;
}
