/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the admin views of the store: list, count and kill sessions.
 * These run from the keygate CLI, not per request.
 */
#include "sessions/store_impl.h"
#include "sessions/duelist.h"

#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prunes the indexes (of user, or only the realm's when NULL) and returns
 * the live count in *count. */
static kg_rc prune_count(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 long long now_ms, long long *count, kg_err *err)
{
	char now[24];
	const char *args[2];
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	kg_rc rc;

	snprintf(now, sizeof(now), "%lld", now_ms);
	args[0] = now;
	args[1] = kg_sess_keyspace_session_prefix(pool, s->conf->redis_prefix);
	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, "-", user, &k);
	rc = kg_sess_store_run(s, pool, &s->count, &k, 2, args, NULL, &reply,
			       err);
	if (rc != KG_OK)
		return rc;
	if (reply->type != KG_REPLY_ARRAY || reply->count != 2)
		return kg_err_set(err, KG_EINTERNAL,
				  "session count script: bad reply");
	*count = reply->elems[user ? 0 : 1].integer;
	return KG_OK;
}

kg_rc kg_sess_admin_count(kg_sess_store *s, apr_pool_t *pool, const char *user,
			  long long now_ms, long long *count, kg_err *err)
{
	return prune_count(s, pool, user, now_ms, count, err);
}

kg_rc kg_sess_admin_list(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 long long now_ms, apr_array_header_t **out,
			 kg_err *err)
{
	const char *argv[5] = {"ZRANGE", NULL, "0", "-1", "WITHSCORES"};
	size_t lens[5];
	apr_array_header_t *list;
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	long long count;
	kg_rc rc = prune_count(s, pool, user, now_ms, &count, err);

	if (rc != KG_OK)
		return rc;
	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, "-", user, &k);
	argv[1] = user ? k.user : k.realm;
	for (int i = 0; i < 5; i++)
		lens[i] = strlen(argv[i]);
	rc = kg_sess_redis_command(s->redis, pool, 5, argv, lens, &reply, err);
	if (rc != KG_OK)
		return rc;
	list = apr_array_make(pool, (int)(reply->count / 2 + 1),
			      sizeof(kg_sess_entry));
	for (size_t i = 0; i + 1 < reply->count; i += 2) {
		kg_sess_entry e;
		kg_err why;
		if (reply->elems[i].len != KG_SESS_ID_LEN)
			continue;
		memset(&e, 0, sizeof(e));
		memcpy(e.id, reply->elems[i].str, KG_SESS_ID_LEN);
		e.last_used_us = strtoll(reply->elems[i + 1].str, NULL, 10);
		kg_err_clear(&why);
		rc = kg_sess_store_fetch(s, pool, e.id, false, &e.rec, &why,
					 err);
		if (rc == KG_ENOTFOUND) {
			kg_err_clear(err);
			continue; /* ended since the index was read */
		}
		if (rc != KG_OK)
			return rc;
		*(kg_sess_entry *)apr_array_push(list) = e;
	}
	*out = list;
	return KG_OK;
}

kg_rc kg_sess_admin_kill(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 const char *id_prefix, long long now_ms, int *killed,
			 kg_err *err)
{
	apr_array_header_t *list, *victims;
	kg_rc rc = kg_sess_admin_list(s, pool, user, now_ms, &list, err);

	*killed = 0;
	if (rc != KG_OK)
		return rc;
	victims =
		apr_array_make(pool, list->nelts + 1, sizeof(kg_sess_entry *));
	for (int i = 0; i < list->nelts; i++) {
		kg_sess_entry *e = &APR_ARRAY_IDX(list, i, kg_sess_entry);
		if (id_prefix == NULL ||
		    strncmp(e->id, id_prefix, strlen(id_prefix)) == 0)
			APR_ARRAY_PUSH(victims, kg_sess_entry *) = e;
	}
	if (id_prefix && victims->nelts > 1)
		return kg_err_set(err, KG_EINVAL,
				  "id prefix %s matches %d sessions", id_prefix,
				  victims->nelts);
	if (id_prefix && victims->nelts == 0)
		return kg_err_set(err, KG_ENOTFOUND,
				  "no session id starts with %s", id_prefix);
	for (int i = 0; i < victims->nelts; i++) {
		const kg_sess_entry *e =
			APR_ARRAY_IDX(victims, i, kg_sess_entry *);
		/* a record that did not open is deleted by its id alone */
		kg_sess_record id_only = {0};
		memcpy(id_only.id, e->id, sizeof(id_only.id));
		rc = kg_sess_store_delete(s, pool, e->rec ? e->rec : &id_only,
					  "admin-kill", err);
		if (rc == KG_OK)
			rc = kg_sess_due_now(s, pool, e->id, err);
		if (rc != KG_OK)
			return rc;
		(*killed)++;
	}
	return KG_OK;
}
