/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Redis connection: one per thread, Sentinel discovery,
 * reconnects, and replies copied into pools. The only hiredis user.
 *
 * hiredis is used for the protocol only: its reader parses replies and
 * its formatter builds setup commands. The bytes travel over a
 * kg_sess_link (sessions/link.h: sockets, timeouts and TLS), since
 * Debian 12's hiredis 0.14 has no TLS.
 */
#include "sessions/redis.h"
#include "gateway/base/metrics.h"
#include "gateway/base/str.h"
#include "sessions/link.h"
#include "sessions/tls.h"

#include <apr_strings.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* How often a thread re-asks the sentinels who the master is, so writes
 * stop going to a demoted master soon after a failover. */
#define SENTINEL_RECHECK_MS 1000

/* One connection: the link and hiredis's reader over it. err says why
 * the last exchange failed. */
typedef struct wire {
	kg_sess_link *link;
	redisReader *reader;
	bool broken;	  /* an exchange failed: the wire is unusable */
	bool closed;	  /* the peer had closed the connection */
	bool tls;	  /* the link is TLS */
	bool tls_failed;  /* the failure was a TLS alert or error */
	char errstr[240]; /* the last failure, for the log */
	char addr[280];	  /* host:port or the socket, for the log */
} wire;

/* One thread's connection; ctx NULL until connected or after an error. */
typedef struct conn {
	wire *ctx;
	char master_host[256]; /* with sentinels: where ctx points */
	int master_port;
	long long checked_ms; /* with sentinels: when that was last asked */
	unsigned epoch;	      /* master_info.epoch when connected */
	kg_sess_redis *owner;
	struct conn *prev, *next;
	char *out;	/* the command being sent, in Redis's protocol */
	size_t out_cap; /* kept from command to command */
} conn;

/* After a command timed out or no connection could be made, Redis is
 * taken as unresponsive: commands fail at once (KG_EBACKEND) instead of
 * each waiting the command timeout, and one command at a time, at most
 * every BREAKER_PROBE_MS, goes through as the probe that decides when
 * Redis is back. */
#define BREAKER_PROBE_MS 200

typedef struct {
	atomic_llong down_since_ms; /* 0: Redis answers */
	atomic_llong next_probe_ms;
	atomic_bool probing; /* one probe at a time */
} breaker;

/* Where the master is, as the Sentinels last said (kg_sess_redis_follow):
 * every connection compares its own master with it, without I/O. */
typedef struct {
	pthread_mutex_t lock;
	char host[256]; /* "" until known */
	int port;
	atomic_uint epoch;     /* bumped on every change */
	atomic_bool following; /* a +switch-master listener runs */
	atomic_int first;      /* the sentinel to ask first: the last that
				  answered */
} master_info;

struct kg_sess_redis {
	const kg_conf_sessions *conf;
	const kg_log *log;
	pthread_key_t key;
	pthread_mutex_t lock; /* guards the list; never held for I/O */
	conn *all;	      /* every thread's connection */
	kg_sess_tls *tls;     /* NULL when no connection uses TLS */
	breaker brk;
	master_info master;
};

/* --- the wire: a link and a reply reader ------------------------------ */

static void wire_free(wire *w)
{
	if (w == NULL)
		return;
	kg_sess_link_close(w->link);
	if (w->reader)
		redisReaderFree(w->reader);
	free(w);
}

/* Marks w broken after a failed read or write that left errno e. */
static void wire_failed(wire *w, int e)
{
	const char *tls = kg_sess_link_tls_error(w->link);

	w->broken = true;
	w->closed = e == EPIPE || e == ECONNRESET;
	w->tls_failed = e == EPROTO && tls != NULL;
	snprintf(w->errstr, sizeof(w->errstr), "%s",
		 w->tls_failed	  ? tls
		 : e == ETIMEDOUT ? "timed out"
				  : strerror(e));
}

/* Writes len bytes of buf within the command timeout. */
static bool wire_send(wire *w, const char *buf, size_t len)
{
	if (kg_sess_link_write(w->link, buf, len) == 0)
		return true;
	wire_failed(w, errno);
	return false;
}

/* Reads more bytes into the reader, waiting at most the command
 * timeout. */
static bool wire_fill(wire *w)
{
	char buf[16384];
	ssize_t n = kg_sess_link_read(w->link, buf, sizeof(buf));

	if (n > 0 && redisReaderFeed(w->reader, buf, (size_t)n) == REDIS_OK)
		return true;
	wire_failed(w, n < 0 ? errno : n == 0 ? ECONNRESET : EBADMSG);
	if (n == 0)
		snprintf(w->errstr, sizeof(w->errstr),
			 "server closed the connection");
	return false;
}

/* Waits for the next whole reply (the caller frees it). */
static bool wire_reply(wire *w, redisReply **reply)
{
	void *out = NULL;

	for (;;) {
		if (redisReaderGetReply(w->reader, &out) != REDIS_OK) {
			wire_failed(w, EBADMSG);
			return false;
		}
		if (out) {
			*reply = out;
			return true;
		}
		if (!wire_fill(w))
			return false;
	}
}

/* Sends one command given as argv and waits for its reply; NULL on a
 * connection error (redisCommandArgv's contract, on our wire). */
static redisReply *wire_command(kg_sess_redis *r, wire *w, int argc,
				const char **argv, const size_t *lens)
{
	char *cmd = NULL;
	int len = redisFormatCommandArgv(&cmd, argc, argv, lens);
	redisReply *reply = NULL;
	bool ok = len > 0 && wire_send(w, cmd, (size_t)len) &&
		  wire_reply(w, &reply);

	redisFreeCommand(cmd);
	return ok ? reply : NULL;
}

static void conn_drop(conn *c)
{
	wire_free(c->ctx);
	c->ctx = NULL;
}

/* Unlinks and frees c. Runs at thread exit (the key's destructor) or at
 * close. */
