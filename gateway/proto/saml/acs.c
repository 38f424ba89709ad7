/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML Response check, at the ACS (kg_saml_acs) and for
 * AWS credential mode b (kg_saml_aws_response). Fails closed.
 *
 * keygate checks a plain assertion's signatures itself on its DOM of the
 * Response (dsig.h: keys only from the IdP's metadata); lasso decrypts an
 * EncryptedAssertion and checks that message's signatures, and checks
 * all of them when the metadata's keys are of a form dsig.c does not
 * read. Around that keygate checks, on its own DOM of the Response,
 * what lasso leaves to the caller (dom.c, no lasso there): one assertion
 * and unique IDs, the signatures' shape, Issuer, Destination, Audience,
 * the bearer SubjectConfirmationData and the times with the skew. The
 * most specific check speaks first: what cannot be read (saml_parse,
 * saml_dtd), the shape of the signatures (saml_sig_ref, saml_alg) before
 * IDs and the assertion count, the envelope, then lasso's verdict (with
 * saml_sig_untrusted_key told apart from saml_sig_invalid), then the
 * assertion. Whether the Response answers this browser's request
 * (kg_saml_answers) and whether its assertion was used before are the
 * caller's, after this.
 */
#include "gateway/proto/saml/saml_int.h"
#include "gateway/proto/saml/dom.h"
#include "gateway/base/str.h"
#include "gateway/proto/saml/assertion.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <lasso/xml/saml-2.0/samlp2_response.h>
#include <lasso/xml/saml-2.0/saml2_assertion.h>
#include <libxml/tree.h>
#include <string.h>

/* Whether the signature on the root of xml verifies with provider's
 * keys. */
static bool verifies(LassoProvider *provider, const char *xml)
{
	return xml &&
	       lasso_provider_verify_signature(provider, xml, "ID",
					       LASSO_MESSAGE_FORMAT_XML) == 0;
}

/* A provider whose only signing key is the one the KeyInfo key_info
 * carries (an X509Certificate or a KeyValue), or NULL. */
#define KEYINFO_MD_HEAD                                                        \
	"<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:"         \
	"metadata\" entityID=\"urn:keygate:keyinfo\"><md:IDPSSODescriptor "    \
	"protocolSupportEnumeration=\"" NS_SAMLP "\"><md:KeyDescriptor "       \
	"use=\"signing\">"
#define KEYINFO_MD_TAIL                                                        \
	"</md:KeyDescriptor></md:IDPSSODescriptor></md:EntityDescriptor>"

static LassoProvider *keyinfo_provider(apr_pool_t *pool,
				       const xmlNode *key_info)
{
	const char *ki =
		key_info ? kg_saml_standalone(pool, key_info, false) : NULL;

	if (ki == NULL)
		return NULL;
	return lasso_provider_new_from_buffer(
		LASSO_PROVIDER_ROLE_IDP,
		apr_pstrcat(pool, KEYINFO_MD_HEAD, ki, KEYINFO_MD_TAIL, NULL),
		NULL, NULL);
}

/* After lasso found a signature invalid: saml_sig_untrusted_key when a
 * signature of the Response or its (plain) assertion does not verify
 * with the IdP's metadata keys but does with the key its own KeyInfo
 * carries, that is when a key the metadata does not name signed it;
 * else saml_sig_invalid (the message changed after signing). It only
 * names the refusal: no key in a message is ever trusted. */
static const char *invalid_signature_reason(kg_saml_ctx *c, LassoServer *server,
					    const char *xml,
					    const xmlNode *root)
{
	LassoProvider *idp =
		lasso_server_get_provider(server, c->s->idp_entity_id);
	const xmlNode *signed_el[2] = {
		root, kg_saml_child(root, NS_SAML, "Assertion")};
	const char *reason = "saml_sig_invalid";

	for (int i = 0; idp && i < 2; i++) {
		const xmlNode *sig =
			kg_saml_child(signed_el[i], NS_DS, "Signature");
		const char *el_xml;
		LassoProvider *own;
		if (sig == NULL)
			continue;
		el_xml = i == 0 ? xml
				: kg_saml_standalone(c->pool, signed_el[i],
						     true);
		if (verifies(idp, el_xml))
			continue;
		own = keyinfo_provider(c->pool,
				       kg_saml_child(sig, NS_DS, "KeyInfo"));
		if (own && verifies(own, el_xml))
			reason = "saml_sig_untrusted_key";
		if (own)
			lasso_node_destroy(LASSO_NODE(own));
		break;
	}
	return reason;
}

