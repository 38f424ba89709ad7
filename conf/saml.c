/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML 2.0 settings: defaults and directive setters.
 *
 * Setters only parse and store; they read no key and no metadata.
 */
#include "conf/saml.h"
#include "conf/directive.h"
#include "conf/directives.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

void kg_conf_saml_defaults(apr_pool_t *pool, kg_conf_saml *s)
{
	memset(s, 0, sizeof(*s));
	s->idps = apr_array_make(pool, 2, sizeof(kg_conf_saml_idp));
	s->name_id_format = KG_SAML_NAMEID_UNSPECIFIED;
	s->want_assertions_signed = true;
	s->clock_skew_s = 60;
}

const kg_conf_saml_idp *kg_conf_saml_find(const kg_conf_saml *s,
					  const char *alias)
{
	for (int i = 0; alias && i < s->idps->nelts; i++) {
		const kg_conf_saml_idp *idp =
			&APR_ARRAY_IDX(s->idps, i, kg_conf_saml_idp);
		if (strcmp(idp->alias, alias) == 0)
			return idp;
	}
	return NULL;
}

/* KeygateSAMLProvider ALIAS IDP_METADATA_FILE */
static const char *set_provider(const kg_directive *self, apr_pool_t *pool,
				kg_conf *conf, int argc,
				const char *const *argv, int *bad_arg)
{
	kg_conf_saml_idp *idp;
	const char *msg;

	*bad_arg = 1;
	if (argv[1][0] == '\0')
		return "must not be empty";
	*bad_arg = 0;
	if ((msg = kg_conf_provider_add(&conf->providers, pool, argv[0],
					KG_PROVIDER_SAML)) != NULL)
		return msg;
	idp = apr_array_push(conf->saml.idps);
	idp->alias = apr_pstrdup(pool, argv[0]);
	idp->metadata_file = apr_pstrdup(pool, argv[1]);
	return NULL;
}

/* KeygateSAMLNameIDFormat email|unspecified|persistent|transient|URN */
static const char *set_name_id_format(const kg_directive *self,
				      apr_pool_t *pool, kg_conf *conf, int argc,
				      const char *const *argv, int *bad_arg)
{
	static const char *const words[][2] = {
		{"unspecified", KG_SAML_NAMEID_UNSPECIFIED},
		{"email", KG_SAML_NAMEID_EMAIL},
		{"persistent", KG_SAML_NAMEID_PERSISTENT},
		{"transient", KG_SAML_NAMEID_TRANSIENT},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(argv[0], words[i][0]) == 0) {
			conf->saml.name_id_format = words[i][1];
			return NULL;
		}
	}
	if (strncmp(argv[0], "urn:", 4) == 0 && !strpbrk(argv[0], " \t\"<>&")) {
		conf->saml.name_id_format = apr_pstrdup(pool, argv[0]);
		return NULL;
	}
	*bad_arg = 0;
	return "must be unspecified, email, persistent, transient or a "
	       "urn: NameID format";
}

/* An entity ID is a URI: no blanks, no markup characters. */
static const char *set_entity_id(const kg_directive *self, apr_pool_t *pool,
				 kg_conf *conf, int argc,
				 const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	if (argv[0][0] == '\0' || strpbrk(argv[0], " \t\r\n\"<>&'") ||
	    !strchr(argv[0], ':'))
		return "must be a URI (such as https://host/saml)";
	conf->saml.entity_id = apr_pstrdup(pool, argv[0]);
	return NULL;
}

static const char *set_skew(const kg_directive *self, apr_pool_t *pool,
			    kg_conf *conf, int argc, const char *const *argv,
			    int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(pool, argv[0], 0, 600,
				   &conf->saml.clock_skew_s);
}

