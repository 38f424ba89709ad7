/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the IdP's signing keys and the check of one enveloped XML
 * signature with them (see dsig.h). libxml2, OpenSSL and xmlsec; no
 * lasso.
 */
#include "gateway/proto/saml/dsig.h"
#include "gateway/proto/saml/dom.h"
#include "gateway/proto/saml/keyvalue.h"

#include <apr_pools.h>
#include <string.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

/* More signing keys than this in one IdP's metadata: lasso decides. */
#define MAX_KEYS 8

struct kg_saml_keys {
	int n;
	xmlSecKeyPtr key[MAX_KEYS];
};

void kg_saml_keys_free(kg_saml_keys *keys)
{
	for (int i = 0; keys && i < keys->n; i++)
		xmlSecKeyDestroy(keys->key[i]);
	free(keys);
}

/* Adds the key of the one X509Certificate of KeyInfo ki to keys; false
 * when ki holds anything else or the key does not load. */
static bool add_key(apr_pool_t *pool, kg_saml_keys *keys, const xmlNode *ki)
{
	const xmlNode *x509 = kg_saml_child(ki, NS_DS, "X509Data");
	const xmlNode *cert = NULL;
	xmlSecKeyDataPtr data;
	xmlSecKeyPtr key;
	EVP_PKEY *pkey;
	int certs = 0;

	if (x509 == NULL || keys->n == MAX_KEYS)
		return false;
	for (const xmlNode *c = ki->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !kg_saml_is_el(c, NS_DS, "X509Data") &&
		    !kg_saml_is_el(c, NS_DS, "KeyName"))
			return false; /* a KeyValue, a second key: lasso's */
	for (const xmlNode *c = x509->children; c; c = c->next)
		if (kg_saml_is_el(c, NS_DS, "X509Certificate") && certs++ == 0)
			cert = c;
	if (certs != 1 ||
	    (pkey = kg_saml_cert_key(pool, kg_saml_text(pool, cert))) == NULL)
		return false;
	/* xmlsec owns pkey once adopted, and the key owns the data */
	if ((data = xmlSecOpenSSLEvpKeyAdopt(pkey)) == NULL) {
		EVP_PKEY_free(pkey);
		return false;
	}
	if ((key = xmlSecKeyCreate()) == NULL ||
	    xmlSecKeySetValue(key, data) < 0) {
		xmlSecKeyDataDestroy(data);
		if (key)
			xmlSecKeyDestroy(key);
		return false;
	}
	keys->key[keys->n++] = key;
	return true;
}

/* Loads the signing KeyDescriptors of the IDPSSODescriptor idp into
 * keys; false when one cannot be. */
static bool load_descriptor(apr_pool_t *pool, kg_saml_keys *keys,
			    const xmlNode *idp)
{
	for (const xmlNode *kd = idp->children; kd; kd = kd->next) {
		xmlChar *use;
		bool signing, ok = true;
		if (!kg_saml_is_el(kd, NS_MD, "KeyDescriptor"))
			continue;
		use = xmlGetNoNsProp(kd, (const xmlChar *)"use");
		signing = use == NULL ||
			  strcmp((const char *)use, "signing") == 0;
		xmlFree(use);
		if (signing)
			ok = add_key(pool, keys,
				     kg_saml_child(kd, NS_DS, "KeyInfo"));
		if (!ok)
			return false;
	}
	return true;
}

kg_saml_keys *kg_saml_keys_load(const char *idp_metadata)
{
	bool dtd = false;
	xmlDoc *doc =
		kg_saml_parse_strict(idp_metadata, strlen(idp_metadata), &dtd);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	const xmlNode *idp = NULL;
	kg_saml_keys *keys = calloc(1, sizeof(*keys));
	apr_pool_t *pool = NULL;
	int descriptors = 0;
	bool ok = false;

	if (kg_saml_is_el(root, NS_MD, "EntityDescriptor"))
		for (const xmlNode *n = root->children; n; n = n->next)
			if (kg_saml_is_el(n, NS_MD, "IDPSSODescriptor") &&
			    descriptors++ == 0)
				idp = n;
	if (keys && idp && descriptors == 1 &&
	    apr_pool_create(&pool, NULL) == APR_SUCCESS)
		ok = load_descriptor(pool, keys, idp) && keys->n > 0;
	if (pool)
		apr_pool_destroy(pool);
	if (doc)
		xmlFreeDoc(doc);
	if (!ok) {
		kg_saml_keys_free(keys);
		return NULL;
	}
	return keys;
}

