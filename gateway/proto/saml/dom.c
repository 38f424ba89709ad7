/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the SAML DOM checks (see dom.h). No lasso here.
 */
#include "gateway/proto/saml/dom.h"
#include "gateway/base/str.h"
#include "gateway/base/time.h"
#include "gateway/proto/saml/assertion.h"

#include <apr_strings.h>
#include <libxml/parser.h>
#include <string.h>

/* A refusal: *reason and err set, KG_EINVAL (a bad message, whatever the
 * check: the endpoints answer 400). */
kg_rc kg_saml_refuse(const char **reason, kg_err *err, const char *token,
		     const char *why)
{
	*reason = token;
	return kg_err_set(err, KG_EINVAL, "%s", why);
}

bool kg_saml_is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

xmlNode *kg_saml_child(const xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
		if (kg_saml_is_el(c, ns, name))
			return c;
	}
	return NULL;
}

/* An attribute's value (no namespace), in pool, or NULL. */
static const char *attr(apr_pool_t *pool, const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	const char *copy;

	if (v == NULL)
		return NULL;
	copy = apr_pstrdup(pool, (const char *)v);
	xmlFree(v);
	return copy;
}

/* An element's text, trimmed, in pool. */
const char *kg_saml_text(apr_pool_t *pool, const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *copy;

	if (v == NULL)
		return "";
	copy = kg_str_trim(pool, (const char *)v);
	xmlFree(v);
	return copy;
}

/* xs:dateTime in UTC (YYYY-MM-DDThh:mm:ss[.fraction]Z) to ms. */
static bool parse_time(const char *s, long long *ms)
{
	long long seconds;

	/* utc_only: xs:dateTime, with no leap second */
	if (!kg_time_parse(s, true, &seconds))
		return false;
	*ms = seconds * 1000;
	return true;
}

/* Walks the document: counts assertions (plain and encrypted, wherever
 * they hide) and refuses a repeated ID attribute. */
bool kg_saml_scan(const xmlNode *n, apr_hash_t *ids, apr_pool_t *pool,
		  int *assertions, int *encrypted, int depth)
{
	for (; n; n = n->next) {
		const char *id;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (depth > 64)
			return false;
		if (kg_saml_is_el(n, NS_SAML, "Assertion"))
			(*assertions)++;
		if (kg_saml_is_el(n, NS_SAML, "EncryptedAssertion"))
			(*encrypted)++;
		id = attr(pool, n, "ID");
		if (id) {
			if (apr_hash_get(ids, id, APR_HASH_KEY_STRING))
				return false;
			apr_hash_set(ids, id, APR_HASH_KEY_STRING, id);
		}
		if (!kg_saml_scan(n->children, ids, pool, assertions, encrypted,
				  depth + 1))
			return false;
	}
	return true;
}

const char *kg_saml_standalone(apr_pool_t *pool, const xmlNode *n,
			       bool declaration)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *copy = xmlDocCopyNode((xmlNode *)n, doc, 1);
	xmlBuffer *buf = NULL;
	xmlChar *out = NULL;
	const char *xml = NULL;
	int len = 0;

	if (copy) {
		xmlDocSetRootElement(doc, copy);
		xmlReconciliateNs(doc, copy);
		if (declaration) {
			xmlDocDumpMemory(doc, &out, &len);
			if (out)
				xml = apr_pstrmemdup(pool, (const char *)out,
						     (size_t)len);
		} else if ((buf = xmlBufferCreate()) != NULL &&
			   xmlNodeDump(buf, doc, copy, 0, 0) >= 0) {
			xml = apr_pstrdup(pool,
					  (const char *)xmlBufferContent(buf));
		}
	}
	xmlFree(out);
	if (buf)
		xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return xml;
}

