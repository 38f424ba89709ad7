/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: where a Redis server or a Sentinel is, as an admin writes it:
 * redis://[USER:PASS@]HOST[:PORT][/DB], rediss://... (TLS),
 * unix:///PATH (or unix:/PATH), [IPv6]:PORT and the bare HOST[:PORT].
 *
 * Pure parsing: no file, no name lookup, no connection. A scheme keygate
 * cannot serve, a malformed address or a stray character is refused with
 * a message that never repeats the password.
 */
#ifndef KG_CONF_REDIS_URL_H
#define KG_CONF_REDIS_URL_H

#include "conf/sessions.h"

#include <apr_pools.h>
#include <stdbool.h>

/* One parsed address; strings live in the pool given to the parser. */
typedef struct {
	const char *host;	 /* a name, an IPv4 or an IPv6 literal
				    (without brackets); NULL for unix */
	int port;		 /* default_port when the text has none */
	const char *socket;	 /* unix socket path, or NULL */
	bool tls;		 /* rediss:// */
	const char *user;	 /* ACL user from the URL, or NULL */
	kg_conf_secret password; /* from the URL; bytes NULL when none */
	int database;		 /* /DB; -1 when the text has none */
} kg_conf_redis_url;

/* Parses text into *out (strings in pool). default_port fills a missing
 * port. Returns NULL, or what is wrong (never quoting a password). */
const char *kg_conf_redis_url_parse(apr_pool_t *pool, const char *text,
				    int default_port, kg_conf_redis_url *out);

#endif
