/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: applying one `Keygate*` directive line outside httpd.
 */
#include "conf/line.h"
#include "conf/directives.h"
#include "conf/words.h"
#include "gateway/base/str.h"

const char *kg_conf_line_apply(apr_pool_t *pool, kg_conf *conf,
			       const apr_array_header_t *words, const char *at,
			       int *err_col)
{
	const char *argv[KG_CONF_WORDS_MAX + 1];
	const kg_conf_word *w = (const kg_conf_word *)words->elts;
	const kg_directive *d = kg_directive_find(w[0].text);
	int bad_arg, argc = words->nelts - 1;
	const char *msg;

	if (d == NULL) {
		*err_col = w[0].col;
		return kg_psprintf(pool, "unknown directive \"%s\"", w[0].text);
	}
	for (int i = 0; i < argc; i++)
		argv[i] = w[i + 1].text;
	argv[argc] = NULL;
	msg = kg_directive_apply(d, pool, conf, argc, argv, &bad_arg);
	if (msg == NULL) {
		kg_conf_note(conf, pool, d->name,
			     kg_psprintf(pool, "%s:%d", at, w[0].col));
		return NULL;
	}
	*err_col =
		bad_arg >= 0 && bad_arg < argc ? w[bad_arg + 1].col : w[0].col;
	if (bad_arg >= 0 && bad_arg < argc)
		return kg_psprintf(
			pool, "%s: \"%s\" %s", d->name,
			kg_directive_shown(pool, d->name, argv[bad_arg]), msg);
	return msg;
}
