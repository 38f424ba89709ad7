/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session settings: defaults and directive setters.
 *
 * Setters only parse and store; they never connect to Redis. Secrets may
 * be given inline or, better, as file:/path so they stay out of the main
 * config.
 */
#include "conf/sessions.h"
#include "conf/directive.h"
#include "conf/read.h"
#include "conf/directives.h"
#include "conf/redis_url.h"

#include <apr_strings.h>
#include <string.h>
#include <strings.h>

/* Secrets the record key derives from must carry at least 256 bits. */
#define KG_SESSION_SECRET_MIN 32

static const char *const flow_names[KG_FLOW_COUNT] = {"browser", "sso", "api"};
static const char *const behaviour_names[] = {"deny-new", "terminate-oldest",
					      "log-only"};

void kg_conf_sessions_defaults(apr_pool_t *pool, kg_conf_sessions *s)
{
	memset(s, 0, sizeof(*s));
	s->redis_host = "127.0.0.1";
	s->redis_port = 6379;
	s->redis_prefix = "keygate:";
	s->redis_connect_timeout_ms = 1000;
	s->redis_command_timeout_ms = 1000;
	s->sentinels = apr_array_make(pool, 1, sizeof(kg_conf_endpoint));
	s->cookie_name = "keygate_session";
	s->cookie_samesite = "Lax";
	s->cookie_secure = KG_COOKIE_SECURE_AUTO;
	s->cookie_domain = NULL;
	s->sso_idle_s = 30 * 60;
	s->sso_max_s = 60LL * 24 * 3600;
	s->idle_timeout_s = 0;
	s->touch_interval_s = 60;
	s->cache_slots = 4096;
	s->cache_freshness_ms = 250;
	s->max_record_bytes = 64 * 1024;
	s->reap_interval_ms = 1000;
	s->record_format = KG_CONF_RECORD_FORMAT;
	/* limits: all zero, i.e. no limit and deny-new, for every flow */
}

const char *kg_conf_flow_name(kg_flow flow)
{
	return (unsigned)flow < KG_FLOW_COUNT ? flow_names[flow] : "unknown";
}

const char *kg_conf_limit_behaviour_name(kg_limit_behaviour b)
{
	return (unsigned)b <= KG_LIMIT_LOG_ONLY ? behaviour_names[b]
						: "unknown";
}

/* KeygateRedis: a redis://, rediss:// or unix:// URL, or HOST[:PORT]. A
 * user and password in the URL count as KeygateRedisUser and
 * KeygateRedisPassword (the later line wins). */
static const char *set_redis(const kg_directive *self, apr_pool_t *pool,
			     kg_conf *conf, int argc, const char *const *argv,
			     int *bad_arg)
{
	kg_conf_sessions *s = &conf->sessions;
	kg_conf_redis_url u;
	const char *msg = kg_conf_redis_url_parse(pool, argv[0], 6379, &u);

	*bad_arg = 0;
	if (msg)
		return msg;
	s->redis_socket = u.socket;
	s->redis_tls = u.tls;
	if (u.host) {
		s->redis_host = u.host;
		s->redis_port = u.port;
	}
	if (u.password.bytes) {
		s->redis_user = u.user;
		s->redis_password = u.password;
	}
	if (u.database >= 0)
		s->redis_database = u.database;
	return NULL;
}

static const char *set_redis_password(const kg_directive *self,
				      apr_pool_t *pool, kg_conf *conf, int argc,
				      const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	return kg_conf_read_secret(pool, argv[0], 1,
				   &conf->sessions.redis_password);
}

static const char *set_redis_database(const kg_directive *self,
				      apr_pool_t *pool, kg_conf *conf, int argc,
				      const char *const *argv, int *bad_arg)
{
	long long n;
	const char *msg = kg_directive_number(pool, argv[0], 0, 1000000, &n);

	*bad_arg = 0;
	if (msg == NULL)
		conf->sessions.redis_database = (int)n;
	return msg;
}

