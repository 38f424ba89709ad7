/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reads `Keygate*` directives from a config file, for the CLI
 * and anything else that runs outside httpd.
 */
#include "conf/conf.h"
#include "conf/directives.h"
#include "conf/read.h"
#include "conf/words.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <stdio.h>
#include <string.h>

/* Applies one non-empty line (at where, "PATH:LINE"). Returns NULL or an
 * error with *err_col. */
static const char *apply_line(apr_pool_t *pool, kg_conf *conf, const char *line,
			      const char *where, int *err_col)
{
	apr_array_header_t *words =
		apr_array_make(pool, 4, sizeof(kg_conf_word));
	const char *argv[KG_CONF_WORDS_MAX + 1];
	const kg_directive *d;
	const char *msg;
	int bad_arg, argc;
	kg_conf_word *w;

	msg = kg_conf_words(pool, line, words, err_col);
	if (msg || words->nelts == 0)
		return msg;
	w = (kg_conf_word *)words->elts;
	d = kg_directive_find(w[0].text);
	if (d == NULL) {
		*err_col = w[0].col;
		return kg_psprintf(pool, "unknown directive \"%s\"", w[0].text);
	}
	argc = words->nelts - 1;
	for (int i = 0; i < argc; i++)
		argv[i] = w[i + 1].text;
	argv[argc] = NULL;
	msg = kg_directive_apply(d, pool, conf, argc, argv, &bad_arg);
	if (msg == NULL) {
		kg_conf_note(conf, pool, d->name, where);
		return NULL;
	}
	*err_col =
		bad_arg >= 0 && bad_arg < argc ? w[bad_arg + 1].col : w[0].col;
	if (bad_arg >= 0 && bad_arg < argc)
		return kg_psprintf(
			pool, "%s: \"%s\" %s", d->name,
			kg_directive_arg_shown(pool, d->name, argv[bad_arg]),
			msg);
	return msg;
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
	rc = kg_conf_finish(conf, err);
	if (rc != KG_OK) {
		char msg[KG_ERR_MSG_MAX];
		size_t plen = strlen(path);
		snprintf(msg, sizeof(msg), "%s", err->msg);
		kg_err_clear(err);
		/* a check that names its directive's own line keeps it */
		if (strncmp(msg, path, plen) == 0 && msg[plen] == ':')
			return kg_err_set(err, rc, "%s", msg);
		return kg_err_set(err, rc, "%s:%d:1: %s", path,
				  lineno > 0 ? lineno : 1, msg);
	}
	return KG_OK;
}