static void conn_free(void *data)
{
	conn *c = data;
	kg_sess_redis *r = c->owner;

	pthread_mutex_lock(&r->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		r->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&r->lock);
	conn_drop(c);
	free(c->out);
	free(c);
}

static apr_status_t redis_close(void *data)
{
	kg_sess_redis *r = data;

	pthread_key_delete(r->key);
	while (r->all)
		conn_free(r->all);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->master.lock);
	return APR_SUCCESS;
}

kg_rc kg_sess_redis_open(apr_pool_t *pool, const kg_conf_sessions *conf,
			 const kg_log *log, kg_sess_redis **out, kg_err *err)
{
	kg_sess_redis *r = apr_pcalloc(pool, sizeof(*r));
	kg_rc rc;

	r->conf = conf;
	r->log = log;
	if (kg_conf_sessions_uses_tls(conf) &&
	    (rc = kg_sess_tls_make(pool, conf, &r->tls, err)) != KG_OK)
		return rc;
	if (pthread_key_create(&r->key, conn_free) != 0)
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot make a thread key for Redis");
	pthread_mutex_init(&r->lock, NULL);
	pthread_mutex_init(&r->master.lock, NULL);
	apr_pool_cleanup_register(pool, r, redis_close, apr_pool_cleanup_null);
	*out = r;
	return KG_OK;
}

/* Returns this thread's connection record, making it on first use, or
 * NULL when out of memory. */
static conn *thread_conn(kg_sess_redis *r)
{
	conn *c = pthread_getspecific(r->key);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->owner = r;
	pthread_mutex_lock(&r->lock);
	c->next = r->all;
	if (r->all)
		r->all->prev = c;
	r->all = c;
	pthread_mutex_unlock(&r->lock);
	pthread_setspecific(r->key, c);
	return c;
}

/* Opens a TCP or unix connection with the connect timeout, TLS when tls
 * is not NULL (never plaintext instead). Returns NULL (and logs) on
 * failure. */
static wire *dial(kg_sess_redis *r, const char *host, int port,
		  const char *socket_path, const kg_sess_tls *tls)
{
	wire *w = calloc(1, sizeof(*w));
	kg_sess_link_error e = {0};

	if (w && (w->reader = redisReaderCreate()) != NULL &&
	    (w->link = kg_sess_link_open(host, port, socket_path, tls,
					 r->conf->redis_connect_timeout_ms,
					 r->conf->redis_command_timeout_ms,
					 &e)) != NULL) {
		snprintf(w->addr, sizeof(w->addr), "%s:%d",
			 socket_path ? socket_path : host,
			 socket_path ? 0 : port);
		w->tls = tls != NULL;
		return w;
	}
	wire_free(w);
	if (w == NULL)
		snprintf(e.why, sizeof(e.why), "out of memory");
	if (e.tls)
		kg_log_emit(r->log, KG_LOG_ERROR, "KG-0330",
			    "redis TLS refused addr=%s:%d error=%s",
			    socket_path ? socket_path : host,
			    socket_path ? 0 : port, e.why);
	else
		kg_log_emit(r->log, KG_LOG_WARN, "KG-0310",
			    "redis connect failed addr=%s:%d error=%s",
			    socket_path ? socket_path : host,
			    socket_path ? 0 : port, e.why);
	return NULL;
}

/* The TLS settings for the Redis server (the configured one, or the
 * master the Sentinels name): NULL for plaintext. */
static const kg_sess_tls *data_tls(const kg_sess_redis *r)
{
	return r->conf->redis_tls ? r->tls : NULL;
}

/* Runs a command during connection setup; true when the reply is not an
 * error. When want is not NULL, the reply must be an array whose first
 * element is the string want (for ROLE). */
static bool setup_command(kg_sess_redis *r, wire *ctx, int argc,
			  const char **argv, const size_t *lens,
			  const char *want)
{
	redisReply *reply = wire_command(r, ctx, argc, argv, lens);
	bool ok = reply && reply->type != REDIS_REPLY_ERROR;

	if (ok && want)
		ok = reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
		     reply->element[0]->type == REDIS_REPLY_STRING &&
		     strcmp(reply->element[0]->str, want) == 0;
	if (reply)
		freeReplyObject(reply);
	return ok;
}

/* AUTH as user (NULL: the default user) with password; true when
 * accepted. */
static bool auth(kg_sess_redis *r, wire *ctx, const char *user,
		 const kg_conf_secret *password)
{
	const char *argv[3] = {"AUTH", user, (const char *)password->bytes};
	size_t lens[3] = {4, user ? strlen(user) : 0, password->len};

	if (user == NULL) {
		argv[1] = argv[2];
		lens[1] = lens[2];
	}
	return setup_command(r, ctx, user ? 3 : 2, argv, lens, NULL);
}

/* Redis Cluster is refused: the limit script's keys span users and the
 * realm, which a cluster spreads over slots. True when INFO says
 * cluster_enabled:1 (a server whose ACL denies INFO is not refused). */
static bool is_cluster(kg_sess_redis *r, wire *ctx)
{
	const char *argv[2] = {"INFO", "cluster"};
	size_t lens[2] = {4, 7};
	redisReply *reply = wire_command(r, ctx, 2, argv, lens);
	bool cluster = reply && reply->type == REDIS_REPLY_STRING &&
		       strstr(reply->str, "cluster_enabled:1") != NULL;

	if (reply)
		freeReplyObject(reply);
	if (cluster)
		kg_log_emit(r->log, KG_LOG_ERROR, "KG-0331",
			    "redis server is in cluster mode, which keygate "
			    "does not support (the session-limit script's "
			    "keys span users and the realm); use a single "
			    "master, with Sentinels for failover");
	return cluster;
}

/* True (and logged) when a setup command failed on the wire rather than
 * with an error reply: with TLS 1.3 a server that refuses the client's
 * certificate says so only after the handshake, at the first read (an
 * alert, or just a closed connection when the alert is lost). */
