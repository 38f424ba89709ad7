/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: every concern's directive table, and the registry over them.
 */
#ifndef KG_CONF_DIRECTIVES_H
#define KG_CONF_DIRECTIVES_H

#include "conf/directive.h"

/* Each concern's table (its .c defines it), ending with a NULL name. */
extern const kg_directive kg_conf_gateway_directives[];
extern const kg_directive kg_conf_mapping_directives[];
extern const kg_directive kg_conf_sessions_directives[];
extern const kg_directive kg_conf_oidc_directives[];
extern const kg_directive kg_conf_saml_directives[];
extern const kg_directive kg_conf_aws_directives[];
extern const kg_directive kg_conf_pages_directives[];
extern const kg_directive kg_conf_providers_directives[];

/* Returns the directive named name (case-insensitive, as httpd matches
 * directives), or NULL. */
const kg_directive *kg_directive_find(const char *name);

/* Returns the NULL-terminated list of every directive table entry, in a
 * stable order. */
const kg_directive *const *kg_directive_all(void);

#endif
