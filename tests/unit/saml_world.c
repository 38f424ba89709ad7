/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the SAML world (keys and certificates made with
 * OpenSSL at test time).
 */
#include "tests/unit/saml_world.h"
#include "gateway/base/str.h"
#include "tests/unit/fixture.h"

#include <apr_pools.h>
#include <apr_strings.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

static kgt_saml_world world;
static apr_pool_t *world_pool;

/* The text a BIO holds, copied into pool; frees the BIO. */
static const char *bio_text(apr_pool_t *pool, BIO *b)
{
	char *data;
	long n = BIO_get_mem_data(b, &data);
	const char *out = apr_pstrmemdup(pool, data, (apr_size_t)n);

	BIO_free(b);
	return out;
}

/* A self-signed certificate of a fresh RSA key for cn: *key_pem and
 * *cert_pem in pool; *cert_b64 is the base64 DER (for metadata). */
static void make_cert(apr_pool_t *pool, const char *cn, const char **key_pem,
		      const char **cert_pem, const char **cert_b64)
{
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	X509 *x = X509_new();
	X509_NAME *name;
	BIO *b;
	const char *pem;
	kg_buf der;

	if (pkey == NULL || x == NULL)
		fail_msg("no key for the SAML world");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (X509_sign(x, pkey, EVP_sha256()) == 0)
		fail_msg("the SAML world's certificate did not sign");

	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL);
	*key_pem = bio_text(pool, b);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, x);
	*cert_pem = pem = bio_text(pool, b);
	/* the base64 between the PEM lines, without newlines */
	kg_buf_init(&der, pool, strlen(pem));
	pem = strchr(pem, '\n') + 1;
	for (; *pem && *pem != '-'; pem++)
		if (*pem != '\n')
			kg_buf_addc(&der, *pem);
	*cert_b64 = der.data;
	X509_free(x);
	EVP_PKEY_free(pkey);
}

const kgt_saml_world *kgt_saml_world_get(void)
{
	const char *idp_key, *idp_cert, *idp_b64, *sp_b64;

	if (world_pool)
		return &world;
	apr_pool_create(&world_pool, NULL);
	make_cert(world_pool, "keygate test SP", &world.sp_key_pem,
		  &world.sp_cert_pem, &sp_b64);
	make_cert(world_pool, "keygate test IdP", &idp_key, &idp_cert,
		  &idp_b64);
	world.idp_metadata = apr_pstrcat(
		world_pool,
		"<?xml version=\"1.0\"?>\n"
		"<EntityDescriptor "
		"xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" "
		"xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" "
		"entityID=\"" KGT_SAML_IDP_ENTITY "\">\n"
		"<IDPSSODescriptor WantAuthnRequestsSigned=\"true\" "
		"protocolSupportEnumeration="
		"\"urn:oasis:names:tc:SAML:2.0:protocol\">\n"
		"<KeyDescriptor use=\"signing\"><ds:KeyInfo><ds:X509Data>"
		"<ds:X509Certificate>",
		idp_b64,
		"</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
		"</KeyDescriptor>\n"
		"<SingleLogoutService Binding=\"urn:oasis:names:tc:SAML:2.0:"
		"bindings:HTTP-Redirect\" Location=\"" KGT_SAML_IDP_SLO "\"/>\n"
		"<NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:"
		"unspecified</NameIDFormat>\n"
		"<SingleSignOnService Binding=\"urn:oasis:names:tc:SAML:2.0:"
		"bindings:HTTP-Redirect\" Location=\"" KGT_SAML_IDP_SSO "\"/>\n"
		"</IDPSSODescriptor>\n</EntityDescriptor>\n",
		NULL);
	return &world;
}
