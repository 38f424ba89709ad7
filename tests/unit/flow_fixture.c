/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the request-flow fixture (see flow_fixture.h).
 */
#include "tests/unit/flow_fixture.h"
#include "tests/unit/fixture.h"
#include "tests/unit/jwt_world.h"
#include "gateway/base/str.h"
#include "policy/timeouts.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* --- redis processes: every live pid, so an exit still stops them ---- */

#define KGT_REDIS_MAX 8
static pid_t live_pids[KGT_REDIS_MAX];
static bool atexit_set;

static void pid_forget(pid_t pid)
{
	for (int i = 0; i < KGT_REDIS_MAX; i++)
		if (live_pids[i] == pid)
			live_pids[i] = 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Stops pid: SIGTERM, up to 5 s for it to exit, then SIGKILL. Reaps it. */
static void stop_pid(pid_t pid)
{
	int status;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD)) {
			pid_forget(pid);
			return;
		}
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	pid_forget(pid);
}

static void stop_all_at_exit(void)
{
	for (int i = 0; i < KGT_REDIS_MAX; i++)
		if (live_pids[i] > 0)
			stop_pid(live_pids[i]);
}

static void pid_remember(pid_t pid)
{
	if (!atexit_set) {
		atexit(stop_all_at_exit);
		atexit_set = true;
	}
	for (int i = 0; i < KGT_REDIS_MAX; i++)
		if (live_pids[i] == 0) {
			live_pids[i] = pid;
			return;
		}
	stop_pid(pid);
	fail_msg("more than %d redis servers at once", KGT_REDIS_MAX);
}

/* The path of redis-server on PATH (or in the usual places), or NULL. */
static const char *redis_exe(apr_pool_t *pool)
{
	const char *path = getenv("PATH");
	char *dirs = apr_pstrcat(pool, path ? path : "",
				 ":/usr/bin:/usr/sbin:/usr/local/bin", NULL);

	for (char *last, *d = apr_strtok(dirs, ":", &last); d;
	     d = apr_strtok(NULL, ":", &last)) {
		const char *exe = apr_pstrcat(pool, d, "/redis-server", NULL);
		if (access(exe, X_OK) == 0)
			return exe;
	}
	return NULL;
}

/* A port on 127.0.0.1 that was free a moment ago. */
static int free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* True when a redis on port answers PING with PONG. */
static bool redis_pings(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	struct pollfd p;
	char buf[16] = "";
	ssize_t n = -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return false;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    write(fd, "PING\r\n", 6) == 6) {
		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 500) == 1)
			n = read(fd, buf, sizeof(buf) - 1);
	}
	close(fd);
	return n >= 5 && strncmp(buf, "+PONG", 5) == 0;
}

/* Sends one inline command to the redis on port and reads its reply
 * (whole, up to cap - 1 bytes) into buf; false when it cannot. */
static bool redis_ask(int port, const char *command, char *buf, size_t cap)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	struct pollfd p;
	size_t got = 0, want = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok = false;

	if (fd < 0)
		return false;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    write(fd, command, strlen(command)) != (ssize_t)strlen(command) ||
	    write(fd, "\r\n", 2) != 2) {
		close(fd);
		return false;
	}
	p.fd = fd;
	p.events = POLLIN;
	while (got + 1 < cap && poll(&p, 1, 1000) == 1) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		char *nl;
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (want == 0 && (nl = strstr(buf, "\r\n")) != NULL)
			want = buf[0] == '$'
				       ? (size_t)(nl - buf) + 2 +
						 strtoul(buf + 1, NULL, 10) + 2
				       : (size_t)(nl - buf) + 2;
		if (want > 0 && got >= want) {
			ok = true;
			break;
		}
	}
	buf[got] = '\0';
	close(fd);
	return ok;
}

long long kgt_redis_info(kgt_flow *f, const char *field)
{
	char buf[16384];
	const char *p;
	size_t n = strlen(field);

	if (f->redis_pid <= 0 ||
	    !redis_ask(f->redis_port, "INFO", buf, sizeof(buf)))
		fail_msg("redis did not answer INFO");
	for (p = buf; (p = strstr(p, field)) != NULL; p += n)
		if ((p == buf || p[-1] == '\n') && p[n] == ':')
			return strtoll(p + n + 1, NULL, 10);
	fail_msg("redis INFO has no %s", field);
	return -1;
}

