/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Redis connection: one per thread, Sentinel discovery,
 * reconnects, and replies copied into pools. The only hiredis user.
 */
#include "sessions/redis.h"
#include "gateway/base/metrics.h"
#include "gateway/base/str.h"

#include <apr_strings.h>
#include <errno.h>
#include <hiredis/hiredis.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* How often a thread re-asks the sentinels who the master is, so writes
 * stop going to a demoted master soon after a failover. */
#define SENTINEL_RECHECK_MS 1000

/* One thread's connection; ctx NULL until connected or after an error. */
typedef struct conn {
	redisContext *ctx;
	char master_host[256]; /* with sentinels: where ctx points */
	int master_port;
	long long checked_ms; /* with sentinels: when that was last asked */
	kg_sess_redis *owner;
	struct conn *prev, *next;
	char *out;	/* the command being sent, in Redis's protocol */
	size_t out_cap; /* kept from command to command */
} conn;

struct kg_sess_redis {
	const kg_conf_sessions *conf;
	const kg_log *log;
	pthread_key_t key;
	pthread_mutex_t lock; /* guards the list; never held for I/O */
	conn *all;	      /* every thread's connection */
};

static struct timeval ms_to_tv(long long ms)
{
	struct timeval tv = {(time_t)(ms / 1000),
			     (suseconds_t)(ms % 1000) * 1000};
	return tv;
}

static void conn_drop(conn *c)
{
	if (c->ctx)
		redisFree(c->ctx);
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
	return APR_SUCCESS;
}

