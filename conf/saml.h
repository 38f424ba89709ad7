/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML 2.0 settings: the identity providers (each by alias,
 * with its metadata file), the service provider's own key, certificate,
 * entity ID and NameID format, and the strictness of the ACS.
 *
 * Plain data: conf/ decides nothing and never reads a key or metadata;
 * the gateway loads the files at startup and gateway/proto/saml/sp.c uses
 * them.
 */
#ifndef KG_CONF_SAML_H
#define KG_CONF_SAML_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

/* One identity provider. */
typedef struct {
	const char *alias;	   /* the identity-provider alias for mappers
				      and in the endpoint paths */
	const char *metadata_file; /* its SAML metadata (EntityDescriptor) */
	const char *metadata_url;  /* NULL; else refreshed from here */
	const char *metadata_cert; /* the pinned certificate (PEM file) the
				      fetched metadata must be signed by */
	long long refresh_s;	   /* how often; 3600 */
} kg_conf_saml_idp;

/* NameID format words and the URNs they stand for. */
#define KG_SAML_NAMEID_UNSPECIFIED                                             \
	"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
#define KG_SAML_NAMEID_EMAIL                                                   \
	"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
#define KG_SAML_NAMEID_PERSISTENT                                              \
	"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
#define KG_SAML_NAMEID_TRANSIENT                                               \
	"urn:oasis:names:tc:SAML:2.0:nameid-format:transient"

typedef struct {
	apr_array_header_t *idps;   /* kg_conf_saml_idp; empty: SAML is off */
	const char *sp_key;	    /* PEM RSA private key file: signs the
				       AuthnRequests, decrypts assertions */
	const char *sp_cert;	    /* its certificate, in the SP metadata */
	const char *entity_id;	    /* NULL: BASE_URL PREFIX saml/ALIAS/metadata
				       for each alias */
	const char *name_id_format; /* a URN; KG_SAML_NAMEID_UNSPECIFIED */
	bool want_assertions_signed;	/* true */
	bool want_response_signed;	/* false */
	bool want_assertions_encrypted; /* false */
	long long clock_skew_s;		/* 60 */
	bool unsolicited;		/* IdP-initiated logins; false */
	bool force_authn;		/* AuthnRequest ForceAuthn; false */
	bool is_passive;		/* AuthnRequest IsPassive; false */
	bool aws_shared_response;	/* derived (kg_conf_finish): the login
					   Response is also addressed to AWS
					   (KeygateAwsSAMLResponse login) */
	const char *keycloak_realm;	/* NULL; else the ACS, SLO and metadata
					   also answer at Keycloak's broker
					   paths of this realm, and the SP
					   metadata and checks use those */
} kg_conf_saml;

/* Fills s with the defaults; strings are static, lists live in pool. */
void kg_conf_saml_defaults(apr_pool_t *pool, kg_conf_saml *s);

/* The provider named alias, or NULL. */
const kg_conf_saml_idp *kg_conf_saml_find(const kg_conf_saml *s,
					  const char *alias);

#endif