static const char *set_redis_timeout(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	kg_conf_sessions *s = &conf->sessions;
	const char *msg;

	*bad_arg = 0;
	msg = kg_directive_number(pool, argv[0], 1, 600000,
				  &s->redis_connect_timeout_ms);
	if (msg || argc < 2) {
		if (msg == NULL)
			s->redis_command_timeout_ms =
				s->redis_connect_timeout_ms;
		return msg;
	}
	*bad_arg = 1;
	return kg_directive_number(pool, argv[1], 1, 600000,
				   &s->redis_command_timeout_ms);
}

/* KeygateRedisSentinels: HOST[:PORT], [IPV6][:PORT], redis://HOST[:PORT]
 * or rediss://HOST[:PORT] (TLS); the port defaults to 26379. */
static const char *set_sentinels(const kg_directive *self, apr_pool_t *pool,
				 kg_conf *conf, int argc,
				 const char *const *argv, int *bad_arg)
{
	apr_array_header_t *list =
		apr_array_make(pool, argc, sizeof(kg_conf_endpoint));

	for (int i = 0; i < argc; i++) {
		kg_conf_endpoint *e = apr_array_push(list);
		kg_conf_redis_url u;
		const char *msg =
			kg_conf_redis_url_parse(pool, argv[i], 26379, &u);
		*bad_arg = i;
		if (msg == NULL && u.socket)
			msg = "is a unix socket; a Sentinel is reached over "
			      "TCP";
		if (msg == NULL && (u.password.bytes || u.database >= 0))
			msg = "has a password or database; use "
			      "KeygateRedisSentinelUser and "
			      "KeygateRedisSentinelPassword";
		if (msg)
			return msg;
		e->host = u.host;
		e->port = u.port;
		e->tls = u.tls;
	}
	conf->sessions.sentinels = list;
	return NULL;
}

static const char *set_sentinel_password(const kg_directive *self,
					 apr_pool_t *pool, kg_conf *conf,
					 int argc, const char *const *argv,
					 int *bad_arg)
{
	*bad_arg = 0;
	return kg_conf_read_secret(pool, argv[0], 1,
				   &conf->sessions.sentinel_password);
}

/* KeygateRedisServerName: a host name or an IP address. */
static const char *set_server_name(const kg_directive *self, apr_pool_t *pool,
				   kg_conf *conf, int argc,
				   const char *const *argv, int *bad_arg)
{
	const char *name = argv[0];
	kg_conf_redis_url u;

	*bad_arg = 0;
	if (strchr(name, ':')) /* an IPv6 address, written bare */
		name = apr_pstrcat(pool, "[", name, "]", NULL);
	if (strpbrk(argv[0], "[]") ||
	    kg_conf_redis_url_parse(pool, name, 1, &u) != NULL || u.socket)
		return "must be a host name or an IP address";
	conf->sessions.redis_server_name = apr_pstrdup(pool, argv[0]);
	return NULL;
}

bool kg_conf_sessions_uses_tls(const kg_conf_sessions *s)
{
	if (s->redis_tls)
		return true;
	for (int i = 0; s->sentinels && i < s->sentinels->nelts; i++)
		if (APR_ARRAY_IDX(s->sentinels, i, kg_conf_endpoint).tls)
			return true;
	return false;
}

