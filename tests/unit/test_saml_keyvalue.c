/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the IdP metadata as keygate hands it to lasso
 * (gateway/proto/saml/keyvalue.c): an RSA signing certificate becomes a
 * KeyValue of the very same key; anything else is left as it is.
 */
#include "tests/unit/fixture.h"

#include "gateway/proto/saml/keyvalue.h"

#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#define MD_HEAD                                                                \
	"<md:EntityDescriptor "                                                \
	"xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "                   \
	"xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" "                     \
	"entityID=\"https://idp\"><md:IDPSSODescriptor "                       \
	"protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:"            \
	"protocol\">"
#define MD_TAIL "</md:IDPSSODescriptor></md:EntityDescriptor>"

/* A self-signed certificate of a fresh key of type alg ("RSA", "EC"),
 * as base64 DER with a line break inside (as metadata often has);
 * *key gets the key (the caller frees it). */
static const char *cert_b64(apr_pool_t *pool, const char *alg, EVP_PKEY **key)
{
	EVP_PKEY *k =
		strcmp(alg, "RSA") == 0
			? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
			: EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	unsigned char *der = NULL;
	char *b64;
	int n;

	assert_non_null(k);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"idp", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	n = i2d_X509(x, &der);
	assert_true(n > 0);
	b64 = apr_palloc(pool, (apr_size_t)(4 * ((n + 2) / 3) + 1));
	EVP_EncodeBlock((unsigned char *)b64, der, n);
	OPENSSL_free(der);
	X509_free(x);
	*key = k;
	return apr_pstrcat(pool, apr_pstrndup(pool, b64, 64), "\n  ", b64 + 64,
			   NULL);
}

static const char *key_descriptor(apr_pool_t *pool, const char *x509_body)
{
	return apr_pstrcat(pool,
			   "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo>"
			   "<ds:X509Data>",
			   x509_body,
			   "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
			   NULL);
}

static const char *one_cert(apr_pool_t *pool, const char *b64)
{
	return apr_pstrcat(pool, "<ds:X509Certificate>", b64,
			   "</ds:X509Certificate>", NULL);
}

/* The big number in the text of element name under doc's root. */
static BIGNUM *bn_of(xmlDoc *doc, const char *name)
{
	xmlNode *stack[64];
	int top = 0;
	unsigned char bin[1024];

	stack[top++] = xmlDocGetRootElement(doc);
	while (top > 0) {
		xmlNode *n = stack[--top];
		for (; n; n = n->next) {
			if (n->type == XML_ELEMENT_NODE &&
			    strcmp((const char *)n->name, name) == 0) {
				xmlChar *t = xmlNodeGetContent(n);
				int len = EVP_DecodeBlock(
					bin, t, (int)strlen((char *)t));
				int pad = (int)(strlen((char *)t) -
						strcspn((char *)t, "="));
				xmlFree(t);
				assert_true(len > 0);
				return BN_bin2bn(bin, len - pad, NULL);
			}
			if (n->children && top < 64)
				stack[top++] = n->children;
		}
	}
	return NULL;
}

static void test_an_rsa_certificate_becomes_the_same_key(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *key;
	const char *b64 = cert_b64(pool, "RSA", &key);
	const char *md = apr_pstrcat(
		pool, MD_HEAD, key_descriptor(pool, one_cert(pool, b64)),
		key_descriptor(pool, one_cert(pool, b64)), MD_TAIL, NULL);
	const char *out = kg_saml_metadata_key_values(pool, md);
	BIGNUM *n = NULL, *e = NULL, *got_n, *got_e;
	xmlDoc *doc;

	assert_ptr_not_equal(out, md);
	assert_null(strstr(out, "X509Certificate"));
	assert_null(strstr(out, "X509Data"));
	/* both KeyDescriptors */
	assert_non_null(strstr(strstr(out, "RSAKeyValue") + 1, "RSAKeyValue"));
	doc = xmlReadMemory(out, (int)strlen(out), NULL, NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	got_n = bn_of(doc, "Modulus");
	got_e = bn_of(doc, "Exponent");
	assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n),
			 1);
	assert_int_equal(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e),
			 1);
	assert_int_equal(BN_cmp(n, got_n), 0);
	assert_int_equal(BN_cmp(e, got_e), 0);
	/* the rest of the metadata is kept */
	assert_non_null(strstr(out, "entityID=\"https://idp\""));
	assert_non_null(strstr(out, "use=\"signing\""));
	BN_free(n);
	BN_free(e);
	BN_free(got_n);
	BN_free(got_e);
	xmlFreeDoc(doc);
	EVP_PKEY_free(key);
}

static void test_anything_else_is_left_as_it_is(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *rsa, *ec;
	const char *r = cert_b64(pool, "RSA", &rsa);
	const char *e = cert_b64(pool, "EC", &ec);
	const char *rows[] = {
		/* not RSA: lasso reads the certificate as before */
		apr_pstrcat(pool, MD_HEAD,
			    key_descriptor(pool, one_cert(pool, e)), MD_TAIL,
			    NULL),
		/* two certificates in one X509Data */
		apr_pstrcat(pool, MD_HEAD,
			    key_descriptor(
				    pool, apr_pstrcat(pool, one_cert(pool, r),
						      one_cert(pool, r), NULL)),
			    MD_TAIL, NULL),
		/* not a certificate */
		apr_pstrcat(pool, MD_HEAD,
			    key_descriptor(pool,
					   one_cert(pool, "bm90IGEgY2VydA==")),
			    MD_TAIL, NULL),
		/* a certificate outside a KeyDescriptor */
		apr_pstrcat(pool, MD_HEAD, "<ds:KeyInfo><ds:X509Data>",
			    one_cert(pool, r), "</ds:X509Data></ds:KeyInfo>",
			    MD_TAIL, NULL),
		/* not well-formed: lasso refuses it as it is */
		apr_pstrcat(pool, MD_HEAD,
			    key_descriptor(pool, one_cert(pool, r)), NULL),
		/* a DTD */
		apr_pstrcat(pool, "<!DOCTYPE x [<!ENTITY a \"b\">]>", MD_HEAD,
			    key_descriptor(pool, one_cert(pool, r)), MD_TAIL,
			    NULL),
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++)
		if (kg_saml_metadata_key_values(pool, rows[i]) != rows[i])
			fail_msg("row %zu was rewritten", i);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_an_rsa_certificate_becomes_the_same_key),
		KGT(test_anything_else_is_left_as_it_is),
	};
	return KGT_RUN(tests);
}
