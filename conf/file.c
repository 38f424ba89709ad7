/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reads `Keygate*` directives from a config file, for the CLI
 * and anything else that runs outside httpd.
 */
#include "conf/conf.h"
#include "conf/line.h"
#include "conf/read.h"
#include "conf/words.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <stdio.h>
#include <string.h>

/* Applies one line (at "PATH:LINE"). Returns NULL or an error with
 * *err_col. */
static const char *apply_line(apr_pool_t *pool, kg_conf *conf, const char *line,
			      const char *at, int *err_col)
{
	apr_array_header_t *words =
		apr_array_make(pool, 4, sizeof(kg_conf_word));
	const char *msg = kg_conf_words(pool, line, words, err_col);

	if (msg || words->nelts == 0)
		return msg;
	return kg_conf_line_apply(pool, conf, words, at, err_col);
}

kg_rc kg_conf_file_load(apr_pool_t *pool, const char *path, kg_conf *conf,
			kg_err *err)
{
	const char *text;
	size_t len;
	int lineno = 0;
	kg_rc rc;

	rc = kg_conf_read_file(pool, path, KG_CONF_FILE_MAX, &text, &len, err);
	if (rc != KG_OK)
		return rc;
	if (!kg_utf8_is_valid(text, len) || memchr(text, '\0', len) != NULL)
		return kg_err_set(err, KG_ECONFIG, "%s:1:1: not UTF-8 text",
				  path);
	while (len > 0 || text[0] != '\0') {
		const char *nl = memchr(text, '\n', len);
		size_t n = nl ? (size_t)(nl - text) : len;
		char *line = apr_pstrmemdup(pool, text, n);
		int col = 1;
		const char *msg;

		lineno++;
		msg = apply_line(pool, conf, line,
				 kg_psprintf(pool, "%s:%d", path, lineno),
				 &col);
		if (msg)
			return kg_err_set(err, KG_ECONFIG, "%s:%d:%d: %s", path,
					  lineno, col, msg);
		if (nl == NULL)
			break;
		text = nl + 1;
		len -= n + 1;
	}
	/* the checks' messages start with the offending PATH:LINE:COL */
	if (conf->first_where == NULL)
		kg_conf_note(conf, pool, NULL,
			     kg_psprintf(pool, "%s:1:1", path));
	return kg_conf_finish(conf, err);
}