const char *kg_conf_sessions_check(const kg_conf_sessions *s,
				   const char **directive)
{
	static const struct {
		const char *name;
		size_t offset;
	} tls_only[] = {
		{"KeygateRedisCAFile",
		 offsetof(kg_conf_sessions, redis_ca_file)},
		{"KeygateRedisServerName",
		 offsetof(kg_conf_sessions, redis_server_name)},
		{"KeygateRedisClientCert",
		 offsetof(kg_conf_sessions, redis_client_cert)},
		{"KeygateRedisClientKey",
		 offsetof(kg_conf_sessions, redis_client_key)},
	};

	for (size_t i = 0; i < sizeof(tls_only) / sizeof(tls_only[0]); i++) {
		const char *v = *(const char *const *)((const char *)s +
						       tls_only[i].offset);
		*directive = tls_only[i].name;
		if (v && !kg_conf_sessions_uses_tls(s))
			return "is set, but no connection uses TLS (write "
			       "KeygateRedis rediss://..., or rediss:// "
			       "Sentinels)";
	}
	*directive = "KeygateRedisClientCert";
	if ((s->redis_client_cert == NULL) != (s->redis_client_key == NULL))
		return "and KeygateRedisClientKey go together";
	*directive = "KeygateRedisSentinelUser";
	if (s->sentinel_user && s->sentinel_password.bytes == NULL)
		return "needs KeygateRedisSentinelPassword";
	*directive = "KeygateRedisUser";
	if (s->redis_user && s->redis_password.bytes == NULL)
		return "needs KeygateRedisPassword";
	*directive = "KeygateRedisSentinels";
	if (s->sentinels->nelts > 0 && s->sentinel_master == NULL)
		return "needs KeygateRedisSentinelMaster";
	*directive = NULL;
	return NULL;
}

static const char *set_secret(const kg_directive *self, apr_pool_t *pool,
			      kg_conf *conf, int argc, const char *const *argv,
			      int *bad_arg)
{
	kg_conf_secret *out = (kg_conf_secret *)((char *)conf + self->offset);

	*bad_arg = 0;
	return kg_conf_read_secret(pool, argv[0], KG_SESSION_SECRET_MIN, out);
}

/* True when s is not empty and every byte of it is a letter, a digit
 * or one of extra. */
static bool is_cookie_token_of(const char *s, const char *extra)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(extra, *s)))
			return false;
	}
	return true;
}

/* True when every byte of s is a cookie-name token character
 * (RFC 6265 / RFC 7230 tchar). */
static bool is_cookie_token(const char *s)
{
	return is_cookie_token_of(s, "!#$%&'*+-.^_`|~");
}

/* A __Host- cookie name (RFC 6265bis): the browser stores it only when
 * it is Secure, has Path=/ and has no Domain. Matched as browsers do,
 * without regard to case. */
static bool is_host_prefixed(const char *name)
{
	return strncasecmp(name, "__Host-", 7) == 0;
}

static const char *set_cookie_name(const kg_directive *self, apr_pool_t *pool,
				   kg_conf *conf, int argc,
				   const char *const *argv, int *bad_arg)
{
	*bad_arg = 0;
	if (!is_cookie_token(argv[0]))
		return "is not a valid cookie name";
	if (conf->sessions.cookie_domain && is_host_prefixed(argv[0]))
		return "is a __Host- name, which browsers refuse with a "
		       "Domain: remove KeygateCookieDomain or pick another "
		       "name";
	conf->sessions.cookie_name = apr_pstrdup(pool, argv[0]);
	return NULL;
}

/* A DNS name: labels of letters, digits and '-' joined by dots, at
 * most 253 characters; a leading dot (old cookie syntax) is dropped. */
static const char *set_cookie_domain(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	const char *d = argv[0][0] == '.' ? argv[0] + 1 : argv[0];
	size_t n = strlen(d);
	char *lower;

	*bad_arg = 0;
	if (n == 0 || n > 253 || d[0] == '-' || d[n - 1] == '.' ||
	    d[n - 1] == '-' || strstr(d, "..") || strstr(d, ".-") ||
	    strstr(d, "-.") || !is_cookie_token_of(d, "-.") ||
	    strspn(d, "0123456789.") == n)
		return "must be a DNS domain such as example.com";
	if (is_host_prefixed(conf->sessions.cookie_name))
		return kg_psprintf(pool,
				   "conflicts with KeygateCookieName %s: "
				   "browsers refuse a __Host- cookie that "
				   "has a Domain",
				   conf->sessions.cookie_name);
	lower = apr_pstrdup(pool, d);
	for (char *c = lower; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c + 32);
	conf->sessions.cookie_domain = lower;
	return NULL;
}

