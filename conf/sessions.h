/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the session settings: where Redis is, the session secret, the
 * cookie, the timeouts (DESIGN.md "Decisions" 8) and the session-count
 * limits per flow (DESIGN.md "Decisions" 7).
 *
 * Plain data: conf/ decides nothing. policy/ reads the limits and
 * timeouts, sessions/ reads the connection, secret and cookie settings.
 */
#ifndef KG_CONF_SESSIONS_H
#define KG_CONF_SESSIONS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <stdbool.h>
#include <stddef.h>

/* The ways a session comes to be; each can carry its own limits. */
typedef enum {
	KG_FLOW_BROWSER = 0, /* interactive login at the IdP */
	KG_FLOW_SSO,	     /* login answered from the IdP's SSO session */
	KG_FLOW_API,	     /* a session made for a bearer-token client */
	KG_FLOW_COUNT
} kg_flow;

/* What happens when a new session would reach a limit. */
typedef enum {
	KG_LIMIT_DENY_NEW = 0,	   /* refuse the new session */
	KG_LIMIT_TERMINATE_OLDEST, /* end the least recently used ones */
	KG_LIMIT_LOG_ONLY	   /* realm limit only: log and go on */
} kg_limit_behaviour;

/* The reason a denied user sees when no message is configured: a message
 * key (Keycloak's theme key) and its English text. */
#define KG_LIMIT_MESSAGE_KEY "sessionLimitExceeded"
#define KG_LIMIT_MESSAGE_TEXT "There are too many sessions"

/* One limit. max 0 means no limit. message NULL means the default
 * reason, KG_LIMIT_MESSAGE_KEY. */
typedef struct {
	long long max;
	kg_limit_behaviour behaviour;
	const char *message;
} kg_conf_session_limit;

typedef struct {
	kg_conf_session_limit user;  /* sessions of one user */
	kg_conf_session_limit realm; /* sessions of all users */
} kg_conf_flow_limits;

/* A host and port, for a sentinel. */
typedef struct {
	const char *host;
	int port;
	bool tls; /* rediss:// */
} kg_conf_endpoint;

/* When the session cookie carries Secure. */
typedef enum {
	KG_COOKIE_SECURE_AUTO = 0, /* when the public origin is https:
				      KeygateBaseURL's scheme, else the
				      request's (a trusted proxy's
				      X-Forwarded-Proto) */
	KG_COOKIE_SECURE_ON,	   /* always */
	KG_COOKIE_SECURE_OFF	   /* never (local tests over http) */
} kg_cookie_secure;

/* A secret's bytes; never logged, never printed. */
typedef struct {
	const unsigned char *bytes; /* NULL: not configured */
	size_t len;
} kg_conf_secret;

typedef struct {
	/* Redis connection */
	const char *redis_host;	  /* "127.0.0.1" */
	int redis_port;		  /* 6379 */
	const char *redis_socket; /* unix socket path, or NULL */
	bool redis_tls;		  /* rediss://: TLS to Redis (and to the
				     master the Sentinels name) */
	const char *redis_user;	  /* ACL user, or NULL */
	kg_conf_secret redis_password;
	int redis_database;		    /* SELECT n; 0 by default */
	const char *redis_prefix;	    /* "keygate:" */
	long long redis_connect_timeout_ms; /* 1000 */
	long long redis_command_timeout_ms; /* 1000 */
	apr_array_header_t *sentinels;	    /* kg_conf_endpoint; empty: off */
	const char *sentinel_master; /* the master's name at the sentinels */
	const char *sentinel_user;   /* ACL user at the sentinels, or NULL */
	kg_conf_secret sentinel_password; /* AUTH at the sentinels */

	/* TLS to Redis and the sentinels (each rediss:// connection) */
	const char *redis_ca_file;     /* PEM bundle; NULL: system store */
	const char *redis_server_name; /* name to verify; NULL: the host */
	const char *redis_client_cert; /* PEM, for mutual TLS, or NULL */
	const char *redis_client_key;  /* PEM, with the certificate */

	/* the secret the record key and the cookie hash key derive from */
	kg_conf_secret secret;
	kg_conf_secret previous_secret; /* read-only, for rollover */

	/* the cookie */
	const char *cookie_name;	/* "keygate_session" */
	const char *cookie_samesite;	/* "Lax", "Strict" or "None" */
	kg_cookie_secure cookie_secure; /* AUTO */
	const char *cookie_domain;	/* Domain=, lower case, no leading
					   dot; NULL: host-only (the default) */

	/* timeouts in seconds; 0 is off where the comment says so */
	long long sso_idle_s;	      /* 1800; 0 off */
	long long sso_max_s;	      /* 60 days; never off */
	long long idle_timeout_s;     /* Domino's idle timeout; 0 off */
	long long touch_interval_s;   /* 60: at most one touch write per N s */
	long long cache_slots;	      /* 4096: records cached per process,
					 invalidated by Redis; 0: off */
	long long cache_freshness_ms; /* 250: a cached record is served only
					 while the notice connection was
					 proven alive this recently */
	long long max_record_bytes;   /* 65536: larger records are refused */
	long long reap_interval_ms;   /* 1000: how often each process looks
					 for sessions whose deadline passed
					 (sessions/reap.h) */
	long long record_format;      /* the session record format written:
					 KG_CONF_RECORD_FORMAT, or an older
					 one that every gateway sharing Redis
					 reads (a rolling upgrade) */

	kg_conf_flow_limits limits[KG_FLOW_COUNT];
} kg_conf_sessions;

/* The newest session record format (sessions/record.c), and the oldest
 * one KeygateSessionRecordFormat may choose. */
#define KG_CONF_RECORD_FORMAT 4
#define KG_CONF_RECORD_FORMAT_MIN 3

/* Fills s with the defaults; strings are static, lists live in pool. */
void kg_conf_sessions_defaults(apr_pool_t *pool, kg_conf_sessions *s);

/* Checks the session settings that go together (TLS files, sentinel
 * credentials). Returns NULL, or what is wrong; *directive names the
 * directive to blame. */
const char *kg_conf_sessions_check(const kg_conf_sessions *s,
				   const char **directive);

/* True when some Redis or Sentinel connection uses TLS. */
bool kg_conf_sessions_uses_tls(const kg_conf_sessions *s);

/* Returns the stable name of a flow ("browser", "sso", "api"). */
const char *kg_conf_flow_name(kg_flow flow);

/* Parses "user|realm N|On [BEHAVIOUR] [MESSAGE]" (argv[0..argc)) into
 * the user or realm half of *limits, leaving the other half alone.
 * Returns NULL or what is wrong, with *bad_arg the offending argument.
 * KeygateSessionLimit and KeygateProviderSessionLimit share it. */
const char *kg_conf_limit_parse(apr_pool_t *pool, int argc,
				const char *const *argv,
				kg_conf_flow_limits *limits, int *bad_arg);

/* Returns the stable name of a behaviour ("deny-new", ...). */
const char *kg_conf_limit_behaviour_name(kg_limit_behaviour b);

#endif
