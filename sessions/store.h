/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session store on Redis: load, create under the limits,
 * touch, delete; the admin views; the replay cache.
 *
 * Keys (P is KeygateRedisPrefix, "keygate:" by default):
 *   P s:ID      the sealed record; ID = HMAC of the cookie (cookie.h)
 *   P u:UHASH   the user's index: ZSET of IDs by deadline (ms, Redis's
 *               clock); UHASH = hex SHA-256 of the username
 *   P realm:exp the realm index: ZSET of every ID by deadline (ms,
 *               Redis's clock); members past it are for the reaper
 *   P realm     earlier 0.1.0 builds' realm index by last use: no longer
 *               written, only removed from (rolling upgrades)
 *   P r:RHASH   a replay-cache entry; RHASH = hex SHA-256 of NS:ID
 * A session's key has the time left to its deadline as TTL, a user's
 * index the latest deadline among its members; the realm index, which
 * always exists while there are sessions, has none.
 *
 * A kg_sess_store is made once per process and shared by its threads.
 * Redis down or slow is KG_EBACKEND from every call: never "no session",
 * never a wrong answer.
 */
#ifndef KG_SESS_STORE_H
#define KG_SESS_STORE_H

#include "conf/sessions.h"
#include "gateway/base/err.h"
#include "gateway/base/log.h"
#include "sessions/cookie.h"
#include "sessions/record.h"

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>

typedef struct kg_sess_store kg_sess_store;

/* Makes a store for conf (which must outlive pool) in pool: derives the
 * keys (wiped when pool is cleared) and prepares the connection; nothing
 * is sent to Redis yet; *log must outlive pool. KG_ECONFIG without a
 * session secret. */
kg_rc kg_sess_store_open(apr_pool_t *pool, const kg_conf_sessions *conf,
			 const kg_log *log, kg_sess_store **out, kg_err *err);

/* Keeps a per-process cache of sealed records (sessions/cache.h) with
 * slots entries, invalidated by Redis itself (a watch thread, started
 * here, stopped when pool is cleared). For the gateway's processes; the
 * CLI reads Redis directly. */
kg_rc kg_sess_store_cache_start(kg_sess_store *s, apr_pool_t *pool,
				size_t slots, kg_err *err);

/* With Sentinels, follows their +switch-master notices from threads of
 * this process (sessions/redis.h kg_sess_redis_follow_start), stopped
 * when pool is cleared. For the gateway's processes. */
kg_rc kg_sess_store_follow_start(kg_sess_store *s, apr_pool_t *pool,
				 kg_err *err);

/* Finds the session of a presented cookie value cookie[0..len). A
 * malformed value is KG_ENOTFOUND before any Redis call. A record that
 * does not open or decode is deleted, logged, and KG_ENOTFOUND. Timeouts
 * are the caller's (policy/timeouts.h); Redis drops a session at its
 * deadline by itself. *out lives in pool. */
kg_rc kg_sess_store_load(kg_sess_store *s, apr_pool_t *pool, const char *cookie,
			 size_t len, kg_sess_record **out, kg_err *err);

/* Reads the session stored under its Redis id (rec->id of a loaded
 * record) again, from Redis itself (never the process's cache): the
 * freshest copy, for a caller about to change it under a lock. KG_ENOTFOUND
 * when it is gone or unreadable (then dropped). */
kg_rc kg_sess_store_reload(kg_sess_store *s, apr_pool_t *pool, const char *id,
			   kg_sess_record **out, kg_err *err);

/* What a create did. */
typedef struct {
	char cookie[KG_SESS_COOKIE_LEN + 1]; /* the new cookie value (OK) */
	bool denied_by_realm;	  /* on KG_EDENIED: which limit said no */
	bool deactivated;	  /* on KG_EDENIED: the user is deactivated */
	const char *deny_message; /* on KG_EDENIED: configured or default */
	bool realm_logged;	  /* the realm limit was reached, log-only */
	int evicted;		  /* sessions ended to make room */
	long long score_ms; /* its index score: the deadline in ms on Redis's
			     * clock; a later score is a more recent use */
} kg_sess_created;

/* What a deactivated user is told (the login page, API clients). */
#define KG_SESS_DEACTIVATED_MESSAGE                                            \
	"Your account has been deactivated. Ask your Domino administrator "    \
	"to reactivate it."

/* Creates a session for rec under limits, in one atomic script, as at
 * now_ms. The caller fills rec (user, idp, protocol, flow, times); the
 * store gives it a fresh cookie and sets rec->id. KG_OK: out->cookie is
 * the value to set. KG_EDENIED: a limit refused it and nothing changed.
 * KG_EDENIED with out->deactivated: rec's user is deactivated
 * (revocation.h), checked inside the same script (KG-0720).
 * KG_EINVAL: the record is larger than KeygateSessionMaxRecordSize or
 * its deadline is not after now_ms. Evictions are logged as audit events
 * (KG-0302). */
kg_rc kg_sess_store_create(kg_sess_store *s, apr_pool_t *pool,
			   kg_sess_record *rec,
			   const kg_conf_flow_limits *limits, long long now_ms,
			   kg_sess_created *out, kg_err *err);

/* Records a use of rec at now_ms: when at least KeygateSessionTouchInterval
 * has passed since rec->last_access_ms, sets it to now_ms and rewrites
 * the record, sliding its idle deadline. *written tells whether it wrote.
 * Of the requests of one process that read the same cached copy while
 * that write is in flight, only the first writes
 * (kg_sess_cache_claim_touch); the others go on without writing. A session that
 * is gone meanwhile is KG_ENOTFOUND. */
kg_rc kg_sess_store_touch(kg_sess_store *s, apr_pool_t *pool,
			  kg_sess_record *rec, long long now_ms, bool *written,
			  kg_err *err);

/* Rewrites rec now (its protocol state changed: refreshed tokens), as a
 * touch at now_ms that is not throttled. Same results as touch. */
kg_rc kg_sess_store_save(kg_sess_store *s, apr_pool_t *pool,
			 kg_sess_record *rec, long long now_ms, bool *written,
			 kg_err *err);

/* Ends the session rec (logout, expiry seen by the caller), with its
 * index entries; reason goes to the audit line (KG-0305). Deleting a
 * session that is already gone is KG_OK. */
kg_rc kg_sess_store_delete(kg_sess_store *s, apr_pool_t *pool,
			   const kg_sess_record *rec, const char *reason,
			   kg_err *err);

/* The replay cache: records that id was used, in namespace ns, until
 * until_ms (SET NX PXAT on P r: + SHA-256 of "NS:ID"; replay.c lists the
 * namespaces). ns is a fixed name without ':' (else KG_EINTERNAL); id is
 * any text, which may itself hold ':' (ALIAS:ID). *first is true when it
 * was not there yet, false when it is a replay. A NULL id, or an until_ms
 * not after now_ms, is KG_EINVAL; Redis down is KG_EBACKEND. The entry
 * must outlive the token it remembers: until_ms is at least the token's
 * own expiry. */
kg_rc kg_sess_replay_once(kg_sess_store *store, apr_pool_t *pool,
			  const char *ns, const char *id, long long until_ms,
			  long long now_ms, bool *first, kg_err *err);

/* Whether id is in the replay cache of namespace ns (EXISTS on the key
 * kg_sess_replay_once writes), without recording it: for telling a replay
 * apart before a message is known to be good, when only a good one may
 * be recorded. *seen is set; Redis down is KG_EBACKEND; ns as for
 * kg_sess_replay_once. */
kg_rc kg_sess_replay_seen(kg_sess_store *store, apr_pool_t *pool,
			  const char *ns, const char *id, bool *seen,
			  kg_err *err);

/* Asks Redis whether it answers (the health endpoint): KG_OK, or
 * KG_EBACKEND. */
kg_rc kg_sess_store_ping(kg_sess_store *s, apr_pool_t *pool, kg_err *err);

/* One session as the admin commands see it. */
typedef struct {
	char id[KG_SESS_ID_LEN + 1];
	kg_sess_record *rec; /* NULL when the record did not open */
} kg_sess_entry;

/* Lists the live sessions of user (NULL: of everyone) as at now_ms,
 * soonest deadline first (least recently used first among sessions with
 * the same timeouts); a user's stale index entries are pruned on the way.
 * *out is an array of kg_sess_entry in pool. */
kg_rc kg_sess_admin_list(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 long long now_ms, apr_array_header_t **out,
			 kg_err *err);

/* Lists at most limit (<= 0: every) of the live sessions that
 * kg_sess_admin_list lists, from the offset-th on, reading the index by
 * score and the records with one MGET per 500: Redis work grows with
 * log N + offset + limit, not with N. */
kg_rc kg_sess_admin_page(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 long long now_ms, long long offset, long long limit,
			 apr_array_header_t **out, kg_err *err);

/* Counts the live sessions of user (NULL: of everyone) as at now_ms. */
kg_rc kg_sess_admin_count(kg_sess_store *s, apr_pool_t *pool, const char *user,
			  long long now_ms, long long *count, kg_err *err);

/* Ends the sessions of user (NULL: of everyone) whose id starts with
 * id_prefix (NULL: any). A prefix that matches more than one session is
 * KG_EINVAL and ends none; one that matches none is KG_ENOTFOUND. Sets
 * *killed. Each is logged as an audit event (KG-0305), and made due at
 * once in the due lists (duelist.h). */
kg_rc kg_sess_admin_kill(kg_sess_store *s, apr_pool_t *pool, const char *user,
			 const char *id_prefix, long long now_ms, int *killed,
			 kg_err *err);

#endif