static bool setup_broken(kg_sess_redis *r, const wire *ctx)
{
	if (!ctx->broken)
		return false;
	if (ctx->tls_failed)
		kg_log_emit(r->log, KG_LOG_ERROR, "KG-0330",
			    "redis TLS refused addr=%s error=%s", ctx->addr,
			    ctx->errstr);
	else if (ctx->tls)
		kg_log_emit(r->log, KG_LOG_ERROR, "KG-0330",
			    "redis TLS refused addr=%s error=%s hint=%s",
			    ctx->addr, ctx->errstr,
			    "right after the TLS handshake: does the server "
			    "want a client certificate?");
	else
		kg_log_emit(r->log, KG_LOG_WARN, "KG-0314",
			    "redis command failed error=%s", ctx->errstr);
	return true;
}

/* AUTH, the cluster check, SELECT, and with Sentinels a ROLE check. */
static bool prepare(kg_sess_redis *r, wire *ctx)
{
	const kg_conf_sessions *s = r->conf;
	char db[16];

	if (s->redis_password.bytes &&
	    !auth(r, ctx, s->redis_user, &s->redis_password)) {
		if (!setup_broken(r, ctx))
			kg_log_emit(r->log, KG_LOG_WARN, "KG-0311",
				    "redis auth failed user=%s",
				    s->redis_user ? s->redis_user : "default");
		return false;
	}
	if (is_cluster(r, ctx) || setup_broken(r, ctx))
		return false;
	if (s->redis_database != 0) {
		const char *argv[2] = {"SELECT", db};
		size_t lens[2] = {6, 0};
		lens[1] = (size_t)snprintf(db, sizeof(db), "%d",
					   s->redis_database);
		if (!setup_command(r, ctx, 2, argv, lens, NULL))
			return false;
	}
	if (s->sentinels->nelts > 0) {
		const char *argv[1] = {"ROLE"};
		size_t lens[1] = {4};
		if (!setup_command(r, ctx, 1, argv, lens, "master")) {
			kg_log_emit(r->log, KG_LOG_WARN, "KG-0312",
				    "redis server named by sentinel is not a "
				    "master");
			return false;
		}
	}
	return true;
}

/* Connects to sentinel e (TLS when its URL was rediss://) and logs in
 * with the sentinel credentials. NULL (logged) on failure. */
static wire *dial_sentinel(kg_sess_redis *r, const kg_conf_endpoint *e)
{
	const kg_conf_sessions *s = r->conf;
	wire *ctx = dial(r, e->host, e->port, NULL, e->tls ? r->tls : NULL);

	if (ctx && s->sentinel_password.bytes &&
	    !auth(r, ctx, s->sentinel_user, &s->sentinel_password)) {
		if (!setup_broken(r, ctx))
			kg_log_emit(r->log, KG_LOG_WARN, "KG-0332",
				    "sentinel auth failed addr=%s:%d user=%s",
				    e->host, e->port,
				    s->sentinel_user ? s->sentinel_user
						     : "default");
		wire_free(ctx);
		return NULL;
	}
	return ctx;
}

/* Asks the sentinel on ctx for the master's address; fills host (of size
 * host_size) and *port. */
static bool sentinel_query(kg_sess_redis *r, wire *ctx, char *host,
			   size_t host_size, int *port)
{
	const char *argv[3] = {"SENTINEL", "get-master-addr-by-name",
			       r->conf->sentinel_master};
	size_t lens[3] = {8, 23, strlen(r->conf->sentinel_master)};
	redisReply *reply = wire_command(r, ctx, 3, argv, lens);
	bool ok = reply && reply->type == REDIS_REPLY_ARRAY &&
		  reply->elements == 2 &&
		  reply->element[0]->type == REDIS_REPLY_STRING &&
		  reply->element[1]->type == REDIS_REPLY_STRING &&
		  reply->element[0]->len < host_size;

	if (ok) {
		memcpy(host, reply->element[0]->str,
		       reply->element[0]->len + 1);
		*port = atoi(reply->element[1]->str);
	}
	if (reply)
		freeReplyObject(reply);
	return ok && *port > 0;
}

/* Asks one sentinel for the master's address, on a connection of its
 * own. */
