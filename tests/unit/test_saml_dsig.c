/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: keygate's own check of an enveloped XML signature
 * with the IdP's metadata keys (gateway/proto/saml/dsig.c). Messages are
 * signed here with xmlsec by fresh keys; each is serialised and parsed
 * again, as a received message is, before the check.
 */
#include "tests/unit/fixture.h"
#include "tests/unit/saml_keys.h"

#include "gateway/base/err.h"
#include "gateway/proto/saml/dsig.h"
#include "gateway/proto/saml/saml_int.h"

#include <apr_strings.h>
#include <libxml/parser.h>
#include <string.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmltree.h>

#define NS_P "urn:oasis:names:tc:SAML:2.0:protocol"
#define DS "http://www.w3.org/2000/09/xmldsig#"

/* A Signature template over "#ref" with signature method alg. */
static const char *signature(apr_pool_t *pool, const char *ref, const char *alg)
{
	return apr_pstrcat(
		pool, "<ds:Signature xmlns:ds=\"" DS "\"><ds:SignedInfo>",
		"<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/"
		"2001/10/xml-exc-c14n#\"/><ds:SignatureMethod Algorithm=\""
		"http://www.w3.org/2001/04/xmldsig-more#",
		alg, "\"/><ds:Reference URI=\"#", ref,
		"\"><ds:Transforms><ds:Transform Algorithm=\"" DS
		"enveloped-signature\"/><ds:Transform Algorithm=\"http://"
		"www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
		"<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/"
		"xmlenc#sha256\"/><ds:DigestValue/></ds:Reference>"
		"</ds:SignedInfo><ds:SignatureValue/></ds:Signature>",
		NULL);
}

/* The Signature child of the root of doc. */
static xmlNode *sig_of(xmlDoc *doc)
{
	for (xmlNode *n = xmlDocGetRootElement(doc)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "Signature") == 0)
			return n;
	return NULL;
}

/* A Response holding inner, signed by key over "#ref" (ref_el: the
 * element with that ID, the root when NULL), as received text. */
static const char *signed_msg(apr_pool_t *pool, EVP_PKEY *key, const char *alg,
			      const char *inner, const char *ref)
{
	const char *tmpl = apr_pstrcat(
		pool, "<p:Response xmlns:p=\"" NS_P "\" ID=\"_r1\">", inner,
		signature(pool, ref, alg), "</p:Response>", NULL);
	xmlDoc *doc = xmlReadMemory(tmpl, (int)strlen(tmpl), NULL, NULL, 0);
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	const xmlChar *ids[] = {(const xmlChar *)"ID", NULL};
	xmlChar *out = NULL;
	const char *text;
	int len = 0;

	assert_non_null(doc);
	assert_non_null(ctx);
	xmlSecAddIDs(doc, xmlDocGetRootElement(doc), ids);
	EVP_PKEY_up_ref(key);
	ctx->signKey = xmlSecKeyCreate();
	assert_int_equal(
		xmlSecKeySetValue(ctx->signKey, xmlSecOpenSSLEvpKeyAdopt(key)),
		0);
	assert_int_equal(xmlSecDSigCtxSign(ctx, sig_of(doc)), 0);
	xmlDocDumpMemory(doc, &out, &len);
	text = apr_pstrmemdup(pool, (const char *)out, (apr_size_t)len);
	xmlFree(out);
	xmlSecDSigCtxDestroy(ctx);
	xmlFreeDoc(doc);
	return text;
}

/* Whether msg's root signature verifies with the keys of metadata md;
 * with all_ids, every ID attribute of msg is registered first. */
