/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: reading an Apache httpd configuration the way mod_keygate sees
 * it, without httpd, for `keygate check-config`.
 *
 * Follows Include and IncludeOptional (globs, directories, relative to
 * ServerRoot), opens a server for each <VirtualHost>, applies Keygate*
 * server directives to that server's settings and Keygate* location
 * directives inside <Location>/<Directory>/<Files> sections, and notes the
 * roles of `Require keygate-role` lines. Every other directive is skipped
 * unread. Each directive is noted at "FILE:LINE:COL".
 */
#ifndef KG_CONF_HTTPD_FILE_H
#define KG_CONF_HTTPD_FILE_H

#include "conf/conf.h"

#include <apr_tables.h>
#include <stdbool.h>

/* One server: the main server first, then each <VirtualHost>. */
typedef struct {
	const char *name; /* "main server" or "<VirtualHost ADDR> at
			     FILE:LINE" */
	kg_conf *conf;	  /* its settings */
	bool configured;  /* it set a Keygate* server directive; a virtual
			     host that did not uses the main server's, as
			     mod_keygate does (its Require roles are moved
			     to the main server's settings) */
} kg_conf_httpd_server;

/* What apache2 would start the file with. Every member may be NULL. */
typedef struct {
	apr_table_t *defines;	   /* -D NAME (value ""); Define adds to it */
	apr_table_t *env;	   /* ${VAR} not Defined: the environment */
	const char *preload_dir;   /* mods-enabled: its *.load files' modules
				      are loaded before the file is read */
	apr_array_header_t *notes; /* out (const char *): "FILE:LINE:COL:
				      text" warnings, as apache2 logs them
				      (an undefined ${VAR}) */
} kg_conf_httpd_env;

/* kg_conf_httpd_load as apache2 would read the file: <IfDefine> true for
 * a -D or Define name; <IfModule> true for keygate, httpd's built-in
 * modules and those loaded (LoadModule) before it; <IfFile> for a file
 * that exists; a false section's lines are skipped unread; ${VAR} is the
 * Define'd value, else env's, else left as written with a note. The
 * other conditional sections (<If>, <IfVersion>, ...) count as true. */
kg_rc kg_conf_httpd_load_env(apr_pool_t *pool, const char *path,
			     const char *server_root,
			     const kg_conf_httpd_env *env,
			     apr_array_header_t **servers, kg_err *err);

/* Reads the configuration at path. server_root resolves relative Include
 * paths until a ServerRoot directive says otherwise (NULL: path's
 * folder). Returns KG_OK and *servers (kg_conf_httpd_server), or
 * KG_ECONFIG with "FILE:LINE:COL: text" at the first bad line. The
 * settings are not finished (kg_conf_finish is the caller's). No -D
 * names, no environment, no modules loaded before the file. */
kg_rc kg_conf_httpd_load(apr_pool_t *pool, const char *path,
			 const char *server_root, apr_array_header_t **servers,
			 kg_err *err);

#endif
