/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: due lists in Redis (ZADD, ZREM, ZRANGE BYSCORE).
 */
#include "sessions/duelist.h"
#include "gateway/base/str.h"
#include "sessions/store_impl.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

/* The due lists there are (kg_sess_due_now looks in each). */
static const char *const lists[] = {"aws"};

static const char *due_key(kg_sess_store *s, apr_pool_t *pool, const char *list)
{
	return kg_psprintf(pool, "%sdue:%s", s->conf->redis_prefix, list);
}

kg_rc kg_sess_due_put(kg_sess_store *s, apr_pool_t *pool, const char *list,
		      const char *id, long long due_ms, kg_err *err)
{
	char due[24];
	const char *argv[4] = {"ZADD", due_key(s, pool, list), due, id};
	const char *rem[3] = {"ZREM", argv[1], id};
	kg_sess_reply *reply;

	if (due_ms <= 0)
		return kg_sess_store_command(s, pool, 3, rem, &reply, err);
	snprintf(due, sizeof(due), "%lld", due_ms);
	return kg_sess_store_command(s, pool, 4, argv, &reply, err);
}

kg_rc kg_sess_due_get(kg_sess_store *s, apr_pool_t *pool, const char *list,
		      long long now_ms, int max, apr_array_header_t **out,
		      kg_err *err)
{
	char now[24], count[16];
	const char *argv[7] = {"ZRANGEBYSCORE",
			       due_key(s, pool, list),
			       "-inf",
			       now,
			       "LIMIT",
			       "0",
			       count};
	kg_sess_reply *reply;
	apr_array_header_t *ids;
	kg_rc rc;

	snprintf(now, sizeof(now), "%lld", now_ms);
	snprintf(count, sizeof(count), "%d", max);
	if ((rc = kg_sess_store_command(s, pool, 7, argv, &reply, err)) !=
	    KG_OK)
		return rc;
	ids = apr_array_make(pool, 8, sizeof(const char *));
	for (size_t i = 0; reply->type == KG_REPLY_ARRAY && i < reply->count;
	     i++)
		if (reply->elems[i].type == KG_REPLY_STRING &&
		    reply->elems[i].len == KG_SESS_ID_LEN)
			APR_ARRAY_PUSH(ids, const char *) = apr_pstrmemdup(
				pool, reply->elems[i].str, KG_SESS_ID_LEN);
	*out = ids;
	return KG_OK;
}

kg_rc kg_sess_due_now(kg_sess_store *s, apr_pool_t *pool, const char *id,
		      kg_err *err)
{
	kg_sess_reply *reply;
	kg_rc rc = KG_OK;

	for (size_t i = 0; rc == KG_OK && i < sizeof(lists) / sizeof(*lists);
	     i++) {
		const char *argv[5] = {"ZADD", due_key(s, pool, lists[i]), "XX",
				       "1", id};
		rc = kg_sess_store_command(s, pool, 5, argv, &reply, err);
	}
	return rc;
}
