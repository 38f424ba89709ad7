/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the IdP's metadata as keygate hands it to lasso.
 *
 * Why: lasso 2.8 copies the IdP's signing key (xmlSecKeyDuplicate) for
 * every signature it checks, and with a key read from an
 * X509Certificate that copy re-encodes and re-decodes the certificate
 * (X509_dup through OpenSSL 3's decoders): about 2.9 million
 * instructions, a third of a SAML login's CPU. A key read from a
 * ds:KeyValue is an EVP key only, whose copy takes a reference.
 *
 * Safe: lasso checks a signature with the metadata's key itself (the
 * certificate is never a chain to validate: no CA, no dates), so the
 * same RSA key as a KeyValue verifies exactly the same signatures. Keys
 * that are not RSA, and KeyInfos with more than one certificate, are
 * left as they are.
 */
#ifndef KG_PROTO_SAML_KEYVALUE_H
#define KG_PROTO_SAML_KEYVALUE_H

#include <apr_pools.h>
#include <openssl/evp.h>

/* metadata with each md:KeyDescriptor's X509Data (one RSA certificate)
 * replaced by a ds:KeyValue/RSAKeyValue of its key; metadata itself when
 * nothing changes or it does not parse (lasso then judges it). In
 * pool. */
const char *kg_saml_metadata_key_values(apr_pool_t *pool, const char *metadata);

/* The public key of the base64 DER certificate text b64 (white space
 * allowed), a new reference the caller frees with EVP_PKEY_free; NULL
 * when it does not decode. Scratch in pool. The certificate itself is
 * never judged (no chain, no dates): metadata pins the key. */
EVP_PKEY *kg_saml_cert_key(apr_pool_t *pool, const char *b64);

#endif
