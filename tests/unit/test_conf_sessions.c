/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the session directives, read from a config file.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include "conf/conf.h"

#include <apr_strings.h>
#include <string.h>

/* Loads text as a config file; returns the rc and leaves the message in
 * err. */
static void test_sessions_defaults(void **state)
{
	kg_conf *conf = kg_conf_make(*state);
	const kg_conf_sessions *s = &conf->sessions;

	assert_string_equal(s->redis_prefix, "keygate:");
	assert_string_equal(s->cookie_samesite, "Lax");
	assert_int_equal(s->cookie_secure, KG_COOKIE_SECURE_AUTO);
	assert_null(s->cookie_domain);
	assert_true(s->sso_idle_s == 1800);
	assert_true(s->sso_max_s == 60LL * 86400);
	assert_true(s->idle_timeout_s == 0);
	for (int f = 0; f < KG_FLOW_COUNT; f++) {
		assert_true(s->limits[f].user.max == 0);
		assert_true(s->limits[f].realm.max == 0);
	}
	assert_null(s->secret.bytes);
}

static void test_sessions_directives_are_read(void **state)
{
	apr_pool_t *pool = *state;
	const char *secret_file =
		kgt_temp_file(pool, "0123456789abcdef0123456789abcdef-file\n");
	const char *text = kg_psprintf(
		pool,
		"KeygateRedis redis.internal:6380\n"
		"KeygateRedisUser gateway\n"
		"KeygateRedisPassword file:%s\n"
		"KeygateRedisDatabase 3\n"
		"KeygateRedisPrefix kg-test:\n"
		"KeygateRedisTimeout 250 500\n"
		"KeygateRedisSentinels 10.0.0.1:26379 10.0.0.2:26379\n"
		"KeygateRedisSentinelMaster mymaster\n"
		"KeygateSessionSecret file:%s\n"
		"KeygateSessionPreviousSecret "
		"an-inline-previous-secret-of-32-bytes\n"
		"KeygateCookieName __Host-keygate\n"
		"KeygateCookieSameSite strict\n"
		"KeygateCookieSecure Off\n"
		"KeygateSessionIdleTimeout 900\n"
		"KeygateSessionMaxLifetime 36000\n"
		"KeygateIdleTimeout 20\n"
		"KeygateSessionTouchInterval 30\n"
		"KeygateSessionLimit browser user On terminate-oldest\n"
		"KeygateSessionLimit all realm 1000 log-only\n"
		"KeygateSessionLimit api user 5 deny-new \"Too many API "
		"sessions\"\n",
		secret_file, secret_file);
	kg_conf *conf;
	kg_err err;
	const kg_conf_sessions *s;

	assert_int_equal(kgt_conf_load(pool, text, &conf, &err), KG_OK);
	s = &conf->sessions;
	assert_string_equal(s->redis_host, "redis.internal");
	assert_int_equal(s->redis_port, 6380);
	assert_string_equal(s->redis_user, "gateway");
	assert_int_equal(s->redis_password.len, 37); /* newline dropped */
	assert_int_equal(s->redis_database, 3);
	assert_string_equal(s->redis_prefix, "kg-test:");
	assert_true(s->redis_connect_timeout_ms == 250);
	assert_true(s->redis_command_timeout_ms == 500);
	assert_int_equal(s->sentinels->nelts, 2);
	assert_int_equal(APR_ARRAY_IDX(s->sentinels, 1, kg_conf_endpoint).port,
			 26379);
	assert_string_equal(s->sentinel_master, "mymaster");
	assert_memory_equal(s->secret.bytes, "0123456789abcdef", 16);
	assert_int_equal(s->previous_secret.len, 37);
	assert_string_equal(s->cookie_name, "__Host-keygate");
	assert_string_equal(s->cookie_samesite, "Strict");
	assert_int_equal(s->cookie_secure, KG_COOKIE_SECURE_OFF);
	assert_true(s->sso_idle_s == 900);
	assert_true(s->sso_max_s == 36000);
	assert_true(s->idle_timeout_s == 1200);
	assert_true(s->touch_interval_s == 30);
	assert_true(s->limits[KG_FLOW_BROWSER].user.max == 3);
	assert_int_equal(s->limits[KG_FLOW_BROWSER].user.behaviour,
			 KG_LIMIT_TERMINATE_OLDEST);
	assert_true(s->limits[KG_FLOW_SSO].user.max == 0);
	for (int f = 0; f < KG_FLOW_COUNT; f++) {
		assert_true(s->limits[f].realm.max == 1000);
		assert_int_equal(s->limits[f].realm.behaviour,
				 KG_LIMIT_LOG_ONLY);
	}
	assert_string_equal(s->limits[KG_FLOW_API].user.message,
			    "Too many API sessions");
}

