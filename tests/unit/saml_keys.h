/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: IdP signing keys for the metadata tests: fresh
 * keys with self-signed certificates, and the metadata pieces around
 * them.
 */
#ifndef KGT_SAML_KEYS_H
#define KGT_SAML_KEYS_H

#include <apr_pools.h>
#include <openssl/evp.h>

#define KGT_MD_HEAD                                                            \
	"<md:EntityDescriptor "                                                \
	"xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" "                   \
	"xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" "                     \
	"entityID=\"https://idp\"><md:IDPSSODescriptor "                       \
	"protocolSupportEnumeration=\"urn:oasis:names:tc:SAML:2.0:"            \
	"protocol\">"
#define KGT_MD_TAIL "</md:IDPSSODescriptor></md:EntityDescriptor>"

/* A self-signed certificate of a fresh key of type alg ("RSA", "EC"),
 * as base64 DER with a line break inside (as metadata often has);
 * *key gets the key (the caller frees it). */
const char *kgt_cert_b64(apr_pool_t *pool, const char *alg, EVP_PKEY **key);

/* A signing md:KeyDescriptor around the ds:X509Data body x509_body. */
const char *kgt_key_descriptor(apr_pool_t *pool, const char *x509_body);

/* One ds:X509Certificate of the base64 text b64. */
const char *kgt_one_cert(apr_pool_t *pool, const char *b64);

#endif