/* Parses xml with no DTD, no entities and no network. */
xmlDoc *kg_saml_parse_strict(const char *xml, size_t len, bool *dtd)
{
	xmlDoc *doc = xmlReadMemory(xml, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
					    XML_PARSE_NOWARNING);

	/* a document libxml2 refuses while reading its DTD (an entity
	 * bomb) is refused for the DTD too */
	*dtd = doc ? (doc->intSubset || doc->extSubset)
		   : memmem(xml, len, "<!DOCTYPE", 9) != NULL;
	if (*dtd) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* Decodes a message (base64; XML too when xml_ok) into *xml and parses
 * it strictly into *doc (the caller frees it). A refusal saml_parse or
 * saml_dtd otherwise. */
kg_rc kg_saml_parse_message(apr_pool_t *pool, const char *text, bool xml_ok,
			    const char **xml, xmlDoc **doc, const char **reason,
			    kg_err *err)
{
	size_t len;

	if ((!xml_ok && strchr(text, '<')) ||
	    kg_saml_response_decode(pool, text, strlen(text), xml, &len, err) !=
		    KG_OK)
		return kg_saml_refuse(reason, err, "saml_parse",
				      "the message is not base64");
	return kg_saml_parse_xml(pool, *xml, len, doc, reason, err);
}

kg_rc kg_saml_parse_xml(apr_pool_t *pool, const char *xml, size_t len,
			xmlDoc **doc, const char **reason, kg_err *err)
{
	bool dtd = false;
	const char *ext;

	*doc = kg_saml_parse_strict(xml, len, &dtd);
	if (*doc == NULL)
		return kg_saml_refuse(
			reason, err, dtd ? "saml_dtd" : "saml_parse",
			dtd ? "the message has a DTD"
			    : "the message is not well-formed XML");
	if ((ext = kg_saml_external_ref(xmlDocGetRootElement(*doc)))) {
		xmlFreeDoc(*doc);
		*doc = NULL;
		return kg_saml_refuse(
			reason, err, "saml_dtd",
			kg_psprintf(pool, "the message has %s (never followed)",
				    ext));
	}
	return KG_OK;
}

/* True when url is AWS's SAML sign-in endpoint, global
 * (https://signin.aws.amazon.com/saml) or regional
 * (https://REGION.signin.aws.amazon.com/saml). */
static bool is_aws_signin(const char *url)
{
	static const char tail[] = ".signin.aws.amazon.com/saml";
	size_t n;

	if (strcmp(url, AWS_SIGNIN) == 0)
		return true;
	if (strncmp(url, "https://", 8) != 0)
		return false;
	url += 8;
	n = strspn(url, "abcdefghijklmnopqrstuvwxyz0123456789-");
	return n > 0 && strcmp(url + n, tail) == 0;
}

/* True when restriction n names audience, or only AWS's audiences. */
static bool names_audience(kg_saml_ctx *c, const xmlNode *n,
			   const char *audience, bool aws_only)
{
	bool found = false, other = false;

	for (const xmlNode *a = n->children; a; a = a->next) {
		const char *t;
		if (!kg_saml_is_el(a, NS_SAML, "Audience"))
			continue;
		t = kg_saml_text(c->pool, a);
		if (audience && strcmp(t, audience) == 0)
			found = true;
		else if (strcmp(t, AWS_AUDIENCE) == 0 || is_aws_signin(t))
			found = found || aws_only;
		else
			other = true;
	}
	return aws_only ? found && !other : found;
}

/* --- the shape of each signature (security.md 1.29) --------------------
 * lasso as packaged (Debian 12) accepts RSA-SHA1 signatures and SHA-1
 * digests. So before lasso sees the message, each ds:Signature must be a
 * direct child of the Response or an Assertion, with one Reference to
 * "#" + that element's ID, only the enveloped and exclusive-c14n
 * transforms, no RetrievalMethod, and SHA-256 or more; lasso's own
 * same-document rule stays the second line. */

static bool one_of(const char *v, const char *const *list)
{
	for (; v && *list; list++) {
		if (strcmp(v, *list) == 0)
			return true;
	}
	return false;
}

static const char *const strong_signatures[] = {
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
	"http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
	NULL};
static const char *const strong_digests[] = {
	"http://www.w3.org/2001/04/xmlenc#sha256",
	"http://www.w3.org/2001/04/xmldsig-more#sha384",
	"http://www.w3.org/2001/04/xmlenc#sha512", NULL};
static const char *const signed_transforms[] = {
	"http://www.w3.org/2000/09/xmldsig#enveloped-signature",
	"http://www.w3.org/2001/10/xml-exc-c14n#",
	"http://www.w3.org/2001/10/xml-exc-c14n#WithComments", NULL};

/* Why the Signature sig is refused (*token set), or NULL. */
static const char *bad_signature(apr_pool_t *pool, const xmlNode *sig,
				 const char **token)
{
	const xmlNode *parent = sig->parent, *info, *ref = NULL, *key;
	const char *id = NULL, *uri;
	int refs = 0;

	*token = "saml_sig_ref";
	if (kg_saml_is_el(parent, NS_SAMLP, "Response") ||
	    kg_saml_is_el(parent, NS_SAML, "Assertion"))
		id = attr(pool, parent, "ID");
	if (id == NULL || *id == '\0')
		return "a Signature is not a direct child of the Response or "
		       "an Assertion with an ID";
	/* an enveloped signature holds SignedInfo, SignatureValue and
	 * KeyInfo: an Object or anything else in it is a hiding place for a
	 * wrapped copy (XSW1, XSW6, XSW8) */
	for (const xmlNode *k = sig->children; k; k = k->next) {
		if (k->type == XML_ELEMENT_NODE &&
		    !kg_saml_is_el(k, NS_DS, "SignedInfo") &&
		    !kg_saml_is_el(k, NS_DS, "SignatureValue") &&
		    !kg_saml_is_el(k, NS_DS, "KeyInfo"))
			return "a Signature holds other elements than "
			       "SignedInfo, SignatureValue and KeyInfo";
	}
	info = kg_saml_child(sig, NS_DS, "SignedInfo");
	for (const xmlNode *n = info ? info->children : NULL; n; n = n->next) {
		if (kg_saml_is_el(n, NS_DS, "Reference") && refs++ == 0)
			ref = n;
	}
	if (refs != 1)
		return "a Signature has not exactly one Reference";
	uri = attr(pool, ref, "URI");
	if (uri == NULL || uri[0] != '#' || strcmp(uri + 1, id) != 0)
		return "a Reference does not point at the signed element";
	for (const xmlNode *t =
		     kg_saml_child(kg_saml_child(ref, NS_DS, "Transforms"),
				   NS_DS, "Transform");
	     t; t = t->next) {
		if (t->type == XML_ELEMENT_NODE &&
		    !one_of(attr(pool, t, "Algorithm"), signed_transforms))
			return "a Reference has a transform keygate does not "
			       "allow";
	}
	key = kg_saml_child(sig, NS_DS, "KeyInfo");
	if (kg_saml_child(key, NS_DS, "RetrievalMethod"))
		return "a KeyInfo has a RetrievalMethod";
	*token = "saml_alg";
	if (!one_of(attr(pool, kg_saml_child(info, NS_DS, "SignatureMethod"),
			 "Algorithm"),
		    strong_signatures) ||
	    !one_of(attr(pool, kg_saml_child(ref, NS_DS, "DigestMethod"),
			 "Algorithm"),
		    strong_digests))
		return "a Signature uses an algorithm weaker than SHA-256";
	return NULL;
}

/* Checks every ds:Signature under n (depth bounded by scan). */
kg_rc kg_saml_check_signatures(kg_saml_ctx *c, const xmlNode *n)
{
	for (; n; n = n->next) {
		const char *why, *token;
		kg_rc rc;
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (kg_saml_is_el(n, NS_DS, "Signature") &&
		    (why = bad_signature(c->pool, n, &token)) != NULL)
			return kg_saml_refuse(c->reason, c->err, token, why);
		if ((rc = kg_saml_check_signatures(c, n->children)) != KG_OK)
			return rc;
	}
	return KG_OK;
}

/* --- the shape of an EncryptedAssertion ----------------------------------
 * lasso (with xmlsec) leaks a copy of the SP key for each EncryptedData it
 * fails to decrypt in some malformed shapes (found by fuzz_saml_acs), and
 * RSA PKCS#1 v1.5 key transport is a decryption oracle (Jager and
 * Somorovsky, CCS 2011). So before lasso: one EncryptedData with a known
 * block cipher, one EncryptedKey (in its KeyInfo or beside it) with RSA-OAEP,
 * and a CipherValue in each. */
#define NS_XENC "http://www.w3.org/2001/04/xmlenc#"
#define NAMEID_ENTITY "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"

static const char *const data_ciphers[] = {
	NS_XENC "aes128-cbc",
	NS_XENC "aes192-cbc",
	NS_XENC "aes256-cbc",
	NS_XENC "tripledes-cbc",
	"http://www.w3.org/2009/xmlenc11#aes128-gcm",
	"http://www.w3.org/2009/xmlenc11#aes192-gcm",
	"http://www.w3.org/2009/xmlenc11#aes256-gcm",
	NULL};
static const char *const key_transports[] = {
	NS_XENC "rsa-oaep-mgf1p", "http://www.w3.org/2009/xmlenc11#rsa-oaep",
	NULL};

/* An xenc element with its EncryptionMethod in algs and a CipherValue. */
static bool enc_ok(apr_pool_t *pool, const xmlNode *n, const char *const *algs)
{
	return n &&
	       one_of(attr(pool, kg_saml_child(n, NS_XENC, "EncryptionMethod"),
			   "Algorithm"),
		      algs) &&
	       kg_saml_child(kg_saml_child(n, NS_XENC, "CipherData"), NS_XENC,
			     "CipherValue");
}

kg_rc kg_saml_check_encryption(kg_saml_ctx *c, const xmlNode *root)
{
	const xmlNode *ea = kg_saml_child(root, NS_SAML, "EncryptedAssertion");
	const xmlNode *data = kg_saml_child(ea, NS_XENC, "EncryptedData"), *key;

	if (ea == NULL)
		return KG_OK;
	key = kg_saml_child(kg_saml_child(data, NS_DS, "KeyInfo"), NS_XENC,
			    "EncryptedKey");
	if (key == NULL)
		key = kg_saml_child(ea, NS_XENC, "EncryptedKey");
	if (!enc_ok(c->pool, data, data_ciphers) ||
	    !enc_ok(c->pool, key, key_transports))
		return kg_saml_refuse(
			c->reason, c->err, "saml_decrypt",
			"the EncryptedAssertion is not in a form keygate "
			"decrypts (AES or 3DES, RSA-OAEP)");
	return KG_OK;
}

/* IssueInstant: present, well-formed, not in the future beyond the skew
 * and not older than KG_SAML_MAX_AGE_MS: a browser posts the IdP's answer
 * at once, so an old one is a captured message (security.md 1.25). */
#define KG_SAML_MAX_AGE_MS (10LL * 60 * 1000)

kg_rc kg_saml_check_issue_instant(kg_saml_ctx *c, const xmlNode *n)
{
	const char *v = attr(c->pool, n, "IssueInstant");
	long long t;

	if (v == NULL || !parse_time(v, &t) || t > c->now + c->skew ||
	    t + KG_SAML_MAX_AGE_MS + c->skew < c->now)
		return kg_saml_refuse(
			c->reason, c->err, "saml_time",
			kg_psprintf(c->pool,
				    "the %s's IssueInstant is missing, "
				    "malformed, in the future or older "
				    "than 10 minutes",
				    (const char *)n->name));
	return KG_OK;
}

/* Conditions: the times with the skew, every AudienceRestriction naming
 * us (or, for a Response also addressed to AWS, naming AWS alone, as
 * long as one names us), no condition keygate does not know. */
static kg_rc check_conditions(kg_saml_ctx *c, const xmlNode *assertion)
{
	const xmlNode *cond = kg_saml_child(assertion, NS_SAML, "Conditions");
	const char *nb, *noa;
	long long t;
	int restrictions = 0;

	if (cond == NULL)
		return kg_saml_refuse(c->reason, c->err, "saml_audience",
				      "the assertion has no Conditions");
	nb = attr(c->pool, cond, "NotBefore");
	noa = attr(c->pool, cond, "NotOnOrAfter");
	if (nb && (!parse_time(nb, &t) || t > c->now + c->skew))
		return kg_saml_refuse(
			c->reason, c->err, "saml_time",
			"Conditions NotBefore is in the future or "
			"malformed");
	if (noa && (!parse_time(noa, &t) || c->now >= t + c->skew))
		return kg_saml_refuse(
			c->reason, c->err, "saml_time",
			"Conditions NotOnOrAfter has passed or is "
			"malformed");
	if (noa && t + c->skew > c->out->valid_until_ms)
		c->out->valid_until_ms = t + c->skew;
	for (const xmlNode *n = cond->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (kg_saml_is_el(n, NS_SAML, "OneTimeUse"))
			continue; /* the replay cache enforces it */
		if (!kg_saml_is_el(n, NS_SAML, "AudienceRestriction"))
			return kg_saml_refuse(
				c->reason, c->err, "saml_audience",
				"the assertion has a condition keygate "
				"does not know");
		if (names_audience(c, n, c->audience, false) ||
		    (c->aws_only && names_audience(c, n, NULL, true)))
			restrictions++;
		else if (!c->aws_too || !names_audience(c, n, NULL, true))
			return kg_saml_refuse(
				c->reason, c->err, "saml_audience",
				kg_psprintf(c->pool,
					    "an AudienceRestriction does "
					    "not name %s",
					    c->audience));
	}
	if (restrictions == 0)
		return kg_saml_refuse(c->reason, c->err, "saml_audience",
				      "the assertion names no Audience");
	return KG_OK;
}

/* One bearer SubjectConfirmationData naming this ACS, in time, answering
 * the same request as the Response. */
static kg_rc check_subject(kg_saml_ctx *c, const xmlNode *assertion)
{
	const xmlNode *subject = kg_saml_child(assertion, NS_SAML, "Subject");
	const char *why = "the assertion has no bearer SubjectConfirmation";
	const char *token = "saml_recipient";

	if (subject == NULL ||
	    kg_saml_child(subject, NS_SAML, "NameID") == NULL)
		return kg_saml_refuse(c->reason, c->err, "saml_parse",
				      "the assertion has no Subject NameID");
	for (const xmlNode *sc = subject->children; sc; sc = sc->next) {
		const xmlNode *data;
		const char *method, *recipient, *nb, *noa, *irt;
		long long t_noa, t;
		if (!kg_saml_is_el(sc, NS_SAML, "SubjectConfirmation"))
			continue;
		method = attr(c->pool, sc, "Method");
		data = kg_saml_child(sc, NS_SAML, "SubjectConfirmationData");
		if (method == NULL || strcmp(method, CM_BEARER) != 0 ||
		    data == NULL)
			continue;
		recipient = attr(c->pool, data, "Recipient");
		if (recipient == NULL || (strcmp(recipient, c->acs) != 0 &&
					  !((c->aws_too || c->aws_only) &&
					    is_aws_signin(recipient)))) {
			why = "no bearer SubjectConfirmationData names this "
			      "ACS as Recipient";
			continue;
		}
		nb = attr(c->pool, data, "NotBefore");
		noa = attr(c->pool, data, "NotOnOrAfter");
		irt = attr(c->pool, data, "InResponseTo");
		if (noa == NULL || !parse_time(noa, &t_noa) ||
		    c->now >= t_noa + c->skew ||
		    (nb && (!parse_time(nb, &t) || t > c->now + c->skew))) {
			token = "saml_time";
			why = "the SubjectConfirmationData has expired, is not "
			      "yet valid, or has no NotOnOrAfter";
			continue;
		}
		if ((irt != NULL || c->in_response_to != NULL) &&
		    (irt == NULL || c->in_response_to == NULL ||
		     strcmp(irt, c->in_response_to) != 0)) {
			token = "saml_inresponseto";
			why = "SubjectConfirmationData InResponseTo differs "
			      "from the Response's";
			continue;
		}
		if (t_noa + c->skew > c->out->valid_until_ms)
			c->out->valid_until_ms = t_noa + c->skew;
		return KG_OK;
	}
	return kg_saml_refuse(c->reason, c->err, token, why);
}

/* Whether the Issuer element issuer names the IdP: its text is the IdP's
 * entity ID and its Format, when given, is entity (SAML core 2.2.5). */
static bool issued_by_idp(kg_saml_ctx *c, const xmlNode *issuer)
{
	const char *format = issuer ? attr(c->pool, issuer, "Format") : NULL;

	return issuer &&
	       strcmp(kg_saml_text(c->pool, issuer), c->idp_entity_id) == 0 &&
	       (format == NULL || strcmp(format, NAMEID_ENTITY) == 0);
}

/* Everything keygate checks on the (verified) assertion element. */
kg_rc kg_saml_check_assertion(kg_saml_ctx *c, const xmlNode *assertion)
{
	const xmlNode *issuer = kg_saml_child(assertion, NS_SAML, "Issuer");
	const xmlNode *authn;
	const char *id = attr(c->pool, assertion, "ID");
	const char *sna;
	long long t;
	kg_rc rc;

	if (id == NULL || *id == '\0')
		return kg_saml_refuse(c->reason, c->err, "saml_parse",
				      "the assertion has no ID");
	c->out->assertion_id = id;
	if (!issued_by_idp(c, issuer))
		return kg_saml_refuse(c->reason, c->err, "saml_issuer",
				      "the assertion's Issuer is not the IdP");
	if (c->conf->want_assertions_signed &&
	    kg_saml_child(assertion, NS_DS, "Signature") == NULL)
		return kg_saml_refuse(c->reason, c->err, "saml_sig_missing",
				      "the assertion is not signed");
	if ((rc = check_subject(c, assertion)) != KG_OK ||
	    (rc = check_conditions(c, assertion)) != KG_OK)
		return rc;
	authn = kg_saml_child(assertion, NS_SAML, "AuthnStatement");
	sna = authn ? attr(c->pool, authn, "SessionNotOnOrAfter") : NULL;
	if (sna) {
		if (!parse_time(sna, &t) || t <= c->now)
			return kg_saml_refuse(
				c->reason, c->err, "saml_time",
				"SessionNotOnOrAfter has passed or is "
				"malformed");
		c->out->session_cap_ms = t;
	}
	return KG_OK;
}

/* The Response around the assertion: Success, Destination, Issuer, the
 * signature and encryption policies. Its InResponseTo is kept for the
 * SubjectConfirmationData and for kg_saml_answers. */
kg_rc kg_saml_check_response(kg_saml_ctx *c, const xmlNode *root, int encrypted)
{
	const xmlNode *status = kg_saml_child(root, NS_SAMLP, "Status");
	const xmlNode *code = kg_saml_child(status, NS_SAMLP, "StatusCode");
	const xmlNode *issuer = kg_saml_child(root, NS_SAML, "Issuer");
	const char *value = code ? attr(c->pool, code, "Value") : NULL;
	const char *dest = attr(c->pool, root, "Destination");

	if (value == NULL || strcmp(value, STATUS_SUCCESS) != 0)
		return kg_saml_refuse(c->reason, c->err, "saml_status",
				      kg_psprintf(c->pool,
						  "the Response's status is "
						  "%.128s",
						  value ? value : "missing"));
	if (dest == NULL || (strcmp(dest, c->acs) != 0 &&
			     !(c->aws_only && is_aws_signin(dest))))
		return kg_saml_refuse(
			c->reason, c->err, "saml_destination",
			"the Response's Destination is not this ACS");
	if (issuer && !issued_by_idp(c, issuer))
		return kg_saml_refuse(c->reason, c->err, "saml_issuer",
				      "the Response's Issuer is not the IdP");
	/* a plain assertion's Issuer before its signature: an assertion
	 * another trusted IdP issued and signed is refused as bundled */
	if (!encrypted &&
	    !issued_by_idp(
		    c, kg_saml_child(kg_saml_child(root, NS_SAML, "Assertion"),
				     NS_SAML, "Issuer")))
		return kg_saml_refuse(c->reason, c->err, "saml_issuer",
				      "the assertion's Issuer is not the IdP");
	c->in_response_to = attr(c->pool, root, "InResponseTo");
	if (c->conf->want_response_signed &&
	    kg_saml_child(root, NS_DS, "Signature") == NULL)
		return kg_saml_refuse(c->reason, c->err, "saml_sig_missing",
				      "the Response is not signed");
	if (c->conf->want_assertions_encrypted && !encrypted)
		return kg_saml_refuse(c->reason, c->err, "saml_enc_policy",
				      "the assertion is not encrypted");
	c->out->in_response_to = c->in_response_to;
	return KG_OK;
}

kg_rc kg_saml_answers(const kg_saml_verified *v, const char *request_id,
		      bool unsolicited, const char *why_none,
		      const char **reason, kg_err *err)
{
	if (v->in_response_to == NULL)
		return unsolicited ? KG_OK
				   : kg_saml_refuse(
					     reason, err, "saml_inresponseto",
					     "an unsolicited Response (no "
					     "InResponseTo) and "
					     "KeygateSAMLUnsolicited is Off");
	if (request_id == NULL) {
		kg_err_set(err, KG_EINVAL,
			   "InResponseTo is not a request of this browser: "
			   "%s",
			   why_none ? why_none : "it has no login waiting");
		*reason = "saml_inresponseto";
		return KG_EINVAL;
	}
	if (strcmp(v->in_response_to, request_id) != 0)
		return kg_saml_refuse(reason, err, "saml_inresponseto",
				      "InResponseTo is not the request of "
				      "this browser's login");
	return KG_OK;
}
