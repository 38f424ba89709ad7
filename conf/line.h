/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: applying one `Keygate*` directive line, for the readers that
 * run outside httpd (kg_conf_file_load, kg_conf_httpd_load).
 */
#ifndef KG_CONF_LINE_H
#define KG_CONF_LINE_H

#include "conf/conf.h"

/* Applies the words of line (already split by kg_conf_words, first word
 * the directive) to conf and notes the directive at "AT:COL" (AT is
 * "PATH:LINE", COL the directive's column). Returns NULL, or an error
 * with *err_col at the offending word. Unknown directives are errors. */
const char *kg_conf_line_apply(apr_pool_t *pool, kg_conf *conf,
			       const apr_array_header_t *words, const char *at,
			       int *err_col);

#endif
