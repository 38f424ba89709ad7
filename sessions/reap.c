/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session reaper (see reap.h): its claim script, its
 * read-ahead table and its tick. Keys come from sessions/keyspace.h.
 */
#include "sessions/reap.h"
#include "sessions/store_impl.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KG_REAP_BATCH "256"

/* KEYS: the session, its user's index (or one no one has), the realm
 * index, the realm deadline index. ARGV: id, now ms. Claims id when its
 * deadline is still <= now and its key is gone: 1, else 0. A touch (the
 * score moved), an end by logout or kill (the id left the index) and
 * another claim (same) all make it 0. */
static kg_sess_script claim = {
	.text = "local sc = redis.call('ZSCORE', KEYS[4], ARGV[1])\n"
		"if not sc or tonumber(sc) > tonumber(ARGV[2]) then\n"
		"  return 0\n"
		"end\n"
		"if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end\n"
		"redis.call('ZREM', KEYS[2], ARGV[1])\n"
		"redis.call('ZREM', KEYS[3], ARGV[1])\n"
		"redis.call('ZREM', KEYS[4], ARGV[1])\n"
		"return 1\n",
};

/* What the reaper read of a session before it ended. */
typedef struct {
	long long deadline; /* the score it was read at */
	const char *user, *idp;
	bool max; /* its deadline is its absolute expiry */
} entry;

struct kg_sess_reaper {
	kg_sess_store *store;
	long long lead_ms;
	const char *rexp;   /* P realm:exp */
	apr_pool_t *parent; /* unmanaged: only the reaper's thread uses it,
			       so no other thread's pool is touched */
	apr_pool_t *pool;   /* the table's, replaced each tick */
	apr_hash_t *table;
};

static apr_status_t destroy_parent(void *data)
{
	apr_pool_destroy(data);
	return APR_SUCCESS;
}

kg_rc kg_sess_reaper_make(apr_pool_t *pool, kg_sess_store *s, long long lead_ms,
			  kg_sess_reaper **out, kg_err *err)
{
	kg_sess_reaper *r = apr_pcalloc(pool, sizeof(*r));
	kg_sess_keys4 k;

	kg_sess_keyspace_fill(pool, s->conf->redis_prefix, "0", NULL, &k);
	r->store = s;
	r->lead_ms = lead_ms;
	r->rexp = k.realm_exp;
	if (apr_pool_create_unmanaged_ex(&r->parent, NULL, NULL) != APR_SUCCESS)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	apr_pool_cleanup_register(pool, r->parent, destroy_parent,
				  apr_pool_cleanup_null);
	if (apr_pool_create(&r->pool, r->parent) != APR_SUCCESS)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	r->table = apr_hash_make(r->pool);
	if (claim.sha1[0] == '\0')
		kg_sess_redis_script_init(&claim);
	*out = r;
	return KG_OK;
}

/* ZRANGEBYSCORE realm:exp min max WITHSCORES LIMIT 0 BATCH into *out. */
static kg_rc range(kg_sess_reaper *r, apr_pool_t *pool, const char *min,
		   const char *max, kg_sess_reply **out, kg_err *err)
{
	const char *argv[] = {"ZRANGEBYSCORE", r->rexp, min, max,
			      "WITHSCORES",    "LIMIT", "0", KG_REAP_BATCH};
	kg_rc rc = kg_sess_store_command(r->store, pool, 8, argv, out, err);

	if (rc == KG_OK && (*out)->type != KG_REPLY_ARRAY)
		return kg_err_set(err, KG_EINTERNAL, "ZRANGEBYSCORE: no array");
	return rc;
}

/* Claims id and, when this process won it, logs its end. */
static kg_rc claim_one(kg_sess_reaper *r, apr_pool_t *pool, const char *id,
		       const char *now, int *claimed, kg_err *err)
{
	const entry *e = apr_hash_get(r->table, id, APR_HASH_KEY_STRING);
	const char *args[] = {id, now};
	kg_sess_reply *reply;
	kg_sess_keys4 k;
	char short_id[9];
	kg_rc rc;

	kg_sess_keyspace_fill(pool, r->store->conf->redis_prefix, id,
			      e ? e->user : NULL, &k);
	rc = kg_sess_store_run(r->store, pool, &claim, &k, 2, args, NULL,
			       &reply, err);
	if (rc != KG_OK || reply->type != KG_REPLY_INTEGER ||
	    reply->integer != 1)
		return rc;
	kg_sess_short_id(id, short_id);
	kg_sess_store_audit_end(
		r->store, e ? e->user : "unknown", e ? e->idp : NULL,
		e ? (e->max ? "max-expired" : "idle-expired") : "expired",
		short_id);
	(*claimed)++;
	return KG_OK;
}