/* KeygateSAMLMetadataRefresh ALIAS URL CERT_FILE [SECONDS] */
static const char *set_refresh(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	kg_conf_saml_idp *idp =
		(kg_conf_saml_idp *)kg_conf_saml_find(&conf->saml, argv[0]);
	const char *msg;

	*bad_arg = 0;
	if (idp == NULL)
		return "names no KeygateSAMLProvider defined before it";
	*bad_arg = 1;
	if (strncmp(argv[1], "https://", 8) != 0 &&
	    strncmp(argv[1], "http://", 7) != 0)
		return "must be an http:// or https:// URL";
	*bad_arg = 2;
	if (argv[2][0] == '\0')
		return "must not be empty";
	idp->refresh_s = 3600;
	*bad_arg = 3;
	if (argc == 4 &&
	    (msg = kg_directive_number(pool, argv[3], 10, 7 * 24 * 3600,
				       &idp->refresh_s)) != NULL)
		return msg;
	idp->metadata_url = apr_pstrdup(pool, argv[1]);
	idp->metadata_cert = apr_pstrdup(pool, argv[2]);
	return NULL;
}

/* KeygateSAMLKeycloakPaths REALM: a realm name goes into URL paths. */
static const char *set_keycloak_realm(const kg_directive *self,
				      apr_pool_t *pool, kg_conf *conf, int argc,
				      const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	if (!kg_conf_alias_valid(argv[0]))
		return "must be a realm name: letters, digits, '-', '_' or "
		       "'.'";
	conf->saml.keycloak_realm = apr_pstrdup(pool, argv[0]);
	return NULL;
}

#define SAML(field) KG_CONF_OFFSET(saml.field)

const kg_directive kg_conf_saml_directives[] = {
	{"KeygateSAMLProvider", 2, 2, set_provider, "ALIAS IDP_METADATA_FILE",
	 "a SAML identity provider: its alias (for mappers and endpoint paths) "
	 "and its metadata file"},
	{"KeygateSAMLSPKey", 1, 1, kg_directive_set_name, "FILE",
	 "PEM RSA private key of the service provider (signs requests, "
	 "decrypts assertions)",
	 SAML(sp_key)},
	{"KeygateSAMLSPCert", 1, 1, kg_directive_set_name, "FILE",
	 "PEM certificate of that key, published in the SP metadata",
	 SAML(sp_cert)},
	{"KeygateSAMLEntityID", 1, 1, set_entity_id, "URI",
	 "the service provider's entity ID (default: its metadata URL)"},
	{"KeygateSAMLNameIDFormat", 1, 1, set_name_id_format,
	 "unspecified|email|persistent|transient|URN",
	 "the NameID format asked for in AuthnRequests and in the metadata"},
	{"KeygateSAMLWantAssertionsSigned", 1, 1, kg_directive_set_flag,
	 "On|Off", "refuse assertions without their own signature (default On)",
	 SAML(want_assertions_signed)},
	{"KeygateSAMLWantResponseSigned", 1, 1, kg_directive_set_flag, "On|Off",
	 "refuse Responses without a signature on the Response (default Off)",
	 SAML(want_response_signed)},
	{"KeygateSAMLWantAssertionsEncrypted", 1, 1, kg_directive_set_flag,
	 "On|Off", "refuse plaintext assertions (default Off)",
	 SAML(want_assertions_encrypted)},
	{"KeygateSAMLClockSkew", 1, 1, set_skew, "SECONDS",
	 "the clock skew allowed on assertion times (default 60)"},
	{"KeygateSAMLForceAuthn", 1, 1, kg_directive_set_flag, "On|Off",
	 "ask the IdP to authenticate the user again at every login "
	 "(ForceAuthn; default Off)",
	 SAML(force_authn)},
	{"KeygateSAMLIsPassive", 1, 1, kg_directive_set_flag, "On|Off",
	 "ask the IdP not to show the user anything (IsPassive; default Off)",
	 SAML(is_passive)},
	{"KeygateSAMLUnsolicited", 1, 1, kg_directive_set_flag, "On|Off",
	 "accept IdP-initiated Responses that answer no request (default Off)",
	 SAML(unsolicited)},
	{"KeygateSAMLMetadataRefresh", 3, 4, set_refresh,
	 "ALIAS URL CERT_FILE [SECONDS]",
	 "refresh provider ALIAS's IdP metadata from URL every SECONDS "
	 "(default 3600), accepted only when signed by the certificate in "
	 "CERT_FILE; the last good metadata stays on failure"},
	{"KeygateSAMLKeycloakPaths", 1, 1, set_keycloak_realm, "REALM",
	 "also answer at Keycloak's broker URLs of REALM "
	 "(/auth/realms/REALM/broker/ALIAS/endpoint) and use them in the SP "
	 "metadata and the ACS checks (default: off)"},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
