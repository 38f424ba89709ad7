/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: username templates, compiled once at load.
 */
#include "conf/template.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static size_t char_offset(const char *start, const char *at)
{
	size_t n = 0;

	for (const char *p = start; p < at; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80)
			n++;
	}
	return n;
}

static bool parse_transform(const char *name, kg_tpl_transform *out)
{
	static const struct {
		const char *name;
		kg_tpl_transform t;
	} table[] = {{"lowercase", KG_TPL_LOWERCASE},
		     {"uppercase", KG_TPL_UPPERCASE},
		     {"localpart", KG_TPL_LOCALPART}};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strcmp(name, table[i].name) == 0) {
			*out = table[i].t;
			return true;
		}
	}
	return false;
}

/* Parses the inside of one ${...} into seg. Returns NULL or an error. */
static const char *parse_variable(apr_pool_t *pool, const char *inner,
				  bool saml, kg_tpl_segment *seg)
{
	const char *bar = strchr(inner, '|');
	char *var;

	seg->transform = KG_TPL_AS_IS;
	if (bar) {
		char *t = kg_str_trim(pool, bar + 1);
		if (!parse_transform(t, &seg->transform))
			return kg_psprintf(pool,
					   "unknown transformer \"%s\" (use "
					   "lowercase, uppercase or localpart)",
					   t);
		var = kg_str_trim(pool, apr_pstrmemdup(pool, inner,
						       (size_t)(bar - inner)));
	} else {
		var = kg_str_trim(pool, inner);
	}
	if (strcasecmp(var, "ALIAS") == 0) {
		seg->kind = KG_TPL_ALIAS;
	} else if (strcasecmp(var, "UUID") == 0) {
		seg->kind = KG_TPL_UUID;
	} else if (saml && strcasecmp(var, "NAMEID") == 0) {
		seg->kind = KG_TPL_NAMEID;
	} else if (saml && strncasecmp(var, "ATTRIBUTE.", 10) == 0 &&
		   var[10] != '\0') {
		seg->kind = KG_TPL_ATTRIBUTE;
		seg->text = var + 10;
	} else if (!saml && strncasecmp(var, "CLAIM.", 6) == 0 &&
		   var[6] != '\0') {
		seg->kind = KG_TPL_CLAIM;
		seg->text = var + 6;
	} else {
		return kg_psprintf(
			pool, "unknown template variable \"%s\" (use %s)", var,
			saml ? "ALIAS, UUID, NAMEID or ATTRIBUTE.<name>"
			     : "ALIAS, UUID or CLAIM.<path>");
	}
	return NULL;
}

kg_template *kg_template_compile(apr_pool_t *pool, const char *source,
				 bool saml, char *msg, size_t msgsize,
				 size_t *offset)
{
	apr_array_header_t *segs =
		apr_array_make(pool, 4, sizeof(kg_tpl_segment));
	kg_template *tpl;
	const char *p = source;

	while (*p) {
		const char *open = strstr(p, "${");
		kg_tpl_segment *seg;
		const char *close, *err;

		if (open != p) {
			size_t n = open ? (size_t)(open - p) : strlen(p);
			seg = apr_array_push(segs);
			seg->kind = KG_TPL_LITERAL;
			seg->text = apr_pstrmemdup(pool, p, n);
			seg->transform = KG_TPL_AS_IS;
			p += n;
			continue;
		}
		close = strchr(open, '}');
		if (close == NULL) {
			snprintf(msg, msgsize, "unterminated ${ in template");
			*offset = char_offset(source, open);
			return NULL;
		}
		seg = apr_array_push(segs);
		err = parse_variable(pool,
				     apr_pstrmemdup(pool, open + 2,
						    (size_t)(close - open - 2)),
				     saml, seg);
		if (err) {
			snprintf(msg, msgsize, "%s", err);
			*offset = char_offset(source, open);
			return NULL;
		}
		p = close + 1;
	}
	tpl = apr_palloc(pool, sizeof(*tpl));
	tpl->source = apr_pstrdup(pool, source);
	tpl->segments = (kg_tpl_segment *)segs->elts;
	tpl->nsegments = (size_t)segs->nelts;
	return tpl;
}