static bool ask_sentinel(kg_sess_redis *r, const kg_conf_endpoint *e,
			 char *host, size_t host_size, int *port)
{
	wire *ctx = dial_sentinel(r, e);
	bool ok;

	if (ctx == NULL)
		return false;
	ok = sentinel_query(r, ctx, host, host_size, port);
	wire_free(ctx);
	return ok;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records host:port as the master; true when that is a change (the
 * epoch moved). */
static bool master_learn(kg_sess_redis *r, const char *host, int port)
{
	master_info *m = &r->master;
	bool changed;

	pthread_mutex_lock(&m->lock);
	changed = m->port != port || strcmp(m->host, host) != 0;
	if (changed) {
		snprintf(m->host, sizeof(m->host), "%s", host);
		m->port = port;
		atomic_fetch_add(&m->epoch, 1);
	}
	pthread_mutex_unlock(&m->lock);
	return changed;
}

/* Copies the known master into host (of size host_size) and *port and
 * returns the epoch it belongs to; *port is 0 when none is known. */
static unsigned master_known(kg_sess_redis *r, char *host, size_t host_size,
			     int *port)
{
	master_info *m = &r->master;
	unsigned epoch;

	pthread_mutex_lock(&m->lock);
	epoch = atomic_load(&m->epoch);
	snprintf(host, host_size, "%s", m->host);
	*port = m->port;
	pthread_mutex_unlock(&m->lock);
	return epoch;
}

/* Asks the sentinels in turn, starting with the last one that answered
 * (so a dead sentinel costs one connect timeout once, not on every
 * reconnect), for the master; true with host and port from the first
 * that answers, which also becomes the known master. */
static bool find_master(kg_sess_redis *r, char *host, size_t host_size,
			int *port)
{
	const apr_array_header_t *sentinels = r->conf->sentinels;
	int n = sentinels->nelts, first = atomic_load(&r->master.first);

	for (int k = 0; k < n; k++) {
		int i = (first + k) % n;
		if (ask_sentinel(r,
				 &APR_ARRAY_IDX(sentinels, i, kg_conf_endpoint),
				 host, host_size, port)) {
			atomic_store(&r->master.first, i);
			master_learn(r, host, *port);
			return true;
		}
	}
	return false;
}

/* With sentinels: drops c's connection when the master moved. While the
 * +switch-master listeners run this is a comparison with the known
 * master, no I/O; otherwise the sentinels are asked at most once per
 * SENTINEL_RECHECK_MS. */
static void recheck_master(kg_sess_redis *r, conn *c)
{
	long long now = monotonic_ms();
	char host[256];
	int port = 0;

	if (r->conf->sentinels->nelts == 0 || c->ctx == NULL)
		return;
	if (atomic_load(&r->master.following)) {
		if (atomic_load(&r->master.epoch) == c->epoch)
			return;
		c->epoch = master_known(r, host, sizeof(host), &port);
	} else {
		if (now - c->checked_ms < SENTINEL_RECHECK_MS)
			return;
		c->checked_ms = now;
		if (!find_master(r, host, sizeof(host), &port))
			return;
	}
	if (port != 0 &&
	    (port != c->master_port || strcmp(host, c->master_host) != 0)) {
		kg_log_emit(r->log, KG_LOG_NOTICE, "KG-0315",
			    "redis master moved host=%s port=%d", host, port);
		conn_drop(c);
	}
}

/* Dials c's master and prepares the connection; NULL when that fails. */
static wire *dial_master(kg_sess_redis *r, conn *c)
{
	wire *ctx = dial(r, c->master_host, c->master_port, NULL, data_tls(r));

	if (ctx && prepare(r, ctx))
		return ctx;
	wire_free(ctx);
	return NULL;
}

/* Makes a ready connection for c: to the configured server, or to the
 * master the +switch-master listeners last heard of, or else to the one
 * the first answering sentinel names. NULL when none works. */
static wire *connect_ready(kg_sess_redis *r, conn *c)
{
	const kg_conf_sessions *s = r->conf;
	const apr_array_header_t *sentinels = s->sentinels;
	wire *ctx;

	if (sentinels->nelts == 0) {
		ctx = dial(r, s->redis_host, s->redis_port, s->redis_socket,
			   data_tls(r));
		if (ctx && !prepare(r, ctx)) {
			wire_free(ctx);
			ctx = NULL;
		}
		return ctx;
	}
	c->checked_ms = monotonic_ms();
	if (atomic_load(&r->master.following)) {
		c->epoch =
			master_known(r, c->master_host, sizeof(c->master_host),
				     &c->master_port);
		if (c->master_port > 0 && (ctx = dial_master(r, c)) != NULL)
			return ctx;
	}
	if (find_master(r, c->master_host, sizeof(c->master_host),
			&c->master_port)) {
		c->epoch = atomic_load(&r->master.epoch);
		if ((ctx = dial_master(r, c)) != NULL)
			return ctx;
	}
	kg_log_emit(r->log, KG_LOG_WARN, "KG-0313",
		    "no sentinel named a reachable master master=%s",
		    s->sentinel_master);
	return NULL;
}

/* Copies a hiredis reply into pool. */
static void copy_reply(apr_pool_t *pool, const redisReply *in,
		       kg_sess_reply *out)
{
	memset(out, 0, sizeof(*out));
	switch (in->type) {
	case REDIS_REPLY_INTEGER:
		out->type = KG_REPLY_INTEGER;
		out->integer = in->integer;
		break;
	case REDIS_REPLY_STRING:
	case REDIS_REPLY_STATUS:
		out->type = in->type == REDIS_REPLY_STRING ? KG_REPLY_STRING
							   : KG_REPLY_STATUS;
		out->str = apr_pstrmemdup(pool, in->str, in->len);
		out->len = in->len;
		break;
	case REDIS_REPLY_ARRAY:
		out->type = KG_REPLY_ARRAY;
		out->count = in->elements;
		out->elems = apr_pcalloc(pool, (in->elements + 1) *
						       sizeof(kg_sess_reply));
		for (size_t i = 0; i < in->elements; i++)
			copy_reply(pool, in->element[i], &out->elems[i]);
		break;
	default:
		out->type = KG_REPLY_NIL;
		break;
	}
}

/* True when an error reply starts with the word code. */
static bool error_is(const redisReply *reply, const char *code)
{
	size_t n = strlen(code);

	return reply->len >= n && strncmp(reply->str, code, n) == 0 &&
	       (reply->len == n || reply->str[n] == ' ');
}

/* Error replies that mean "this server cannot serve now". */
static bool error_is_backend(const redisReply *reply)
{
	static const char *const codes[] = {"READONLY", "LOADING", "MASTERDOWN",
					    "OOM",	"BUSY",	   "NOAUTH",
					    "TRYAGAIN"};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		if (error_is(reply, codes[i]))
			return true;
	}
	return false;
}

/* Writes n in decimal at p; returns the end. */
static char *put_decimal(char *p, size_t n)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (i > 0)
		*p++ = tmp[--i];
	return p;
}

/* Formats argv into c->out in Redis's protocol (RESP), growing it when
 * needed and keeping it for the next command, instead of hiredis's
 * per-argument sds formatting. Returns the length, or 0 when out of
 * memory. */
