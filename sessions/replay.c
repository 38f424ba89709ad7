/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the replay cache (SAML assertion IDs and OIDC nonces seen
 * before, kept until they expire) and the liveness ping.
 */
#include "sessions/store_impl.h"

#include <stdio.h>
#include <string.h>

kg_rc kg_sess_replay_check_and_set(kg_sess_store *s, apr_pool_t *pool,
				   const void *id, size_t len,
				   long long expires_at_ms, long long now_ms,
				   bool *first_use, kg_err *err)
{
	const char *key = kg_sess_keyspace_replay(pool, s->conf->redis_prefix,
						  id, len);
	char at[24];
	const char *argv[6] = {"SET", key, "1", "NX", "PXAT", at};
	size_t lens[6];
	kg_sess_reply *reply;
	kg_rc rc;

	if (expires_at_ms <= now_ms)
		return kg_err_set(err, KG_EINVAL,
				  "replay-cache entry already expired");
	snprintf(at, sizeof(at), "%lld", expires_at_ms);
	for (int i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	rc = kg_sess_redis_command(s->redis, pool, 6, argv, lens, &reply, err);
	if (rc != KG_OK)
		return rc;
	*first_use = reply->type == KG_REPLY_STATUS;
	return KG_OK;
}

kg_rc kg_sess_store_ping(kg_sess_store *s, apr_pool_t *pool, kg_err *err)
{
	const char *argv[1] = {"PING"};
	size_t lens[1] = {4};
	kg_sess_reply *reply;

	return kg_sess_redis_command(s->redis, pool, 1, argv, lens, &reply,
				     err);
}