/* lasso verifies the signatures and decrypts; st is the server the
 * caller holds; *assertion_xml is the
 * assertion lasso accepted (decrypted when it came encrypted). xml and
 * root are the Response as keygate parsed it. */
static kg_rc lasso_verify(kg_saml_ctx *c, kg_saml_server *st, const char *b64,
			  const char *xml, const xmlNode *root, bool encrypted,
			  const char **assertion_xml)
{
	LassoLogin *login = lasso_login_new(kg_saml_lasso(st));
	LassoProfile *profile;
	LassoSamlp2Response *response;
	kg_rc rc = KG_OK;
	int lrc;

	if (login == NULL)
		return kg_err_set(c->err, KG_EINTERNAL,
				  "lasso_login_new failed");
	profile = LASSO_PROFILE(login);
	lasso_profile_set_signature_verify_hint(
		profile, c->s->conf->want_response_signed
				 ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
				 : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_MAYBE);
	lrc = lasso_login_process_authn_response_msg(login, (gchar *)b64);
	if (lrc != 0) {
		/* lasso skips an EncryptedAssertion it cannot decrypt, then
		 * finds no assertion */
		const char *token =
			encrypted && lrc == LASSO_PROFILE_ERROR_MISSING_ASSERTION
				? "saml_decrypt"
				: kg_saml_lasso_reason(lrc);
		if (strcmp(token, "saml_sig_invalid") == 0)
			token = invalid_signature_reason(c, kg_saml_lasso(st),
							 xml, root);
		rc = kg_saml_refuse(
			c->reason, c->err, token,
			kg_psprintf(c->pool, "lasso: [%d] %s%s", lrc,
				    lasso_strerror(lrc),
				    strcmp(token, "saml_sig_untrusted_key") == 0
					    ? " (signed by a key the "
					      "IdP's metadata does "
					      "not name)"
					    : ""));
		goto done;
	}
	response = LASSO_SAMLP2_RESPONSE(profile->response);
	/* lasso keeps the EncryptedAssertion it decrypted next to the
	 * Assertion it made of it: one of each when encrypted */
	if (g_list_length(response->Assertion) != 1 ||
	    g_list_length(response->EncryptedAssertion) !=
		    (encrypted ? 1u : 0u) ||
	    !LASSO_IS_SAML2_ASSERTION(response->Assertion->data)) {
		rc = kg_saml_refuse(
			c->reason, c->err, "saml_assertion_count",
			"lasso did not accept exactly one assertion");
		goto done;
	}
	if (profile->remote_providerID == NULL ||
	    strcmp(profile->remote_providerID, c->s->idp_entity_id) != 0) {
		rc = kg_saml_refuse(c->reason, c->err, "saml_issuer",
				    "the Response comes from another provider");
		goto done;
	}
	*assertion_xml = NULL;
	if (encrypted) {
		gchar *exported = lasso_node_export_to_xml(
			LASSO_NODE(response->Assertion->data));
		if (exported == NULL) {
			rc = kg_saml_refuse(
				c->reason, c->err, "saml_decrypt",
				"the decrypted assertion does not export");
			goto done;
		}
		*assertion_xml = apr_pstrdup(c->pool, exported);
		g_free(exported);
	}
done:
	lasso_login_destroy(login);
	return rc;
}

/* The signature on el (the Response or its assertion), or NULL; *many
 * set when el carries more than one. */
static xmlNode *signature_of(xmlNode *el, bool *many)
{
	xmlNode *sig = NULL;

	for (xmlNode *n = el ? el->children : NULL; n; n = n->next)
		if (kg_saml_is_el(n, NS_DS, "Signature")) {
			if (sig)
				*many = true;
			sig = n;
		}
	return sig;
}