static const char *set_cookie_samesite(const kg_directive *self,
				       apr_pool_t *pool, kg_conf *conf,
				       int argc, const char *const *argv,
				       int *bad_arg)
{
	static const char *const values[] = {"Lax", "Strict", "None"};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		if (strcasecmp(argv[0], values[i]) == 0) {
			conf->sessions.cookie_samesite = values[i];
			return NULL;
		}
	}
	*bad_arg = 0;
	return "must be Lax, Strict or None";
}

static const char *set_cookie_secure(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	static const struct {
		const char *word;
		kg_cookie_secure value;
	} words[] = {{"on", KG_COOKIE_SECURE_ON},
		     {"off", KG_COOKIE_SECURE_OFF},
		     {"auto", KG_COOKIE_SECURE_AUTO}};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(argv[0], words[i].word) == 0) {
			conf->sessions.cookie_secure = words[i].value;
			return NULL;
		}
	}
	*bad_arg = 0;
	return "must be On, Off or Auto";
}

/* A setter for a `long long` field at self->offset, in [min, max] of the
 * table's unit; scale turns that unit into the stored one. */
static const char *set_number(apr_pool_t *pool, kg_conf *conf, size_t offset,
			      const char *arg, long long min, long long max,
			      long long scale, int *bad_arg)
{
	long long n;
	const char *msg = kg_directive_number(pool, arg, min, max, &n);

	*bad_arg = 0;
	if (msg == NULL)
		*(long long *)((char *)conf + offset) = n * scale;
	return msg;
}

#define KG_TEN_YEARS_S (10LL * 366 * 24 * 3600)

static const char *set_seconds(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0], 0, KG_TEN_YEARS_S,
			  1, bad_arg);
}

static const char *set_positive_seconds(const kg_directive *self,
					apr_pool_t *pool, kg_conf *conf,
					int argc, const char *const *argv,
					int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0], 1, KG_TEN_YEARS_S,
			  1, bad_arg);
}

static const char *set_cache_slots(const kg_directive *self, apr_pool_t *pool,
				   kg_conf *conf, int argc,
				   const char *const *argv, int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0], 0, 1000000, 1,
			  bad_arg);
}

static const char *set_freshness(const kg_directive *self, apr_pool_t *pool,
				 kg_conf *conf, int argc,
				 const char *const *argv, int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0], 20, 10000, 1,
			  bad_arg);
}

static const char *set_minutes(const kg_directive *self, apr_pool_t *pool,
			       kg_conf *conf, int argc, const char *const *argv,
			       int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0], 0,
			  KG_TEN_YEARS_S / 60, 60, bad_arg);
}

static const char *set_reap_interval(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0], 100, 60000, 1,
			  bad_arg);
}

static const char *set_record_size(const kg_directive *self, apr_pool_t *pool,
				   kg_conf *conf, int argc,
				   const char *const *argv, int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0], 1024,
			  16 * 1024 * 1024, 1, bad_arg);
}

static const char *set_record_format(const kg_directive *self, apr_pool_t *pool,
				     kg_conf *conf, int argc,
				     const char *const *argv, int *bad_arg)
{
	return set_number(pool, conf, self->offset, argv[0],
			  KG_CONF_RECORD_FORMAT_MIN, KG_CONF_RECORD_FORMAT, 1,
			  bad_arg);
}

/* Finds name in names[0..n); returns its index or -1. */
static int find_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcasecmp(names[i], name) == 0)
			return i;
	}
	return -1;
}

const char *kg_conf_limit_parse(apr_pool_t *pool, int argc,
				const char *const *argv,
				kg_conf_flow_limits *limits, int *bad_arg)
{
	kg_conf_session_limit limit = {0, KG_LIMIT_DENY_NEW, NULL};
	bool realm;

	*bad_arg = 0;
	if (strcasecmp(argv[0], "user") != 0 &&
	    strcasecmp(argv[0], "realm") != 0)
		return "must be user or realm";
	realm = strcasecmp(argv[0], "realm") == 0;
	*bad_arg = 1;
	if (!realm && strcasecmp(argv[1], "on") == 0)
		limit.max = 3; /* Keycloak's userRealmLimit default */
	else if (!kg_str_to_int(argv[1], 0, 1000000000, &limit.max))
		return realm ? "must be a whole number (0: no limit)"
			     : "must be On or a whole number (0: no limit)";
	if (argc > 2) {
		int b = find_name(behaviour_names, 3, argv[2]);
		*bad_arg = 2;
		if (b < 0 || (b == KG_LIMIT_LOG_ONLY && !realm))
			return realm ? "must be deny-new, terminate-oldest or "
				       "log-only"
				     : "must be deny-new or terminate-oldest";
		limit.behaviour = (kg_limit_behaviour)b;
	}
	if (argc > 3)
		limit.message = apr_pstrdup(pool, argv[3]);
	if (realm)
		limits->realm = limit;
	else
		limits->user = limit;
	return NULL;
}

