/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading a SAML Response into the neutral kg_assertion
 * (libxml2; no lasso here, so the CLI needs no SP keys).
 */
#include "gateway/proto/saml/assertion.h"
#include "gateway/base/str.h"

#include <apr_base64.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define NS_ASSERTION "urn:oasis:names:tc:SAML:2.0:assertion"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define KG_SAML_MAX_ATTRIBUTES 20000
#define KG_SAML_MAX_VALUES 100000

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

kg_rc kg_saml_response_decode(apr_pool_t *pool, const char *text, size_t len,
			      const char **xml, size_t *xml_len, kg_err *err)
{
	char *clean, *out;
	size_t n = 0;
	int decoded;

	if (len > KG_SAML_MAX_BYTES * 2)
		return kg_err_set(err, KG_EINVAL,
				  "the SAML Response is larger than %u bytes",
				  KG_SAML_MAX_BYTES);
	while (len > 0 && is_blank(*text)) {
		text++;
		len--;
	}
	if (len > 0 && *text == '<') {
		*xml = apr_pstrmemdup(pool, text, len);
		*xml_len = len;
		return KG_OK;
	}
	clean = apr_palloc(pool, len + 1);
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (is_blank(c))
			continue;
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		      c == '='))
			return kg_err_set(err, KG_EINVAL,
					  "the SAML Response is neither XML "
					  "nor base64 (character %zu)",
					  i + 1);
		clean[n++] = c;
	}
	clean[n] = '\0';
	if (n == 0 || n % 4 != 0)
		return kg_err_set(err, KG_EINVAL,
				  "the SAML Response is neither XML nor "
				  "base64 (bad length)");
	out = apr_palloc(pool, (size_t)apr_base64_decode_len(clean) + 1);
	decoded = apr_base64_decode_binary((unsigned char *)out, clean);
	if (decoded <= 0 || (size_t)decoded > KG_SAML_MAX_BYTES)
		return kg_err_set(err, KG_EINVAL,
				  "the SAML Response does not decode");
	out[decoded] = '\0';
	if (memchr(out, '<', (size_t)decoded) == NULL)
		return kg_err_set(err, KG_EINVAL,
				  "the base64 SAML Response is not XML");
	*xml = out;
	*xml_len = (size_t)decoded;
	return KG_OK;
}

/* SAX hook: a DOCTYPE of any kind stops the parser before any entity
 * declaration is read. */
static void refuse_dtd(void *data, const xmlChar *name,
		       const xmlChar *external_id, const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = data;

	ctxt->_private = (void *)1;
	xmlStopParser(ctxt);
}

/* Iterative: no recursion on attacker depth. */
#define NS_XINCLUDE "http://www.w3.org/2001/XInclude"
#define NS_XINCLUDE_2003 "http://www.w3.org/2003/XInclude"

const char *kg_saml_external_ref(const xmlNode *root)
{
	const xmlNode *n = root;

	while (n) {
		if (n->type == XML_ELEMENT_NODE) {
			const char *ns = n->ns && n->ns->href
						 ? (const char *)n->ns->href
						 : "";
			if (strcmp(ns, NS_XINCLUDE) == 0 ||
			    strcmp(ns, NS_XINCLUDE_2003) == 0)
				return "an XInclude element";
			for (const xmlAttr *a = n->properties; a; a = a->next) {
				if (a->ns && a->ns->href &&
				    strcmp((const char *)a->ns->href, NS_XSI) ==
					    0 &&
				    (strcmp((const char *)a->name,
					    "schemaLocation") == 0 ||
				     strcmp((const char *)a->name,
					    "noNamespaceSchemaLocation") == 0))
					return "an xsi:schemaLocation "
					       "attribute";
			}
			if (n->children) {
				n = n->children;
				continue;
			}
		}
		while (n != root && n->next == NULL)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
	return NULL;
}

static bool in_ns(const xmlNode *n, const char *local, const char *ns)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, local) == 0;
}

static const xmlNode *child(const xmlNode *parent, const char *local)
{
	for (const xmlNode *c = parent->children; c; c = c->next) {
		if (in_ns(c, local, NS_ASSERTION))
			return c;
	}
	return NULL;
}

/* Copies an attribute value (no namespace) into pool, or NULL. */
static const char *prop(apr_pool_t *pool, const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	const char *out;

	if (v == NULL)
		return NULL;
	out = apr_pstrdup(pool, (const char *)v);
	xmlFree(v);
	return out;
}

/* Copies the trimmed text content of n into pool. */
static const char *text_of(apr_pool_t *pool, const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *out;

	out = kg_str_trim(pool, v ? (const char *)v : "");
	xmlFree(v);
	return out;
}

static bool is_nil(const xmlNode *value)
{
	xmlChar *nil = xmlGetNsProp(value, (const xmlChar *)"nil",
				    (const xmlChar *)NS_XSI);
	bool yes = nil && (strcmp((const char *)nil, "true") == 0 ||
			   strcmp((const char *)nil, "1") == 0);

	xmlFree(nil);
	return yes;
}

typedef struct {
	apr_pool_t *pool;
	apr_array_header_t *attrs; /* kg_saml_attr */
	size_t nvalues;
	kg_err *err;
} extract;

