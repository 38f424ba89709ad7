/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the pages a person sees (sign-in, access denied, session
 * limit, signed out, errors) as parsed templates, and the browser-side
 * POST preservation settings. Templates are read and checked at start
 * (KeygatePageTemplates); a request only fills them in.
 */
#ifndef KG_CONF_PAGES_H
#define KG_CONF_PAGES_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

/* The pages an admin may replace, each DIR/NAME.html. */
typedef enum {
	KG_PAGE_SIGNIN = 0, /* signin.html: one button per provider */
	KG_PAGE_DENIED,	    /* denied.html: the access gate said no */
	KG_PAGE_LIMIT,	    /* limit.html: a session-count limit said no */
	KG_PAGE_SIGNED_OUT, /* signed-out.html: after PREFIX logout */
	KG_PAGE_ERROR,	    /* error.html: stale login, provider or Redis
			       down, ... with a reference id */
	KG_PAGE_COUNT
} kg_page_id;

/* The placeholders a template may use, {{name}}. Values are HTML-escaped
 * when filled in; the two *_html ones are markup keygate builds (with
 * every value inside escaped). */
typedef enum {
	KG_PV_TITLE = 0,
	KG_PV_MESSAGE,
	KG_PV_NOTICE_HTML,
	KG_PV_REFERENCE,
	KG_PV_REASON,
	KG_PV_SIGNIN_URL,
	KG_PV_SIGNOUT_URL,
	KG_PV_RETURN_TO,
	KG_PV_PROVIDERS_HTML,
	KG_PV_DISCOVERY_HTML,
	KG_PV_COUNT
} kg_page_var;

/* One piece of a template: literal text, or a placeholder (var >= 0). */
typedef struct {
	const char *text; /* the literal (not NUL-terminated) */
	size_t len;
	int var; /* a kg_page_var, or -1 for literal text */
} kg_page_part;

/* A parsed template: its parts in order (kg_page_part). */
typedef struct {
	apr_array_header_t *parts;
	const char *source; /* the file it came from, or "built-in" */
} kg_page_template;

typedef struct {
	const char *templates_dir;		   /* NULL: built-ins only */
	kg_page_template templates[KG_PAGE_COUNT]; /* always set */
	bool preserve_post;			   /* KeygatePreservePost On */
	long long preserve_post_max;		   /* bytes, 65536 */
} kg_conf_pages;

#define KG_CONF_PRESERVE_POST_MAX 65536
#define KG_CONF_PAGE_TEMPLATE_MAX 65536

/* Sets the defaults: the built-in templates, POST preservation off. */
void kg_conf_pages_defaults(apr_pool_t *pool, kg_conf_pages *p);

/* The file name of page id ("signin.html"). */
const char *kg_conf_page_file(kg_page_id id);

/* The placeholder name of var ("signin_url"). */
const char *kg_conf_page_var_name(kg_page_var var);

/* Parses text (len bytes, from file where, for messages) into *out.
 * Returns NULL or "WHERE:LINE:COL: what is wrong" (an unknown or
 * unterminated placeholder), in pool. */
const char *kg_conf_page_parse(apr_pool_t *pool, const char *where,
			       const char *text, size_t len,
			       kg_page_template *out);

/* Reads every NAME.html of dir into p's templates (the others keep the
 * built-in). An unknown *.html name, an unreadable or too large file, or
 * a bad template is an error, returned as text with FILE:LINE:COL. */
const char *kg_conf_pages_load(apr_pool_t *pool, const char *dir,
			       kg_conf_pages *p);

#endif
