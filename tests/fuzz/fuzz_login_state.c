/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate fuzz target: the sealed login-state cookie a browser brings
 * back to the OIDC callback, through kg_login_state_read with a fixed
 * session secret, state and clock: the cookie lookup, base64url, the
 * AES-256-GCM open bound to the state, then the JSON inside and its
 * checks (members, state, age). Each input is used twice: as the cookie's
 * value as sent, and as the plaintext, sealed here under the fixed key,
 * so mutations also reach what only an opened cookie reaches.
 *
 * KG_FUZZ_WRITE_SEEDS=DIR makes the initialisation write the seeds of
 * tests/fuzz/corpus/login_state into DIR (a cookie sealed by
 * kg_login_state_cookie, its plaintext, and broken variants) and exit.
 */
#include "gateway/base/b64url.h"
#include "gateway/flow/login/state.h"
#include "sessions/users.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "keygate-fuzz-session-secret-of-32-bytes-at-least"
#define STATE "b1HJu6yBk0Xc8xq3V2Rrm4H0cQv7e2Ws5kLgT9dZpQA"
#define NOW_MS 1795604056000LL /* 2026-11-25T10:54:16Z */
#define COOKIE "keygate_login_b1HJu6yBk0Xc8xq3"

static apr_pool_t *root;
static kg_gateway gw;

/* Reads the login of STATE from a request whose Cookie header is
 * COOKIE=value. */
static kg_rc read_cookie(apr_pool_t *pool, const char *value,
			 kg_login_pending *out)
{
	kg_req *req = kg_req_make(pool);
	kg_err err = {0};

	req->method = "GET";
	apr_table_setn(req->headers, "Cookie",
		       apr_pstrcat(pool, COOKIE "=", value, NULL));
	return kg_login_state_read(&gw, req, STATE, NOW_MS, out, &err);
}

/* The cookie value of pending, made by the gateway's own writer. */
static const char *write_cookie(apr_pool_t *pool,
				const kg_login_pending *pending)
{
	const char *set_cookie, *value;
	kg_req *req = kg_req_make(pool);
	kg_err err = {0};

	req->method = "GET";
	if (kg_login_state_cookie(&gw, req, pending, &set_cookie, &err) !=
	    KG_OK) {
		fprintf(stderr, "fuzz_login_state: %s\n", err.msg);
		exit(1);
	}
	value = strchr(set_cookie, '=') + 1;
	return apr_pstrndup(pool, value, strcspn(value, ";"));
}

static void write_seed(const char *dir, const char *name, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		fprintf(stderr, "fuzz_login_state: cannot write %s\n", path);
		exit(1);
	}
}

static void write_seeds(const char *dir, const kg_login_pending *p)
{
	apr_pool_t *pool;
	char *cookie, *flipped;
	kg_login_pending other = *p;

	apr_pool_create(&pool, root);
	cookie = (char *)write_cookie(pool, p);
	write_seed(dir, "sealed-valid", cookie);
	flipped = apr_pstrdup(pool, cookie);
	flipped[strlen(flipped) / 2] ^= 0x01;
	write_seed(dir, "sealed-flipped", flipped);
	write_seed(dir, "sealed-truncated",
		   apr_pstrndup(pool, cookie, strlen(cookie) - 5));
	write_seed(dir, "sealed-not-base64url",
		   apr_pstrcat(pool, cookie, "+/=", NULL));
	other.state = "AnotherStateThanTheCallbacksOneAAAAAAAAAAAA";
	write_seed(dir, "sealed-other-state", write_cookie(pool, &other));
	other = *p;
	other.created_ms =
		NOW_MS - (gw.conf->gateway.login_state_timeout_s + 1) * 1000LL;
	write_seed(dir, "sealed-expired", write_cookie(pool, &other));
	write_seed(dir, "plain-valid",
		   kg_psprintf(pool,
			       "{\"s\":\"%s\",\"n\":\"%s\",\"v\":\"%s\","
			       "\"r\":\"%s\",\"t\":%lld}",
			       p->state, p->nonce, p->code_verifier,
			       p->return_to, p->created_ms));
	write_seed(dir, "plain-time-as-string",
		   "{\"s\":\"" STATE "\",\"n\":\"n\",\"v\":\"v\",\"r\":\"/\","
		   "\"t\":\"1795604050000\"}");
	write_seed(dir, "plain-missing-verifier",
		   "{\"s\":\"" STATE "\",\"n\":\"n\",\"r\":\"/\","
		   "\"t\":1795604050000}");
	write_seed(dir, "plain-too-deep",
		   "{\"s\":[[[[[\"" STATE "\"]]]]],\"t\":1}");
	write_seed(dir, "empty", "");
	apr_pool_destroy(pool);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const kg_login_pending pending = {
		.kind = KG_LOGIN_PENDING_OIDC,
		.state = STATE,
		.nonce = "Zq0d3nKfV6u8cQe1xY5tWm2pLr9sHj4bAo7gNi3kDfE",
		.code_verifier = "Pk5vT2yWq8rLm3nXb6cZs1dFg9hJk4lQw7eRt0yUi2o",
		.return_to = "/app/reports?q=1",
		.created_ms = NOW_MS - 30000,
	};
	kg_conf *conf;
	kg_login_pending back;
	const char *seeds = getenv("KG_FUZZ_WRITE_SEEDS");
	apr_pool_t *pool;
	kg_err err = {0};

	apr_initialize();
	atexit(apr_terminate);
	apr_pool_create(&root, NULL);
	conf = kg_conf_make(root);
	conf->sessions.secret.bytes = (const unsigned char *)SECRET;
	conf->sessions.secret.len = strlen(SECRET);
	gw.pool = root;
	gw.conf = conf;
	if (kg_sess_store_open(root, &conf->sessions, NULL, &gw.store, &err) !=
	    KG_OK) {
		fprintf(stderr, "fuzz_login_state: %s\n", err.msg);
		exit(1);
	}
	if (seeds) {
		write_seeds(seeds, &pending);
		exit(0);
	}
	/* a cookie the writer made reads back, or the fixed world is off */
	apr_pool_create(&pool, root);
	if (read_cookie(pool, write_cookie(pool, &pending), &back) != KG_OK ||
	    strcmp(back.code_verifier, pending.code_verifier) != 0) {
		fprintf(stderr,
			"fuzz_login_state: a fresh cookie is refused\n");
		exit(1);
	}
	apr_pool_destroy(pool);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	apr_pool_t *pool;
	unsigned char *sealed;
	size_t len;
	kg_login_pending out;
	kg_err err = {0};

	if (size > 64 * 1024)
		return 0;
	apr_pool_create(&pool, root);
	/* the input as the cookie's value (up to a NUL, as a header is) */
	read_cookie(pool, apr_pstrmemdup(pool, (const char *)data, size), &out);
	/* the input as the plaintext of a cookie keygate sealed */
	if (kg_sess_blob_seal(gw.store, pool, "login:" STATE, data, size,
			      &sealed, &len, &err) == KG_OK &&
	    read_cookie(pool, kg_b64url_encode(pool, sealed, len), &out) ==
		    KG_OK &&
	    (strcmp(out.state, STATE) != 0 || out.created_ms > NOW_MS + 60000 ||
	     NOW_MS - out.created_ms >
		     gw.conf->gateway.login_state_timeout_s * 1000LL))
		abort(); /* the contract: this state's, within the TTL */
	apr_pool_destroy(pool);
	return 0;
}
