/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: IdP signing keys for the metadata tests (see
 * saml_keys.h).
 */
#include "tests/unit/saml_keys.h"
#include "tests/unit/fixture.h"

#include <apr_strings.h>
#include <openssl/x509.h>
#include <string.h>

/* A self-signed certificate of a fresh key of type alg ("RSA", "EC"),
 * as base64 DER with a line break inside (as metadata often has);
 * *key gets the key (the caller frees it). */
const char *kgt_cert_b64(apr_pool_t *pool, const char *alg, EVP_PKEY **key)
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

const char *kgt_key_descriptor(apr_pool_t *pool, const char *x509_body)
{
	return apr_pstrcat(pool,
			   "<md:KeyDescriptor use=\"signing\"><ds:KeyInfo>"
			   "<ds:X509Data>",
			   x509_body,
			   "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>",
			   NULL);
}

const char *kgt_one_cert(apr_pool_t *pool, const char *b64)
{
	return apr_pstrcat(pool, "<ds:X509Certificate>", b64,
			   "</ds:X509Certificate>", NULL);
}
