/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: page templates ({{placeholder}} text) and the POST
 * preservation settings.
 */
#include "conf/pages.h"
#include "conf/directive.h"
#include "conf/directives.h"
#include "conf/pages_builtin.h"
#include "gateway/base/str.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>
#include <strings.h>

static const char *const page_files[KG_PAGE_COUNT] = {
	"signin.html",	   "denied.html", "limit.html",
	"signed-out.html", "error.html",
};

static const char *const var_names[KG_PV_COUNT] = {
	"title",	  "message",	    "notice_html", "reference",
	"reason",	  "signin_url",	    "signout_url", "return_to",
	"providers_html", "discovery_html",
};

const char *kg_conf_page_file(kg_page_id id)
{
	return (unsigned)id < KG_PAGE_COUNT ? page_files[id] : "?";
}

const char *kg_conf_page_var_name(kg_page_var var)
{
	return (unsigned)var < KG_PV_COUNT ? var_names[var] : "?";
}

static void add_part(kg_page_template *t, const char *text, size_t len, int var)
{
	kg_page_part *p;

	if (var < 0 && len == 0)
		return;
	p = apr_array_push(t->parts);
	p->text = text;
	p->len = len;
	p->var = var;
}

/* The line and column (1-based) of at in text. */
static void position(const char *text, const char *at, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (const char *s = text; s < at; s++) {
		if (*s == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int var_of(const char *name, size_t len)
{
	for (int i = 0; i < KG_PV_COUNT; i++)
		if (strlen(var_names[i]) == len &&
		    strncmp(var_names[i], name, len) == 0)
			return i;
	return -1;
}

const char *kg_conf_page_parse(apr_pool_t *pool, const char *where,
			       const char *text, size_t len,
			       kg_page_template *out)
{
	const char *s = text, *end = text + len;

	out->parts = apr_array_make(pool, 16, sizeof(kg_page_part));
	out->source = where;
	if (memchr(text, '\0', len))
		return kg_psprintf(pool,
				   "%s:1:1: a template is text; it "
				   "holds a NUL byte",
				   where);
	while (s < end) {
		const char *open = NULL, *close, *name;
		size_t nlen;
		int line, col, var;
		for (const char *p = s; p + 1 < end; p++)
			if (p[0] == '{' && p[1] == '{') {
				open = p;
				break;
			}
		if (open == NULL) {
			add_part(out, s, (size_t)(end - s), -1);
			break;
		}
		add_part(out, s, (size_t)(open - s), -1);
		name = open + 2;
		while (name < end && *name == ' ')
			name++;
		close = name;
		while (close < end &&
		       ((*close >= 'a' && *close <= 'z') || *close == '_'))
			close++;
		nlen = (size_t)(close - name);
		while (close < end && *close == ' ')
			close++;
		position(text, open, &line, &col);
		if (close + 1 >= end || close[0] != '}' || close[1] != '}')
			return kg_psprintf(
				pool,
				"%s:%d:%d: a placeholder is {{name}}, with "
				"a lower-case name and two closing braces",
				where, line, col);
		if ((var = var_of(name, nlen)) < 0) {
			const char *known = var_names[0];
			for (int i = 1; i < KG_PV_COUNT; i++)
				known = apr_pstrcat(pool, known, ", ",
						    var_names[i], NULL);
			return kg_psprintf(pool,
					   "%s:%d:%d: unknown placeholder "
					   "{{%.*s}} (known: %s)",
					   where, line, col, (int)nlen, name,
					   known);
		}
		add_part(out, NULL, 0, var);
		s = close + 2;
	}
	return NULL;
}

void kg_conf_pages_defaults(apr_pool_t *pool, kg_conf_pages *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < KG_PAGE_COUNT; i++) {
		const char *text = kg_conf_page_builtin((kg_page_id)i);
		/* the built-ins are tested; a parse error here is a bug */
		(void)kg_conf_page_parse(pool, "built-in", text, strlen(text),
					 &p->templates[i]);
	}
	p->preserve_post = true;
	p->preserve_post_max = KG_CONF_PRESERVE_POST_MAX;
}

/* The page id whose file is name, or -1. */
static int page_of(const char *name)
{
	for (int i = 0; i < KG_PAGE_COUNT; i++)
		if (strcmp(page_files[i], name) == 0)
			return i;
	return -1;
}

/* Reads path (at most KG_CONF_PAGE_TEMPLATE_MAX bytes) into *text. */
static const char *read_template(apr_pool_t *pool, const char *path,
				 const char **text, size_t *len)
{
	apr_file_t *f;
	apr_finfo_t fi;
	apr_size_t n;
	char *buf;

	if (apr_file_open(&f, path, APR_FOPEN_READ, 0, pool) != APR_SUCCESS ||
	    apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS)
		return kg_psprintf(pool, "%s:1:1: cannot be read", path);
	if (fi.size > KG_CONF_PAGE_TEMPLATE_MAX) {
		apr_file_close(f);
		return kg_psprintf(pool, "%s:1:1: is larger than %d bytes",
				   path, KG_CONF_PAGE_TEMPLATE_MAX);
	}
	n = (apr_size_t)fi.size;
	buf = apr_palloc(pool, n + 1);
	if (n > 0 && apr_file_read_full(f, buf, n, &n) != APR_SUCCESS) {
		apr_file_close(f);
		return kg_psprintf(pool, "%s:1:1: cannot be read", path);
	}
	apr_file_close(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return NULL;
}

const char *kg_conf_pages_load(apr_pool_t *pool, const char *dir,
			       kg_conf_pages *p)
{
	apr_dir_t *d;
	apr_finfo_t fi;
	const char *msg = NULL;

	if (apr_dir_open(&d, dir, pool) != APR_SUCCESS)
		return kg_psprintf(pool, "%s: cannot open the directory", dir);
	while (msg == NULL && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE,
					   d) == APR_SUCCESS) {
		size_t n = strlen(fi.name);
		const char *path, *text = NULL;
		size_t len = 0;
		int id;
		if (fi.name[0] == '.' || n < 5 ||
		    strcasecmp(fi.name + n - 5, ".html") != 0)
			continue;
		path = apr_pstrcat(pool, dir, "/", fi.name, NULL);
		if ((id = page_of(fi.name)) < 0) {
			msg = kg_psprintf(pool,
					  "%s:1:1: no page is called %s "
					  "(pages: signin.html, denied.html, "
					  "limit.html, signed-out.html, "
					  "error.html)",
					  path, fi.name);
			break;
		}
		msg = read_template(pool, path, &text, &len);
		if (msg == NULL)
			msg = kg_conf_page_parse(pool, path, text, len,
						 &p->templates[id]);
	}
	apr_dir_close(d);
	return msg;
}

/* KeygatePageTemplates DIR: every template is read and checked now. */
static const char *set_templates(const kg_directive *self, apr_pool_t *pool,
				 kg_conf *conf, int argc,
				 const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	conf->pages.templates_dir = apr_pstrdup(pool, argv[0]);
	return kg_conf_pages_load(pool, argv[0], &conf->pages);
}

static const char *set_preserve_max(const kg_directive *self, apr_pool_t *pool,
				    kg_conf *conf, int argc,
				    const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_directive_number(pool, argv[0], 1, 1024 * 1024,
				   &conf->pages.preserve_post_max);
}

const kg_directive kg_conf_pages_directives[] = {
	{"KeygatePageTemplates", 1, 1, set_templates, "DIR",
	 "a directory of page templates (signin.html, denied.html, "
	 "limit.html, signed-out.html, error.html) replacing the built-in "
	 "pages; read and checked at start"},
	{"KeygatePreservePost", 1, 1, kg_directive_set_flag, "On|Off",
	 "keep a form POST that needs a login in the browser and send it "
	 "again after the login (default Off)",
	 KG_CONF_OFFSET(pages.preserve_post)},
	{"KeygatePreservePostMax", 1, 1, set_preserve_max, "BYTES",
	 "the largest form body KeygatePreservePost keeps (default 65536)"},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