/* keygate's own check of a plain assertion's signatures, on its DOM
 * (dsig.h), with the same verdicts as lasso's: the assertion signed when
 * KeygateSAMLWantAssertionsSigned asks it, at least one of the Response
 * and the assertion signed, and every signature there verifying with a
 * key of the IdP's metadata. */
static kg_rc dsig_verify(kg_saml_ctx *c, kg_saml_server *st,
			 const kg_saml_keys *keys, const char *xml,
			 xmlNode *root)
{
	xmlNode *assertion = kg_saml_child(root, NS_SAML, "Assertion");
	bool many = false;
	xmlNode *sig[2] = {signature_of(root, &many),
			   signature_of(assertion, &many)};

	if (many)
		return kg_saml_refuse(c->reason, c->err, "saml_sig_ref",
				      "an element carries two Signatures");
	if (sig[1] == NULL && c->conf->want_assertions_signed)
		return kg_saml_refuse(c->reason, c->err, "saml_sig_missing",
				      "the assertion is not signed");
	if (sig[0] == NULL && sig[1] == NULL)
		return kg_saml_refuse(c->reason, c->err, "saml_sig_missing",
				      "neither the Response nor its assertion "
				      "is signed");
	for (int i = 0; i < 2; i++) {
		const char *token;
		if (sig[i] == NULL || kg_saml_keys_verify(keys, sig[i]))
			continue;
		token = invalid_signature_reason(c, kg_saml_lasso(st), xml,
						 root);
		return kg_saml_refuse(
			c->reason, c->err, token,
			kg_psprintf(c->pool,
				    "the %s's signature does not verify with "
				    "the IdP's metadata keys%s",
				    i == 0 ? "Response" : "assertion",
				    strcmp(token, "saml_sig_untrusted_key") == 0
					    ? " (a key the metadata does not "
					      "name signed it)"
					    : ""));
	}
	return KG_OK;
}

/* The signatures (and the decryption): keygate's own check when the
 * assertion is plain and the IdP's keys loaded, else lasso's. */
static kg_rc check_signed(kg_saml_ctx *c, const char *b64, const char *xml,
			  xmlNode *root, bool encrypted,
			  const char **assertion_xml)
{
	kg_saml_server *st = kg_saml_acquire(c->s);
	const kg_saml_keys *keys = kg_saml_idp_keys(st);
	kg_rc rc;

	*assertion_xml = NULL;
	if (encrypted || keys == NULL)
		rc = lasso_verify(c, st, b64, xml, root, encrypted,
				  assertion_xml);
	else
		rc = dsig_verify(c, st, keys, xml, root);
	kg_saml_release(c->s, st);
	return rc;
}

