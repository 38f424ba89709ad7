/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the IdP metadata as keygate hands it to lasso
 * (gateway/proto/saml/keyvalue.c): an RSA signing certificate becomes a
 * KeyValue of the very same key; anything else is left as it is.
 */
#include "tests/unit/fixture.h"
#include "tests/unit/saml_keys.h"

#include "gateway/proto/saml/keyvalue.h"

#include <apr_strings.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

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
	const char *b64 = kgt_cert_b64(pool, "RSA", &key);
	const char *md =
		apr_pstrcat(pool, KGT_MD_HEAD,
			    kgt_key_descriptor(pool, kgt_one_cert(pool, b64)),
			    kgt_key_descriptor(pool, kgt_one_cert(pool, b64)),
			    KGT_MD_TAIL, NULL);
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
	const char *r = kgt_cert_b64(pool, "RSA", &rsa);
	const char *e = kgt_cert_b64(pool, "EC", &ec);
	const char *rows[] = {
		/* not RSA: lasso reads the certificate as before */
		apr_pstrcat(pool, KGT_MD_HEAD,
			    kgt_key_descriptor(pool, kgt_one_cert(pool, e)),
			    KGT_MD_TAIL, NULL),
		/* two certificates in one X509Data */
		apr_pstrcat(
			pool, KGT_MD_HEAD,
			kgt_key_descriptor(
				pool, apr_pstrcat(pool, kgt_one_cert(pool, r),
						  kgt_one_cert(pool, r), NULL)),
			KGT_MD_TAIL, NULL),
		/* not a certificate */
		apr_pstrcat(
			pool, KGT_MD_HEAD,
			kgt_key_descriptor(
				pool, kgt_one_cert(pool, "bm90IGEgY2VydA==")),
			KGT_MD_TAIL, NULL),
		/* a certificate outside a KeyDescriptor */
		apr_pstrcat(pool, KGT_MD_HEAD, "<ds:KeyInfo><ds:X509Data>",
			    kgt_one_cert(pool, r),
			    "</ds:X509Data></ds:KeyInfo>", KGT_MD_TAIL, NULL),
		/* not well-formed: lasso refuses it as it is */
		apr_pstrcat(pool, KGT_MD_HEAD,
			    kgt_key_descriptor(pool, kgt_one_cert(pool, r)),
			    NULL),
		/* a DTD */
		apr_pstrcat(pool, "<!DOCTYPE x [<!ENTITY a \"b\">]>",
			    KGT_MD_HEAD,
			    kgt_key_descriptor(pool, kgt_one_cert(pool, r)),
			    KGT_MD_TAIL, NULL),
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
