/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the checks keygate makes itself on a SAML message's DOM
 * (libxml2: no DTD, no network), everything lasso leaves to the caller:
 * the signatures' and encryption's shape and algorithms, IDs, Issuer,
 * Destination, Audience, the bearer SubjectConfirmationData, the times
 * with the skew, and InResponseTo. Private to gateway/proto/saml/;
 * acs.c runs lasso around them. No lasso type appears here.
 */
#ifndef KG_PROTO_SAML_DOM_H
#define KG_PROTO_SAML_DOM_H

#include "conf/saml.h"
#include "gateway/base/err.h"
#include "gateway/proto/saml/saml.h"

#include <apr_hash.h>
#include <apr_pools.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>

#define NS_SAML "urn:oasis:names:tc:SAML:2.0:assertion"
#define NS_SAMLP "urn:oasis:names:tc:SAML:2.0:protocol"
#define NS_DS "http://www.w3.org/2000/09/xmldsig#"
#define NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define CM_BEARER "urn:oasis:names:tc:SAML:2.0:cm:bearer"
#define STATUS_SUCCESS "urn:oasis:names:tc:SAML:2.0:status:Success"
#define AWS_SIGNIN "https://signin.aws.amazon.com/saml"
#define AWS_AUDIENCE "urn:amazon:webservices"

/* What one verification expects, and where it reports. */
typedef struct {
	kg_saml *s;		   /* for lasso's part (acs.c) */
	const kg_conf_saml *conf;  /* the ACS policy */
	const char *idp_entity_id; /* the only Issuer accepted */
	apr_pool_t *pool;
	long long now, skew;
	const char *acs;      /* the Destination and Recipient expected */
	const char *audience; /* the audience expected */
	bool aws_too;	      /* also addressed to AWS (mode a): AWS may be
				 the Recipient, and one AudienceRestriction
				 may name AWS alone */
	bool aws_only;	      /* addressed to AWS alone (mode b): any AWS
				 sign-in URL is the Destination and
				 Recipient */
	const char *in_response_to; /* the Response's */
	kg_saml_verified *out;
	const char **reason;
	kg_err *err;
} kg_saml_ctx;

/* A refusal: *reason and err set, KG_EINVAL (whatever the check: every
 * SAML refusal answers 400). */
kg_rc kg_saml_refuse(const char **reason, kg_err *err, const char *token,
		     const char *why);

bool kg_saml_is_el(const xmlNode *n, const char *ns, const char *name);

xmlNode *kg_saml_child(const xmlNode *parent, const char *ns, const char *name);

/* An element's text, trimmed, in pool. */
const char *kg_saml_text(apr_pool_t *pool, const xmlNode *n);

/* Walks the document: counts assertions (plain and encrypted, wherever
 * they hide) and refuses a repeated ID attribute. */
bool kg_saml_scan(const xmlNode *n, apr_hash_t *ids, apr_pool_t *pool,
		  int *assertions, int *encrypted, int depth);

/* Parses xml with no DTD, no entities and no network. */
xmlDoc *kg_saml_parse_strict(const char *xml, size_t len, bool *dtd);

/* Parses a message's XML strictly into *doc (the caller frees it): a
 * refusal saml_dtd for a DTD, an XInclude element or a schema location
 * anywhere, saml_parse when it is not well-formed. */
kg_rc kg_saml_parse_xml(apr_pool_t *pool, const char *xml, size_t len,
			xmlDoc **doc, const char **reason, kg_err *err);

/* The element n as a document of its own (the namespaces it uses
 * declared on it), serialised into pool, with an XML declaration or
 * without (to paste into another document). NULL when it fails. */
const char *kg_saml_standalone(apr_pool_t *pool, const xmlNode *n,
			       bool declaration);

/* Decodes a message (base64; XML too when xml_ok) into *xml and parses
 * it as kg_saml_parse_xml does into *doc (the caller frees it). A refusal
 * saml_parse or saml_dtd otherwise. */
kg_rc kg_saml_parse_message(apr_pool_t *pool, const char *text, bool xml_ok,
			    const char **xml, xmlDoc **doc, const char **reason,
			    kg_err *err);

/* Checks every ds:Signature under n (depth bounded by scan). */
kg_rc kg_saml_check_signatures(kg_saml_ctx *c, const xmlNode *n);

kg_rc kg_saml_check_encryption(kg_saml_ctx *c, const xmlNode *root);

kg_rc kg_saml_check_issue_instant(kg_saml_ctx *c, const xmlNode *n);

/* Everything keygate checks on the (verified) assertion element. */
kg_rc kg_saml_check_assertion(kg_saml_ctx *c, const xmlNode *assertion);

/* The Response around the assertion: Success, Destination, Issuer, the
 * signature and encryption policies; its InResponseTo is kept in c (the
 * binding to a browser's request is kg_saml_answers's). */
kg_rc kg_saml_check_response(kg_saml_ctx *c, const xmlNode *root,
			     int encrypted);

#endif