/* Keeps id (due at deadline) in the next table: the entry the last tick
 * read when its deadline is the same, else (when read) the record read
 * now. A session gone or unreadable is not kept (its claim names no
 * one). */
static kg_rc keep(kg_sess_reaper *r, apr_pool_t *pool, apr_pool_t *next_pool,
		  apr_hash_t *next, const char *id, long long deadline,
		  bool read, kg_err *err)
{
	const entry *old = apr_hash_get(r->table, id, APR_HASH_KEY_STRING);
	kg_sess_record *rec;
	entry *e;
	kg_rc rc;

	if (old && old->deadline == deadline) {
		e = apr_pmemdup(next_pool, old, sizeof(*e));
		e->user = apr_pstrdup(next_pool, old->user);
		e->idp = apr_pstrdup(next_pool, old->idp);
	} else if (!read) {
		return KG_OK;
	} else {
		rc = kg_sess_store_reload(r->store, pool, id, &rec, err);
		if (rc == KG_ENOTFOUND) {
			kg_err_clear(err);
			return KG_OK;
		}
		if (rc != KG_OK)
			return rc;
		if (rec->user == NULL || rec->user->username == NULL)
			return KG_OK;
		e = apr_pcalloc(next_pool, sizeof(*e));
		e->deadline = deadline;
		e->user = apr_pstrdup(next_pool, rec->user->username);
		e->idp = apr_pstrdup(next_pool, rec->idp);
		e->max = rec->expires_ms <= kg_sess_record_deadline(rec);
	}
	apr_hash_set(next, apr_pstrdup(next_pool, id), APR_HASH_KEY_STRING, e);
	return KG_OK;
}

/* Puts the ids of reply (id, score pairs) into the next table. */
static kg_rc keep_all(kg_sess_reaper *r, apr_pool_t *pool,
		      apr_pool_t *next_pool, apr_hash_t *next,
		      const kg_sess_reply *reply, bool read, kg_err *err)
{
	kg_rc rc = KG_OK;

	for (size_t i = 0; rc == KG_OK && i + 1 < reply->count; i += 2)
		rc = keep(r, pool, next_pool, next, reply->elems[i].str,
			  atoll(reply->elems[i + 1].str), read, err);
	return rc;
}

kg_rc kg_sess_reaper_tick(kg_sess_reaper *r, apr_pool_t *pool, long long now_ms,
			  int *claimed, kg_err *err)
{
	char now[24], ahead_from[26], ahead_to[24];
	kg_sess_reply *due, *ahead;
	apr_pool_t *next_pool;
	apr_hash_t *next;
	int n = 0;
	kg_rc rc;

	snprintf(now, sizeof(now), "%lld", now_ms);
	snprintf(ahead_from, sizeof(ahead_from), "(%lld", now_ms);
	snprintf(ahead_to, sizeof(ahead_to), "%lld", now_ms + r->lead_ms);
	rc = range(r, pool, "-inf", now, &due, err);
	for (size_t i = 0; rc == KG_OK && i + 1 < due->count; i += 2)
		rc = claim_one(r, pool, due->elems[i].str, now, &n, err);
	if (claimed)
		*claimed = n;
	if (rc == KG_OK)
		rc = range(r, pool, ahead_from, ahead_to, &ahead, err);
	if (rc != KG_OK)
		return rc;
	if (apr_pool_create(&next_pool, r->parent) != APR_SUCCESS)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	next = apr_hash_make(next_pool);
	/* the due ones not claimed yet (a key that outlives its deadline by
	 * a moment) stay until their claim; then what is due soon */
	rc = keep_all(r, pool, next_pool, next, due, false, err);
	if (rc == KG_OK)
		rc = keep_all(r, pool, next_pool, next, ahead, true, err);
	if (rc != KG_OK) {
		apr_pool_destroy(next_pool);
		return rc;
	}
	if (due->count || ahead->count)
		kg_log_emit(r->store->log, KG_LOG_DEBUG, NULL,
			    "session reaper due=%zu claimed=%d ahead=%zu "
			    "known=%u",
			    due->count / 2, n, ahead->count / 2,
			    apr_hash_count(next));
	apr_pool_destroy(r->pool);
	r->pool = next_pool;
	r->table = next;
	return KG_OK;
}