static size_t format_command(conn *c, int argc, const char *const *argv,
			     const size_t *argvlen)
{
	size_t need = 16; /* "*argc\r\n" */
	char *p;

	for (int i = 0; i < argc; i++)
		need += argvlen[i] + 32; /* "$len\r\n" arg "\r\n" */
	if (need > c->out_cap) {
		char *grown = realloc(c->out, need);
		if (grown == NULL)
			return 0;
		c->out = grown;
		c->out_cap = need;
	}
	p = c->out;
	*p++ = '*';
	p = put_decimal(p, (size_t)argc);
	*p++ = '\r';
	*p++ = '\n';
	for (int i = 0; i < argc; i++) {
		*p++ = '$';
		p = put_decimal(p, argvlen[i]);
		*p++ = '\r';
		*p++ = '\n';
		memcpy(p, argv[i], argvlen[i]);
		p += argvlen[i];
		*p++ = '\r';
		*p++ = '\n';
	}
	return (size_t)(p - c->out);
}

typedef enum { SENT_OK, SENT_RETRY, SENT_FAILED } sent;

/* Sends one command on c, connecting first when needed. Returns SENT_OK
 * with *reply (the caller frees it), SENT_RETRY when the command surely
 * did not run and a fresh connection may try again, or SENT_FAILED. */
static sent send_once(kg_sess_redis *r, conn *c, int argc,
		      const char *const *argv, const size_t *argvlen,
		      redisReply **reply)
{
	size_t len = format_command(c, argc, argv, argvlen);
	bool fresh;

	if (len == 0)
		return SENT_FAILED;
	recheck_master(r, c);
	fresh = c->ctx == NULL;
	if (fresh && (c->ctx = connect_ready(r, c)) == NULL)
		return SENT_FAILED;
	*reply = NULL;
	if (!wire_send(c->ctx, c->out, len) || !wire_reply(c->ctx, reply)) {
		bool closed = c->ctx->closed;
		kg_log_emit(r->log, KG_LOG_WARN, "KG-0314",
			    "redis command failed error=%s", c->ctx->errstr);
		conn_drop(c);
		return closed && !fresh ? SENT_RETRY : SENT_FAILED;
	}
	if ((*reply)->type == REDIS_REPLY_ERROR &&
	    error_is(*reply, "READONLY")) {
		freeReplyObject(*reply);
		*reply = NULL;
		conn_drop(c);
		return fresh ? SENT_FAILED : SENT_RETRY;
	}
	return SENT_OK;
}

/* Whether this command may go to Redis: always while Redis answers;
 * while it does not, only as the one probe due (then *probe is set and
 * the caller must report with breaker_report). */
static bool breaker_admit(kg_sess_redis *r, bool *probe)
{
	breaker *b = &r->brk;
	bool idle = false;

	*probe = false;
	if (atomic_load(&b->down_since_ms) == 0)
		return true;
	if (monotonic_ms() < atomic_load(&b->next_probe_ms) ||
	    !atomic_compare_exchange_strong(&b->probing, &idle, true))
		return false;
	*probe = true;
	return true;
}

/* Records a command's outcome: a failure to reach Redis or a timeout
 * (answered false) opens the breaker, an answer closes it. Logs each
 * change once. */
static void breaker_report(kg_sess_redis *r, bool probe, bool answered)
{
	breaker *b = &r->brk;
	long long now = monotonic_ms(), since = atomic_load(&b->down_since_ms);

	if (answered && since != 0) {
		long long zero = since;
		if (atomic_compare_exchange_strong(&b->down_since_ms, &zero, 0))
			kg_log_emit(r->log, KG_LOG_NOTICE, "KG-0341",
				    "redis answers again down_ms=%lld",
				    now - since);
	} else if (!answered) {
		long long zero = 0;
		atomic_store(&b->next_probe_ms, now + BREAKER_PROBE_MS);
		if (atomic_compare_exchange_strong(&b->down_since_ms, &zero,
						   now))
			kg_log_emit(r->log, KG_LOG_WARN, "KG-0340",
				    "redis unresponsive; requests fail at "
				    "once until a probe every %d ms answers",
				    BREAKER_PROBE_MS);
	}
	if (probe)
		atomic_store(&b->probing, false);
}

/* Sends a command with the retry rule; on KG_OK *reply is a hiredis reply
 * the caller frees (it may be an error reply). While Redis is known
 * unresponsive it fails at once, except for the one probe. */
