/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the built-in page templates: one small, accessible layout
 * (lang, title, a main landmark, labelled controls, AA contrast), no
 * script, no external resource.
 */
#ifndef KG_CONF_PAGES_BUILTIN_H
#define KG_CONF_PAGES_BUILTIN_H

#include "conf/pages.h"

/* The built-in template text of page id (static). */
const char *kg_conf_page_builtin(kg_page_id id);

#endif
