/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: a per-process cache of sealed session records, so a request
 * whose session is unchanged costs no Redis round trip.
 *
 * It is only as good as its invalidations. Redis tracks every key under
 * P s: for the process (client-side caching, BCAST; sessions/redis.h
 * kg_sess_redis_watch) and tells it of every change, deletion and expiry,
 * from any gateway, script or admin command. While that watch is not
 * subscribed the cache is off: every read goes to Redis, so an outage is
 * still a 503, never a stale pass. An entry also ages out after
 * max_age_ms, in case a notice is lost on a connection that died
 * silently. With a freshness bound set (kg_sess_cache_set_freshness),
 * an entry is served only while the watch has proven itself alive that
 * recently (a PONG to a PING sent less than freshness ago, so every
 * notice sent before that PING has arrived); a frozen Redis or a cut
 * path therefore stops the cache within the bound, and the request
 * reads Redis. The window a change can take to reach every gateway is
 * the notice's delivery time (a network hop), and never more than the
 * freshness bound.
 *
 * The table is direct-mapped (an entry displaces whatever shared its
 * slot), copies bytes in and out under one mutex, and is shared by the
 * process's threads. What it holds is sealed: the same bytes as Redis.
 */
#ifndef KG_SESS_CACHE_H
#define KG_SESS_CACHE_H

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kg_sess_cache kg_sess_cache;

/* A cache of slots entries, each good for max_age_ms, in pool (its
 * memory is freed when pool is cleared). Starts off (not up). NULL when
 * out of memory. */
kg_sess_cache *kg_sess_cache_make(apr_pool_t *pool, size_t slots,
				  long long max_age_ms);

/* Taken before reading Redis: kg_sess_cache_put stores what was read
 * only when nothing invalidated that id in between (a notice that
 * overtook the read would otherwise be lost). */
uint64_t kg_sess_cache_ticket(kg_sess_cache *c);

/* The sealed record of session id, copied into pool, when the cache is
 * up and holds a fresh one. */
bool kg_sess_cache_get(kg_sess_cache *c, apr_pool_t *pool, const char *id,
		       long long now_ms, const unsigned char **data,
		       size_t *len);

/* Remembers data[0..len) as the sealed record of id, read from Redis
 * after ticket was taken; dropped when the cache is down or id was
 * invalidated since. */
void kg_sess_cache_put(kg_sess_cache *c, const char *id,
		       const unsigned char *data, size_t len, uint64_t ticket,
		       long long now_ms);

/* Claims the touch of id's cached record at now_ms for this process:
 * true when the caller is to write it, false when another request of
 * this process has already done so (or is doing it) less than
 * interval_ms ago, so the write is not repeated by every request that
 * read the same cached copy while the first write was in flight. Also
 * true when id is not cached (nothing to share). The claim lives with
 * the entry: the write's own invalidation (or any other) ends it. */
bool kg_sess_cache_claim_touch(kg_sess_cache *c, const char *id,
			       long long now_ms, long long interval_ms);

/* Gives up a claim taken at claimed_ms whose write failed, so the next
 * request tries again. */
void kg_sess_cache_unclaim_touch(kg_sess_cache *c, const char *id,
				 long long claimed_ms);

/* Forgets id (it changed, or was deleted). */
void kg_sess_cache_invalidate(kg_sess_cache *c, const char *id, size_t len);

/* Forgets everything. */
void kg_sess_cache_flush(kg_sess_cache *c);

/* Turns the cache on (the watch is subscribed) or off (it is not; this
 * also forgets everything). */
void kg_sess_cache_set_up(kg_sess_cache *c, bool up);

/* Serves entries only while the last proof of life (kg_sess_cache_alive)
 * is younger than ms; 0 (the default) turns the check off. */
void kg_sess_cache_set_freshness(kg_sess_cache *c, long long ms);

/* Records that every notice Redis sent up to as_of_ms (the sending time
 * of a PING whose PONG came back) has arrived. */
void kg_sess_cache_alive(kg_sess_cache *c, long long as_of_ms);

/* Whether the cache is on. */
bool kg_sess_cache_is_up(kg_sess_cache *c);

#endif
