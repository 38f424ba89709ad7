/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML Response check, at the ACS (kg_saml_acs) and for
 * AWS credential mode b (kg_saml_aws_response). Fails closed.
 *
 * lasso verifies the signatures (keys only from the IdP's metadata) and
 * decrypts; around it keygate checks, on its own DOM of the Response,
 * what lasso leaves to the caller (dom.c, no lasso there): one assertion
 * and unique IDs, the signatures' shape, Issuer, Destination, Audience,
 * the bearer SubjectConfirmationData, the times with the skew, and
 * InResponseTo against this browser's request.
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

/* lasso verifies the signatures and decrypts; *assertion_xml is the
 * assertion lasso accepted (decrypted when it came encrypted). */
static kg_rc lasso_verify(kg_saml_ctx *c, const char *b64, bool encrypted,
			  const char **assertion_xml)
{
	kg_saml_server *st = kg_saml_acquire(c->s);
	LassoLogin *login = lasso_login_new(kg_saml_lasso(st));
	LassoProfile *profile;
	LassoSamlp2Response *response;
	kg_rc rc = KG_OK;
	int lrc;

	if (login == NULL) {
		kg_saml_release(c->s, st);
		return kg_err_set(c->err, KG_EINTERNAL,
				  "lasso_login_new failed");
	}
	profile = LASSO_PROFILE(login);
	lasso_profile_set_signature_verify_hint(
		profile, c->s->conf->want_response_signed
				 ? LASSO_PROFILE_SIGNATURE_VERIFY_HINT_FORCE
				 : LASSO_PROFILE_SIGNATURE_VERIFY_HINT_MAYBE);
	lrc = lasso_login_process_authn_response_msg(login, (gchar *)b64);
	if (lrc != 0) {
		/* lasso skips an EncryptedAssertion it cannot decrypt, then
		 * finds no assertion */
		rc = kg_saml_refuse(
			c->reason, c->err,
			encrypted && lrc == LASSO_PROFILE_ERROR_MISSING_ASSERTION
				? "saml_decrypt"
				: kg_saml_lasso_reason(lrc),
			kg_psprintf(c->pool, "lasso: [%d] %s", lrc,
				    lasso_strerror(lrc)));
		goto done;
	}
	response = LASSO_SAMLP2_RESPONSE(profile->response);
	/* lasso keeps the EncryptedAssertion it decrypted next to the
	 * Assertion it made of it: one of each when encrypted */
	if (g_list_length(response->Assertion) != 1 ||
	    g_list_length(response->EncryptedAssertion) !=
		    (encrypted ? 1u : 0u) ||
	    !LASSO_IS_SAML2_ASSERTION(response->Assertion->data)) {
		rc = kg_saml_refuse(c->reason, c->err, "saml_assertion_count",
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
		gchar *xml = lasso_node_export_to_xml(
			LASSO_NODE(response->Assertion->data));
		if (xml == NULL) {
			rc = kg_saml_refuse(c->reason, c->err, "saml_decrypt",
				    "the decrypted assertion does not export");
			goto done;
		}
		*assertion_xml = apr_pstrdup(c->pool, xml);
		g_free(xml);
	}
done:
	lasso_login_destroy(login);
	kg_saml_release(c->s, st);
	return rc;
}

/* Verifies the SAMLResponse form value saml_response as c expects. */
static kg_rc verify(kg_saml_ctx *c, const char *saml_response,
		    const char *request_id)
{
	apr_pool_t *pool = c->pool;
	kg_saml_verified *out = c->out;
	const char **reason = c->reason;
	kg_err *err = c->err;
	const char *xml, *assertion_xml = NULL;
	size_t len;
	xmlDoc *doc = NULL, *adoc = NULL;
	xmlNode *root, *assertion;
	int assertions = 0, encrypted = 0;
	bool dtd = false;
	kg_rc rc;

	memset(out, 0, sizeof(*out));
	*reason = "saml_parse";
	if (saml_response == NULL)
		return kg_saml_refuse(reason, err, "saml_parse", "no SAMLResponse");
	if (strchr(saml_response, '<'))
		return kg_saml_refuse(reason, err, "saml_parse",
			      "the SAMLResponse is not base64");
	rc = kg_saml_response_decode(pool, saml_response, strlen(saml_response),
				     &xml, &len, err);
	if (rc != KG_OK)
		return kg_saml_refuse(reason, err, "saml_parse", err->msg);
	doc = kg_saml_parse_strict(xml, len, &dtd);
	if (doc == NULL)
		return kg_saml_refuse(reason, err, dtd ? "saml_dtd" : "saml_parse",
			      dtd ? "the Response has a DTD"
				  : "the Response is not well-formed XML");
	root = xmlDocGetRootElement(doc);
	if (!kg_saml_is_el(root, NS_SAMLP, "Response")) {
		rc = kg_saml_refuse(reason, err, "saml_parse",
			    "the message is not a samlp:Response");
		goto done;
	}
	if (!kg_saml_scan(root, apr_hash_make(pool), pool, &assertions, &encrypted,
		  0)) {
		rc = kg_saml_refuse(reason, err, "saml_parse",
			    "the Response repeats an ID or nests too deep");
		goto done;
	}
	if (assertions + encrypted != 1 ||
	    (assertions == 1 && !kg_saml_child(root, NS_SAML, "Assertion")) ||
	    (encrypted == 1 && !kg_saml_child(root, NS_SAML, "EncryptedAssertion"))) {
		rc = kg_saml_refuse(reason, err, "saml_assertion_count",
			    kg_psprintf(pool,
					"the Response carries %d "
					"assertions, not one in place",
					assertions + encrypted));
		goto done;
	}
	if ((rc = kg_saml_check_signatures(c, root)) != KG_OK ||
	    (rc = kg_saml_check_encryption(c, root)) != KG_OK ||
	    (rc = kg_saml_check_issue_instant(c, root)) != KG_OK ||
	    (rc = kg_saml_check_response(c, root, request_id, encrypted)) != KG_OK ||
	    (rc = lasso_verify(c, saml_response, encrypted, &assertion_xml)) !=
		    KG_OK)
		goto done;
	if (assertion_xml) {
		adoc = kg_saml_parse_strict(assertion_xml, strlen(assertion_xml), &dtd);
		assertion = adoc ? xmlDocGetRootElement(adoc) : NULL;
		if (!kg_saml_is_el(assertion, NS_SAML, "Assertion")) {
			rc = kg_saml_refuse(reason, err, "saml_decrypt",
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
	rc = kg_saml_assertion_parse(pool, assertion_xml ? assertion_xml : xml,
				     assertion_xml ? strlen(assertion_xml)
						   : len,
				     &out->assertion, err);
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
		  const char *saml_response, const char *request_id,
		  long long now_ms, kg_saml_verified *out, const char **reason,
		  kg_err *err)
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
		     .unsolicited = s->conf->unsolicited,
		     .out = out,
		     .reason = reason,
		     .err = err};

	return verify(&c, saml_response, request_id);
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
		     .unsolicited = true,
		     .out = out,
		     .reason = reason,
		     .err = err};

	return verify(&c, saml_response, NULL);
}
