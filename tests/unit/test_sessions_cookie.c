/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the session cookie: fresh values, strict checking
 * of presented ones (before any Redis call), the Redis id, attributes.
 */
#include "tests/unit/fixture.h"

#include "conf/sessions.h"
#include "sessions/cookie.h"
#include "sessions/store.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <string.h>

#define GOOD "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

static void test_cookie_new_values_are_valid_and_distinct(void **state)
{
	apr_pool_t *pool = *state;
	apr_hash_t *seen = apr_hash_make(pool);
	kg_err err;

	for (int i = 0; i < 2000; i++) {
		char *v = apr_palloc(pool, KG_SESS_COOKIE_LEN + 1);
		kg_err_clear(&err);
		assert_int_equal(kg_sess_cookie_new(v, &err), KG_OK);
		assert_int_equal(strlen(v), KG_SESS_COOKIE_LEN);
		assert_true(kg_sess_cookie_is_valid(v, strlen(v)));
		assert_null(apr_hash_get(seen, v, APR_HASH_KEY_STRING));
		apr_hash_set(seen, v, APR_HASH_KEY_STRING, v);
	}
}

/* Presented values that must be refused; each row says why. */
static void test_cookie_rejects_malformed_values(void **state)
{
	apr_pool_t *pool = *state;
	char *big = apr_palloc(pool, 10 * 1024 + 1);
	static const char *const bad[] = {
		"",						/* empty */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* 42 chars */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 44 chars */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA*",	/* key glob */
		"*",						/* key glob */
		"keygate:s:*AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	/* key injection
								 */
		"AAAAAAAAAAAAAAAAAAAAA\r\nFLUSHALL\r\nAAAAAAAAAA", /* CRLF */
		"AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAAA",	   /* space */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",	   /* padding */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",	   /* base64 */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/",	   /* base64 */
		"%s%s%s%nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",	   /* format */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", /* low bits set
								*/
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\xc3\xa9", /* UTF-8 */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(kg_sess_cookie_is_valid(bad[i], strlen(bad[i])));
	memset(big, 'A', 10 * 1024);
	big[10 * 1024] = '\0';
	assert_false(kg_sess_cookie_is_valid(big, strlen(big)));
	/* a NUL inside: the length says 43, the text stops early */
	assert_false(kg_sess_cookie_is_valid(
		"AAAAAAAAAAAAAAAAAAAAA\0AAAAAAAAAAAAAAAAAAAAA", 43));
	assert_false(kg_sess_cookie_is_valid(NULL, 43));
	assert_true(kg_sess_cookie_is_valid(GOOD, 43));
	assert_true(kg_sess_cookie_is_valid(
		"abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE", 43));
}

static void test_cookie_id_is_keyed_hex(void **state)
{
	unsigned char k1[32] = {1}, k2[32] = {2};
	char a[KG_SESS_ID_LEN + 1], b[KG_SESS_ID_LEN + 1],
		c[KG_SESS_ID_LEN + 1];

	kg_sess_cookie_id(k1, GOOD, a);
	kg_sess_cookie_id(k1, GOOD, b);
	kg_sess_cookie_id(k2, GOOD, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), KG_SESS_ID_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), KG_SESS_ID_LEN);
	assert_null(strstr(a, "AAAA"));
}

static void test_cookie_id_ctx_matches_one_shot(void **state)
{
	unsigned char k1[32] = {1}, k2[32] = {2};
	char a[KG_SESS_ID_LEN + 1], b[KG_SESS_ID_LEN + 1];
	EVP_MAC_CTX *m1 = kg_sess_cookie_mac_new(k1);
	EVP_MAC_CTX *m2 = kg_sess_cookie_mac_new(k2);

	assert_non_null(m1);
	assert_non_null(m2);
	/* the reused context gives the same id every time, and HMAC()'s */
	for (int i = 0; i < 3; i++) {
		kg_sess_cookie_id(k1, GOOD, a);
		assert_true(kg_sess_cookie_id_ctx(m1, GOOD, b));
		assert_string_equal(a, b);
		kg_sess_cookie_id(k2, GOOD, a);
		assert_true(kg_sess_cookie_id_ctx(m2, GOOD, b));
		assert_string_equal(a, b);
	}
	kg_sess_cookie_id(k1, "abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE", a);
	assert_true(kg_sess_cookie_id_ctx(
		m1, "abcdefghijklmnopqrstuvwxyz-_0123456789ABCDE", b));
	assert_string_equal(a, b);
	EVP_MAC_CTX_free(m1);
	EVP_MAC_CTX_free(m2);
}

