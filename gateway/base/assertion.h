/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the neutral SAML assertion that protocol code hands to the
 * mappers.
 *
 * gateway/proto builds it (from a verified lasso assertion at the ACS, or
 * from a captured Response in `keygate map`); mappers read it. All strings
 * are trimmed, xsi:nil values are already dropped, and everything lives in
 * the pool of whoever built it.
 */
#ifndef KG_ASSERTION_H
#define KG_ASSERTION_H

#include <stddef.h>

typedef struct {
	const char *name;	   /* Name; never NULL */
	const char *friendly_name; /* FriendlyName, or NULL */
	const char *name_format;   /* NameFormat, or NULL */
	const char **values;	   /* trimmed values in document order */
	size_t nvalues;
	int statement; /* index of its AttributeStatement, from 0 */
} kg_saml_attr;

typedef struct {
	const char *issuer;	    /* Issuer of the assertion, or NULL */
	const char *name_id;	    /* trimmed NameID, or NULL */
	const char *name_id_format; /* its Format, or NULL */
	const char *session_index;  /* AuthnStatement/@SessionIndex, or NULL */
	kg_saml_attr *attrs;	    /* every Attribute of every statement */
	size_t nattrs;
} kg_assertion;

#endif
