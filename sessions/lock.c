/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a short lock across every gateway.
 */
#include "sessions/lock.h"
#include "gateway/base/str.h"
#include "sessions/mac.h"
#include "sessions/store_impl.h"

#include <stdio.h>
#include <string.h>

static const char *lock_key(kg_sess_store *s, apr_pool_t *pool,
			    const char *name)
{
	char digest[65];

	kg_sess_mac_hex(s->keys.current.cookie, name, strlen(name), digest);
	return kg_psprintf(pool, "%slock:%s", s->conf->redis_prefix, digest);
}

kg_rc kg_sess_lock_try(kg_sess_store *s, apr_pool_t *pool, const char *name,
		       long long ttl_ms, bool *got, kg_err *err)
{
	char ttl[24];
	const char *key = lock_key(s, pool, name);
	const char *argv[6] = {"SET", key, "1", "NX", "PX", ttl};
	size_t lens[6];
	kg_sess_reply *reply;
	kg_rc rc;

	snprintf(ttl, sizeof(ttl), "%lld", ttl_ms);
	for (int i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	rc = kg_sess_redis_command(s->redis, pool, 6, argv, lens, &reply, err);
	*got = rc == KG_OK && reply->type == KG_REPLY_STATUS;
	return rc;
}

kg_rc kg_sess_lock_release(kg_sess_store *s, apr_pool_t *pool,
			   const char *name, kg_err *err)
{
	const char *key = lock_key(s, pool, name);
	const char *argv[2] = {"DEL", key};
	size_t lens[2] = {3, strlen(key)};
	kg_sess_reply *reply;

	return kg_sess_redis_command(s->redis, pool, 2, argv, lens, &reply,
				     err);
}
