/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: SAML signatures checked outside a login, with no SP key: a
 * captured Response against an IdP's metadata (keygate map
 * --idp-metadata), and signed IdP metadata against a pinned certificate
 * (KeygateSAMLMetadataRefresh).
 */
#include "gateway/proto/saml/saml_int.h"
#include "gateway/proto/saml/dom.h"
#include "gateway/base/str.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <libxml/tree.h>
#include <string.h>

/* --- offline verification (keygate map --idp-metadata) ------------------ */

/* Verifies the XML signature on the root of xml with provider's keys. */
static kg_rc verify_root(LassoProvider *provider, apr_pool_t *pool,
			 const char *xml, const char *what, const char **reason,
			 kg_err *err)
{
	int lrc = lasso_provider_verify_signature(provider, xml, "ID",
						  LASSO_MESSAGE_FORMAT_XML);

	if (lrc == 0)
		return KG_OK;
	return kg_saml_refuse(reason, err, kg_saml_lasso_reason(lrc),
			      kg_psprintf(pool, "the %s's signature: [%d] %s",
					  what, lrc, lasso_strerror(lrc)));
}

/* The signature and issuer checks of kg_saml_verify_captured on the
 * parsed Response root. */
static kg_rc verify_parsed(LassoProvider *provider, apr_pool_t *pool,
			   const char *xml, const xmlNode *root,
			   const char **reason, kg_err *err)
{
	const xmlNode *assertion = kg_saml_child(root, NS_SAML, "Assertion");
	const xmlNode *issuer = kg_saml_child(root, NS_SAML, "Issuer");
	const xmlNode *a_issuer = kg_saml_child(assertion, NS_SAML, "Issuer");
	bool response_signed = kg_saml_child(root, NS_DS, "Signature") != NULL;
	bool assertion_signed =
		kg_saml_child(assertion, NS_DS, "Signature") != NULL;
	const char *axml;
	kg_rc rc;

	if ((issuer &&
	     strcmp(kg_saml_text(pool, issuer), provider->ProviderID) != 0) ||
	    a_issuer == NULL ||
	    strcmp(kg_saml_text(pool, a_issuer), provider->ProviderID) != 0)
		return kg_saml_refuse(
			reason, err, "saml_issuer",
			"the Issuer is not the IdP of the metadata");
	if (!response_signed && !assertion_signed)
		return kg_saml_refuse(
			reason, err, "saml_sig_missing",
			"neither the Response nor its assertion is "
			"signed");
	if (response_signed &&
	    (rc = verify_root(provider, pool, xml, "Response", reason, err)) !=
		    KG_OK)
		return rc;
	if (!assertion_signed)
		return KG_OK;
	if ((axml = kg_saml_standalone(pool, assertion, true)) == NULL)
		return kg_saml_refuse(reason, err, "saml_parse",
				      "the assertion does not serialise");
	return verify_root(provider, pool, axml, "assertion", reason, err);
}

kg_rc kg_saml_verify_captured(apr_pool_t *pool, const char *idp_metadata,
			      const char *response, const char **reason,
			      kg_err *err)
{
	LassoProvider *provider;
	const char *xml;
	int assertions = 0, encrypted = 0;
	xmlDoc *doc;
	xmlNode *root;
	kg_rc rc;

	*reason = "saml_parse";
	if (!kg_saml_lasso_init(err))
		return err->rc;
	if ((rc = kg_saml_parse_message(pool, response, true, &xml, &doc,
					reason, err)) != KG_OK)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (!kg_saml_is_el(root, NS_SAMLP, "Response") ||
	    !kg_saml_scan(root, apr_hash_make(pool), pool, &assertions,
			  &encrypted, 0)) {
		xmlFreeDoc(doc);
		return kg_saml_refuse(
			reason, err, "saml_parse",
			"not a samlp:Response, a repeated ID or too "
			"deep");
	}
	if (assertions != 1 || encrypted != 0 ||
	    !kg_saml_child(root, NS_SAML, "Assertion")) {
		xmlFreeDoc(doc);
		return kg_saml_refuse(
			reason, err, "saml_assertion_count",
			"the Response does not carry exactly one plain "
			"assertion (an encrypted one needs the SP key)");
	}
	provider = lasso_provider_new_from_buffer(LASSO_PROVIDER_ROLE_IDP,
						  idp_metadata, NULL, NULL);
	if (provider == NULL) {
		xmlFreeDoc(doc);
		return kg_err_set(err, KG_ECONFIG,
				  "the IdP metadata does not load");
	}
	rc = verify_parsed(provider, pool, xml, root, reason, err);
	lasso_node_destroy(LASSO_NODE(provider));
	xmlFreeDoc(doc);
	return rc;
}

/* --- signed IdP metadata (KeygateSAMLMetadataRefresh) ------------------- */

/* A provider whose only key is the pinned certificate: its own metadata
 * names no key. */
#define PINNED_MD                                                              \
	"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:"         \
	"metadata\" entityID=\"urn:keygate:pinned\"><md:IDPSSODescriptor "     \
	"protocolSupportEnumeration=\"" NS_SAMLP "\"/></md:EntityDescriptor>"

kg_rc kg_saml_metadata_verify(apr_pool_t *pool, const char *metadata,
			      const char *pinned_cert_pem, kg_err *err)
{
	LassoProvider *pinned;
	bool dtd = false, is_md, is_signed;
	xmlDoc *doc;
	xmlNode *root;
	int lrc;

	if (!kg_saml_lasso_init(err))
		return err->rc;
	doc = kg_saml_parse_strict(metadata, strlen(metadata), &dtd);
	if (doc == NULL)
		return kg_err_set(err, KG_EINVAL, "%s",
				  dtd ? "the metadata has a DTD"
				      : "the metadata is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	is_md = kg_saml_is_el(root, "urn:oasis:names:tc:SAML:2.0:metadata",
			      "EntityDescriptor");
	is_signed = kg_saml_child(root, NS_DS, "Signature") != NULL;
	xmlFreeDoc(doc);
	if (!is_md)
		return kg_err_set(err, KG_EINVAL,
				  "the metadata is not one EntityDescriptor");
	if (!is_signed)
		return kg_err_set(err, KG_EAUTH, "the metadata is not signed");
	pinned = lasso_provider_new_from_buffer(
		LASSO_PROVIDER_ROLE_IDP, PINNED_MD, pinned_cert_pem, NULL);
	if (pinned == NULL)
		return kg_err_set(err, KG_ECONFIG,
				  "the pinned certificate does not load");
	lrc = lasso_provider_verify_signature(pinned, metadata, "ID",
					      LASSO_MESSAGE_FORMAT_XML);
	lasso_node_destroy(LASSO_NODE(pinned));
	if (lrc != 0)
		return kg_err_set(err, KG_EAUTH,
				  "the metadata's signature does not verify "
				  "with the pinned certificate: [%d] %s",
				  lrc, lasso_strerror(lrc));
	return KG_OK;
}
