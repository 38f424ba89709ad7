/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate unit tests: the Redis address forms (conf/redis_url.h), the
 * KeygateRedis / Sentinel / TLS directives that use them, and the checks
 * of settings that go together.
 */
#include "tests/unit/fixture.h"
#include "gateway/base/str.h"

#include "conf/conf.h"
#include "conf/directive.h"
#include "conf/redis_url.h"

#include <apr_strings.h>
#include <string.h>

/* Parses text, which must be accepted. */
static kg_conf_redis_url parse_ok(apr_pool_t *pool, const char *text)
{
	kg_conf_redis_url u;
	const char *msg = kg_conf_redis_url_parse(pool, text, 6379, &u);

	if (msg)
		fail_msg("%s: refused: %s", text, msg);
	return u;
}

static void test_url_forms(void **state)
{
	apr_pool_t *pool = *state;
	kg_conf_redis_url u;

	u = parse_ok(pool, "redis.internal");
	assert_string_equal(u.host, "redis.internal");
	assert_int_equal(u.port, 6379);
	assert_false(u.tls);
	assert_int_equal(u.database, -1);
	assert_null(u.password.bytes);

	u = parse_ok(pool, "10.0.0.5:6380");
	assert_string_equal(u.host, "10.0.0.5");
	assert_int_equal(u.port, 6380);

	u = parse_ok(pool, "[::1]:6390");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 6390);
	u = parse_ok(pool, "[fe80::1:2]");
	assert_string_equal(u.host, "fe80::1:2");
	assert_int_equal(u.port, 6379);

	u = parse_ok(pool, "redis://r.example:7000/3");
	assert_string_equal(u.host, "r.example");
	assert_int_equal(u.port, 7000);
	assert_int_equal(u.database, 3);
	assert_false(u.tls);

	u = parse_ok(pool, "rediss://gateway:s%40cr%3At+x@r.example");
	assert_true(u.tls);
	assert_string_equal(u.user, "gateway");
	assert_int_equal(u.password.len, 8);
	assert_memory_equal(u.password.bytes, "s@cr:t+x", 8);
	assert_int_equal(u.port, 6379);

	/* the last '@' ends the user part */
	u = parse_ok(pool, "REDISS://:p@ss@[::1]:6380/");
	assert_true(u.tls);
	assert_null(u.user);
	assert_int_equal(u.password.len, 4);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.database, -1);

	u = parse_ok(pool, "unix:///run/redis/redis.sock");
	assert_string_equal(u.socket, "/run/redis/redis.sock");
	assert_null(u.host);
	u = parse_ok(pool, "unix:/run/redis.sock");
	assert_string_equal(u.socket, "/run/redis.sock");
}

static void test_url_hostile(void **state)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
		{"", "empty"},
		{"http://r.example", "scheme keygate cannot serve"},
		{"redis-sentinel://r.example", "scheme keygate cannot serve"},
		{"rediss+tls://r.example", "scheme keygate cannot serve"},
		{"valkey://r.example", "scheme keygate cannot serve"},
		{"redis://", "empty host"},
		{"redis://:6379", "empty host"},
		{"redis://r.example:0", "port"},
		{"redis://r.example:65536", "port"},
		{"redis://r.example:+1", "port"},
		{"redis://r.example:-1", "port"},
		{"redis://r.example:12345678901234567890", "port"},
		{"redis://r.example:", "port"},
		{"redis://r.example/x", "database"},
		{"redis://r.example/-1", "database"},
		{"redis://r.example/1/2", "database"},
		{"redis://r.example?db=1", "query"},
		{"redis://r.example#frag", "query"},
		{"redis://user@r.example", "user without a password"},
		{"redis://user:@r.example", "empty password"},
		{"redis://u:%zz@r.example", "%-escape"},
		{"redis://u:%00@r.example", "%-escape"},
		{"redis://u:%4@r.example", "%-escape"},
		{"redis://u%20x:p@r.example", "user name"},
		{"redis://r ex", "space"},
		{"redis://r.example\r\nX", "control"},
		{"redis://r\xc3\xa9.example", "non-ASCII"},
		{"::1", "IPv6 address without brackets"},
		{"::1:6379", "IPv6 address without brackets"},
		{"[::1", "without its ']'"},
		{"[::1]x", "after the IPv6 literal"},
		{"[]:6379", "not an address"},
		{"[not-v6]:6379", "not an address"},
		{"[1.2.3.4]:6379", "not an address"},
		{"r;x.example", "not a name or an address"},
		{"r.example/0", "need a redis:// or rediss:// URL"},
		{"u:p@r.example", "need a redis:// or rediss:// URL"},
		{"unix:relative", "unix:///ABSOLUTE/PATH"},
		{"unix://host/path", "takes no host"},
		{"unix:///", "unix:///ABSOLUTE/PATH"},
		{"unix:", "unix:///ABSOLUTE/PATH"},
	};
	apr_pool_t *pool = *state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		kg_conf_redis_url u;
		const char *msg =
			kg_conf_redis_url_parse(pool, rows[i].text, 6379, &u);
		if (msg == NULL)
			fail_msg("\"%s\" was accepted", rows[i].text);
		if (strstr(msg, rows[i].want) == NULL)
			fail_msg("\"%s\": \"%s\" lacks \"%s\"", rows[i].text,
				 msg, rows[i].want);
	}
}

