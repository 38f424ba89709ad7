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

/* Reads the configuration at path. server_root resolves relative Include
 * paths until a ServerRoot directive says otherwise (NULL: path's
 * folder). Returns KG_OK and *servers (kg_conf_httpd_server), or
 * KG_ECONFIG with "FILE:LINE:COL: text" at the first bad line. The
 * settings are not finished (kg_conf_finish is the caller's). */
kg_rc kg_conf_httpd_load(apr_pool_t *pool, const char *path,
			 const char *server_root, apr_array_header_t **servers,
			 kg_err *err);

#endif
