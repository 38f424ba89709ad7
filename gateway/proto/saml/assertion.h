/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading a SAML Response into the neutral kg_assertion.
 *
 * One extraction for every caller: `keygate map` feeds it a captured
 * Response; the ACS feeds it the Response lasso has verified. It checks
 * structure only (no signatures): the XML parser refuses DTDs, entities
 * and network access, and sizes are capped.
 */
#ifndef KG_PROTO_SAML_ASSERTION_H
#define KG_PROTO_SAML_ASSERTION_H

#include "gateway/base/assertion.h"
#include "gateway/base/err.h"

#include <apr_pools.h>
#include <libxml/tree.h>

/* The largest Response accepted, before or after base64 decoding. */
#define KG_SAML_MAX_BYTES (2u * 1024 * 1024)

/* Decodes text when it is base64 (whitespace and line breaks allowed);
 * XML (first non-blank character '<') is returned as is. KG_EINVAL when it
 * is neither. The result is NUL-terminated, in pool. */
kg_rc kg_saml_response_decode(apr_pool_t *pool, const char *text, size_t len,
			      const char **xml, size_t *xml_len, kg_err *err);

/* Parses a Response (or a bare Assertion) and extracts its single
 * assertion: Issuer, NameID and Format, SessionIndex, and every Attribute
 * with Name, FriendlyName, NameFormat and trimmed values (xsi:nil values
 * dropped). KG_EINVAL with a reason for a DTD, an XInclude element or a
 * schema location (kg_saml_external_ref), malformed XML, no or several
 * assertions, an encrypted assertion, or input over the caps. */
kg_rc kg_saml_assertion_parse(apr_pool_t *pool, const char *xml, size_t len,
			      kg_assertion **out, kg_err *err);

/* The extraction of kg_saml_assertion_parse on a document the caller
 * already parsed with those checks (kg_saml_parse_xml): root is the
 * Response or the bare Assertion. Everything copied into pool; root is
 * only read. KG_EINVAL for no or several assertions, an encrypted one,
 * or more than the caps. */
kg_rc kg_saml_assertion_extract(apr_pool_t *pool, const xmlNode *root,
				kg_assertion **out, kg_err *err);

/* The first thing under root (itself included) that points outside the
 * message, said in words ("an XInclude element", "an xsi:schemaLocation
 * attribute"), or NULL when none: an element of XInclude (2001, or the
 * 2003 draft), or an xsi:schemaLocation or xsi:noNamespaceSchemaLocation
 * attribute. keygate follows neither, but a SAML message carrying one is
 * an attack on some parser, never a login: it is refused (saml_dtd). */
const char *kg_saml_external_ref(const xmlNode *root);

#endif
