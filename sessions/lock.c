/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a short lock across every gateway.
 */
#include "sessions/lock.h"
#include "gateway/base/str.h"
#include "sessions/store_impl.h"

#include <stdio.h>
#include <string.h>

/* P lock:NAME. Names are made of keyed ids already, so every gateway
 * finds the same key whatever secrets it holds during a rollover. */
static const char *lock_key(kg_sess_store *s, apr_pool_t *pool,
			    const char *name)
{
	return kg_psprintf(pool, "%slock:%s", s->conf->redis_prefix, name);
}

/* Deletes the lock only while it still holds this caller's value. */
static const char release_script[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"return redis.call('DEL', KEYS[1]) end return 0";

kg_rc kg_sess_lock_try(kg_sess_store *s, apr_pool_t *pool, const char *name,
		       long long ttl_ms, const char *holder, bool *got,
		       kg_err *err)
{
	char ttl[24];
	const char *key = lock_key(s, pool, name);
	const char *argv[6] = {"SET", key, holder, "NX", "PX", ttl};
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

kg_rc kg_sess_lock_release(kg_sess_store *s, apr_pool_t *pool, const char *name,
			   const char *holder, kg_err *err)
{
	const char *key = lock_key(s, pool, name);
	const char *argv[5] = {"EVAL", release_script, "1", key, holder};
	size_t lens[5];
	kg_sess_reply *reply;

	for (int i = 0; i < 5; i++)
		lens[i] = strlen(argv[i]);
	return kg_sess_redis_command(s->redis, pool, 5, argv, lens, &reply,
				     err);
}
