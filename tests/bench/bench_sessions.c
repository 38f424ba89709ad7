/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate benchmark driver: session lookup and create-with-limit
 * throughput against a running redis-server, with N client threads (each
 * its own connection, as httpd worker threads have; each its own pool,
 * cleared after every operation, as httpd's request pool is).
 *   bench_sessions PORT seed 0 0
 * Creates one session and prints "COOKIE ID": the session every lookup
 * run reads, and whose Redis key redis-benchmark GETs in the same run.
 *   bench_sessions PORT lookup|create THREADS SECONDS [COOKIE]
 * Runs THREADS threads, started together, for SECONDS and prints
 * "OPS ELAPSED_SECONDS" (the wall time from the common start to the last
 * thread's end). lookup reads COOKIE (default: a session it seeds).
 *   bench_sessions PORT fill COUNT 0
 * Creates COUNT sessions (3 per user) and prints one session's Redis id,
 * for the bytes-per-session measure. tests/bench/sessions.sh runs it.
 */
#include "conf/sessions.h"
#include "gateway/base/str.h"
#include "policy/timeouts.h"
#include "sessions/store.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECRET "benchmark-secret-of-at-least-32-bytes!!"
#define MAX_THREADS 64

typedef struct {
	kg_sess_store *store;
	bool create;
	bool new_users; /* every create for a user with no session yet */
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
				      {0, KG_LIMIT_DENY_NEW, NULL}};
	apr_pool_t *pool;
	double deadline;
	int n = 0;

	apr_pool_create(&pool, NULL);
	pthread_barrier_wait(w->start);
	deadline = now_s() + w->seconds;
	while (now_s() < deadline) {
		kg_sess_record *rec;
		kg_sess_created out;
		kg_err err;
		kg_rc rc;
		kg_err_clear(&err);
		if (w->create)
			rc = kg_sess_store_create(
				w->store, pool,
				make_record(
					pool,
					kg_psprintf(pool, "user%d-%d", w->index,
						    w->new_users ? n++
								 : n++ % 1000),
					kg_pol_clock_now(NULL)),
				&limits, kg_pol_clock_now(NULL), &out, &err);
		else
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
	threads = atoi(argv[3]);
	seconds = atof(argv[4]);
	if (strcmp(argv[2], "fill") != 0 && strcmp(argv[2], "seed") != 0 &&
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
	if (kg_sess_store_open(pool, &conf, NULL, &store, &err) != KG_OK)
		return 1;
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
		w[i].new_users = strcmp(argv[2], "create-new") == 0;
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
