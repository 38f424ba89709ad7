/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading an httpd configuration's Keygate directives without
 * httpd (conf/httpd_file.h).
 */
#include "conf/httpd_file.h"
#include "conf/line.h"
#include "conf/location.h"
#include "conf/read.h"
#include "conf/words.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <glob.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define KG_INCLUDE_DEPTH_MAX 32

/* One open <Section>: its name, and whether it holds a location's
 * settings (directives with OR_AUTHCFG|ACCESS_CONF). */
typedef struct {
	const char *name;
	bool location;
	bool vhost;
} section;

typedef struct {
	apr_pool_t *pool;
	apr_array_header_t *servers; /* kg_conf_httpd_server */
	int cur;		     /* index of the current server */
	const char *root;	     /* ServerRoot */
	apr_array_header_t *open;    /* section */
	int in_location;	     /* open location sections */
	int depth;		     /* Include depth */
	int skip;		     /* > 0: inside a false <IfModule>,
					<IfDefine> or <IfFile>, this deep */
	apr_table_t *defines;	     /* -D and Define */
	apr_table_t *env;	     /* the environment, or NULL */
	apr_table_t *modules;	     /* loaded: "x_module" and "mod_x.c" */
	apr_array_header_t *notes;   /* warnings, or NULL */
	kg_err *err;
} reader;

/* httpd's modules that Debian's apache2 has built in (apache2 -l), and
 * keygate itself: <IfModule> is true for them without a LoadModule. */
static const char *const builtin_modules[] = {
	"core_module",	     "core.c",		 "so_module",	 "mod_so.c",
	"watchdog_module",   "mod_watchdog.c",	 "http_module",	 "http_core.c",
	"log_config_module", "mod_log_config.c", "logio_module", "mod_logio.c",
	"version_module",    "mod_version.c",	 "unixd_module", "mod_unixd.c",
	"keygate_module",    "mod_keygate.c",
};

static kg_rc read_file(reader *r, const char *path);

/* Fails at PATH:LINE:COL with msg. */
static kg_rc fail(reader *r, const char *at, int col, const char *msg)
{
	return kg_err_set(r->err, KG_ECONFIG, "%s:%d: %s", at, col, msg);
}

static kg_conf_httpd_server *current(reader *r)
{
	return &APR_ARRAY_IDX(r->servers, r->cur, kg_conf_httpd_server);
}

static kg_conf_httpd_server *add_server(reader *r, const char *name)
{
	kg_conf_httpd_server *s = apr_array_push(r->servers);

	s->name = name;
	s->conf = kg_conf_make(r->pool);
	s->configured = false;
	return s;
}

