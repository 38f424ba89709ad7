/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the few HTML pages the gateway shows a person (a refused
 * login). Every value is HTML-escaped; no script, no external resource.
 */
#ifndef KG_PAGE_H
#define KG_PAGE_H

#include <apr_pools.h>

/* Returns s with & < > " ' escaped. */
const char *kg_page_escape(apr_pool_t *pool, const char *s);

/* A minimal page with a title and one message (both escaped). */
const char *kg_page_message(apr_pool_t *pool, const char *title,
			    const char *message);

#endif