static void test_cookie_secure_and_domain_are_read(void **state)
{
	kg_conf *conf;
	kg_err err;

	assert_int_equal(kgt_conf_load(*state,
				       "KeygateCookieSecure auto\n"
				       "KeygateCookieDomain .Example.COM\n"
				       "KeygateCookieName keygate_dp\n",
				       &conf, &err),
			 KG_OK);
	assert_int_equal(conf->sessions.cookie_secure, KG_COOKIE_SECURE_AUTO);
	/* the leading dot of the old syntax is dropped, case folded */
	assert_string_equal(conf->sessions.cookie_domain, "example.com");
	assert_int_equal(
		kgt_conf_load(*state, "KeygateCookieSecure ON\n", &conf, &err),
		KG_OK);
	assert_int_equal(conf->sessions.cookie_secure, KG_COOKIE_SECURE_ON);
}

/* Bad lines and the message each must give. */
static void test_sessions_directive_errors(void **state)
{
	static const kgt_bad_directive rows[] = {
		{"KeygateRedis host:99999", "port"},
		{"KeygateRedis unix:relative", "unix:///ABSOLUTE/PATH"},
		{"KeygateSessionSecret short", "shorter than 32"},
		{"KeygateSessionSecret file:/nonexistent/secret",
		 "nonexistent"},
		{"KeygateCookieName bad;name", "cookie name"},
		{"KeygateCookieSameSite Sometimes", "Lax, Strict or None"},
		{"KeygateSessionIdleTimeout -1", "whole number"},
		{"KeygateSessionMaxLifetime 0", "whole number"},
		{"KeygateSessionLimit web user 3", "browser, sso, api or all"},
		{"KeygateSessionLimit browser group 3", "user or realm"},
		{"KeygateSessionLimit browser realm On", "whole number"},
		{"KeygateSessionLimit browser user 3 log-only",
		 "deny-new or terminate-oldest"},
		{"KeygateRedisSentinels 10.0.0.1:0", "port"},
		{"KeygateRedisTimeout 0", "whole number"},
		{"KeygateCookieSecure maybe", "On, Off or Auto"},
		{"KeygateCookieDomain exa_mple.com", "DNS domain"},
		{"KeygateCookieDomain 10.0.0.1", "DNS domain"},
		{"KeygateCookieDomain a..b", "DNS domain"},
		{"KeygateCookieDomain -a.b", "DNS domain"},
		/* a __Host- cookie with a Domain is dropped by browsers:
		 * refused whichever directive comes second */
		{"KeygateCookieName __Host-kg\nKeygateCookieDomain example.com",
		 "2:21: KeygateCookieDomain: \"example.com\" conflicts with "
		 "KeygateCookieName __Host-kg"},
		{"KeygateCookieDomain example.com\nKeygateCookieName __host-kg",
		 "2:19: KeygateCookieName: \"__host-kg\" is a __Host- name"},
	};
	kgt_expect_directive_errors(*state, rows,
				    sizeof(rows) / sizeof(rows[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_sessions_defaults),
		KGT(test_sessions_directives_are_read),
		KGT(test_sessions_directive_errors),
		KGT(test_cookie_secure_and_domain_are_read),
	};
	return KGT_RUN(tests);
}
