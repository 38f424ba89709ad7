/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: the Redis address parser (conf/redis_url.h), which
 * reads KeygateRedis and KeygateRedisSentinels, and the masking of a
 * URL's password in directive errors (kg_directive_shown).
 *
 * Besides crashes, it checks properties of what is accepted: a socket
 * path or a host, never both; a socket path is absolute; a port in
 * 1..65535; a host with no character outside names and IPv6 literals;
 * a password only from a redis:// or rediss:// URL, and then the shown
 * form masks it. A violation aborts.
 */
#include "tests/fuzz/fuzz.h"
#include "conf/directive.h"
#include "conf/redis_url.h"

#include <apr_strings.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Aborts unless what the parser accepted from text is well formed. */
static void check_accepted(apr_pool_t *pool, const char *text,
			   const kg_conf_redis_url *u)
{
	if ((u->socket == NULL) == (u->host == NULL))
		abort();
	if (u->socket && u->socket[0] != '/')
		abort();
	if (u->host && (u->port < 1 || u->port > 65535 || u->host[0] == '\0'))
		abort();
	for (const char *p = u->host; p && *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-._:", *p))
			abort();
	if (u->password.bytes) {
		const char *shown =
			kg_directive_shown(pool, "KeygateRedis", text);
		if (strncasecmp(text, "redis", 5) != 0 ||
		    strstr(shown, "********") == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	char *text;
	kg_conf_redis_url u;

	apr_pool_create(&pool, root);
	text = apr_pstrmemdup(pool, (const char *)data, size);
	if (strlen(text) == size &&
	    kg_conf_redis_url_parse(pool, text, 6379, &u) == NULL)
		check_accepted(pool, text, &u);
	(void)kg_directive_shown(pool, "KeygateRedis", text);
	apr_pool_destroy(pool);
	return 0;
}
