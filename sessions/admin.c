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
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	kg_rc rc;

	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, "-", user, &k);
	rc = kg_sess_store_run(s, pool, &s->count, &k, 0, NULL, NULL, &reply,
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

/* Opens the records of ids[0..n) read with one MGET into list, in that
 * order; a session ended since its index was read is left out, one whose
 * record does not open is listed with rec NULL. */
static kg_rc fetch_batch(kg_sess_store *s, apr_pool_t *pool,
			 const kg_sess_reply *ids, size_t n,
			 apr_array_header_t *list, kg_err *err)
{
	const kg_sess_keyctx *kc = kg_sess_store_keyctx(s, err);
	const char **argv = apr_palloc(pool, (n + 1) * sizeof(*argv));
	size_t *lens = apr_palloc(pool, (n + 1) * sizeof(*lens));
	kg_sess_reply *reply;
	kg_rc rc;

	if (kc == NULL)
		return KG_EINTERNAL;
	argv[0] = "MGET";
	lens[0] = 4;
	for (size_t i = 0; i < n; i++) {
		argv[i + 1] = kg_sess_keyspace_session(
			pool, s->conf->redis_prefix, ids[i].str);
		lens[i + 1] = strlen(argv[i + 1]);
	}
	rc = kg_sess_redis_command(s->redis, pool, (int)n + 1, argv, lens,
				   &reply, err);
	if (rc != KG_OK)
		return rc;
	if (reply->type != KG_REPLY_ARRAY || reply->count != n)
		return kg_err_set(err, KG_EINTERNAL, "MGET: bad reply");
	for (size_t i = 0; i < n; i++) {
		const kg_sess_reply *r = &reply->elems[i];
		kg_sess_entry *e;
		kg_err why;
		if (r->type != KG_REPLY_STRING || ids[i].len != KG_SESS_ID_LEN)
			continue; /* ended since the index was read */
		e = apr_array_push(list);
		memset(e, 0, sizeof(*e));
		memcpy(e->id, ids[i].str, KG_SESS_ID_LEN);
		kg_err_clear(&why);
		if (kg_sess_record_unseal_ctx(pool, kc, e->id,
					      (const unsigned char *)r->str,
					      r->len, &e->rec, &why) != KG_OK)
			e->rec = NULL;
	}
	return KG_OK;
}

/* How many ids one MGET asks for. */
#define KG_SESS_LIST_BATCH 500

kg_rc kg_sess_admin_page(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 long long now_ms, long long offset, long long limit,
			 apr_array_header_t **out, kg_err *err)
{
	char from[24], off[24], count[24];
	const char *argv[7] = {"ZRANGEBYSCORE", NULL, from, "+inf",
			       "LIMIT",		off,  count};
	size_t lens[7];
	apr_array_header_t *list;
	kg_sess_keys4 k;
	kg_sess_reply *reply;
	long long n;
	kg_rc rc;

	/* a user's index may hold stale members: the count drops them */
	if (user && (rc = prune_count(s, pool, user, now_ms, &n, err)) != KG_OK)
		return rc;
	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, "-", user, &k);
	argv[1] = user ? k.user : k.realm_exp;
	snprintf(from, sizeof(from), "(%lld", now_ms);
	list = apr_array_make(pool, 16, sizeof(kg_sess_entry));
	for (long long done = 0; limit <= 0 || done < limit;) {
		long long want = KG_SESS_LIST_BATCH;
		if (limit > 0 && limit - done < want)
			want = limit - done;
		snprintf(off, sizeof(off), "%lld", offset + done);
		snprintf(count, sizeof(count), "%lld", want);
		for (int i = 0; i < 7; i++)
			lens[i] = strlen(argv[i]);
		rc = kg_sess_redis_command(s->redis, pool, 7, argv, lens,
					   &reply, err);
		if (rc != KG_OK)
			return rc;
		if (reply->type != KG_REPLY_ARRAY)
			return kg_err_set(err, KG_EINTERNAL,
					  "ZRANGEBYSCORE: bad reply");
		if (reply->count > 0 &&
		    (rc = fetch_batch(s, pool, reply->elems, reply->count, list,
				      err)) != KG_OK)
			return rc;
		done += (long long)reply->count;
		if ((long long)reply->count < want)
			break;
	}
	*out = list;
	return KG_OK;
}

kg_rc kg_sess_admin_list(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 long long now_ms, apr_array_header_t **out,
			 kg_err *err)
{
	return kg_sess_admin_page(s, pool, user, now_ms, 0, 0, out, err);
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