/* Starts redis-server exe in f->dir on a free port; fails the test when
 * it will not start. */
static void start_redis(kgt_flow *f, const char *exe)
{
	const char *log = apr_pstrcat(f->pool, f->dir, "/redis.log", NULL);

	for (int attempt = 0; attempt < 5; attempt++) {
		int port = free_port();
		char portbuf[16];
		pid_t parent = getpid(), pid;
		int status;
		char *argv[] = {(char *)"redis-server",
				(char *)"--port",
				portbuf,
				(char *)"--bind",
				(char *)"127.0.0.1",
				(char *)"--dir",
				(char *)f->dir,
				(char *)"--logfile",
				(char *)log,
				(char *)"--save",
				(char *)"",
				(char *)"--appendonly",
				(char *)"no",
				(char *)"--daemonize",
				(char *)"no",
				NULL};

		assert_true(port > 0);
		snprintf(portbuf, sizeof(portbuf), "%d", port);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int devnull = open("/dev/null", O_RDWR);
			/* dies with the test, however the test ends */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(1);
			if (devnull >= 0) {
				dup2(devnull, 0);
				dup2(devnull, 1);
			}
			execv(exe, argv);
			_exit(127);
		}
		pid_remember(pid);
		for (int i = 0; i < 500; i++) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				pid_forget(pid);
				pid = 0;
				break; /* the port was taken meanwhile: again */
			}
			if (redis_pings(port)) {
				f->redis_pid = pid;
				f->redis_port = port;
				return;
			}
			sleep_ms(10);
		}
		if (pid > 0) {
			stop_pid(pid);
			break;
		}
	}
	fail_msg("redis-server did not start (see %s)", log);
}

void kgt_flow_stop_redis(kgt_flow *f)
{
	if (f->redis_pid > 0)
		stop_pid(f->redis_pid);
	f->redis_pid = 0;
}

/* --- the log capture -------------------------------------------------- */

typedef struct {
	pthread_mutex_t lock;
	char *text; /* malloc'd */
	size_t len, cap;
} capture;

static void capture_line(void *baton, kg_log_level level, const char *id,
			 const char *line)
{
	kgt_flow *f = baton;
	capture *c = f->capture;
	char head[64];
	size_t n, hn;

	snprintf(head, sizeof(head), "[%s] %s%s", kg_log_level_name(level),
		 id ? id : "", id ? " " : "");
	hn = strlen(head);
	n = hn + strlen(line) + 1;
	if (getenv("KGT_FLOW_LOG"))
		fprintf(stderr, "%s%s\n", head, line);
	pthread_mutex_lock(&c->lock);
	if (c->len + n + 1 > c->cap) {
		size_t cap = (c->len + n + 1) * 2;
		char *t = realloc(c->text, cap);
		if (t == NULL) {
			pthread_mutex_unlock(&c->lock);
			return;
		}
		c->text = t;
		c->cap = cap;
	}
	memcpy(c->text + c->len, head, hn);
	memcpy(c->text + c->len + hn, line, n - hn - 1);
	c->len += n;
	c->text[c->len - 1] = '\n';
	c->text[c->len] = '\0';
	pthread_mutex_unlock(&c->lock);
}

const char *kgt_flow_log_text(kgt_flow *f)
{
	capture *c = f->capture;
	const char *out;

	pthread_mutex_lock(&c->lock);
	out = apr_pstrdup(f->pool, c->text ? c->text : "");
	pthread_mutex_unlock(&c->lock);
	return out;
}

bool kgt_flow_logged(kgt_flow *f, const char *needle)
{
	return strstr(kgt_flow_log_text(f), needle) != NULL;
}

/* --- setup, teardown, begin ------------------------------------------- */

