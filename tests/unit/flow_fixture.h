/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the request flow without Apache. A real
 * redis-server on 127.0.0.1 (a free port, in a mktemp -d folder
 * $TMPDIR/kgt-flow.PID.XXXXXX, stopped by pid at the end of the test, at
 * exit, and by the kernel if the test process dies: PR_SET_PDEATHSIG; the
 * folder of a test process that died is removed by the next flow test),
 * a kg_conf read from config text, a gateway made by kg_gateway_check +
 * kg_gateway_open, and builders for kg_req and readers for kg_resp.
 *
 * Use: cmocka_unit_test_setup_teardown(fn, kgt_flow_setup,
 * kgt_flow_teardown), then in the test kgt_flow_begin(state, "extra
 * config text"). When redis-server is not installed the test is skipped
 * (with a "# SKIP" line naming the reason); any other failure to start
 * fails the test.
 */
#ifndef KGT_FLOW_FIXTURE_H
#define KGT_FLOW_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "conf/conf.h"
#include "conf/location.h"
#include "gateway/base/http.h"
#include "gateway/base/log.h"
#include "gateway/flow/gateway.h"
#include "sessions/store.h"

#include <apr_pools.h>
#include <stdbool.h>
#include <sys/types.h>

/* The session secret every flow test uses (64 bytes). */
#define KGT_FLOW_SECRET                                                        \
	"flow-tests-secret-0123456789abcdef0123456789abcdef0123456789abcd"
#define KGT_FLOW_HOST "gw.example"

typedef struct {
	apr_pool_t *pool;     /* the test's: requests and answers live here */
	apr_pool_t *gw_pool;  /* the gateway's (a child process's) */
	apr_pool_t *req_pool; /* the requests' (destroyed before gw_pool,
				 as httpd ends a request before its child) */
	const char *dir;      /* the mktemp -d folder: redis, config, files */
	pid_t redis_pid;      /* 0 once stopped */
	int redis_port;
	kg_conf *conf;
	kg_gateway *gw;
	kg_sess_store *store; /* the fixture's own, uncached: what Redis
				 holds, as an admin command would see it */
	kg_log log;	      /* captures every line (thread-safe) */
	void *capture;	      /* the captured lines (private) */
} kgt_flow;

/* cmocka setup/teardown: the teardown frees the gateway, stops redis
 * and removes the folder, whatever the test did. */
int kgt_flow_setup(void **state);
int kgt_flow_teardown(void **state);
#define KGT_FLOW(fn)                                                           \
	cmocka_unit_test_setup_teardown(fn, kgt_flow_setup, kgt_flow_teardown)

/* Starts redis and the gateway for the config text extra (may be NULL),
 * which follows KeygateRedis, KeygateSessionSecret and KeygateBaseURL
 * lines (so it may override them). In extra, @DIR@ stands for the
 * folder. Skips the test when redis-server is not installed. */
kgt_flow *kgt_flow_begin(void **state, const char *extra);

/* kgt_flow_begin, with NULL-terminated pairs of file NAME, TEXT written
 * into the folder first (mapper files, keys: what the config names as
 * @DIR@/NAME). */
kgt_flow *kgt_flow_begin_with(void **state, const char *extra, ...);

/* Like kgt_flow_begin, but returns kg_gateway_check's or
 * kg_gateway_open's result instead of failing (f->gw NULL then). */
kg_rc kgt_flow_try(void **state, const char *extra, kgt_flow **out,
		   kg_err *err);

/* The test pool of a flow test's state (for text made before begin). */
#define KGT_FLOW_POOL(state) (((kgt_flow *)*(state))->pool)

/* Config text for the loopback OIDC provider of jwt_world.h: alias
 * "corp", client "client" with secret "s3cret", short timeouts (made
 * once, in the world's pool). */
const char *kgt_flow_oidc_conf(void);

/* A token signed by the world's RSA key k1 with claims (' for "), where
 * NOW+N / NOW-N stand for the real clock's seconds plus or minus N and ISS
 * for the world's issuer (the gateway reads the real clock). */
const char *kgt_flow_jwt(apr_pool_t *pool, const char *claims);

/* Writes text to the file name in the folder; returns its path. */
const char *kgt_flow_file(kgt_flow *f, const char *name, const char *text);

/* A number from redis's INFO (e.g. "keyspace_hits"). */
long long kgt_redis_info(kgt_flow *f, const char *field);

/* Stops redis now (SIGTERM, then SIGKILL), by pid; idempotent. */
void kgt_flow_stop_redis(kgt_flow *f);

/* A request: method and target ("/path?query"), Host gw.example, https,
 * client 192.0.2.10. */
kg_req *kgt_req(kgt_flow *f, const char *method, const char *target);
/* Adds a request header. */
void kgt_req_header(kg_req *req, const char *name, const char *value);
/* Adds name=value to the request's Cookie header. */
void kgt_req_cookie(kg_req *req, const char *name, const char *value);
/* Sets a body with its Content-Type. */
void kgt_req_body(kg_req *req, const char *content_type, const char *body);
/* Adds the session cookie (the configured name). */
void kgt_req_session(kgt_flow *f, kg_req *req, const char *cookie);

/* A location: unauth action and NULL-terminated pairs of identity header
 * NAME, SOURCE (as KeygateIdentityHeader takes them). */
kg_conf_location *kgt_loc(kgt_flow *f, kg_unauth_action unauth, ...);

/* Runs kg_gateway_endpoint / kg_gateway_authenticate on req. */
kg_resp *kgt_endpoint(kgt_flow *f, kg_req *req);
kg_resp *kgt_authenticate(kgt_flow *f, const kg_conf_location *loc, kg_req *req,
			  kg_caller *caller);

/* The HTTP status the client gets: REPLY's status, or for FAIL the
 * status its rc maps to (kgt_status_of_rc); 0 for CONTINUE, -1 for
 * DECLINE. */
int kgt_status(const kg_resp *resp);
/* The documented rc -> status table (DESIGN.md, gateway/httpd/status.c):
 * what test_httpd_req holds kg_httpd_status_of to. */
int kgt_status_of_rc(kg_rc rc);
/* A response header (the first), or NULL. */
const char *kgt_resp_header(const kg_resp *resp, const char *name);
/* The Set-Cookie header of cookie name, or NULL. */
const char *kgt_set_cookie(const kg_resp *resp, const char *name);
/* The value part of a Set-Cookie header ("" when cleared), in pool. */
const char *kgt_cookie_value(apr_pool_t *pool, const char *set_cookie);
/* Fails the test unless resp is a FAIL with rc and reason. */
void kgt_expect_fail(const kg_resp *resp, kg_rc rc, const char *reason);

/* A session record for username with NULL-terminated roles (org:X adds
 * an organization), Test User, username@example.org, idp "test",
 * protocol "oidc", browser flow, live now; change it before minting. */
kg_sess_record *kgt_flow_record(kgt_flow *f, const char *username, ...);
/* Creates rec in Redis through the sessions API (as
 * tests/integration/mint_session.c does); returns the cookie value. */
const char *kgt_flow_mint(kgt_flow *f, kg_sess_record *rec);
/* kgt_flow_mint(kgt_flow_record(username, roles...)). */
const char *kgt_flow_session(kgt_flow *f, const char *username, ...);
/* The session of cookie as Redis holds it: KG_OK (and *out when out is
 * not NULL), KG_ENOTFOUND, or KG_EBACKEND. */
kg_rc kgt_flow_lookup(kgt_flow *f, const char *cookie, kg_sess_record **out);
/* How many live sessions user (NULL: anyone) has in Redis. */
long long kgt_flow_count(kgt_flow *f, const char *user);

/* True when some captured log line contains needle. */
bool kgt_flow_logged(kgt_flow *f, const char *needle);
/* Every captured line, newline-separated, copied into f->pool. */
const char *kgt_flow_log_text(kgt_flow *f);

#endif
