/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the start-time check of an IdP's SAML metadata (libxml2: no
 * network, no DTD, no entities).
 */
#include "gateway/proto/saml/metadata.h"
#include "gateway/proto/saml/dom.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define REDIRECT "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

/* The first descendant of n (depth first) named ns:name, or NULL. */
static const xmlNode *find(const xmlNode *n, const char *ns, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
		const xmlNode *hit;
		if (kg_saml_is_el(c, ns, name))
			return c;
		if ((hit = find(c, ns, name)) != NULL)
			return hit;
	}
	return NULL;
}

/* True when attribute name of n is value (value NULL: present, not
 * empty). */
static bool attr_is(const xmlNode *n, const char *name, const char *value)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	bool ok = v && *v &&
		  (value == NULL || strcmp((const char *)v, value) == 0);

	xmlFree(v);
	return ok;
}

/* A SingleSignOnService over HTTP-Redirect with a Location. */
static bool has_redirect_sso(const xmlNode *idp)
{
	for (const xmlNode *c = idp->children; c; c = c->next)
		if (kg_saml_is_el(c, NS_MD, "SingleSignOnService") &&
		    attr_is(c, "Binding", REDIRECT) &&
		    attr_is(c, "Location", NULL))
			return true;
	return false;
}

/* A KeyDescriptor for signing (or for any use) with a certificate. */
static bool has_signing_cert(const xmlNode *idp)
{
	for (const xmlNode *c = idp->children; c; c = c->next) {
		xmlChar *use;
		bool signing;
		if (!kg_saml_is_el(c, NS_MD, "KeyDescriptor"))
			continue;
		use = xmlGetNoNsProp(c, (const xmlChar *)"use");
		signing = use == NULL ||
			  strcmp((const char *)use, "signing") == 0;
		xmlFree(use);
		if (signing && find(c, NS_DS, "X509Certificate"))
			return true;
	}
	return false;
}

static kg_rc at(kg_err *err, const char *path, const xmlNode *n,
		const char *what)
{
	return kg_err_set(err, KG_ECONFIG, "%s:%ld:1: %s", path,
			  n ? xmlGetLineNo(n) : 1L, what);
}

/* The structure, on a parsed document. */
static kg_rc check_tree(const char *path, const xmlNode *root, kg_err *err)
{
	const xmlNode *idp = NULL;
	int idps = 0;

	if (!kg_saml_is_el(root, NS_MD, "EntityDescriptor"))
		return at(err, path, root,
			  "the root element is not an md:EntityDescriptor "
			  "(one IdP's metadata, not an aggregate)");
	if (!attr_is(root, "entityID", NULL))
		return at(err, path, root,
			  "the EntityDescriptor has no entityID");
	for (const xmlNode *c = root->children; c; c = c->next)
		if (kg_saml_is_el(c, NS_MD, "IDPSSODescriptor")) {
			idp = idp ? idp : c;
			idps++;
		}
	if (idps != 1)
		return at(
			err, path, root,
			"the metadata must hold exactly one IDPSSODescriptor");
	if (!has_redirect_sso(idp))
		return at(err, path, idp,
			  "the IDPSSODescriptor has no SingleSignOnService "
			  "with the HTTP-Redirect binding and a Location");
	if (!has_signing_cert(idp))
		return at(err, path, idp,
			  "the IDPSSODescriptor has no signing KeyDescriptor "
			  "with an X509Certificate");
	return KG_OK;
}

/* The first error of a parse (libxml2 reports the later ones too). */
typedef struct {
	bool seen;
	int line, col;
	char msg[160];
} first_error;

static void keep_first(void *data, xmlErrorPtr e)
{
	first_error *f = data;

	if (f->seen || e == NULL || e->level < XML_ERR_ERROR)
		return;
	f->seen = true;
	f->line = e->line > 0 ? e->line : 1;
	f->col = e->int2 > 0 ? e->int2 : 1;
	snprintf(f->msg, sizeof(f->msg), "%.*s",
		 e->message ? (int)strcspn(e->message, "\n") : 0,
		 e->message ? e->message : "");
}

kg_rc kg_saml_metadata_check(apr_pool_t *pool, const char *path,
			     const char *xml, size_t len, kg_err *err)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	first_error first = {0};
	xmlDoc *doc;
	kg_rc rc;

	if (ctxt == NULL)
		return kg_err_set(err, KG_EINTERNAL, "libxml2: out of memory");
	/* configuration time: one thread; the handler is put back below */
	xmlSetStructuredErrorFunc(&first, keep_first);
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, path, NULL,
				XML_PARSE_NONET | XML_PARSE_NOWARNING);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL || first.seen) {
		rc = kg_err_set(err, KG_ECONFIG,
				"%s:%d:%d: not well-formed XML: %s", path,
				first.seen ? first.line : 1,
				first.seen ? first.col : 1,
				first.seen ? first.msg : "unreadable");
	} else if (doc->intSubset || doc->extSubset) {
		rc = kg_err_set(err, KG_ECONFIG,
				"%s:1:1: the metadata has a DTD (refused: "
				"entities are never expanded)",
				path);
	} else {
		rc = check_tree(path, xmlDocGetRootElement(doc), err);
	}
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}
