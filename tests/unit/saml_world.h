/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: a SAML world for the flow tests: an SP key and
 * self-signed certificate and an IdP's metadata (its own self-signed
 * signing certificate, SSO and SLO services over HTTP-Redirect), all
 * made at test time (never committed), once per process.
 */
#ifndef KGT_SAML_WORLD_H
#define KGT_SAML_WORLD_H

#define KGT_SAML_IDP_ENTITY "https://idp.example/saml"
#define KGT_SAML_IDP_SSO "https://idp.example/saml/sso"
#define KGT_SAML_IDP_SLO "https://idp.example/saml/slo"

typedef struct {
	const char *sp_key_pem;	  /* PEM RSA private key */
	const char *sp_cert_pem;  /* PEM certificate of that key */
	const char *idp_metadata; /* md:EntityDescriptor text */
} kgt_saml_world;

/* The world, made on first use (lives until apr_terminate). */
const kgt_saml_world *kgt_saml_world_get(void);

/* Config text for provider alias with its files at DIR (the flow
 * fixture's @DIR@): KeygateSAMLProvider, SPKey, SPCert. */
#define KGT_SAML_CONF(alias)                                                   \
	"KeygateSAMLProvider " alias " @DIR@/idp.xml\n"                        \
	"KeygateSAMLSPKey @DIR@/sp.key\n"                                      \
	"KeygateSAMLSPCert @DIR@/sp.crt\n"

/* The file pairs for kgt_flow_begin_with (without the closing NULL). */
#define KGT_SAML_FILES(w)                                                      \
	"idp.xml", (w)->idp_metadata, "sp.key", (w)->sp_key_pem, "sp.crt",     \
		(w)->sp_cert_pem

#endif
