/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate benchmark driver: session lookup and create-with-limit
 * throughput against a running redis-server, with N client threads (each
 * its own connection, as httpd worker threads have; each its own pool,
 * cleared after every operation, as httpd's request pool is).
 *   bench_sessions PORT seed 0 0
 * Creates one session and prints "COOKIE ID": the session every lookup
 * run reads, and whose Redis key redis-benchmark GETs in the same run.
 *   bench_sessions PORT lookup|create|create-evict THREADS SECONDS [COOKIE]
 * Runs THREADS threads, started together, for SECONDS and prints
 * "OPS ELAPSED_SECONDS" (the wall time from the common start to the last
 * thread's end). lookup reads COOKIE (default: a session it seeds).
 * Creates run under a user limit of 3 (terminate oldest) and a realm
 * limit of 100,000,000 (deny new). create gives each user 2 sessions
 * (fresh users each run): no limit is reached, the common login.
 * create-evict cycles each thread through 100 users: once each has 3
 * sessions, every create evicts the user's least recently used one.
 *   bench_sessions PORT fill COUNT 0
 * Creates COUNT sessions (3 per user) and prints one session's Redis id,
 * for the bytes-per-session measure. tests/bench/sessions.sh runs it.
 *   bench_sessions PORT load COUNT 0
 * Prints, for `redis-cli --pipe`, the commands that store COUNT real
 * sealed sessions (3 per user, random ids, no cookie) with their index
 * entries, as the create script leaves them: a fast fill for the growth
 * measures (tests/bench/growth.sh, tests/integration/sessions_growth.sh).
 *   bench_sessions 0 script create 0
 * Prints the create script's Lua text (tests/bench/script_cost.sh).
 *   bench_sessions PORT ops lookup|create|create-evict COUNT [COOKIE]
 * Runs COUNT operations one after another on one connection and prints
 * "OPS MICROSECONDS_PER_OP". Creates run under a user limit of 3
 * (terminate oldest) and a realm limit of 100,000,000 (deny new): both
 * limits on, neither reached; create cycles through 1,000 fresh users
 * (no eviction), create-evict through 100 users after giving each 3
 * sessions (every create evicts one).
 */
#include "conf/sessions.h"
#include "gateway/base/str.h"
#include "policy/timeouts.h"
#include "sessions/keyspace.h"
#include "sessions/scripts.h"
#include "sessions/store.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SECRET "benchmark-secret-of-at-least-32-bytes!!"
#define MAX_THREADS 64

typedef struct {
	kg_sess_store *store;
	bool create;
	bool evict; /* 100 users per thread, each at its limit: every create
		     * evicts; else each user gets 2 sessions: no create
		     * reaches a limit */
	int index;
	const char *cookie; /* lookup: the session to find */
	double seconds;
	pthread_barrier_t *start;
	long ops, errors;
} worker;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static kg_sess_record *make_record(apr_pool_t *pool, const char *user,
				   long long now)
{
	kg_sess_record *rec = kg_sess_record_make(pool);

	rec->user->username = user;
	rec->user->email = apr_pstrcat(pool, user, "@example.com", NULL);
	rec->user->first_name = "Jane";
	rec->user->last_name = "Doe";
	APR_ARRAY_PUSH(rec->user->roles, const char *) = "Practitioner";
	APR_ARRAY_PUSH(rec->user->organizations, const char *) =
		"nyc-data-scientists";
	rec->idp = "corp-saml";
	rec->protocol = "saml";
	rec->flow = KG_FLOW_BROWSER;
	rec->auth_ms = now;
	rec->last_access_ms = now;
	rec->idle_ms = 30 * 60 * 1000;
	rec->expires_ms = now + 60LL * 24 * 3600 * 1000;
	rec->state.saml_name_id = rec->user->email;
	rec->state.saml_name_id_format =
		"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
	rec->state.saml_session_index =
		"_be9967abd904ddcae3c0eb4189adbe3f71e327cf93";
	return rec;
}

static void *run(void *arg)
{
	worker *w = arg;
	kg_conf_flow_limits limits = {{3, KG_LIMIT_TERMINATE_OLDEST, NULL},
				      {100000000, KG_LIMIT_DENY_NEW, NULL}};
	apr_pool_t *pool;
	double deadline;
	int n = 0;
	unsigned int run_id = (unsigned int)getpid();

	apr_pool_create(&pool, NULL);
	pthread_barrier_wait(w->start);
	deadline = now_s() + w->seconds;
	while (now_s() < deadline) {
		kg_sess_record *rec;
		kg_sess_created out;
		kg_err err;
		kg_rc rc;
		kg_err_clear(&err);
		if (w->create) {
			const char *user =
				w->evict ? kg_psprintf(pool, "user%d-%d",
						       w->index, n % 100)
					 : kg_psprintf(pool, "user%u-%d-%d",
						       run_id, w->index, n / 2);
			n++;
			rc = kg_sess_store_create(
				w->store, pool,
				make_record(pool, user, kg_pol_clock_now(NULL)),
				&limits, kg_pol_clock_now(NULL), &out, &err);
		} else
			rc = kg_sess_store_load(w->store, pool, w->cookie,
						KG_SESS_COOKIE_LEN, &rec, &err);
		if (rc == KG_OK)
			w->ops++;
		else
			w->errors++;
		apr_pool_clear(pool);
	}
	apr_pool_destroy(pool);
	return NULL;
}

/* Writes one command in Redis's protocol to stdout. */
static void resp(int argc, const char *const *argv, const size_t *lens)
{
	printf("*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		printf("$%zu\r\n", lens[i]);
		fwrite(argv[i], 1, lens[i], stdout);
		fputs("\r\n", stdout);
	}
}

/* Prints the commands that store count sessions for `redis-cli --pipe`:
 * what kg_sess_store_create leaves in Redis, with scores on this host's
 * clock (the same clock as Redis's in the tests). */
static int mode_load(apr_pool_t *pool, const kg_conf_sessions *conf, long count)
{
	kg_sess_keys keys;
	kg_err err;
	long long now = kg_pol_clock_now(NULL);

	kg_err_clear(&err);
	if (kg_sess_keys_derive(conf, &keys, &err) != KG_OK)
		return 1;
	for (long i = 0; i < count; i++) {
		apr_pool_t *sub;
		kg_sess_record *rec;
		kg_sess_keys4 k;
		unsigned char *sealed;
		size_t sealed_len;
		char score[24], ttl[24];
		unsigned char raw[KG_SESS_ID_LEN / 2];
		apr_pool_create(&sub, pool);
		rec = make_record(sub, kg_psprintf(sub, "load%ld", i / 3), now);
		if (apr_generate_random_bytes(raw, sizeof(raw)) != APR_SUCCESS)
			return 1;
		for (size_t j = 0; j < sizeof(raw); j++) {
			rec->id[2 * j] = "0123456789abcdef"[raw[j] >> 4];
			rec->id[2 * j + 1] = "0123456789abcdef"[raw[j] & 15];
		}
		rec->id[KG_SESS_ID_LEN] = '\0';
		if (kg_sess_record_seal(sub, &keys, rec, 4096, &sealed,
					&sealed_len, &err) != KG_OK)
			return 1;
		kg_sess_keyspace_fill(sub, conf->redis_prefix, rec->id,
				      rec->user->username, &k);
		snprintf(ttl, sizeof(ttl), "%lld",
			 kg_sess_record_deadline(rec) - now);
		snprintf(score, sizeof(score), "%lld",
			 kg_sess_record_deadline(rec));
		{
			const char *set[5] = {"SET", k.session,
					      (const char *)sealed, "PX", ttl};
			const char *zu[4] = {"ZADD", k.user, score, rec->id};
			const char *ex[3] = {"PEXPIRE", k.user, ttl};
			const char *zr[4] = {"ZADD", k.realm_exp, score,
					     rec->id};
			size_t l[5];
			for (int j = 0; j < 5; j++)
				l[j] = j == 2 ? sealed_len : strlen(set[j]);
			resp(5, set, l);
			for (int j = 0; j < 4; j++)
				l[j] = strlen(zu[j]);
			resp(4, zu, l);
			for (int j = 0; j < 3; j++)
				l[j] = strlen(ex[j]);
			resp(3, ex, l);
			for (int j = 0; j < 4; j++)
				l[j] = strlen(zr[j]);
			resp(4, zr, l);
		}
		apr_pool_destroy(sub);
	}
	kg_sess_keys_wipe(&keys);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Runs count lookups of cookie, or creates, one after another, and
 * prints "OPS MICROSECONDS_PER_OP". */
static int mode_ops(apr_pool_t *pool, kg_sess_store *store, const char *kind,
		    long count, const char *cookie)
{
	kg_conf_flow_limits limits = {{3, KG_LIMIT_TERMINATE_OLDEST, NULL},
				      {100000000, KG_LIMIT_DENY_NEW, NULL}};
	bool evict = strcmp(kind, "create-evict") == 0;
	bool create = strncmp(kind, "create", 6) == 0;
	long users = evict ? 100 : 1000, ok = 0;
	double t0 = 0;

	for (long i = -(evict ? 3 * users : 0); i < count; i++) {
		apr_pool_t *sub;
		kg_sess_record *rec;
		kg_sess_created out;
		kg_err err;
		kg_rc rc;
		if (i == 0)
			t0 = now_s();
		apr_pool_create(&sub, pool);
		kg_err_clear(&err);
		if (create)
			rc = kg_sess_store_create(
				store, sub,
				make_record(
					sub,
					kg_psprintf(sub, "ops%d-%ld", getpid(),
						    (i + 3 * users) % users),
					kg_pol_clock_now(NULL)),
				&limits, kg_pol_clock_now(NULL), &out, &err);
		else
			rc = kg_sess_store_load(store, sub, cookie,
						KG_SESS_COOKIE_LEN, &rec, &err);
		if (rc != KG_OK) {
			fprintf(stderr, "%s: %s\n", kind, err.msg);
			return 1;
		}
		if (evict && i >= 0 && out.evicted != 1) {
			fprintf(stderr, "create-evict: evicted %d\n",
				out.evicted);
			return 1;
		}
		if (i >= 0)
			ok++;
		apr_pool_destroy(sub);
	}
	printf("%ld %.1f\n", ok, (now_s() - t0) * 1e6 / (double)ok);
	return 0;
}

int main(int argc, char **argv)
{
	apr_pool_t *pool;
	kg_conf_sessions conf;
	kg_sess_store *store;
	kg_sess_created out;
	kg_err err;
	worker w[MAX_THREADS];
	pthread_t th[MAX_THREADS];
	pthread_barrier_t start;
	int threads;
	double seconds, t0;
	long ops = 0, errors = 0;

	if (argc != 5 && argc != 6)
		return 2;
	if (strcmp(argv[2], "script") == 0)
		return fputs(kg_sess_lua_create, stdout) < 0;
	threads = atoi(argv[3]);
	seconds = atof(argv[4]);
	if (strcmp(argv[2], "fill") != 0 && strcmp(argv[2], "seed") != 0 &&
	    strcmp(argv[2], "load") != 0 && strcmp(argv[2], "ops") != 0 &&
	    (threads < 1 || threads > MAX_THREADS))
		return 2;
	apr_initialize();
	apr_pool_create(&pool, NULL);
	kg_conf_sessions_defaults(pool, &conf);
	conf.redis_port = atoi(argv[1]);
	conf.redis_prefix = "bench:";
	conf.secret.bytes = (const unsigned char *)SECRET;
	conf.secret.len = strlen(SECRET);
	kg_err_clear(&err);
	if (strcmp(argv[2], "load") == 0)
		return mode_load(pool, &conf, atol(argv[3]));
	if (kg_sess_store_open(pool, &conf, NULL, &store, &err) != KG_OK)
		return 1;
	if (strcmp(argv[2], "ops") == 0 && argc == 6)
		return mode_ops(pool, store, argv[3], atol(argv[4]), argv[5]);
	{
		kg_conf_flow_limits none;
		memset(&none, 0, sizeof(none));
		if (kg_sess_store_create(store, pool,
					 make_record(pool, "lookup-user",
						     kg_pol_clock_now(NULL)),
					 &none, kg_pol_clock_now(NULL), &out,
					 &err) != KG_OK) {
			fprintf(stderr, "seed: %s\n", err.msg);
			return 1;
		}
	}
	if (strcmp(argv[2], "seed") == 0) {
		kg_sess_record *rec;
		/* check that it loads back */
		if (kg_sess_store_load(store, pool, out.cookie,
				       KG_SESS_COOKIE_LEN, &rec, &err) != KG_OK)
			return 1;
		printf("%s %s\n", out.cookie, rec->id);
		apr_pool_destroy(pool);
		apr_terminate();
		return 0;
	}
	if (strcmp(argv[2], "fill") == 0) {
		kg_conf_flow_limits none;
		kg_sess_record *rec = NULL;
		memset(&none, 0, sizeof(none));
		for (int i = 0; i < threads; i++) {
			apr_pool_t *sub;
			apr_pool_create(&sub, pool);
			rec = make_record(pool,
					  kg_psprintf(sub, "fill%d", i / 3),
					  kg_pol_clock_now(NULL));
			if (kg_sess_store_create(store, sub, rec, &none,
						 kg_pol_clock_now(NULL), &out,
						 &err) != KG_OK)
				return 1;
			apr_pool_destroy(sub);
		}
		printf("%s\n", rec ? rec->id : "");
		apr_pool_destroy(pool);
		apr_terminate();
		return 0;
	}
	pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
	for (int i = 0; i < threads; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].store = store;
		w[i].create = strncmp(argv[2], "create", 6) == 0;
		w[i].evict = strcmp(argv[2], "create-evict") == 0;
		w[i].index = i;
		w[i].cookie = argc == 6 ? argv[5] : out.cookie;
		w[i].seconds = seconds;
		w[i].start = &start;
		pthread_create(&th[i], NULL, run, &w[i]);
	}
	pthread_barrier_wait(&start);
	t0 = now_s();
	for (int i = 0; i < threads; i++) {
		pthread_join(th[i], NULL);
		ops += w[i].ops;
		errors += w[i].errors;
	}
	printf("%ld %.6f\n", ops, now_s() - t0);
	pthread_barrier_destroy(&start);
	if (errors)
		fprintf(stderr, "%ld errors\n", errors);
	apr_pool_destroy(pool);
	apr_terminate();
	return errors ? 1 : 0;
}