/* A refused URL never echoes its password. */
static void test_url_message_hides_password(void **state)
{
	static const char *const texts[] = {
		"redis://u:hunter2@r.example:99999",
		"redis://u:hunter2@[::1",
		"rediss://u:hunter2@r.example/db",
		"http://u:hunter2@r.example",
	};
	apr_pool_t *pool = *state;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		kg_conf_redis_url u;
		const char *msg =
			kg_conf_redis_url_parse(pool, texts[i], 6379, &u);
		assert_non_null(msg);
		assert_null(strstr(msg, "hunter2"));
	}
}

static void test_redis_directives_take_urls(void **state)
{
	apr_pool_t *pool = *state;
	const char *text =
		"KeygateRedis rediss://gw:pa%24%24@redis.internal:6380/2\n"
		"KeygateRedisCAFile /etc/keygate/redis-ca.pem\n"
		"KeygateRedisServerName redis.example\n"
		"KeygateRedisClientCert /etc/keygate/client.pem\n"
		"KeygateRedisClientKey /etc/keygate/client.key\n"
		"KeygateRedisSentinels rediss://[::1] 10.0.0.2 "
		"redis://s3:26380\n"
		"KeygateRedisSentinelMaster mymaster\n"
		"KeygateRedisSentinelUser watcher\n"
		"KeygateRedisSentinelPassword sentinel-secret\n";
	kg_conf *conf;
	kg_err err;
	const kg_conf_sessions *s;
	const kg_conf_endpoint *e;
	const char *what;

	assert_int_equal(kgt_conf_load(pool, text, &conf, &err), KG_OK);
	s = &conf->sessions;
	assert_true(s->redis_tls);
	assert_string_equal(s->redis_host, "redis.internal");
	assert_int_equal(s->redis_port, 6380);
	assert_int_equal(s->redis_database, 2);
	assert_string_equal(s->redis_user, "gw");
	assert_int_equal(s->redis_password.len, 4);
	assert_memory_equal(s->redis_password.bytes, "pa$$", 4);
	assert_string_equal(s->redis_ca_file, "/etc/keygate/redis-ca.pem");
	assert_string_equal(s->redis_server_name, "redis.example");
	assert_int_equal(s->sentinels->nelts, 3);
	e = &APR_ARRAY_IDX(s->sentinels, 0, kg_conf_endpoint);
	assert_string_equal(e->host, "::1");
	assert_int_equal(e->port, 26379);
	assert_true(e->tls);
	e = &APR_ARRAY_IDX(s->sentinels, 1, kg_conf_endpoint);
	assert_int_equal(e->port, 26379);
	assert_false(e->tls);
	e = &APR_ARRAY_IDX(s->sentinels, 2, kg_conf_endpoint);
	assert_int_equal(e->port, 26380);
	assert_string_equal(s->sentinel_user, "watcher");
	assert_int_equal(s->sentinel_password.len, 15);
	assert_null(kg_conf_sessions_check(s, &what));
	assert_int_equal(kg_conf_finish(conf, &err), KG_OK);

	/* a later plain form turns TLS and the socket off again */
	assert_int_equal(kgt_conf_load(pool,
				       "KeygateRedis unix:///run/r.sock\n"
				       "KeygateRedis [::1]:7001\n",
				       &conf, &err),
			 KG_OK);
	assert_null(conf->sessions.redis_socket);
	assert_false(conf->sessions.redis_tls);
	assert_string_equal(conf->sessions.redis_host, "::1");
	assert_int_equal(conf->sessions.redis_port, 7001);
}

