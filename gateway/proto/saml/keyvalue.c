/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the IdP's metadata as keygate hands it to lasso, with each
 * signing certificate's RSA key as a ds:KeyValue (see keyvalue.h). No
 * lasso here: libxml2 and OpenSSL only.
 */
#include "gateway/proto/saml/keyvalue.h"
#include "gateway/proto/saml/dom.h"

#include <apr_strings.h>
#include <libxml/tree.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

/* The base64 of bn's big-endian bytes (ds:CryptoBinary), in pool, or
 * NULL. */
static const char *crypto_binary(apr_pool_t *pool, const BIGNUM *bn)
{
	int n = BN_num_bytes(bn);
	unsigned char *bin;
	char *b64;

	if (n <= 0)
		return NULL;
	bin = apr_palloc(pool, (apr_size_t)n);
	b64 = apr_palloc(pool, (apr_size_t)(4 * ((n + 2) / 3) + 1));
	if (BN_bn2bin(bn, bin) != n ||
	    EVP_EncodeBlock((unsigned char *)b64, bin, n) <= 0)
		return NULL;
	return b64;
}

EVP_PKEY *kg_saml_cert_key(apr_pool_t *pool, const char *b64)
{
	size_t len = strlen(b64), out = 0;
	unsigned char *der = apr_palloc(pool, len / 4 * 3 + 3);
	const unsigned char *p = der;
	char *clean = apr_palloc(pool, len + 1);
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int dlen;

	for (size_t i = 0; i < len; i++) /* base64 without white space */
		if (b64[i] != ' ' && b64[i] != '\n' && b64[i] != '\r' &&
		    b64[i] != '\t')
			clean[out++] = b64[i];
	clean[out] = '\0';
	dlen = out % 4 == 0
		       ? EVP_DecodeBlock(der, (unsigned char *)clean, (int)out)
		       : -1;
	if (dlen > 0) /* EVP_DecodeBlock counts the padding in */
		cert = d2i_X509(NULL, &p, dlen);
	if (cert)
		key = X509_get_pubkey(cert);
	X509_free(cert);
	ERR_clear_error();
	return key;
}

/* The RSA public key of the base64 DER certificate text b64 as Modulus
 * and Exponent texts; false when it is not an RSA certificate (or does
 * not decode). */
static bool rsa_of_cert(apr_pool_t *pool, const char *b64, const char **mod,
			const char **exp)
{
	EVP_PKEY *key = kg_saml_cert_key(pool, b64);
	BIGNUM *n = NULL, *e = NULL;

	*mod = *exp = NULL;
	if (key && EVP_PKEY_is_a(key, "RSA") &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1) {
		*mod = crypto_binary(pool, n);
		*exp = crypto_binary(pool, e);
	}
	BN_free(n);
	BN_free(e);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return *mod && *exp;
}

/* Replaces the X509Data of KeyInfo ki by a KeyValue with its
 * certificate's RSA key, when it holds exactly one certificate and that
 * is RSA. True when it did. */
static bool inline_key(apr_pool_t *pool, xmlNode *ki)
{
	xmlNode *x509 = kg_saml_child(ki, NS_DS, "X509Data"), *cert = NULL;
	xmlNode *kv, *rsa;
	const char *mod, *exp;
	int certs = 0;

	if (x509 == NULL || kg_saml_child(ki, NS_DS, "KeyValue"))
		return false;
	for (xmlNode *c = x509->children; c; c = c->next)
		if (kg_saml_is_el(c, NS_DS, "X509Certificate") && certs++ == 0)
			cert = c;
	if (certs != 1 ||
	    !rsa_of_cert(pool, kg_saml_text(pool, cert), &mod, &exp))
		return false;
	kv = xmlNewNode(x509->ns, (const xmlChar *)"KeyValue");
	rsa = xmlNewChild(kv, x509->ns, (const xmlChar *)"RSAKeyValue", NULL);
	xmlNewTextChild(rsa, x509->ns, (const xmlChar *)"Modulus",
			(const xmlChar *)mod);
	xmlNewTextChild(rsa, x509->ns, (const xmlChar *)"Exponent",
			(const xmlChar *)exp);
	xmlReplaceNode(x509, kv);
	xmlFreeNode(x509);
	return true;
}

/* Rewrites every md:KeyDescriptor's ds:KeyInfo under n; counts them in
 * *done. */
static void walk(apr_pool_t *pool, xmlNode *n, int *done)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (kg_saml_is_el(n, NS_MD, "KeyDescriptor")) {
			xmlNode *ki = kg_saml_child(n, NS_DS, "KeyInfo");
			if (ki && inline_key(pool, ki))
				(*done)++;
			continue;
		}
		walk(pool, n->children, done);
	}
}

const char *kg_saml_metadata_key_values(apr_pool_t *pool, const char *metadata)
{
	bool dtd = false;
	xmlDoc *doc = kg_saml_parse_strict(metadata, strlen(metadata), &dtd);
	xmlChar *out = NULL;
	const char *text = metadata;
	int done = 0, len = 0;

	if (doc == NULL)
		return metadata; /* lasso refuses it as it is */
	walk(pool, xmlDocGetRootElement(doc), &done);
	if (done > 0) {
		xmlDocDumpMemory(doc, &out, &len);
		if (out)
			text = apr_pstrmemdup(pool, (const char *)out,
					      (apr_size_t)len);
	}
	xmlFree(out);
	xmlFreeDoc(doc);
	return text;
}
