/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Redis connection. The only file that includes hiredis.
 *
 * One kg_sess_redis is shared by every thread of a process; each thread
 * gets its own connection on first use (a pthread key), so httpd's event
 * MPM threads never share a socket or take a lock on the hot path. A
 * connection is made lazily, re-made after any I/O error, and with
 * Sentinels configured it goes to the master the Sentinels name (checked
 * with ROLE) and follows a failover. Commands are always sent as argv,
 * so every argument is binary safe. Redis down or slow is KG_EBACKEND,
 * never a missing value. Replies are copied into the caller's pool; no
 * hiredis type leaves this file. hiredis parses and formats; the bytes
 * go over sessions/link.h, with TLS for rediss:// servers and Sentinels
 * (sessions/tls.h), never falling back to plaintext. A server in cluster
 * mode is refused at connect.
 */
#ifndef KG_SESS_REDIS_H
#define KG_SESS_REDIS_H

#include "conf/sessions.h"
#include "gateway/base/err.h"
#include "gateway/base/log.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct kg_sess_redis kg_sess_redis;

typedef enum {
	KG_REPLY_NIL = 0,
	KG_REPLY_INTEGER,
	KG_REPLY_STRING, /* a bulk string */
	KG_REPLY_STATUS, /* +OK and friends */
	KG_REPLY_ARRAY
} kg_sess_reply_type;

/* A reply, copied out of hiredis into a pool. Error replies never get
 * here: they become a kg_rc. */
typedef struct kg_sess_reply {
	kg_sess_reply_type type;
	long long integer;	     /* INTEGER */
	const char *str;	     /* STRING/STATUS: NUL-terminated copy */
	size_t len;		     /* STRING/STATUS: length without NUL */
	size_t count;		     /* ARRAY */
	struct kg_sess_reply *elems; /* ARRAY */
} kg_sess_reply;

/* A Lua script and its SHA-1, so it is sent whole only when Redis does
 * not know it yet. */
typedef struct {
	const char *text;
	char sha1[41];
} kg_sess_script;

/* Makes a connection handle for conf (which must outlive it) in pool; it
 * connects nothing yet. The handle and every thread's connection are
 * closed when pool is cleared. log may be NULL. KG_EINTERNAL when the
 * thread key cannot be made. */
kg_rc kg_sess_redis_open(apr_pool_t *pool, const kg_conf_sessions *conf,
			 const kg_log *log, kg_sess_redis **out, kg_err *err);

/* Runs one command on this thread's connection. On KG_OK *out (in pool)
 * holds the reply. A connection error, a timeout, or a reply saying the
 * server cannot serve (READONLY, LOADING, MASTERDOWN, OOM, BUSY, NOAUTH)
 * is KG_EBACKEND; any other error reply is KG_EINTERNAL (a bug in the
 * command). A command on a connection that the server had closed (a
 * restart) or that hit READONLY (a failover) is retried once on a fresh
 * connection: neither was executed. */
kg_rc kg_sess_redis_command(kg_sess_redis *r, apr_pool_t *pool, int argc,
			    const char *const *argv, const size_t *argvlen,
			    kg_sess_reply **out, kg_err *err);

/* Computes script->sha1 from script->text. */
void kg_sess_redis_script_init(kg_sess_script *script);

/* Runs script with nkeys keys followed by the other arguments (argv
 * holds keys then arguments, argc in all): EVALSHA, and EVAL when Redis
 * answers NOSCRIPT. Same results as kg_sess_redis_command. */
kg_rc kg_sess_redis_eval(kg_sess_redis *r, apr_pool_t *pool,
			 const kg_sess_script *script, int nkeys, int argc,
			 const char *const *argv, const size_t *argvlen,
			 kg_sess_reply **out, kg_err *err);

/* What a watch reports, from its own thread. */
typedef struct {
	void (*invalidate)(void *ctx, const char *key, size_t len);
	void (*flush)(void *ctx);	/* anything may have changed */
	void (*up)(void *ctx, bool up); /* subscribed, or not any more */
	/* every notice sent up to sent_ago_ms ago has arrived (a PONG) */
	void (*alive)(void *ctx, long long sent_ago_ms);
	void *ctx;
} kg_sess_watch_sink;

typedef struct kg_sess_redis_watch kg_sess_redis_watch;

/* Starts a thread that keeps one connection of its own (following
 * Sentinels like the others) with client-side-caching tracking on every
 * key under prefix (CLIENT TRACKING BCAST, redirected to itself and
 * subscribed to __redis__:invalidate), and reports each notice to sink.
 * It sends a PING every third of conf's cache_freshness_ms and reports
 * each PONG (sink.alive). A PING unanswered for the command timeout, or
 * a failing connection, is reported down and made again a second later
 * (backing off to 10 s while it keeps failing). The thread stops when
 * pool is cleared. */
kg_rc kg_sess_redis_watch_start(kg_sess_redis *r, apr_pool_t *pool,
				const char *prefix,
				const kg_sess_watch_sink *sink, kg_err *err);

/* With Sentinels configured, starts one thread per sentinel that asks it
 * for the master and then listens to its +switch-master notices, so every
 * connection of this process (the watch's too) moves to a new master as
 * soon as any sentinel announces it, without asking the sentinels on
 * each command. A sentinel that does not answer is logged once and tried
 * again every second. Without Sentinels it does nothing. The threads
 * stop when pool is cleared; call it in the process that uses r (after
 * any fork). */
kg_rc kg_sess_redis_follow_start(kg_sess_redis *r, apr_pool_t *pool,
				 kg_err *err);

#endif