int kgt_flow_setup(void **state)
{
	apr_pool_t *pool;
	kgt_flow *f;
	capture *c;

	if (apr_pool_create(&pool, NULL) != APR_SUCCESS)
		return -1;
	f = apr_pcalloc(pool, sizeof(*f));
	c = apr_pcalloc(pool, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	f->pool = pool;
	f->capture = c;
	f->log.max = KG_LOG_DEBUG;
	f->log.fn = capture_line;
	f->log.baton = f;
	*state = f;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	remove(path);
	return 0;
}

int kgt_flow_teardown(void **state)
{
	kgt_flow *f = *state;
	capture *c = f->capture;

	/* the requests first, then the gateway (its watch thread talks to
	 * redis), then redis, then the folder */
	if (f->req_pool)
		apr_pool_destroy(f->req_pool);
	f->req_pool = NULL;
	if (f->gw_pool)
		apr_pool_destroy(f->gw_pool);
	f->gw_pool = NULL;
	f->gw = NULL;
	kgt_flow_stop_redis(f);
	if (f->dir)
		nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(c->text);
	pthread_mutex_destroy(&c->lock);
	apr_pool_destroy(f->pool);
	return 0;
}

const char *kgt_flow_file(kgt_flow *f, const char *name, const char *text)
{
	const char *path = apr_pstrcat(f->pool, f->dir, "/", name, NULL);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* text with every @DIR@ replaced by the folder. */
static const char *expand(kgt_flow *f, const char *text)
{
	kg_buf b;

	kg_buf_init(&b, f->pool, strlen(text) + 64);
	while (*text) {
		if (strncmp(text, "@DIR@", 5) == 0) {
			kg_buf_adds(&b, f->dir);
			text += 5;
		} else {
			kg_buf_addc(&b, *text++);
		}
	}
	return b.data;
}

/* Removes the folders of flow tests that died without their teardown
 * (kgt-flow.PID.* in tmp whose PID is gone): an abort, a signal. Their
 * redis died with them (PR_SET_PDEATHSIG). */
static void sweep_dead_folders(apr_pool_t *pool, const char *tmp)
{
	DIR *d = opendir(tmp);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long pid;
		if (strncmp(e->d_name, "kgt-flow.", 9) != 0)
			continue;
		pid = strtol(e->d_name + 9, &end, 10);
		if (end == e->d_name + 9 || *end != '.' || pid <= 0 ||
		    pid == (long)getpid() ||
		    !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
			continue;
		nftw(apr_pstrcat(pool, tmp, "/", e->d_name, NULL), remove_entry,
		     8, FTW_DEPTH | FTW_PHYS);
	}
	closedir(d);
}

/* kgt_flow_try with files: NULL-terminated NAME, TEXT pairs in ap. */
static kg_rc flow_try(void **state, const char *extra, va_list *files,
		      kgt_flow **out, kg_err *err)
{
	kgt_flow *f = *state;
	const char *exe = redis_exe(f->pool), *path;
	const char *tmp = getenv("TMPDIR");
	char *dir;
	kg_gateway_keys *keys = NULL;
	apr_pool_t *ptemp;
	kg_rc rc;

	*out = f;
	kg_err_clear(err);
	if (exe == NULL) {
		/* the one reason to skip: no redis-server on this machine */
		print_message("# SKIP redis-server is not installed (not on "
			      "PATH, /usr/bin, /usr/sbin, /usr/local/bin)\n");
		skip(); /* does not return (cmocka does not say so) */
		return kg_err_set(err, KG_ECONFIG, "no redis-server");
	}
	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	sweep_dead_folders(f->pool, tmp);
	dir = kg_psprintf(f->pool, "%s/kgt-flow.%ld.XXXXXX", tmp,
			  (long)getpid());
	assert_non_null(mkdtemp(dir));
	f->dir = dir;
	if (files) {
		const char *name;
		while ((name = va_arg(*files, const char *)) != NULL)
			kgt_flow_file(f, name, va_arg(*files, const char *));
	}
	start_redis(f, exe);
	path = kgt_flow_file(f, "keygate.conf",
			     kg_psprintf(f->pool,
					 "KeygateRedis 127.0.0.1:%d\n"
					 "KeygateRedisTimeout 500 1000\n"
					 "KeygateSessionSecret %s\n"
					 "KeygateBaseURL https://" KGT_FLOW_HOST
					 "\n"
					 "%s\n",
					 f->redis_port, KGT_FLOW_SECRET,
					 extra ? expand(f, extra) : ""));
	apr_pool_create(&f->gw_pool, f->pool);
	f->conf = kg_conf_make(f->pool);
	rc = kg_conf_file_load(f->pool, path, f->conf, err);
	if (rc != KG_OK)
		return rc;
	apr_pool_create(&ptemp, f->gw_pool);
	rc = kg_gateway_check(f->gw_pool, ptemp, f->conf, &f->log, NULL, &keys,
			      err);
	apr_pool_destroy(ptemp);
	if (rc != KG_OK)
		return rc;
	rc = kg_gateway_open(f->gw_pool, f->conf, keys, &f->log, &f->gw, err);
	if (rc != KG_OK) {
		f->gw = NULL;
		return rc;
	}
	return kg_sess_store_open(f->gw_pool, &f->conf->sessions, &f->log,
				  &f->store, err);
}

kg_rc kgt_flow_try(void **state, const char *extra, kgt_flow **out, kg_err *err)
{
	return flow_try(state, extra, NULL, out, err);
}

kgt_flow *kgt_flow_begin(void **state, const char *extra)
{
	kgt_flow *f;
	kg_err err;

	if (flow_try(state, extra, NULL, &f, &err) != KG_OK)
		fail_msg("the gateway did not open: %s", err.msg);
	return f;
}

kgt_flow *kgt_flow_begin_with(void **state, const char *extra, ...)
{
	kgt_flow *f;
	kg_err err;
	va_list ap;
	kg_rc rc;

	va_start(ap, extra);
	rc = flow_try(state, extra, &ap, &f, &err);
	va_end(ap);
	if (rc != KG_OK)
		fail_msg("the gateway did not open: %s", err.msg);
	return f;
}

const char *kgt_flow_oidc_conf(void)
{
	static const char *text;
	kgt_world *w = kgt_world_get();

	if (text == NULL)
		text = kg_psprintf(w->pool,
				   "KeygateOIDCProvider corp %s\n"
				   "KeygateOIDCClientID client\n"
				   "KeygateOIDCClientSecret s3cret\n"
				   "KeygateOIDCTimeout 2\n",
				   w->issuer);
	return text;
}

const char *kgt_flow_jwt(apr_pool_t *pool, const char *claims)
{
	kgt_world *w = kgt_world_get();
	long long now = (long long)(apr_time_now() / APR_USEC_PER_SEC);
	const char *q = kgt_q(pool, claims);
	kg_buf b;

	kg_buf_init(&b, pool, 256);
	while (*q) {
		if (strncmp(q, "NOW", 3) == 0 && (q[3] == '+' || q[3] == '-')) {
			char *end;
			long long n = strtoll(q + 4, &end, 10);
			kg_buf_addf(&b, "%lld",
				    q[3] == '+' ? now + n : now - n);
			q = end;
		} else if (strncmp(q, "ISS", 3) == 0) {
			kg_buf_adds(&b, w->issuer);
			q += 3;
		} else {
			kg_buf_addc(&b, *q++);
		}
	}
	return kgt_jws(pool, w->rsa, "RS256",
		       "{'alg':'RS256','kid':'k1','typ':'JWT'}", b.data);
}

/* --- requests and answers --------------------------------------------- */

kg_req *kgt_req(kgt_flow *f, const char *method, const char *target)
{
	kg_req *req;
	const char *q = strchr(target, '?');

	if (f->req_pool == NULL)
		apr_pool_create(&f->req_pool, f->pool);
	req = kg_req_make(f->req_pool);
	req->method = apr_pstrdup(f->pool, method);
	req->scheme = "https";
	req->host = KGT_FLOW_HOST;
	req->port = 443;
	req->path = q ? apr_pstrmemdup(f->pool, target, (size_t)(q - target))
		      : apr_pstrdup(f->pool, target);
	req->query = q ? apr_pstrdup(f->pool, q + 1) : NULL;
	req->client_ip = "192.0.2.10";
	apr_table_set(req->headers, "Host", KGT_FLOW_HOST);
	return req;
}

void kgt_req_header(kg_req *req, const char *name, const char *value)
{
	apr_table_add(req->headers, name, value);
}

void kgt_req_cookie(kg_req *req, const char *name, const char *value)
{
	const char *old = apr_table_get(req->headers, "Cookie");

	apr_table_set(req->headers, "Cookie",
		      apr_pstrcat(req->pool, old ? old : "", old ? "; " : "",
				  name, "=", value, NULL));
}

void kgt_req_session(kgt_flow *f, kg_req *req, const char *cookie)
{
	kgt_req_cookie(req, f->conf->sessions.cookie_name, cookie);
}

void kgt_req_body(kg_req *req, const char *content_type, const char *body)
{
	apr_table_set(req->headers, "Content-Type", content_type);
	req->body = apr_pstrdup(req->pool, body);
	req->body_len = strlen(body);
}

kg_conf_location *kgt_loc(kgt_flow *f, kg_unauth_action unauth, ...)
{
	kg_conf_location *loc = kg_conf_location_make(f->pool);
	const kg_loc_directive *d = NULL;
	const char *name;
	va_list ap;

	loc->unauth = unauth;
	for (const kg_loc_directive *l = kg_conf_location_directives; l->name;
	     l++)
		if (strcmp(l->name, "KeygateIdentityHeader") == 0)
			d = l;
	assert_non_null(d);
	va_start(ap, unauth);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *argv[2] = {name, va_arg(ap, const char *)};
		int bad = -1;
		const char *why = d->set(f->pool, loc, 2, argv, &bad);
		if (why)
			fail_msg("KeygateIdentityHeader %s %s: %s", argv[0],
				 argv[1], why);
	}
	va_end(ap);
	return loc;
}

kg_resp *kgt_endpoint(kgt_flow *f, kg_req *req)
{
	kg_resp *resp = kg_resp_make(f->pool);

	assert_non_null(f->gw);
	kg_gateway_endpoint(f->gw, req, &f->log, resp);
	return resp;
}

kg_resp *kgt_authenticate(kgt_flow *f, const kg_conf_location *loc, kg_req *req,
			  kg_caller *caller)
{
	kg_resp *resp = kg_resp_make(f->pool);

	assert_non_null(f->gw);
	memset(caller, 0, sizeof(*caller));
	kg_gateway_authenticate(f->gw, loc, req, &f->log, resp, caller);
	return resp;
}

int kgt_status_of_rc(kg_rc rc)
{
	switch (rc) {
	case KG_OK:
		return 200;
	case KG_ENOTFOUND:
		return 404;
	case KG_EINVAL:
		return 400;
	case KG_ECONFIG:
		return 500;
	case KG_EAUTH:
		return 401;
	case KG_EDENIED:
		return 403;
	case KG_EBACKEND:
		return 503;
	case KG_EINTERNAL:
		return 500;
	}
	return 500;
}

int kgt_status(const kg_resp *resp)
{
	switch (resp->action) {
	case KG_RESP_CONTINUE:
		return 0;
	case KG_RESP_DECLINE:
		return -1;
	case KG_RESP_REPLY:
		return resp->status;
	case KG_RESP_FAIL:
		return kgt_status_of_rc(resp->rc);
	}
	return -2;
}

const char *kgt_resp_header(const kg_resp *resp, const char *name)
{
	return apr_table_get(resp->headers, name);
}

typedef struct {
	const char *name;
	size_t len;
	const char *found;
} cookie_find;

static int find_set_cookie(void *data, const char *key, const char *value)
{
	cookie_find *c = data;

	if (strncmp(value, c->name, c->len) == 0 && value[c->len] == '=') {
		c->found = value;
		return 0;
	}
	return 1;
}

const char *kgt_set_cookie(const kg_resp *resp, const char *name)
{
	cookie_find c = {name, strlen(name), NULL};

	apr_table_do(find_set_cookie, &c, resp->headers, "Set-Cookie", NULL);
	return c.found;
}

const char *kgt_cookie_value(apr_pool_t *pool, const char *set_cookie)
{
	const char *eq = strchr(set_cookie, '=');
	size_t n;

	assert_non_null(eq);
	n = strcspn(eq + 1, ";");
	return apr_pstrmemdup(pool, eq + 1, n);
}

static const char *action_name(kg_resp_action a)
{
	static const char *const names[] = {"CONTINUE", "DECLINE", "REPLY",
					    "FAIL"};
	return (unsigned)a < 4 ? names[a] : "?";
}

void kgt_expect_fail(const kg_resp *resp, kg_rc rc, const char *reason)
{
	if (resp->action != KG_RESP_FAIL)
		fail_msg("want FAIL %s/%s, got %s (status %d)", kg_rc_name(rc),
			 reason, action_name(resp->action), resp->status);
	if (resp->rc != rc || resp->reason == NULL ||
	    strcmp(resp->reason, reason) != 0)
		fail_msg("want FAIL %s/%s, got FAIL %s/%s", kg_rc_name(rc),
			 reason, kg_rc_name(resp->rc),
			 resp->reason ? resp->reason : "(null)");
}

/* --- sessions --------------------------------------------------------- */

kg_sess_record *kgt_flow_record(kgt_flow *f, const char *username, ...)
{
	kg_sess_record *rec = kg_sess_record_make(f->pool);
	long long now = (long long)(apr_time_now() / 1000);
	kg_pol_timeouts t;
	const char *a;
	va_list ap;

	rec->user->username = apr_pstrdup(f->pool, username);
	rec->user->email = apr_pstrcat(f->pool, username, "@example.org", NULL);
	rec->user->first_name = "Test";
	rec->user->last_name = "User";
	va_start(ap, username);
	while ((a = va_arg(ap, const char *)) != NULL) {
		if (strncmp(a, "org:", 4) == 0)
			kg_list_add_unique(rec->user->organizations, a + 4);
		else
			kg_list_add_unique(rec->user->roles, a);
	}
	va_end(ap);
	rec->idp = "test";
	rec->protocol = "oidc";
	rec->flow = KG_FLOW_BROWSER;
	rec->auth_ms = rec->last_access_ms = now;
	kg_pol_timeouts_from_conf(&f->conf->sessions, &t);
	rec->idle_ms = t.idle_ms;
	rec->expires_ms = now + t.max_ms;
	return rec;
}

const char *kgt_flow_mint(kgt_flow *f, kg_sess_record *rec)
{
	kg_sess_created created;
	kg_err err = {0};

	if (kg_sess_store_create(f->store, f->pool, rec,
				 &f->conf->sessions.limits[rec->flow],
				 (long long)(apr_time_now() / 1000), &created,
				 &err) != KG_OK)
		fail_msg("the session was not minted: %s", err.msg);
	return apr_pstrdup(f->pool, created.cookie);
}

const char *kgt_flow_session(kgt_flow *f, const char *username, ...)
{
	kg_sess_record *rec = kgt_flow_record(f, username, NULL);
	const char *a;
	va_list ap;

	va_start(ap, username);
	while ((a = va_arg(ap, const char *)) != NULL) {
		if (strncmp(a, "org:", 4) == 0)
			kg_list_add_unique(rec->user->organizations, a + 4);
		else
			kg_list_add_unique(rec->user->roles, a);
	}
	va_end(ap);
	return kgt_flow_mint(f, rec);
}

kg_rc kgt_flow_lookup(kgt_flow *f, const char *cookie, kg_sess_record **out)
{
	kg_sess_record *rec = NULL;
	kg_err err = {0};
	kg_rc rc = kg_sess_store_load(f->store, f->pool, cookie, strlen(cookie),
				      &rec, &err);

	if (out)
		*out = rc == KG_OK ? rec : NULL;
	return rc;
}

long long kgt_flow_count(kgt_flow *f, const char *user)
{
	long long n = -1;
	kg_err err = {0};

	if (kg_sess_admin_count(f->store, f->pool, user,
				(long long)(apr_time_now() / 1000), &n,
				&err) != KG_OK)
		fail_msg("counting sessions: %s", err.msg);
	return n;
}