/* KeygateSessionLimit FLOW|all user|realm N|On [BEHAVIOUR] [MESSAGE] */
static const char *set_limit(const kg_directive *self, apr_pool_t *pool,
			     kg_conf *conf, int argc, const char *const *argv,
			     int *bad_arg)
{
	int flow = find_name(flow_names, KG_FLOW_COUNT, argv[0]);
	bool all = strcasecmp(argv[0], "all") == 0;
	kg_conf_flow_limits parsed = {{0, KG_LIMIT_DENY_NEW, NULL},
				      {0, KG_LIMIT_DENY_NEW, NULL}};
	bool realm = strcasecmp(argv[1], "realm") == 0;
	const char *msg;

	*bad_arg = 0;
	if (flow < 0 && !all)
		return "must be browser, sso, api or all";
	msg = kg_conf_limit_parse(pool, argc - 1, argv + 1, &parsed, bad_arg);
	*bad_arg += 1;
	if (msg)
		return msg;
	for (int f = 0; f < KG_FLOW_COUNT; f++) {
		kg_conf_flow_limits *l = &conf->sessions.limits[f];
		if (!all && f != flow)
			continue;
		if (realm)
			l->realm = parsed.realm;
		else
			l->user = parsed.user;
	}
	return NULL;
}

#define SESS(field) KG_CONF_OFFSET(sessions.field)