/* Registers the ID attribute of el as the document's ID (el's own, not
 * another element's); false when it cannot be, as when another element
 * of the document already holds that ID. */
static bool register_id(xmlNode *el)
{
	xmlAttr *attr = xmlHasProp(el, (const xmlChar *)"ID");
	xmlChar *id;
	bool ok;

	if (attr == NULL || attr->ns != NULL)
		return false;
	id = xmlNodeListGetString(el->doc, attr->children, 1);
	if (id == NULL)
		return false;
	if (xmlGetID(el->doc, id) == NULL)
		xmlAddID(NULL, el->doc, id, attr);
	ok = xmlGetID(el->doc, id) == attr;
	xmlFree(id);
	return ok;
}

/* Allows ctx only the transforms dom.c's shape check allows (and the
 * canonicalisations SignedInfo may name). false on an xmlsec error. */
static bool restrict_ctx(xmlSecDSigCtxPtr ctx)
{
	const xmlSecTransformId sig[] = {
		xmlSecTransformExclC14NId,
		xmlSecTransformExclC14NWithCommentsId,
		xmlSecTransformInclC14NId,
		xmlSecTransformInclC14NWithCommentsId,
		xmlSecTransformInclC14N11Id,
		xmlSecTransformInclC14N11WithCommentsId,
		xmlSecTransformRsaSha256Id,
		xmlSecTransformRsaSha384Id,
		xmlSecTransformRsaSha512Id,
		xmlSecTransformEcdsaSha256Id,
		xmlSecTransformEcdsaSha384Id,
		xmlSecTransformEcdsaSha512Id};
	const xmlSecTransformId ref[] = {xmlSecTransformEnvelopedId,
					 xmlSecTransformExclC14NId,
					 xmlSecTransformExclC14NWithCommentsId,
					 xmlSecTransformSha256Id,
					 xmlSecTransformSha384Id,
					 xmlSecTransformSha512Id};

	for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
		if (xmlSecDSigCtxEnableSignatureTransform(ctx, sig[i]) < 0)
			return false;
	for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++)
		if (xmlSecDSigCtxEnableReferenceTransform(ctx, ref[i]) < 0)
			return false;
	ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
	return true;
}

/* Whether sig verifies with key alone, its one Reference being uri
 * (sig's parent's "#ID"). */
static bool verify_with(xmlSecKeyPtr key, xmlNode *sig, const char *uri)
{
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	xmlSecDSigReferenceCtxPtr ref;
	bool ok = false;

	if (ctx == NULL)
		return false;
	/* a key already set: xmlsec never reads the message's KeyInfo */
	ctx->signKey = xmlSecKeyDuplicate(key);
	if (ctx->signKey && restrict_ctx(ctx) &&
	    xmlSecDSigCtxVerify(ctx, sig) == 0 &&
	    ctx->status == xmlSecDSigStatusSucceeded &&
	    xmlSecPtrListGetSize(&ctx->signedInfoReferences) == 1) {
		ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
		ok = ref && ref->status == xmlSecDSigStatusSucceeded &&
		     ref->uri && strcmp((const char *)ref->uri, uri) == 0;
	}
	xmlSecDSigCtxDestroy(ctx);
	return ok;
}

bool kg_saml_keys_verify(const kg_saml_keys *keys, xmlNode *sig)
{
	xmlChar *id;
	char *uri;
	bool ok = false;

	if (keys == NULL || sig == NULL || sig->parent == NULL ||
	    sig->parent->type != XML_ELEMENT_NODE || !register_id(sig->parent))
		return false;
	id = xmlGetNoNsProp(sig->parent, (const xmlChar *)"ID");
	uri = id ? malloc(strlen((const char *)id) + 2) : NULL;
	if (uri) {
		uri[0] = '#';
		strcpy(uri + 1, (const char *)id);
		for (int i = 0; !ok && i < keys->n; i++)
			ok = verify_with(keys->key[i], sig, uri);
	}
	free(uri);
	xmlFree(id);
	return ok;
}