kg_rc kg_sess_redis_open(apr_pool_t *pool, const kg_conf_sessions *conf,
			 const kg_log *log, kg_sess_redis **out, kg_err *err)
{
	kg_sess_redis *r = apr_pcalloc(pool, sizeof(*r));

	r->conf = conf;
	r->log = log;
	if (pthread_key_create(&r->key, conn_free) != 0)
		return kg_err_set(err, KG_EINTERNAL,
				  "cannot make a thread key for Redis");
	pthread_mutex_init(&r->lock, NULL);
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

/* Opens a TCP or unix connection with the connect timeout, then sets the
 * command timeout. Returns NULL (and logs) on failure. */
static redisContext *dial(kg_sess_redis *r, const char *host, int port,
			  const char *socket_path)
{
	struct timeval ct = ms_to_tv(r->conf->redis_connect_timeout_ms);
	redisContext *ctx =
		socket_path ? redisConnectUnixWithTimeout(socket_path, ct)
			    : redisConnectWithTimeout(host, port, ct);

	if (ctx && ctx->err == 0 &&
	    redisSetTimeout(ctx, ms_to_tv(r->conf->redis_command_timeout_ms)) ==
		    REDIS_OK)
		return ctx;
	kg_log_emit(r->log, KG_LOG_WARN, "KG-0310",
		    "redis connect failed host=%s port=%d error=%s",
		    socket_path ? socket_path : host, socket_path ? 0 : port,
		    ctx ? ctx->errstr : "out of memory");
	if (ctx)
		redisFree(ctx);
	return NULL;
}

/* Runs a command during connection setup; true when the reply is not an
 * error. When want is not NULL, the reply must be an array whose first
 * element is the string want (for ROLE). */
static bool setup_command(redisContext *ctx, int argc, const char **argv,
			  const size_t *lens, const char *want)
{
	redisReply *reply = redisCommandArgv(ctx, argc, argv, lens);
	bool ok = reply && reply->type != REDIS_REPLY_ERROR;

	if (ok && want)
		ok = reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
		     reply->element[0]->type == REDIS_REPLY_STRING &&
		     strcmp(reply->element[0]->str, want) == 0;
	if (reply)
		freeReplyObject(reply);
	return ok;
}

/* AUTH, SELECT, and with Sentinels a ROLE check. */
static bool prepare(kg_sess_redis *r, redisContext *ctx)
{
	const kg_conf_sessions *s = r->conf;
	char db[16];

	if (s->redis_password.bytes) {
		const char *argv[3] = {"AUTH", s->redis_user,
				       (const char *)s->redis_password.bytes};
		size_t lens[3] = {4, s->redis_user ? strlen(s->redis_user) : 0,
				  s->redis_password.len};
		if (s->redis_user == NULL) {
			argv[1] = argv[2];
			lens[1] = lens[2];
		}
		if (!setup_command(ctx, s->redis_user ? 3 : 2, argv, lens,
				   NULL)) {
			kg_log_emit(r->log, KG_LOG_WARN, "KG-0311",
				    "redis auth failed user=%s",
				    s->redis_user ? s->redis_user : "default");
			return false;
		}
	}
	if (s->redis_database != 0) {
		const char *argv[2] = {"SELECT", db};
		size_t lens[2] = {6, 0};
		lens[1] = (size_t)snprintf(db, sizeof(db), "%d",
					   s->redis_database);
		if (!setup_command(ctx, 2, argv, lens, NULL))
			return false;
	}
	if (s->sentinels->nelts > 0) {
		const char *argv[1] = {"ROLE"};
		size_t lens[1] = {4};
		if (!setup_command(ctx, 1, argv, lens, "master")) {
			kg_log_emit(r->log, KG_LOG_WARN, "KG-0312",
				    "redis server named by sentinel is not a "
				    "master");
			return false;
		}
	}
	return true;
}

/* Asks one sentinel for the master's address; fills host (of size
 * host_size) and *port. */
static bool ask_sentinel(kg_sess_redis *r, const kg_conf_endpoint *e,
			 char *host, size_t host_size, int *port)
{
	const char *argv[3] = {"SENTINEL", "get-master-addr-by-name",
			       r->conf->sentinel_master};
	size_t lens[3] = {8, 23, strlen(r->conf->sentinel_master)};
	redisContext *ctx = dial(r, e->host, e->port, NULL);
	redisReply *reply;
	bool ok;

	if (ctx == NULL)
		return false;
	reply = redisCommandArgv(ctx, 3, argv, lens);
	ok = reply && reply->type == REDIS_REPLY_ARRAY &&
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
	redisFree(ctx);
	return ok && *port > 0;
}

static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Asks the sentinels in turn for the master; true with host and port
 * from the first that answers. */
static bool find_master(kg_sess_redis *r, char *host, size_t host_size,
			int *port)
{
	const apr_array_header_t *sentinels = r->conf->sentinels;

	for (int i = 0; i < sentinels->nelts; i++) {
		if (ask_sentinel(r,
				 &APR_ARRAY_IDX(sentinels, i, kg_conf_endpoint),
				 host, host_size, port))
			return true;
	}
	return false;
}

/* With sentinels, at most once per SENTINEL_RECHECK_MS: drops c's
 * connection when the sentinels now name another master. */
static void recheck_master(kg_sess_redis *r, conn *c)
{
	long long now = monotonic_ms();
	char host[256];
	int port = 0;

	if (r->conf->sentinels->nelts == 0 || c->ctx == NULL ||
	    now - c->checked_ms < SENTINEL_RECHECK_MS)
		return;
	c->checked_ms = now;
	if (find_master(r, host, sizeof(host), &port) &&
	    (port != c->master_port || strcmp(host, c->master_host) != 0)) {
		kg_log_emit(r->log, KG_LOG_NOTICE, "KG-0315",
			    "redis master moved host=%s port=%d", host, port);
		conn_drop(c);
	}
}

/* Makes a ready connection for c: to the configured server, or to the
 * master the first answering sentinel names. NULL when none works. */
static redisContext *connect_ready(kg_sess_redis *r, conn *c)
{
	const kg_conf_sessions *s = r->conf;
	const apr_array_header_t *sentinels = s->sentinels;
	redisContext *ctx;

	if (sentinels->nelts == 0) {
		ctx = dial(r, s->redis_host, s->redis_port, s->redis_socket);
		if (ctx && !prepare(r, ctx)) {
			redisFree(ctx);
			ctx = NULL;
		}
		return ctx;
	}
	c->checked_ms = monotonic_ms();
	if (find_master(r, c->master_host, sizeof(c->master_host),
			&c->master_port)) {
		ctx = dial(r, c->master_host, c->master_port, NULL);
		if (ctx && prepare(r, ctx))
			return ctx;
		if (ctx)
			redisFree(ctx);
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
	int e;

	if (len == 0)
		return SENT_FAILED;
	recheck_master(r, c);
	fresh = c->ctx == NULL;
	if (fresh && (c->ctx = connect_ready(r, c)) == NULL)
		return SENT_FAILED;
	errno = 0;
	*reply = NULL;
	if (redisAppendFormattedCommand(c->ctx, c->out, len) != REDIS_OK ||
	    redisGetReply(c->ctx, (void **)reply) != REDIS_OK) {
		if (*reply)
			freeReplyObject(*reply);
		*reply = NULL;
	}
	e = errno;
	if (*reply == NULL) {
		bool closed = c->ctx->err == REDIS_ERR_EOF ||
			      (c->ctx->err == REDIS_ERR_IO &&
			       (e == ECONNRESET || e == EPIPE));
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

/* Sends a command with the retry rule; on KG_OK *reply is a hiredis reply
 * the caller frees (it may be an error reply). */
static kg_rc send_command(kg_sess_redis *r, int argc, const char *const *argv,
			  const size_t *argvlen, redisReply **reply,
			  kg_err *err)
{
	conn *c = thread_conn(r);
	long long t0 = kg_metrics_clock_us();
	sent s;

	if (c == NULL)
		return kg_err_set(err, KG_EINTERNAL, "out of memory");
	s = send_once(r, c, argc, argv, argvlen, reply);
	if (s == SENT_RETRY)
		s = send_once(r, c, argc, argv, argvlen, reply);
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

/* --- the invalidation watch ------------------------------------------- */

#define WATCH_PING_MS 2000  /* a silent connection is pinged after this */
#define WATCH_RETRY_MS 1000 /* and re-made after this when it failed */
#define WATCH_RETRY_MAX_MS 10000

struct kg_sess_redis_watch {
	kg_sess_redis *r;
	kg_sess_watch_sink sink;
	char *prefix;
	pthread_t thread;
	pthread_mutex_t lock; /* guards stop and fd */
	bool stop;
	int fd; /* the watch's socket while connected, else -1 */
};

static bool watch_stopping(kg_sess_redis_watch *w)
{
	bool stop;

	pthread_mutex_lock(&w->lock);
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	return stop;
}

static void watch_set_fd(kg_sess_redis_watch *w, int fd)
{
	pthread_mutex_lock(&w->lock);
	w->fd = fd;
	pthread_mutex_unlock(&w->lock);
}

/* CLIENT TRACKING on this very connection (REDIRECT to itself), BCAST
 * for every key under the prefix, then SUBSCRIBE to the notices. */
static bool watch_subscribe(kg_sess_redis_watch *w, redisContext *ctx)
{
	redisReply *id = redisCommand(ctx, "CLIENT ID");
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
	ok = ok && setup_command(ctx, 8, argv, lens, NULL);
	return ok && setup_command(ctx, 2, sub, NULL, "subscribe");
}

/* One pushed message: the keys of an invalidation (nil: all of them),
 * or the pong of our ping. */
static void watch_message(kg_sess_redis_watch *w, const redisReply *m,
			  bool *ping_out)
{
	const redisReply *keys;

	if (m->type != REDIS_REPLY_ARRAY || m->elements < 2 ||
	    m->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (strcasecmp(m->element[0]->str, "pong") == 0) {
		*ping_out = false;
		return;
	}
	if (strcmp(m->element[0]->str, "message") != 0 || m->elements < 3)
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

/* Reads notices until the connection fails, stays silent past a ping,
 * or the watch stops. */
static void watch_loop(kg_sess_redis_watch *w, conn *c)
{
	redisContext *ctx = c->ctx;

	bool ping_out = false;

	while (!watch_stopping(w)) {
		struct pollfd p = {ctx->fd, POLLIN, 0};
		void *reply = NULL;
		int n, done = 0;

		if (redisGetReplyFromReader(ctx, &reply) != REDIS_OK)
			return;
		if (reply) {
			watch_message(w, reply, &ping_out);
			freeReplyObject(reply);
			continue;
		}
		n = poll(&p, 1, WATCH_PING_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == 0 && ping_out))
			return;
		/* with Sentinels: a master that moved while this connection
		 * stayed up (a partition) must not keep the cache on */
		recheck_master(w->r, c);
		if (c->ctx == NULL)
			return;
		if (n == 0) {
			if (redisAppendCommand(ctx, "PING") != REDIS_OK)
				return;
			while (!done)
				if (redisBufferWrite(ctx, &done) != REDIS_OK)
					return;
			ping_out = true;
			continue;
		}
		if (redisBufferRead(ctx) != REDIS_OK)
			return;
	}
}

/* Sleeps ms, or less when the watch stops. */
static void watch_pause(kg_sess_redis_watch *w, long long ms)
{
	for (long long t = 0; t < ms && !watch_stopping(w); t += 50) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

static void *watch_main(void *arg)
{
	kg_sess_redis_watch *w = arg;
	long long pause = WATCH_RETRY_MS;
	bool told = false; /* a failing subscribe was logged */
	conn c;

	memset(&c, 0, sizeof(c));
	c.owner = w->r;
	while (!watch_stopping(w)) {
		c.ctx = connect_ready(w->r, &c);
		/* failing attempts back off to WATCH_RETRY_MAX_MS, so an
		 * outage logs a connect failure that often, not every second */
		pause = pause * 2 > WATCH_RETRY_MAX_MS ? WATCH_RETRY_MAX_MS
						       : pause * 2;
		if (c.ctx && watch_subscribe(w, c.ctx)) {
			struct timeval none = {0, 0};
			pause = WATCH_RETRY_MS;
			told = false;
			redisSetTimeout(c.ctx, none); /* poll() waits */
			watch_set_fd(w, c.ctx->fd);
			w->sink.up(w->sink.ctx, true);
			watch_loop(w, &c);
			w->sink.up(w->sink.ctx, false);
			watch_set_fd(w, -1);
			if (!watch_stopping(w))
				kg_log_emit(w->r->log, KG_LOG_WARN, "KG-0316",
					    "redis invalidation watch lost; "
					    "the session cache is off until "
					    "it is back");
		} else if (c.ctx && !told) {
			told = true;
			kg_log_emit(w->r->log, KG_LOG_WARN, "KG-0316",
				    "redis refused the invalidation watch "
				    "(CLIENT TRACKING needs Redis 6 and the "
				    "CLIENT command and __redis__:invalidate "
				    "channel in the user's ACL); the session "
				    "cache stays off");
		}
		conn_drop(&c);
		watch_pause(w, pause);
	}
	return NULL;
}

/* Pool cleanup: stops the thread and waits for it. */
static apr_status_t watch_close(void *data)
{
	kg_sess_redis_watch *w = data;

	pthread_mutex_lock(&w->lock);
	w->stop = true;
	if (w->fd >= 0)
		shutdown(w->fd, SHUT_RDWR);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
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
	w->fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	if (pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		return kg_err_set(err, KG_EINTERNAL,
				  "the redis watch thread did not start");
	}
	apr_pool_cleanup_register(pool, w, watch_close, apr_pool_cleanup_null);
	return KG_OK;
}