static kg_rc send_command(kg_sess_redis *r, int argc, const char *const *argv,
			  const size_t *argvlen, redisReply **reply,
			  kg_err *err)
{
	conn *c = thread_conn(r);
	bool probe;
	long long t0 = kg_metrics_clock_us();
	sent s;

	if (c == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	if (!breaker_admit(r, &probe))
		return kg_err_set(err, KG_EBACKEND,
				  "redis is unresponsive (failing fast)");
	s = send_once(r, c, argc, argv, argvlen, reply);
	if (s == SENT_RETRY)
		s = send_once(r, c, argc, argv, argvlen, reply);
	breaker_report(r, probe, s == SENT_OK);
	kg_metrics_since(KG_H_REDIS, 0, t0);
	kg_metrics_gauge(KG_G_REDIS_UP, 0, s == SENT_OK);
	if (s != SENT_OK)
		return kg_err_set(err, KG_EBACKEND, "redis is unavailable");
	return KG_OK;
}

/* Turns a hiredis reply into a result: copies it, or maps an error reply
 * to a kg_rc. Frees reply. */
static kg_rc finish(apr_pool_t *pool, redisReply *reply, kg_sess_reply **out,
		    kg_err *err)
{
	kg_rc rc = KG_OK;

	if (reply->type == REDIS_REPLY_ERROR) {
		rc = kg_err_set(err,
				error_is_backend(reply) ? KG_EBACKEND
							: KG_EINTERNAL,
				"redis error: %.200s", reply->str);
	} else {
		*out = apr_palloc(pool, sizeof(**out));
		copy_reply(pool, reply, *out);
	}
	freeReplyObject(reply);
	return rc;
}

kg_rc kg_sess_redis_command(kg_sess_redis *r, apr_pool_t *pool, int argc,
			    const char *const *argv, const size_t *argvlen,
			    kg_sess_reply **out, kg_err *err)
{
	redisReply *reply = NULL;
	kg_rc rc = send_command(r, argc, argv, argvlen, &reply, err);

	if (rc != KG_OK)
		return rc;
	return finish(pool, reply, out, err);
}

void kg_sess_redis_script_init(kg_sess_script *script)
{
	unsigned char digest[SHA_DIGEST_LENGTH];

	SHA1((const unsigned char *)script->text, strlen(script->text), digest);
	kg_hex(digest, SHA_DIGEST_LENGTH, script->sha1);
}

kg_rc kg_sess_redis_eval(kg_sess_redis *r, apr_pool_t *pool,
			 const kg_sess_script *script, int nkeys, int argc,
			 const char *const *argv, const size_t *argvlen,
			 kg_sess_reply **out, kg_err *err)
{
	const char **args = apr_palloc(pool, (argc + 3) * sizeof(*args));
	size_t *lens = apr_palloc(pool, (argc + 3) * sizeof(*lens));
	char numkeys[16];
	redisReply *reply = NULL;
	kg_rc rc;

	args[0] = "EVALSHA";
	lens[0] = 7;
	args[1] = script->sha1;
	lens[1] = 40;
	args[2] = numkeys;
	lens[2] = (size_t)snprintf(numkeys, sizeof(numkeys), "%d", nkeys);
	memcpy(args + 3, argv, argc * sizeof(*args));
	memcpy(lens + 3, argvlen, argc * sizeof(*lens));
	rc = send_command(r, argc + 3, args, lens, &reply, err);
	if (rc != KG_OK)
		return rc;
	if (reply->type == REDIS_REPLY_ERROR && error_is(reply, "NOSCRIPT")) {
		freeReplyObject(reply);
		args[0] = "EVAL";
		lens[0] = 4;
		args[1] = script->text;
		lens[1] = strlen(script->text);
		rc = send_command(r, argc + 3, args, lens, &reply, err);
		if (rc != KG_OK)
			return rc;
	}
	return finish(pool, reply, out, err);
}

/* --- background listeners: the invalidation watch and the sentinels ---- */

#define WATCH_RETRY_MS 1000 /* a failed connection is re-made after this */
#define WATCH_RETRY_MAX_MS 10000
#define FOLLOW_PING_MS 1000 /* a sentinel connection is pinged this often */

/* A background thread that holds one socket: stopped, and its socket
 * shut down, at pool cleanup. */
typedef struct {
	pthread_t thread;
	pthread_mutex_t lock; /* guards stop and fd */
	bool stop;
	int fd; /* the socket while connected, else -1 */
} bg;

static bool bg_stopping(bg *b)
{
	bool stop;

	pthread_mutex_lock(&b->lock);
	stop = b->stop;
	pthread_mutex_unlock(&b->lock);
	return stop;
}

static void bg_set_fd(bg *b, int fd)
{
	pthread_mutex_lock(&b->lock);
	b->fd = fd;
	pthread_mutex_unlock(&b->lock);
}

/* Sleeps ms, or less when the thread is asked to stop. */
static void bg_pause(bg *b, long long ms)
{
	for (long long t = 0; t < ms && !bg_stopping(b); t += 50) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

/* Starts fn(arg) on b's thread; false when it cannot. */
static bool bg_start(bg *b, void *(*fn)(void *), void *arg)
{
	b->fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	if (pthread_create(&b->thread, NULL, fn, arg) == 0)
		return true;
	pthread_mutex_destroy(&b->lock);
	return false;
}

/* Stops b's thread and waits for it. */
static void bg_stop(bg *b)
{
	pthread_mutex_lock(&b->lock);
	b->stop = true;
	if (b->fd >= 0)
		shutdown(b->fd, SHUT_RDWR);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	pthread_mutex_destroy(&b->lock);
}

/* What a subscribed connection's reader does with what is pushed. */
typedef struct {
	long long ping_ms;    /* a PING is sent this long after the last */
	long long timeout_ms; /* a PING unanswered this long fails it */
	void (*message)(void *ctx, const redisReply *m); /* not a pong */
	void (*pong)(void *ctx, long long sent_ago_ms);
	bool (*tick)(void *ctx); /* after each wake; false: give up */
	void *ctx;
} listener;

/* Waits up to ms for one pushed reply. 1: *reply is set (the caller
 * frees it); 0: none came; -1: the connection failed. */
static int read_pushed(wire *ctx, long long ms, void **reply)
{
	struct pollfd p = {kg_sess_link_fd(ctx->link), POLLIN, 0};
	int n;

	*reply = NULL;
	if (redisReaderGetReply(ctx->reader, reply) != REDIS_OK)
		return -1;
	if (*reply)
		return 1;
	/* TLS may hold decrypted bytes that poll() cannot see */
	n = kg_sess_link_buffered(ctx->link)
		    ? 1
		    : poll(&p, 1, ms < 0 ? 0 : (int)ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	if (!wire_fill(ctx) ||
	    redisReaderGetReply(ctx->reader, reply) != REDIS_OK)
		return -1;
	return *reply ? 1 : 0;
}

/* Sends a PING on a subscribed connection. */
static bool send_ping(wire *ctx)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";

	return wire_send(ctx, ping, sizeof(ping) - 1);
}

/* True when m is the pong of a PING sent while subscribed. */
static bool is_pong(const redisReply *m)
{
	return m->type == REDIS_REPLY_ARRAY && m->elements >= 1 &&
	       m->element[0]->type == REDIS_REPLY_STRING &&
	       strcasecmp(m->element[0]->str, "pong") == 0;
}

/* Reads a subscribed connection until it fails, leaves a PING
 * unanswered past l->timeout_ms, l->tick gives up, or b stops. One PING
 * is out at a time; the next goes l->ping_ms after the last was sent. */
static void listen_loop(bg *b, wire *ctx, const listener *l)
{
	long long pinged = 0, next = monotonic_ms();
	bool out = false;

	while (!bg_stopping(b)) {
		long long now = monotonic_ms(), wait;
		void *reply;
		int got;

		if (out && now - pinged >= l->timeout_ms)
			return;
		if (!out && now >= next) {
			if (!send_ping(ctx))
				return;
			pinged = now;
			next = now + l->ping_ms;
			out = true;
		}
		wait = out ? pinged + l->timeout_ms - now : next - now;
		got = read_pushed(ctx, wait, &reply);
		if (got < 0)
			return;
		if (got > 0) {
			if (is_pong(reply) && out) {
				out = false;
				l->pong(l->ctx, monotonic_ms() - pinged);
			} else if (!is_pong(reply)) {
				l->message(l->ctx, reply);
			}
			freeReplyObject(reply);
		}
		if (!l->tick(l->ctx))
			return;
	}
}

/* --- the invalidation watch ------------------------------------------- */

struct kg_sess_redis_watch {
	kg_sess_redis *r;
	kg_sess_watch_sink sink;
	char *prefix;
	conn c; /* the watch's connection */
	bg bg;
};

/* CLIENT TRACKING on this very connection (REDIRECT to itself), BCAST
 * for every key under the prefix, then SUBSCRIBE to the notices. */
static bool watch_subscribe(kg_sess_redis_watch *w, wire *ctx)
{
	const char *client_id[2] = {"CLIENT", "ID"};
	size_t client_id_lens[2] = {6, 2};
	redisReply *id = wire_command(w->r, ctx, 2, client_id, client_id_lens);
	char idtext[32];
	const char *track[7] = {"CLIENT", "TRACKING", "on",    "REDIRECT",
				idtext,	  "BCAST",    "PREFIX"};
	const char *argv[8];
	size_t lens[8];
	const char *sub[2] = {"SUBSCRIBE", "__redis__:invalidate"};
	bool ok = id && id->type == REDIS_REPLY_INTEGER;

	if (ok)
		snprintf(idtext, sizeof(idtext), "%lld", id->integer);
	if (id)
		freeReplyObject(id);
	for (int i = 0; ok && i < 7; i++) {
		argv[i] = track[i];
		lens[i] = strlen(track[i]);
	}
	argv[7] = w->prefix;
	lens[7] = strlen(w->prefix);
	ok = ok && setup_command(w->r, ctx, 8, argv, lens, NULL);
	return ok && setup_command(w->r, ctx, 2, sub, NULL, "subscribe");
}

/* One pushed message: the keys of an invalidation (nil: all of them). */
static void watch_message(void *ctx, const redisReply *m)
{
	kg_sess_redis_watch *w = ctx;
	const redisReply *keys;

	if (m->type != REDIS_REPLY_ARRAY || m->elements < 3 ||
	    m->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(m->element[0]->str, "message") != 0)
		return;
	keys = m->element[2];
	if (keys->type != REDIS_REPLY_ARRAY) {
		w->sink.flush(w->sink.ctx); /* FLUSHALL, FLUSHDB */
		return;
	}
	for (size_t i = 0; i < keys->elements; i++)
		if (keys->element[i]->type == REDIS_REPLY_STRING)
			w->sink.invalidate(w->sink.ctx, keys->element[i]->str,
					   keys->element[i]->len);
}

static void watch_pong(void *ctx, long long sent_ago_ms)
{
	kg_sess_redis_watch *w = ctx;

	w->sink.alive(w->sink.ctx, sent_ago_ms);
}

/* With Sentinels: a master that moved while this connection stayed up
 * (a partition) must not keep the cache on. */
static bool watch_tick(void *ctx)
{
	kg_sess_redis_watch *w = ctx;

	recheck_master(w->r, &w->c);
	return w->c.ctx != NULL;
}

/* The watch pings often enough that a healthy connection proves itself
 * alive well within the cache's freshness bound. */
static long long watch_ping_ms(const kg_conf_sessions *s)
{
	long long ms = s->cache_freshness_ms / 3;

	return ms < 10 ? 10 : ms;
}

static void *watch_main(void *arg)
{
	kg_sess_redis_watch *w = arg;
	const kg_conf_sessions *s = w->r->conf;
	listener l = {watch_ping_ms(s), s->redis_command_timeout_ms,
		      watch_message,	watch_pong,
		      watch_tick,	w};
	long long pause = WATCH_RETRY_MS;
	bool told = false; /* a failing subscribe was logged */

	w->c.owner = w->r;
	while (!bg_stopping(&w->bg)) {
		w->c.ctx = connect_ready(w->r, &w->c);
		/* failing attempts back off to WATCH_RETRY_MAX_MS, so an
		 * outage logs a connect failure that often, not every second */
		pause = pause * 2 > WATCH_RETRY_MAX_MS ? WATCH_RETRY_MAX_MS
						       : pause * 2;
		if (w->c.ctx && watch_subscribe(w, w->c.ctx)) {
			wire *ctx = w->c.ctx;
			pause = WATCH_RETRY_MS;
			told = false;
			bg_set_fd(&w->bg, kg_sess_link_fd(ctx->link));
			w->sink.up(w->sink.ctx, true);
			listen_loop(&w->bg, ctx, &l);
			w->sink.up(w->sink.ctx, false);
			bg_set_fd(&w->bg, -1);
			if (!bg_stopping(&w->bg))
				kg_log_emit(w->r->log, KG_LOG_WARN, "KG-0316",
					    "redis invalidation watch lost; "
					    "the session cache is off until "
					    "it is back");
		} else if (w->c.ctx && !told) {
			told = true;
			kg_log_emit(w->r->log, KG_LOG_WARN, "KG-0316",
				    "redis refused the invalidation watch "
				    "(CLIENT TRACKING needs Redis 6 and the "
				    "CLIENT command and __redis__:invalidate "
				    "channel in the user's ACL); the session "
				    "cache stays off");
		}
		conn_drop(&w->c);
		bg_pause(&w->bg, pause);
	}
	return NULL;
}

/* Pool cleanup: stops the thread and waits for it. */
static apr_status_t watch_close(void *data)
{
	kg_sess_redis_watch *w = data;

	bg_stop(&w->bg);
	free(w->c.out);
	return APR_SUCCESS;
}

kg_rc kg_sess_redis_watch_start(kg_sess_redis *r, apr_pool_t *pool,
				const char *prefix,
				const kg_sess_watch_sink *sink, kg_err *err)
{
	kg_sess_redis_watch *w = apr_pcalloc(pool, sizeof(*w));

	w->r = r;
	w->sink = *sink;
	w->prefix = apr_pstrdup(pool, prefix);
	if (!bg_start(&w->bg, watch_main, w))
		return kg_err_set(err, KG_EINTERNAL,
				  "the redis watch thread did not start");
	apr_pool_cleanup_register(pool, w, watch_close, apr_pool_cleanup_null);
	return KG_OK;
}

/* --- following the Sentinels' +switch-master ---------------------------- */

/* One listener per sentinel. */
typedef struct {
	kg_sess_redis *r;
	const kg_conf_endpoint *sentinel;
	char heard[256]; /* the master this sentinel last named */
	int heard_port;
	bg bg;
} follower;

/* A +switch-master notice: "NAME OLDIP OLDPORT NEWIP NEWPORT". */
static void follow_message(void *ctx, const redisReply *m)
{
	follower *f = ctx;
	char name[256], oldip[256], newip[256];
	int oldport, newport;

	if (m->type != REDIS_REPLY_ARRAY || m->elements < 3 ||
	    m->element[2]->type != REDIS_REPLY_STRING ||
	    sscanf(m->element[2]->str, "%255s %255s %d %255s %d", name, oldip,
		   &oldport, newip, &newport) != 5 ||
	    strcmp(name, f->r->conf->sentinel_master) != 0 || newport <= 0)
		return;
	master_learn(f->r, newip, newport);
	if (newport != f->heard_port || strcmp(newip, f->heard) != 0)
		kg_log_emit(f->r->log, KG_LOG_NOTICE, "KG-0343",
			    "sentinel announced a failover master=%s "
			    "from=%s:%d to=%s:%d sentinel=%s:%d",
			    name, oldip, oldport, newip, newport,
			    f->sentinel->host, f->sentinel->port);
	snprintf(f->heard, sizeof(f->heard), "%s", newip);
	f->heard_port = newport;
}

static void follow_pong(void *ctx, long long sent_ago_ms)
{
	(void)ctx;
	(void)sent_ago_ms;
}

static bool follow_tick(void *ctx)
{
	(void)ctx;
	return true;
}

static void *follow_main(void *arg)
{
	follower *f = arg;
	listener l = {FOLLOW_PING_MS, f->r->conf->redis_command_timeout_ms,
		      follow_message, follow_pong,
		      follow_tick,    f};
	const char *sub[2] = {"SUBSCRIBE", "+switch-master"};
	bool told = false; /* an unreachable sentinel was logged */

	while (!bg_stopping(&f->bg)) {
		wire *ctx = dial_sentinel(f->r, f->sentinel);

		/* what this sentinel says now, then every change it sees */
		if (ctx &&
		    sentinel_query(f->r, ctx, f->heard, sizeof(f->heard),
				   &f->heard_port) &&
		    setup_command(f->r, ctx, 2, sub, NULL, "subscribe")) {
			told = false;
			master_learn(f->r, f->heard, f->heard_port);
			bg_set_fd(&f->bg, kg_sess_link_fd(ctx->link));
			listen_loop(&f->bg, ctx, &l);
			bg_set_fd(&f->bg, -1);
		} else if (!told) {
			told = true;
			kg_log_emit(f->r->log, KG_LOG_WARN, "KG-0342",
				    "sentinel does not answer addr=%s:%d "
				    "master=%s; asking the others",
				    f->sentinel->host, f->sentinel->port,
				    f->r->conf->sentinel_master);
		}
		wire_free(ctx);
		bg_pause(&f->bg, WATCH_RETRY_MS);
	}
	return NULL;
}

typedef struct {
	kg_sess_redis *r;
	follower *all;
	int n;
} followers;

static apr_status_t follow_close(void *data)
{
	followers *fs = data;

	atomic_store(&fs->r->master.following, false);
	for (int i = 0; i < fs->n; i++)
		bg_stop(&fs->all[i].bg);
	return APR_SUCCESS;
}

kg_rc kg_sess_redis_follow_start(kg_sess_redis *r, apr_pool_t *pool,
				 kg_err *err)
{
	const apr_array_header_t *sentinels = r->conf->sentinels;
	followers *fs = apr_pcalloc(pool, sizeof(*fs));

	if (sentinels->nelts == 0)
		return KG_OK;
	fs->r = r;
	fs->all = apr_pcalloc(pool, sentinels->nelts * sizeof(follower));
	apr_pool_cleanup_register(pool, fs, follow_close,
				  apr_pool_cleanup_null);
	for (int i = 0; i < sentinels->nelts; i++) {
		follower *f = &fs->all[i];
		f->r = r;
		f->sentinel = &APR_ARRAY_IDX(sentinels, i, kg_conf_endpoint);
		if (!bg_start(&f->bg, follow_main, f))
			return kg_err_set(err, KG_EINTERNAL,
					  "the sentinel listener thread did "
					  "not start");
		fs->n = i + 1;
	}
	atomic_store(&r->master.following, true);
	return KG_OK;
}