const kg_directive kg_conf_sessions_directives[] = {
	{"KeygateRedis", 1, 1, set_redis,
	 "redis[s]://[USER:PASS@]HOST[:PORT][/DB]|HOST[:PORT]|unix:///PATH",
	 "the Redis server that holds the sessions (rediss://: TLS)"},
	{"KeygateRedisUser", 1, 1, kg_directive_set_name, "NAME",
	 "the Redis ACL user to AUTH as", SESS(redis_user)},
	{"KeygateRedisPassword", 1, 1, set_redis_password, "SECRET|file:/PATH",
	 "the Redis password (AUTH); file:/PATH reads it from a file"},
	{"KeygateRedisDatabase", 1, 1, set_redis_database, "N",
	 "the Redis database number to SELECT"},
	{"KeygateRedisPrefix", 1, 1, kg_directive_set_name, "PREFIX",
	 "the prefix of every Redis key keygate writes", SESS(redis_prefix)},
	{"KeygateRedisTimeout", 1, 2, set_redis_timeout,
	 "CONNECT_MS [COMMAND_MS]",
	 "connect and command timeouts for Redis, in milliseconds"},
	{"KeygateRedisCAFile", 1, 1, kg_directive_set_name, "FILE",
	 "the CA bundle (PEM) that signs the Redis servers' certificates "
	 "(default: the system store)",
	 SESS(redis_ca_file)},
	{"KeygateRedisServerName", 1, 1, set_server_name, "NAME",
	 "the name or IP address the Redis certificates must carry, when "
	 "it is not the host connected to"},
	{"KeygateRedisClientCert", 1, 1, kg_directive_set_name, "FILE",
	 "the client certificate (PEM) for mutual TLS with Redis",
	 SESS(redis_client_cert)},
	{"KeygateRedisClientKey", 1, 1, kg_directive_set_name, "FILE",
	 "the client certificate's private key (PEM, unencrypted)",
	 SESS(redis_client_key)},
	{"KeygateRedisSentinels", 1, -1, set_sentinels,
	 "[rediss://]HOST[:PORT]...",
	 "find the Redis master through these Sentinels (rediss://: TLS)"},
	{"KeygateRedisSentinelMaster", 1, 1, kg_directive_set_name, "NAME",
	 "the master's name at the Sentinels", SESS(sentinel_master)},
	{"KeygateRedisSentinelUser", 1, 1, kg_directive_set_name, "NAME",
	 "the ACL user to AUTH as at the Sentinels", SESS(sentinel_user)},
	{"KeygateRedisSentinelPassword", 1, 1, set_sentinel_password,
	 "SECRET|file:/PATH",
	 "the Sentinels' password (requirepass, or the ACL user's)"},
	{"KeygateSessionSecret", 1, 1, set_secret, "SECRET|file:/PATH",
	 "the secret session keys derive from (at least 32 bytes)",
	 SESS(secret)},
	{"KeygateSessionPreviousSecret", 1, 1, set_secret, "SECRET|file:/PATH",
	 "the secret before the last rollover, still accepted for reading",
	 SESS(previous_secret)},
	{"KeygateCookieName", 1, 1, set_cookie_name, "NAME",
	 "the session cookie's name (a __Host- name is advised)"},
	{"KeygateCookieSameSite", 1, 1, set_cookie_samesite, "Lax|Strict|None",
	 "the session cookie's SameSite attribute"},
	{"KeygateCookieSecure", 1, 1, set_cookie_secure, "On|Off|Auto",
	 "send the session cookie over https only: always, never, or when "
	 "the public origin is https (Auto, the default)"},
	{"KeygateCookieDomain", 1, 1, set_cookie_domain, "DOMAIN",
	 "share the session cookie with the subdomains of DOMAIN (data "
	 "planes); not with a __Host- name"},
	{"KeygateSessionIdleTimeout", 1, 1, set_seconds, "SECONDS",
	 "SSO Session Idle: a session unused this long ends (0: off)",
	 SESS(sso_idle_s)},
	{"KeygateSessionMaxLifetime", 1, 1, set_positive_seconds, "SECONDS",
	 "SSO Session Max: a session ends this long after login",
	 SESS(sso_max_s)},
	{"KeygateIdleTimeout", 1, 1, set_minutes, "MINUTES",
	 "Domino's idle timeout (idleTimeoutValueInMinutes; 0: off)",
	 SESS(idle_timeout_s)},
	{"KeygateSessionTouchInterval", 1, 1, set_seconds, "SECONDS",
	 "write a session's last access at most once per this many seconds",
	 SESS(touch_interval_s)},
	{"KeygateSessionCache", 1, 1, set_cache_slots, "ENTRIES",
	 "session records each httpd process keeps, invalidated by Redis "
	 "(0: every request reads Redis)",
	 SESS(cache_slots)},
	{"KeygateSessionCacheFreshness", 1, 1, set_freshness, "MS",
	 "serve a cached session only while Redis's notice connection was "
	 "proven alive within this many milliseconds (20 to 10000)",
	 SESS(cache_freshness_ms)},
	{"KeygateSessionReapInterval", 1, 1, set_reap_interval, "MS",
	 "how often each process audits the sessions whose idle or maximum "
	 "time ran out unnoticed (100 to 60000)",
	 SESS(reap_interval_ms)},
	{"KeygateSessionMaxRecordSize", 1, 1, set_record_size, "BYTES",
	 "the largest session record keygate stores", SESS(max_record_bytes)},
	{"KeygateSessionRecordFormat", 1, 1, set_record_format, "3|4",
	 "the session record format written (default 4, the newest); 3 while "
	 "older gateways share Redis during a rolling upgrade",
	 SESS(record_format)},
	{"KeygateSessionLimit", 3, 5, set_limit,
	 "FLOW|all user|realm N|On [BEHAVIOUR] [MESSAGE]",
	 "a session-count limit for a flow (browser, sso, api)"},
	{NULL, 0, 0, NULL, NULL, NULL, 0},
};