static void test_redis_directive_errors(void **state)
{
	static const kgt_bad_directive rows[] = {
		{"KeygateRedis memcached://r:11211",
		 "1:14: KeygateRedis: \"memcached://r:11211\" has a scheme "
		 "keygate cannot serve"},
		{"KeygateRedis redis://u:topsecret@r:0", "port"},
		{"KeygateRedisSentinels s1:26379 unix:///run/s.sock",
		 "1:32: KeygateRedisSentinels"},
		{"KeygateRedisSentinels redis://:pw@s1",
		 "KeygateRedisSentinelUser"},
		{"KeygateRedisSentinels redis://s1/2",
		 "KeygateRedisSentinelUser"},
		{"KeygateRedisServerName redis:6379", "host name or an IP"},
		{"KeygateRedisServerName [::1]", "host name or an IP"},
		{"KeygateRedisServerName a/b", "host name or an IP"},
		{"KeygateRedisSentinelPassword file:/nonexistent/pw",
		 "nonexistent"},
	};

	kgt_expect_directive_errors(*state, rows,
				    sizeof(rows) / sizeof(rows[0]));
}

/* The password never reaches an error message, even the directive's. */
static void test_redis_directive_error_hides_password(void **state)
{
	kg_conf *conf;
	kg_err err;

	assert_int_equal(kgt_conf_load(*state,
				       "KeygateRedis redis://u:topsecret@r:0\n",
				       &conf, &err),
			 KG_ECONFIG);
	if (strstr(err.msg, "topsecret"))
		fail_msg("the message shows the password: %s", err.msg);
}

/* What an error message may quote of an argument. */
static void test_arg_shown_hides_secrets(void **state)
{
	apr_pool_t *pool = *state;

	assert_string_equal(kg_directive_shown(pool, "KeygateRedis",
					       "redis://u:p@ss@h:1/2"),
			    "redis://u:********@h:1/2");
	assert_string_equal(
		kg_directive_shown(pool, "KeygateRedis", "rediss://:pw@[::1]"),
		"rediss://:********@[::1]");
	assert_string_equal(
		kg_directive_shown(pool, "KeygateRedis", "redis://h/0"),
		"redis://h/0");
	assert_string_equal(
		kg_directive_shown(pool, "KeygateRedis", "redis://user@h"),
		"redis://user@h");
	assert_string_equal(kg_directive_shown(pool,
					       "KeygateRedisSentinelPassword",
					       "inline-secret"),
			    "********");
	assert_string_equal(kg_directive_shown(pool, "KeygateSessionSecret",
					       "file:/etc/keygate/secret"),
			    "file:/etc/keygate/secret");
}

/* Settings that go together are checked when the file is read, naming
 * the line of the directive to blame. */
static void test_redis_settings_that_go_together(void **state)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
		{"KeygateRedisCAFile /ca.pem\n",
		 ":1:1: KeygateRedisCAFile is set, but no connection uses TLS"},
		{"KeygateRedis redis://r\nKeygateRedisServerName r\n",
		 ":2:1: KeygateRedisServerName is set, but no connection"},
		{"KeygateRedis rediss://r\nKeygateRedisClientCert /c.pem\n",
		 "KeygateRedisClientCert and KeygateRedisClientKey go "
		 "together"},
		{"KeygateRedis rediss://r\nKeygateRedisClientKey /c.key\n",
		 "KeygateRedisClientCert and KeygateRedisClientKey go "
		 "together"},
		{"KeygateRedisSentinels s1\nKeygateRedisSentinelMaster m\n"
		 "KeygateRedisSentinelUser u\n",
		 "KeygateRedisSentinelUser needs KeygateRedisSentinelPassword"},
		{"KeygateRedisSentinels s1\n",
		 "KeygateRedisSentinels needs KeygateRedisSentinelMaster"},
		{"KeygateRedisUser gw\n", "KeygateRedisUser needs "
					  "KeygateRedisPassword"},
	};
	apr_pool_t *pool = *state;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		kg_conf *conf;
		kg_err err;
		assert_int_equal(kgt_conf_load(pool, rows[i].text, &conf, &err),
				 KG_ECONFIG);
		if (strstr(err.msg, rows[i].want) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", rows[i].text,
				 err.msg, rows[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		KGT(test_url_forms),
		KGT(test_url_hostile),
		KGT(test_url_message_hides_password),
		KGT(test_redis_directives_take_urls),
		KGT(test_redis_directive_errors),
		KGT(test_redis_directive_error_hides_password),
		KGT(test_arg_shown_hides_secrets),
		KGT(test_redis_settings_that_go_together),
	};
	return KGT_RUN(tests);
}