static bool verifies_ids(const char *md, const char *msg, bool all_ids)
{
	kg_saml_keys *keys = kg_saml_keys_load(md);
	xmlDoc *doc = xmlReadMemory(msg, (int)strlen(msg), NULL, NULL, 0);
	const xmlChar *ids[] = {(const xmlChar *)"ID", NULL};
	bool ok;

	assert_non_null(keys);
	assert_non_null(doc);
	if (all_ids)
		xmlSecAddIDs(doc, xmlDocGetRootElement(doc), ids);
	ok = kg_saml_keys_verify(keys, sig_of(doc));
	xmlFreeDoc(doc);
	kg_saml_keys_free(keys);
	return ok;
}

/* Whether msg's root signature verifies with the keys of metadata md. */
static bool verifies(const char *md, const char *msg)
{
	return verifies_ids(md, msg, false);
}

/* Metadata with a signing KeyDescriptor for each certificate given. */
static const char *md_of(apr_pool_t *pool, const char *b64, const char *b64b)
{
	return apr_pstrcat(
		pool, KGT_MD_HEAD,
		kgt_key_descriptor(pool, kgt_one_cert(pool, b64)),
		b64b ? kgt_key_descriptor(pool, kgt_one_cert(pool, b64b)) : "",
		KGT_MD_TAIL, NULL);
}

static int setup(void **state)
{
	kg_err err = {0};

	assert_true(kg_saml_lasso_init(&err)); /* xmlsec with it */
	return kgt_setup(state);
}

static void test_the_metadata_key_verifies_and_a_change_does_not(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *a;
	const char *md = md_of(pool, kgt_cert_b64(pool, "RSA", &a), NULL);
	const char *msg =
		signed_msg(pool, a, "rsa-sha256", "<v>alice</v>", "_r1");
	char *tampered = apr_pstrdup(pool, msg);

	assert_true(verifies(md, msg));
	memcpy(strstr(tampered, "alice"), "mallo", 5);
	assert_false(verifies(md, tampered));
	EVP_PKEY_free(a);
}