static kg_rc read_attribute(extract *x, const xmlNode *a, int statement)
{
	kg_saml_attr *attr;
	apr_array_header_t *values;

	if (x->attrs->nelts >= KG_SAML_MAX_ATTRIBUTES)
		return kg_err_set(x->err, KG_EINVAL,
				  "the assertion has more than %d attributes",
				  KG_SAML_MAX_ATTRIBUTES);
	attr = apr_array_push(x->attrs);
	attr->name = prop(x->pool, a, "Name");
	if (attr->name == NULL)
		return kg_err_set(x->err, KG_EINVAL,
				  "an Attribute (line %ld) has no Name",
				  xmlGetLineNo(a));
	attr->friendly_name = prop(x->pool, a, "FriendlyName");
	attr->name_format = prop(x->pool, a, "NameFormat");
	attr->statement = statement;
	values = apr_array_make(x->pool, 2, sizeof(const char *));
	for (const xmlNode *v = a->children; v; v = v->next) {
		if (!in_ns(v, "AttributeValue", NS_ASSERTION) || is_nil(v))
			continue;
		if (++x->nvalues > KG_SAML_MAX_VALUES)
			return kg_err_set(x->err, KG_EINVAL,
					  "the assertion has more than %d "
					  "attribute values",
					  KG_SAML_MAX_VALUES);
		APR_ARRAY_PUSH(values, const char *) = text_of(x->pool, v);
	}
	attr->values = (const char **)values->elts;
	attr->nvalues = (size_t)values->nelts;
	return KG_OK;
}

/* Finds the only Assertion: the root itself, or a child of the Response. */
static kg_rc find_assertion(const xmlNode *root, const xmlNode **out,
			    kg_err *err)
{
	const xmlNode *found = NULL;
	int count = 0;

	if (in_ns(root, "Assertion", NS_ASSERTION)) {
		*out = root;
		return KG_OK;
	}
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (in_ns(c, "EncryptedAssertion", NS_ASSERTION))
			return kg_err_set(err, KG_EINVAL,
					  "the assertion is encrypted; capture "
					  "it after decryption or use the SP "
					  "key");
		if (in_ns(c, "Assertion", NS_ASSERTION)) {
			found = c;
			count++;
		}
	}
	if (count != 1)
		return kg_err_set(err, KG_EINVAL,
				  "expected exactly one Assertion, found %d",
				  count);
	*out = found;
	return KG_OK;
}

static kg_rc extract_assertion(apr_pool_t *pool, const xmlNode *a,
			       kg_assertion *out, kg_err *err)
{
	extract x = {.pool = pool, .err = err};
	const xmlNode *n, *subject;
	int statement = 0;

	x.attrs = apr_array_make(pool, 16, sizeof(kg_saml_attr));
	if ((n = child(a, "Issuer")))
		out->issuer = text_of(pool, n);
	if ((subject = child(a, "Subject")) && (n = child(subject, "NameID"))) {
		out->name_id = text_of(pool, n);
		out->name_id_format = prop(pool, n, "Format");
	}
	if ((n = child(a, "AuthnStatement")))
		out->session_index = prop(pool, n, "SessionIndex");
	for (const xmlNode *s = a->children; s; s = s->next) {
		if (!in_ns(s, "AttributeStatement", NS_ASSERTION))
			continue;
		for (const xmlNode *at = s->children; at; at = at->next) {
			if (in_ns(at, "EncryptedAttribute", NS_ASSERTION))
				return kg_err_set(err, KG_EINVAL,
						  "the assertion has an "
						  "encrypted attribute");
			if (in_ns(at, "Attribute", NS_ASSERTION) &&
			    read_attribute(&x, at, statement) != KG_OK)
				return KG_EINVAL;
		}
		statement++;
	}
	out->attrs = (kg_saml_attr *)x.attrs->elts;
	out->nattrs = (size_t)x.attrs->nelts;
	return KG_OK;
}

kg_rc kg_saml_assertion_parse(apr_pool_t *pool, const char *xml, size_t len,
			      kg_assertion **out, kg_err *err)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	const char *ext;
	kg_rc rc;

	if (len > KG_SAML_MAX_BYTES)
		return kg_err_set(err, KG_EINVAL,
				  "the SAML Response is larger than %u bytes",
				  KG_SAML_MAX_BYTES);
	ctxt = xmlNewParserCtxt();
	if (ctxt == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	ctxt->sax->internalSubset = refuse_dtd;
	ctxt->sax->externalSubset = refuse_dtd;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	if (ctxt->_private != NULL) {
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return kg_err_set(err, KG_EINVAL,
				  "the SAML Response has a DTD; refused");
	}
	if (doc == NULL || !ctxt->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		kg_err_set(err, KG_EINVAL,
			   "the SAML Response is not well-formed XML (line "
			   "%d: %s)",
			   e ? e->line : 0,
			   e && e->message ? kg_str_trim(pool, e->message)
					   : "parse error");
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return KG_EINVAL;
	}
	if ((ext = kg_saml_external_ref(xmlDocGetRootElement(doc))) != NULL) {
		kg_err_set(err, KG_EINVAL, "the SAML Response has %s; refused",
			   ext);
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return KG_EINVAL;
	}
	rc = kg_saml_assertion_extract(pool, xmlDocGetRootElement(doc), out,
				       err);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}

kg_rc kg_saml_assertion_extract(apr_pool_t *pool, const xmlNode *root,
				kg_assertion **out, kg_err *err)
{
	const xmlNode *assertion = NULL;
	kg_assertion *a = apr_pcalloc(pool, sizeof(*a));
	kg_rc rc = find_assertion(root, &assertion, err);

	if (rc == KG_OK)
		rc = extract_assertion(pool, assertion, a, err);
	if (rc == KG_OK)
		*out = a;
	return rc;
}
