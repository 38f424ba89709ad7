/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: username templates, compiled once at load.
 *
 * `${ALIAS}.${ATTRIBUTE.uid | lowercase}` becomes a list of literal and
 * variable segments. Keywords (ALIAS, NAMEID, UUID, ATTRIBUTE., CLAIM.)
 * are case-insensitive (DESIGN.md Decision 2); each transformer binds to
 * its own ${...}. Unknown keywords and transformers are load errors, not
 * literal text.
 */
#ifndef KG_CONF_TEMPLATE_H
#define KG_CONF_TEMPLATE_H

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
	KG_TPL_LITERAL,
	KG_TPL_ALIAS,
	KG_TPL_NAMEID,
	KG_TPL_UUID,
	KG_TPL_ATTRIBUTE, /* SAML attribute by Name or FriendlyName */
	KG_TPL_CLAIM	  /* OIDC claim by dotted path */
} kg_tpl_kind;

typedef enum {
	KG_TPL_AS_IS,
	KG_TPL_LOWERCASE,
	KG_TPL_UPPERCASE,
	KG_TPL_LOCALPART
} kg_tpl_transform;

typedef struct {
	kg_tpl_kind kind;
	const char *text; /* LITERAL: the text; ATTRIBUTE/CLAIM: the name */
	kg_tpl_transform transform;
} kg_tpl_segment;

typedef struct {
	const char *source; /* the template as written */
	kg_tpl_segment *segments;
	size_t nsegments;
} kg_template;

/* Compiles source. saml selects which variables are legal (NAMEID and
 * ATTRIBUTE for SAML, CLAIM for OIDC). On error returns NULL and writes
 * the reason and the 0-based character offset into msg and *offset. */
kg_template *kg_template_compile(apr_pool_t *pool, const char *source,
				 bool saml, char *msg, size_t msgsize,
				 size_t *offset);

#endif