static void test_cookie_header_has_safe_defaults(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_sessions conf;

	kg_conf_sessions_defaults(pool, &conf);
	assert_string_equal(kg_sess_cookie_header(pool, &conf, GOOD, -1, true),
			    "keygate_session=" GOOD
			    "; Path=/; HttpOnly; Secure; SameSite=Lax");
	conf.cookie_name = "__Host-kg";
	conf.cookie_samesite = "Strict";
	assert_string_equal(kg_sess_cookie_header(pool, &conf, "", 0, true),
			    "__Host-kg=; Path=/; Max-Age=0; HttpOnly; Secure; "
			    "SameSite=Strict");
	/* Secure is the caller's per-request decision */
	assert_string_equal(kg_sess_cookie_header(pool, &conf, "", 0, false),
			    "__Host-kg=; Path=/; Max-Age=0; HttpOnly; "
			    "SameSite=Strict");
}

/* KeygateCookieDomain: the cookie is shared with the subdomains, and the
 * clearing cookie names the same Domain (or the browser keeps it). */
static void test_cookie_header_with_a_domain(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_sessions conf;

	kg_conf_sessions_defaults(pool, &conf);
	assert_null(conf.cookie_domain);
	conf.cookie_domain = "example.com";
	assert_string_equal(kg_sess_cookie_header(pool, &conf, GOOD, -1, true),
			    "keygate_session=" GOOD "; Path=/; "
			    "Domain=example.com; HttpOnly; Secure; "
			    "SameSite=Lax");
	assert_string_equal(kg_sess_cookie_header(pool, &conf, "", 0, true),
			    "keygate_session=; Path=/; Domain=example.com; "
			    "Max-Age=0; HttpOnly; Secure; SameSite=Lax");
}

/* A store whose Redis does not exist: a malformed cookie must be refused
 * as "no session" without trying Redis (which would be KG_EBACKEND). */
static void test_cookie_malformed_is_refused_before_redis(void **state)
{
	apr_pool_t *pool = *state;
	static const char *const bad[] = {
		"*", "abc def", "abc\r\nFLUSHALL\r\n", "keygate:s:*", "",
	};
	kg_conf_sessions conf;
	kg_sess_store *store;
	kg_sess_record *rec;
	kg_err err;

	kg_conf_sessions_defaults(pool, &conf);
	conf.redis_port = 1; /* nothing listens there */
	conf.redis_connect_timeout_ms = 200;
	conf.secret.bytes =
		(const unsigned char
			 *)"a-secret-of-at-least-thirty-two-bytes!!";
	conf.secret.len = 39;
	kg_err_clear(&err);
	assert_int_equal(kg_sess_store_open(pool, &conf, NULL, &store, &err),
			 KG_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		kg_err_clear(&err);
		assert_int_equal(kg_sess_store_load(store, pool, bad[i],
						    strlen(bad[i]), &rec, &err),
				 KG_ENOTFOUND);
	}
	/* a well-formed cookie does reach for Redis, which is down */
	kg_err_clear(&err);
	assert_int_equal(kg_sess_store_load(store, pool, GOOD, 43, &rec, &err),
			 KG_EBACKEND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_cookie_new_values_are_valid_and_distinct),
		KGT(test_cookie_rejects_malformed_values),
		KGT(test_cookie_id_is_keyed_hex),
		KGT(test_cookie_id_ctx_matches_one_shot),
		KGT(test_cookie_header_has_safe_defaults),
		KGT(test_cookie_header_with_a_domain),
		KGT(test_cookie_malformed_is_refused_before_redis),
	};
	return KGT_RUN(tests);
}