static void test_either_key_of_a_rollover_verifies(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *a, *b;
	const char *ca = kgt_cert_b64(pool, "RSA", &a);
	const char *cb = kgt_cert_b64(pool, "RSA", &b);
	const char *by_a = signed_msg(pool, a, "rsa-sha256", "<v/>", "_r1");
	const char *by_b = signed_msg(pool, b, "rsa-sha256", "<v/>", "_r1");

	assert_true(verifies(md_of(pool, cb, ca), by_a));
	assert_true(verifies(md_of(pool, cb, ca), by_b));
	/* a key the metadata does not name, whatever the message says */
	assert_false(verifies(md_of(pool, cb, NULL), by_a));
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void test_an_ec_key_verifies(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *e;
	const char *md = md_of(pool, kgt_cert_b64(pool, "EC", &e), NULL);

	assert_true(verifies(
		md, signed_msg(pool, e, "ecdsa-sha256", "<v/>", "_r1")));
	EVP_PKEY_free(e);
}

static void test_the_key_in_keyinfo_is_never_used(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *a, *evil;
	const char *md = md_of(pool, kgt_cert_b64(pool, "RSA", &a), NULL);
	const char *evil_cert = kgt_cert_b64(pool, "RSA", &evil);
	const char *msg = signed_msg(pool, evil, "rsa-sha256", "<v/>", "_r1");
	/* the attacker's certificate where a verifier might look for one */
	const char *with_ki = apr_pstrcat(
		pool,
		apr_pstrndup(
			pool, msg,
			(apr_size_t)(strstr(msg, "</ds:Signature>") - msg)),
		"<ds:KeyInfo><ds:X509Data>", kgt_one_cert(pool, evil_cert),
		"</ds:X509Data></ds:KeyInfo></ds:Signature></p:Response>",
		NULL);

	assert_false(verifies(md, msg));
	assert_false(verifies(md, with_ki));
	EVP_PKEY_free(a);
	EVP_PKEY_free(evil);
}

static void test_a_reference_to_another_element_is_refused(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *a;
	const char *md = md_of(pool, kgt_cert_b64(pool, "RSA", &a), NULL);
	/* validly signed, but what it signs is a child, not the Response */
	const char *msg = signed_msg(
		pool, a, "rsa-sha256",
		"<p:Extensions ID=\"_x\"><v>alice</v></p:Extensions>", "_x");

	assert_false(verifies(md, msg));
	/* even when the child's ID resolves: the Reference must be the
	 * Signature's parent's */
	assert_false(verifies_ids(md, msg, true));
	EVP_PKEY_free(a);
}

static void test_an_encryption_key_is_not_a_signing_key(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *enc, *sig;
	const char *ce = kgt_cert_b64(pool, "RSA", &enc);
	const char *cs = kgt_cert_b64(pool, "RSA", &sig);
	const char *md =
		apr_pstrcat(pool, KGT_MD_HEAD,
			    "<md:KeyDescriptor "
			    "use=\"encryption\"><ds:KeyInfo><ds:X509Data>",
			    kgt_one_cert(pool, ce),
			    "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
			    kgt_key_descriptor(pool, kgt_one_cert(pool, cs)),
			    KGT_MD_TAIL, NULL);

	assert_false(verifies(
		md, signed_msg(pool, enc, "rsa-sha256", "<v/>", "_r1")));
	assert_true(verifies(
		md, signed_msg(pool, sig, "rsa-sha256", "<v/>", "_r1")));
	EVP_PKEY_free(enc);
	EVP_PKEY_free(sig);
}

static void test_other_key_forms_are_left_to_lasso(void **state)
{
	apr_pool_t *pool = *state;
	EVP_PKEY *a;
	const char *ca = kgt_cert_b64(pool, "RSA", &a);
	const char *rows[] = {
		/* a KeyValue */
		apr_pstrcat(pool, KGT_MD_HEAD,
			    "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo>"
			    "<ds:KeyValue/></ds:KeyInfo></md:KeyDescriptor>",
			    KGT_MD_TAIL, NULL),
		/* two certificates in one X509Data */
		apr_pstrcat(pool, KGT_MD_HEAD,
			    kgt_key_descriptor(
				    pool,
				    apr_pstrcat(pool, kgt_one_cert(pool, ca),
						kgt_one_cert(pool, ca), NULL)),
			    KGT_MD_TAIL, NULL),
		/* one good key beside one that does not load */
		apr_pstrcat(
			pool, KGT_MD_HEAD,
			kgt_key_descriptor(pool, kgt_one_cert(pool, ca)),
			kgt_key_descriptor(
				pool, kgt_one_cert(pool, "bm90IGEgY2VydA==")),
			KGT_MD_TAIL, NULL),
		/* no signing key */
		apr_pstrcat(pool, KGT_MD_HEAD, KGT_MD_TAIL, NULL),
		/* not metadata */
		"<x/>",
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(*rows); i++) {
		kg_saml_keys *keys = kg_saml_keys_load(rows[i]);
		if (keys) {
			kg_saml_keys_free(keys);
			fail_msg("row %zu loaded keys", i);
		}
	}
	EVP_PKEY_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_the_metadata_key_verifies_and_a_change_does_not,
			setup, kgt_teardown),
		cmocka_unit_test_setup_teardown(
			test_either_key_of_a_rollover_verifies, setup,
			kgt_teardown),
		cmocka_unit_test_setup_teardown(test_an_ec_key_verifies, setup,
						kgt_teardown),
		cmocka_unit_test_setup_teardown(
			test_the_key_in_keyinfo_is_never_used, setup,
			kgt_teardown),
		cmocka_unit_test_setup_teardown(
			test_a_reference_to_another_element_is_refused, setup,
			kgt_teardown),
		cmocka_unit_test_setup_teardown(
			test_an_encryption_key_is_not_a_signing_key, setup,
			kgt_teardown),
		cmocka_unit_test_setup_teardown(
			test_other_key_forms_are_left_to_lasso, setup,
			kgt_teardown),
	};
	return KGT_RUN(tests);
}