/* Verifies the SAMLResponse form value saml_response as c expects. */
static kg_rc verify(kg_saml_ctx *c, const char *saml_response)
{
	apr_pool_t *pool = c->pool;
	kg_saml_verified *out = c->out;
	const char **reason = c->reason;
	kg_err *err = c->err;
	const char *xml, *assertion_xml = NULL;
	xmlDoc *doc = NULL, *adoc = NULL;
	xmlNode *root, *assertion;
	int assertions = 0, encrypted = 0;
	kg_rc rc;

	memset(out, 0, sizeof(*out));
	*reason = "saml_parse";
	if (saml_response == NULL)
		return kg_saml_refuse(reason, err, "saml_parse",
				      "no SAMLResponse");
	if ((rc = kg_saml_parse_message(pool, saml_response, false, &xml, &doc,
					reason, err)) != KG_OK)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (!kg_saml_is_el(root, NS_SAMLP, "Response")) {
		rc = kg_saml_refuse(reason, err, "saml_parse",
				    "the message is not a samlp:Response");
		goto done;
	}
	/* the signatures' shape first: a wrapped copy (XSW) is refused as
	 * the signature it abuses (saml_sig_ref), before the ID and
	 * assertion counts it also breaks */
	if ((rc = kg_saml_check_signatures(c, root)) != KG_OK)
		goto done;
	if (!kg_saml_scan(root, apr_hash_make(pool), pool, &assertions,
			  &encrypted, 0)) {
		rc = kg_saml_refuse(
			reason, err, "saml_parse",
			"the Response repeats an ID or nests too deep");
		goto done;
	}
	if (assertions + encrypted != 1 ||
	    (assertions == 1 && !kg_saml_child(root, NS_SAML, "Assertion")) ||
	    (encrypted == 1 &&
	     !kg_saml_child(root, NS_SAML, "EncryptedAssertion"))) {
		rc = kg_saml_refuse(reason, err, "saml_assertion_count",
				    kg_psprintf(pool,
						"the Response carries %d "
						"assertions, not one in place",
						assertions + encrypted));
		goto done;
	}
	if ((rc = kg_saml_check_encryption(c, root)) != KG_OK ||
	    (rc = kg_saml_check_issue_instant(c, root)) != KG_OK ||
	    (rc = kg_saml_check_response(c, root, encrypted)) != KG_OK ||
	    (rc = check_signed(c, saml_response, xml, root, encrypted,
			       &assertion_xml)) != KG_OK)
		goto done;
	if (assertion_xml) {
		/* what was encrypted gets the same parse: no DTD, XInclude
		 * or schema location inside either */
		if ((rc = kg_saml_parse_xml(pool, assertion_xml,
					    strlen(assertion_xml), &adoc,
					    reason, err)) != KG_OK)
			goto done;
		assertion = xmlDocGetRootElement(adoc);
		if (!kg_saml_is_el(assertion, NS_SAML, "Assertion")) {
			rc = kg_saml_refuse(
				reason, err, "saml_decrypt",
				"the decrypted assertion does not parse");
			goto done;
		}
	} else {
		assertion = kg_saml_child(root, NS_SAML, "Assertion");
	}
	if ((assertion_xml &&
	     (rc = kg_saml_check_signatures(c, assertion)) != KG_OK) ||
	    (rc = kg_saml_check_issue_instant(c, assertion)) != KG_OK ||
	    (rc = kg_saml_check_assertion(c, assertion)) != KG_OK)
		goto done;
	/* the DOM both checks read: the assertion as parsed above (the
	 * same parse, caps and refusals as kg_saml_assertion_parse) */
	rc = kg_saml_assertion_extract(pool, assertion, &out->assertion, err);
	if (rc != KG_OK) {
		*reason = "saml_parse";
		goto done;
	}
	out->response_xml = xml;
done:
	if (adoc)
		xmlFreeDoc(adoc);
	xmlFreeDoc(doc);
	return rc;
}

kg_rc kg_saml_acs(kg_saml *s, apr_pool_t *pool, const char *origin,
		  const char *saml_response, long long now_ms,
		  kg_saml_verified *out, const char **reason, kg_err *err)
{
	kg_saml_ctx c = {.s = s,
			 .pool = pool,
			 .now = now_ms,
			 .skew = s->conf->clock_skew_s * 1000,
			 .conf = s->conf,
			 .idp_entity_id = s->idp_entity_id,
			 .acs = kg_saml_at(pool, origin, s->sp.acs_url),
			 .audience = s->sp.entity_id,
			 .aws_too = s->conf->aws_shared_response,
			 .out = out,
			 .reason = reason,
			 .err = err};

	return verify(&c, saml_response);
}

kg_rc kg_saml_aws_response(kg_saml *s, apr_pool_t *pool,
			   const char *saml_response, long long now_ms,
			   kg_saml_verified *out, const char **reason,
			   kg_err *err)
{
	kg_saml_ctx c = {.s = s,
			 .pool = pool,
			 .now = now_ms,
			 .skew = s->conf->clock_skew_s * 1000,
			 .conf = s->conf,
			 .idp_entity_id = s->idp_entity_id,
			 .acs = AWS_SIGNIN,
			 .audience = AWS_AUDIENCE,
			 .aws_only = true,
			 .out = out,
			 .reason = reason,
			 .err = err};
	kg_rc rc = verify(&c, saml_response);

	/* the IdP's AWS application answers no request of keygate's */
	return rc == KG_OK ? kg_saml_answers(out, NULL, true, NULL, reason, err)
			   : rc;
}
