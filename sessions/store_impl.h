/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the store's insides, shared by store.c, admin.c and replay.c
 * only. Nothing outside sessions/ includes this.
 */
#ifndef KG_SESS_STORE_IMPL_H
#define KG_SESS_STORE_IMPL_H

#include "sessions/cache.h"
#include "sessions/keys.h"
#include "sessions/keyspace.h"
#include "sessions/redis.h"
#include "sessions/store.h"

struct kg_sess_store {
	const kg_conf_sessions *conf;
	const kg_log *log;
	kg_sess_keys keys;	    /* wiped at pool cleanup */
	kg_sess_keycache *keycache; /* each thread's keyed OpenSSL contexts */
	kg_sess_redis *redis;
	kg_sess_script create, touch, del, count;
	kg_sess_cache *cache;  /* NULL: off (kg_sess_store_cache_start) */
	size_t key_prefix_len; /* of "P s:", to find the id in a key */
};

/* Runs a session script with the four keys k and nargs arguments
 * (lens NULL: each is a C string). Same results as kg_sess_redis_eval. */
kg_rc kg_sess_store_run(kg_sess_store *s, apr_pool_t *pool,
			const kg_sess_script *script, const kg_sess_keys4 *k,
			int nargs, const char *const *args, const size_t *lens,
			kg_sess_reply **out, kg_err *err);

/* Runs a Redis command whose argc (at most 8) arguments are all C
 * strings. Same results as kg_sess_redis_command. */
kg_rc kg_sess_store_command(kg_sess_store *s, apr_pool_t *pool, int argc,
			    const char **argv, kg_sess_reply **reply,
			    kg_err *err);

/* This thread's keyed contexts, or NULL with err set (KG_EINTERNAL). */
const kg_sess_keyctx *kg_sess_store_keyctx(kg_sess_store *s, kg_err *err);

/* Reads the record of id (use_cache: this process's cache may answer).
 * KG_ENOTFOUND when there is none; KG_OK with *out NULL and the reason in
 * why when it does not open or decode. */
kg_rc kg_sess_store_fetch(kg_sess_store *s, apr_pool_t *pool, const char *id,
			  bool use_cache, kg_sess_record **out, kg_err *why,
			  kg_err *err);

/* Writes the first 8 characters of id, the form logs and the admin
 * commands show, into out[9]. */
void kg_sess_short_id(const char *id, char out[9]);

/* Logs the end of session short_id of user (signed in through idp, may
 * be NULL) as the audit event for reason (KG-0305: "logout",
 * "idle-expired", "max-expired", "expired", "admin-kill", ...), and
 * counts it; the one writer of session ends, so every end reads alike. */
void kg_sess_store_audit_end(kg_sess_store *s, const char *user,
			     const char *idp, const char *reason,
			     const char *short_id);

#endif
