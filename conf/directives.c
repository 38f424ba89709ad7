/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the registry of every Keygate* directive, shared by httpd,
 * the config-file reader and the CLI. No cap: the list is as long as
 * the tables.
 */
#include "conf/directives.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* Every concern's table, in the order the docs list them. */
static const kg_directive *const tables[] = {
	kg_conf_gateway_directives,  kg_conf_mapping_directives,
	kg_conf_sessions_directives, kg_conf_oidc_directives,
	kg_conf_saml_directives,     kg_conf_providers_directives,
	kg_conf_aws_directives,	     kg_conf_pages_directives,
};

const kg_directive *const *kg_directive_all(void)
{
	static const kg_directive **all;
	size_t n = 0, i = 0;

	if (all != NULL)
		return all;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const kg_directive *d = tables[t]; d->name; d++)
			n++;
	all = calloc(n + 1, sizeof(*all));
	if (all == NULL) {
		fputs("keygate: out of memory for the directive list\n",
		      stderr);
		abort();
	}
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const kg_directive *d = tables[t]; d->name; d++)
			all[i++] = d;
	return all;
}

const kg_directive *kg_directive_find(const char *name)
{
	for (const kg_directive *const *d = kg_directive_all(); *d; d++) {
		if (strcasecmp((*d)->name, name) == 0)
			return *d;
	}
	return NULL;
}