static bool is_location_section(const char *name)
{
	static const char *const names[] = {
		"Location", "LocationMatch", "Directory", "DirectoryMatch",
		"Files",    "FilesMatch",    "Proxy",	  "ProxyMatch"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Notes module name (from LoadModule NAME PATH) as loaded, under both
 * names <IfModule> takes: "x_module" and "mod_x.c". */
static void load_module(reader *r, const char *name)
{
	size_t n = strlen(name);

	apr_table_setn(r->modules, name, "");
	if (n > 7 && strcmp(name + n - 7, "_module") == 0)
		apr_table_setn(
			r->modules,
			kg_psprintf(r->pool, "mod_%.*s.c", (int)(n - 7), name),
			"");
}

/* Whether <IfModule|IfDefine|IfFile ARG> (kind) holds: "!" negates. */
static bool condition(reader *r, const char *kind, const char *arg)
{
	bool neg = arg[0] == '!';
	bool yes;
	struct stat st;

	arg += neg;
	if (strcasecmp(kind, "IfModule") == 0)
		yes = apr_table_get(r->modules, arg) != NULL;
	else if (strcasecmp(kind, "IfDefine") == 0)
		yes = apr_table_get(r->defines, arg) != NULL;
	else
		yes = stat(arg[0] == '/' ? arg
					 : kg_psprintf(r->pool, "%s/%s",
						       r->root, arg),
			   &st) == 0;
	return yes != neg;
}

/* In a false section: follows nesting only, until its end. */
static kg_rc skipped_line(reader *r, const char *line)
{
	line += strspn(line, " \t\r");
	if (line[0] != '<')
		return KG_OK;
	if (line[1] == '/')
		r->skip--;
	else
		r->skip++;
	return KG_OK;
}

/* Opens or closes a section from a line starting with '<'. */
static kg_rc section_line(reader *r, const char *at, const char *line)
{
	bool close = line[1] == '/';
	const char *name = line + (close ? 2 : 1);
	size_t n = strcspn(name, " \t>");
	const char *id = apr_pstrmemdup(r->pool, name, n);
	section *s;

	if (close) {
		if (r->open->nelts == 0)
			return fail(r, at, 1,
				    kg_psprintf(r->pool, "</%s> without <%s>",
						id, id));
		s = &APR_ARRAY_IDX(r->open, r->open->nelts - 1, section);
		if (strcasecmp(s->name, id) != 0)
			return fail(r, at, 1,
				    kg_psprintf(r->pool, "</%s> closes <%s>",
						id, s->name));
		r->in_location -= s->location;
		if (s->vhost)
			r->cur = 0;
		apr_array_pop(r->open);
		return KG_OK;
	}
	if (strcasecmp(id, "IfModule") == 0 ||
	    strcasecmp(id, "IfDefine") == 0 || strcasecmp(id, "IfFile") == 0) {
		const char *args = name + n;
		char *arg = kg_str_trim(
			r->pool,
			apr_pstrmemdup(r->pool, args, strcspn(args, ">")));
		size_t k = strlen(arg);
		if (k >= 2 && arg[0] == '"' && arg[k - 1] == '"')
			arg = apr_pstrmemdup(r->pool, arg + 1, k - 2);
		if (arg[0] == '\0')
			return fail(r, at, 1,
				    kg_psprintf(r->pool,
						"<%s> needs an argument", id));
		if (!condition(r, id, arg)) {
			r->skip = 1;
			return KG_OK;
		}
	}
	s = apr_array_push(r->open);
	s->name = id;
	s->location = is_location_section(id);
	s->vhost = strcasecmp(id, "VirtualHost") == 0;
	r->in_location += s->location;
	if (s->vhost) {
		const char *args = name + n;
		size_t m = strcspn(args, ">");
		if (r->cur != 0)
			return fail(r, at, 1,
				    "<VirtualHost> inside <VirtualHost>");
		add_server(r, kg_psprintf(r->pool, "<VirtualHost %s> at %s",
					  kg_str_trim(r->pool,
						      apr_pstrmemdup(r->pool,
								     args, m)),
					  at));
		r->cur = r->servers->nelts - 1;
	}
	return KG_OK;
}

/* Include PATTERN...: each file it names, in order (a folder: its
 * files). A pattern that names nothing fails Include, not
 * IncludeOptional. */
static kg_rc include(reader *r, const char *at, const kg_conf_word *w, int n,
		     bool optional)
{
	for (int i = 1; i < n; i++) {
		const char *p = w[i].text[0] == '/'
					? w[i].text
					: kg_psprintf(r->pool, "%s/%s", r->root,
						      w[i].text);
		struct stat st;
		glob_t g;
		kg_rc rc = KG_OK;

		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			p = kg_psprintf(r->pool, "%s/*", p);
		if (glob(p, 0, NULL, &g) != 0) {
			globfree(&g);
			if (optional)
				continue;
			return fail(r, at, w[i].col,
				    kg_psprintf(r->pool, "%s %s: no such file",
						w[0].text, p));
		}
		for (size_t k = 0; rc == KG_OK && k < g.gl_pathc; k++)
			if (stat(g.gl_pathv[k], &st) == 0 &&
			    S_ISREG(st.st_mode))
				rc = read_file(
					r, apr_pstrdup(r->pool, g.gl_pathv[k]));
		globfree(&g);
		if (rc != KG_OK)
			return rc;
	}
	return KG_OK;
}

/* Require [not] keygate-role ROLE...: notes each role at its column. */
static void require_line(reader *r, const char *at, const kg_conf_word *w,
			 int n)
{
	int i = 1;

	if (i < n && strcasecmp(w[i].text, "not") == 0)
		i++;
	if (i >= n || strcasecmp(w[i].text, "keygate-role") != 0)
		return;
	for (i++; i < n; i++)
		kg_conf_require_role(
			current(r)->conf, r->pool, w[i].text,
			kg_psprintf(r->pool, "%s:%d", at, w[i].col));
}

/* A Keygate* directive: a location's inside a location section (checked
 * on a scratch location), a server's outside one. */
static kg_rc keygate_line(reader *r, const char *at,
			  const apr_array_header_t *words)
{
	const kg_conf_word *w = (const kg_conf_word *)words->elts;
	const char *argv[KG_CONF_WORDS_MAX + 1];
	int argc = words->nelts - 1, bad = -1, col = w[0].col;
	const char *msg;

	for (const kg_loc_directive *d = kg_conf_location_directives; d->name;
	     d++) {
		if (strcasecmp(d->name, w[0].text) != 0)
			continue;
		if (r->in_location == 0)
			return fail(r, at, col,
				    kg_psprintf(r->pool,
						"%s is not allowed here: it "
						"belongs in <Location> or "
						"<Directory>",
						d->name));
		if (argc < d->min_args ||
		    (d->max_args >= 0 && argc > d->max_args))
			return fail(r, at, col,
				    kg_psprintf(r->pool, "%s takes %s", d->name,
						d->syntax));
		for (int i = 0; i < argc; i++)
			argv[i] = w[i + 1].text;
		argv[argc] = NULL;
		msg = d->set(r->pool, kg_conf_location_make(r->pool), argc,
			     argv, &bad);
		if (msg == NULL)
			return KG_OK;
		if (bad >= 0 && bad < argc)
			return fail(r, at, w[bad + 1].col,
				    kg_psprintf(r->pool, "%s: \"%s\" %s",
						d->name, argv[bad], msg));
		return fail(r, at, col,
			    kg_psprintf(r->pool, "%s: %s", d->name, msg));
	}
	if (r->in_location > 0)
		return fail(r, at, col,
			    kg_psprintf(r->pool,
					"%s cannot occur within a <Location> "
					"or <Directory> section",
					w[0].text));
	msg = kg_conf_line_apply(r->pool, current(r)->conf, words, at, &col);
	if (msg)
		return fail(r, at, col, msg);
	current(r)->configured = true;
	return KG_OK;
}

/* line with each ${VAR} replaced as httpd does: a Define'd value, else
 * the environment's; an undefined one stays as written, with a note at
 * its column (apache2 logs AH00111 and goes on). */
static const char *expand(reader *r, const char *at, const char *line)
{
	const char *p = line, *open;
	char *out = "";

	while ((open = strstr(p, "${")) != NULL) {
		const char *close = strchr(open + 2, '}');
		const char *name, *value;
		if (close == NULL)
			break;
		name = apr_pstrmemdup(r->pool, open + 2, close - open - 2);
		value = apr_table_get(r->defines, name);
		if (value == NULL && r->env)
			value = apr_table_get(r->env, name);
		if (value == NULL && r->notes)
			APR_ARRAY_PUSH(r->notes, const char *) = kg_psprintf(
				r->pool,
				"%s:%d: Config variable ${%s} is not defined",
				at, (int)(open - line) + 1, name);
		out = apr_pstrcat(
			r->pool, out,
			apr_pstrmemdup(r->pool, p, (size_t)(open - p)),
			value ? value
			      : apr_pstrmemdup(r->pool, open,
					       (size_t)(close - open + 1)),
			NULL);
		p = close + 1;
	}
	return out[0] ? apr_pstrcat(r->pool, out, p, NULL) : line;
}

/* Define NAME [VALUE], UnDefine NAME, LoadModule NAME PATH. */
static bool httpd_line(reader *r, const kg_conf_word *w, int n)
{
	if (strcasecmp(w[0].text, "Define") == 0 && n >= 2)
		apr_table_set(r->defines, w[1].text, n >= 3 ? w[2].text : "");
	else if (strcasecmp(w[0].text, "UnDefine") == 0 && n >= 2)
		apr_table_unset(r->defines, w[1].text);
	else if (strcasecmp(w[0].text, "LoadModule") == 0 && n >= 2)
		load_module(r, w[1].text);
	else
		return false;
	return true;
}

/* One logical line (continuations joined) at "PATH:LINE". */
static kg_rc one_line(reader *r, const char *at, const char *line)
{
	apr_array_header_t *words;
	const kg_conf_word *w;
	int col = 1;
	const char *msg, *full;

	if (r->skip > 0)
		return skipped_line(r, line);
	if (line[strspn(line, " \t\r")] == '#')
		return KG_OK; /* a comment: httpd expands nothing in it */
	line = full = expand(r, at, line);
	line += strspn(line, " \t\r");
	if (line[0] == '\0' || line[0] == '#')
		return KG_OK;
	if (line[0] == '<')
		return section_line(r, at, line);
	if (strncasecmp(line, "Keygate", 7) != 0 &&
	    strncasecmp(line, "Include", 7) != 0 &&
	    strncasecmp(line, "Require", 7) != 0 &&
	    strncasecmp(line, "ServerRoot", 10) != 0 &&
	    strncasecmp(line, "Define", 6) != 0 &&
	    strncasecmp(line, "UnDefine", 8) != 0 &&
	    strncasecmp(line, "LoadModule", 10) != 0)
		return KG_OK; /* not ours: httpd checks it */
	words = apr_array_make(r->pool, 4, sizeof(kg_conf_word));
	if ((msg = kg_conf_words(r->pool, full, words, &col)) != NULL)
		return fail(r, at, col, msg);
	if (words->nelts == 0)
		return KG_OK;
	w = (const kg_conf_word *)words->elts;
	if (strncasecmp(w[0].text, "Keygate", 7) == 0)
		return keygate_line(r, at, words);
	if (httpd_line(r, w, words->nelts))
		return KG_OK;
	if (strcasecmp(w[0].text, "Require") == 0)
		require_line(r, at, w, words->nelts);
	else if (strcasecmp(w[0].text, "ServerRoot") == 0 && words->nelts > 1)
		r->root = w[1].text;
	else if (strcasecmp(w[0].text, "Include") == 0 ||
		 strcasecmp(w[0].text, "IncludeOptional") == 0)
		return include(r, at, w, words->nelts,
			       strcasecmp(w[0].text, "IncludeOptional") == 0);
	return KG_OK;
}

/* Reads one file line by line; a line ending in '\' goes on. */
static kg_rc read_file(reader *r, const char *path)
{
	const char *text;
	size_t len;
	int lineno = 0, opened = r->open->nelts;
	kg_rc rc;

	if (++r->depth > KG_INCLUDE_DEPTH_MAX)
		return kg_err_set(r->err, KG_ECONFIG,
				  "%s:1:1: Include nests deeper than %d files",
				  path, KG_INCLUDE_DEPTH_MAX);
	rc = kg_conf_read_file(r->pool, path, KG_CONF_FILE_MAX, &text, &len,
			       r->err);
	while (rc == KG_OK && *text) {
		char *logical = "";
		int first = lineno + 1;
		for (;;) {
			size_t n = strcspn(text, "\n");
			char *part = apr_pstrmemdup(r->pool, text, n);
			size_t k = strlen(part);
			bool more = false;
			lineno++;
			text += n + (text[n] == '\n');
			if (k > 0 && part[k - 1] == '\r')
				part[--k] = '\0';
			if (k > 0 && part[k - 1] == '\\') {
				part[k - 1] = ' ';
				more = *text != '\0';
			}
			logical = apr_pstrcat(r->pool, logical, part, NULL);
			if (!more)
				break;
		}
		rc = one_line(r, kg_psprintf(r->pool, "%s:%d", path, first),
			      logical);
	}
	if (rc == KG_OK && r->skip > 0)
		rc = kg_err_set(r->err, KG_ECONFIG,
				"%s:%d:1: a skipped section is not closed",
				path, lineno);
	if (rc == KG_OK && r->open->nelts > opened)
		rc = kg_err_set(
			r->err, KG_ECONFIG, "%s:%d:1: <%s> is not closed", path,
			lineno,
			APR_ARRAY_IDX(r->open, r->open->nelts - 1, section)
				.name);
	r->depth--;
	return rc;
}

/* Loads the modules of dir's *.load files (mods-enabled). */
static kg_rc preload(reader *r, const char *dir)
{
	glob_t g;
	kg_rc rc = KG_OK;

	if (glob(kg_psprintf(r->pool, "%s/*.load", dir), 0, NULL, &g) != 0) {
		globfree(&g);
		return KG_OK;
	}
	for (size_t k = 0; rc == KG_OK && k < g.gl_pathc; k++)
		rc = read_file(r, apr_pstrdup(r->pool, g.gl_pathv[k]));
	globfree(&g);
	return rc;
}

kg_rc kg_conf_httpd_load(apr_pool_t *pool, const char *path,
			 const char *server_root, apr_array_header_t **servers,
			 kg_err *err)
{
	return kg_conf_httpd_load_env(pool, path, server_root, NULL, servers,
				      err);
}

kg_rc kg_conf_httpd_load_env(apr_pool_t *pool, const char *path,
			     const char *server_root,
			     const kg_conf_httpd_env *env,
			     apr_array_header_t **servers, kg_err *err)
{
	reader r = {.pool = pool, .err = err};
	const char *slash = strrchr(path, '/');
	kg_conf_httpd_server *main_srv;
	kg_rc rc;

	r.servers = apr_array_make(pool, 2, sizeof(kg_conf_httpd_server));
	r.open = apr_array_make(pool, 4, sizeof(section));
	r.root = server_root ? server_root
		 : slash     ? apr_pstrmemdup(pool, path, slash - path)
			     : ".";
	r.defines = env && env->defines ? apr_table_copy(pool, env->defines)
					: apr_table_make(pool, 4);
	r.env = env ? env->env : NULL;
	r.notes = env ? env->notes : NULL;
	r.modules = apr_table_make(pool, 32);
	for (size_t i = 0;
	     i < sizeof(builtin_modules) / sizeof(builtin_modules[0]); i++)
		apr_table_setn(r.modules, builtin_modules[i], "");
	add_server(&r, "main server");
	if (env && env->preload_dir && (rc = preload(&r, env->preload_dir)))
		return rc;
	if ((rc = read_file(&r, path)) != KG_OK)
		return rc;
	main_srv = &APR_ARRAY_IDX(r.servers, 0, kg_conf_httpd_server);
	for (int i = 1; i < r.servers->nelts; i++) {
		kg_conf_httpd_server *v =
			&APR_ARRAY_IDX(r.servers, i, kg_conf_httpd_server);
		if (!v->configured)
			apr_array_cat(main_srv->conf->required,
				      v->conf->required);
	}
	*servers = r.servers;
	return KG_OK;
}
