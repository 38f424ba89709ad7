/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate sessions list|count|kill`, the admin view of the
 * sessions in Redis. Reads the same settings as the gateway from
 * --config. Never prints a cookie: a session shows as the first 8
 * characters of its id, which is a keyed hash of the cookie.
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "gateway/base/buf.h"
#include "gateway/base/str.h"
#include "policy/timeouts.h"
#include "sessions/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

static const char sessions_usage[] =
	"usage: keygate sessions list  --config FILE [--user USER] [--json]\n"
	"                              [--limit N] [--offset N]\n"
	"       keygate sessions count --config FILE [--user USER]\n"
	"       keygate sessions kill  --config FILE "
	"(--id PREFIX | --user USER | --all)\n"
	"\n"
	"Shows and ends the login sessions kept in Redis. FILE holds the\n"
	"gateway's Keygate* directives (KeygateRedis..., KeygateSession"
	"Secret).\n"
	"list prints one line per live session, least recently used first:\n"
	"ID (first 8 characters of the session's id, never the cookie), "
	"USER,\n"
	"IDP, FLOW, CREATED, LAST-ACCESS, EXPIRES (UTC), CLIENT (the address\n"
	"and User-Agent of the login; - for sessions from before 0.2).\n"
	"--json prints a JSON array instead, one object per session with\n"
	"id, user, idp, protocol, flow, roles, created, lastAccess, expires,\n"
	"clientAddress and userAgent (null when unknown).\n"
	"list shows at most --limit sessions (default 1000; 0: all) from the\n"
	"--offset-th on (default 0), soonest deadline first; when the page is\n"
	"full it says on stderr how to get the next.\n"
	"count prints the number of live sessions.\n"
	"kill ends one session by id prefix, all of a user's, or all.\n"
	"Exit status: 0 success, 1 failure (Redis down, bad config, no such\n"
	"session, ambiguous prefix), 2 usage error.\n";

typedef struct {
	const char *sub, *config, *user, *id, *limit, *offset;
	bool all, json;
} options;

/* True when text is a whole number of at most 9 digits. */
static bool count_arg(const char *text)
{
	size_t n = strspn(text, "0123456789");

	return n > 0 && n <= 9 && text[n] == '\0';
}

/* Parses argv into o; returns NULL or a usage message. */
static const char *parse(int argc, char **argv, options *o)
{
	memset(o, 0, sizeof(*o));
	if (argc < 2)
		return "expected list, count or kill";
	o->sub = argv[1];
	for (int i = 2; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--all") == 0) {
			o->all = true;
			continue;
		}
		if (strcmp(argv[i], "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(argv[i], "--config") == 0)
			slot = &o->config;
		else if (strcmp(argv[i], "--user") == 0)
			slot = &o->user;
		else if (strcmp(argv[i], "--id") == 0)
			slot = &o->id;
		else if (strcmp(argv[i], "--limit") == 0)
			slot = &o->limit;
		else if (strcmp(argv[i], "--offset") == 0)
			slot = &o->offset;
		if (slot == NULL)
			return "unknown option";
		if (i + 1 >= argc)
			return "option needs a value";
		*slot = argv[++i];
	}
	if (o->config == NULL)
		return "--config FILE is required";
	if (strcmp(o->sub, "kill") == 0) {
		if ((o->id != NULL) + (o->user != NULL) + o->all != 1)
			return "kill takes one of --id, --user, --all";
		if (o->json)
			return "--json goes with list only";
	} else if (strcmp(o->sub, "list") == 0 ||
		   strcmp(o->sub, "count") == 0) {
		if (o->id || o->all)
			return "--id and --all go with kill only";
		if (o->json && strcmp(o->sub, "list") != 0)
			return "--json goes with list only";
		if ((o->limit || o->offset) && strcmp(o->sub, "list") != 0)
			return "--limit and --offset go with list only";
		if ((o->limit && !count_arg(o->limit)) ||
		    (o->offset && !count_arg(o->offset)))
			return "--limit and --offset take a whole number";
	} else {
		return "expected list, count or kill";
	}
	return NULL;
}

/* Warnings and errors to stderr; AUDIT lines (a kill's "Session
 * Killed") to KeygateAuditLog when it is a file (baton: the FILE, or
 * NULL), in the gateway's text form, one write each. */
static void log_stderr(void *baton, kg_log_level level, const char *id,
		       const char *line)
{
	FILE *audit = baton;

	if (audit && strncmp(line, "AUDIT ", 6) == 0) {
		char now[32], out[4096];
		struct timespec ts;
		struct tm tm;
		int n;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(now, 21, "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(out, sizeof(out), "%s.%03ldZ %s %s client=cli\n",
			     now, ts.tv_nsec / 1000000, id ? id : "-", line);
		if (n > 0)
			(void)!write(fileno(audit), out,
				     (size_t)n < sizeof(out) ? (size_t)n
							     : sizeof(out) - 1);
	}
	if (level <= KG_LOG_WARN)
		fprintf(stderr, "keygate: %s %s %s\n", kg_log_level_name(level),
			id ? id : "-", line);
}

/* KeygateAuditLog opened for appending when it is a file (a piped
 * logger is the server's own), else NULL. */
static FILE *audit_file(const kg_conf *conf)
{
	const char *dest = conf->gateway.audit_log;

	if (dest == NULL || dest[0] == '|')
		return NULL;
	return fopen(dest, "a");
}

/* Writes ms since the epoch as YYYY-MM-DDTHH:MM:SSZ into out[21]. */
static const char *utc(long long ms, char out[21])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

/* One table line: the times in UTC, the client as ADDRESS "AGENT". */
static void print_entry(apr_pool_t *pool, const kg_sess_entry *e)
{
	const kg_sess_record *r = e->rec;
	char created[21], used[21], expires[21];

	if (r == NULL) {
		printf("%.8s  (record unreadable)\n", e->id);
		return;
	}
	printf("%.8s  %-20s %-16s %-7s %s %s %s %s %s\n", e->id,
	       r->user->username ? r->user->username : "-", r->idp,
	       kg_conf_flow_name(r->flow), utc(r->auth_ms, created),
	       utc(r->last_access_ms, used),
	       utc(kg_sess_record_deadline(r), expires),
	       r->client_ip ? r->client_ip : "-",
	       r->user_agent ? kg_str_quote(pool, r->user_agent, 64) : "-");
}

/* A JSON string, or null for NULL. */
static void json_opt(kg_buf *b, const char *s)
{
	if (s)
		kg_buf_add_json_string(b, s);
	else
		kg_buf_adds(b, "null");
}

/* One JSON object of the --json array (never the cookie: the id's first
 * 8 characters, as in the table). */
static void json_entry(kg_buf *b, const kg_sess_entry *e)
{
	const kg_sess_record *r = e->rec;
	char created[21], used[21], expires[21];

	kg_buf_addf(b, "{\"id\":\"%.8s\"", e->id);
	if (r == NULL) {
		kg_buf_adds(b, ",\"unreadable\":true}");
		return;
	}
	kg_buf_adds(b, ",\"user\":");
	json_opt(b, r->user->username);
	kg_buf_adds(b, ",\"idp\":");
	json_opt(b, r->idp);
	kg_buf_adds(b, ",\"protocol\":");
	json_opt(b, r->protocol);
	kg_buf_adds(b, ",\"flow\":");
	json_opt(b, kg_conf_flow_name(r->flow));
	kg_buf_adds(b, ",\"roles\":[");
	for (int i = 0; i < r->user->roles->nelts; i++) {
		kg_buf_adds(b, i ? "," : "");
		kg_buf_add_json_string(
			b, APR_ARRAY_IDX(r->user->roles, i, const char *));
	}
	kg_buf_addf(b,
		    "],\"created\":\"%s\",\"lastAccess\":\"%s\","
		    "\"expires\":\"%s\",\"clientAddress\":",
		    utc(r->auth_ms, created), utc(r->last_access_ms, used),
		    utc(kg_sess_record_deadline(r), expires));
	json_opt(b, r->client_ip);
	kg_buf_adds(b, ",\"userAgent\":");
	json_opt(b, r->user_agent);
	kg_buf_adds(b, "}");
}

/* Prints list as a table or (json) a JSON array. */
static void print_list(apr_pool_t *pool, const apr_array_header_t *list,
		       bool json)
{
	kg_buf b;

	if (!json) {
		printf("%-8s  %-20s %-16s %-7s %-20s %-20s %-20s %s\n", "ID",
		       "USER", "IDP", "FLOW", "CREATED", "LAST-ACCESS",
		       "EXPIRES", "CLIENT");
		for (int i = 0; i < list->nelts; i++)
			print_entry(pool,
				    &APR_ARRAY_IDX(list, i, kg_sess_entry));
		return;
	}
	kg_buf_init(&b, pool, 256);
	kg_buf_adds(&b, "[");
	for (int i = 0; i < list->nelts; i++) {
		kg_buf_adds(&b, i ? ",\n " : "");
		json_entry(&b, &APR_ARRAY_IDX(list, i, kg_sess_entry));
	}
	kg_buf_adds(&b, "]\n");
	fwrite(b.data, 1, b.len, stdout);
}

/* Where the kill's audit line goes (stderr and syslog). */
static const kg_log audit = {KG_LOG_NOTICE, kg_cli_log_line, NULL};

/* Runs the subcommand on an open store. */
static kg_rc run(kg_sess_store *store, apr_pool_t *pool, const options *o,
		 kg_err *err)
{
	long long now = kg_pol_clock_now(NULL), count;
	apr_array_header_t *list;
	int killed;
	kg_rc rc;

	if (strcmp(o->sub, "count") == 0) {
		rc = kg_sess_admin_count(store, pool, o->user, now, &count,
					 err);
		if (rc == KG_OK)
			printf("%lld\n", count);
		return rc;
	}
	if (strcmp(o->sub, "list") == 0) {
		long long limit = o->limit ? atoll(o->limit) : 1000;
		long long offset = o->offset ? atoll(o->offset) : 0;
		rc = kg_sess_admin_page(store, pool, o->user, now, offset,
					limit, &list, err);
		if (rc != KG_OK)
			return rc;
		print_list(pool, list, o->json);
		if (limit > 0 && list->nelts >= limit)
			fprintf(stderr,
				"keygate: showed %lld sessions; the next page: "
				"--offset %lld\n",
				limit, offset + limit);
		return KG_OK;
	}
	rc = kg_sess_admin_kill(store, pool, o->user, o->id, now, &killed, err);
	if (rc != KG_OK)
		return rc;
	printf("killed %d session%s\n", killed, killed == 1 ? "" : "s");
	kg_log_emit(&audit, KG_LOG_NOTICE, "KG-0727",
		    "AUDIT event=\"Session Killed\" actor=%s target=%s via=cli "
		    "sessions_ended=%d",
		    kg_cli_os_user(pool),
		    o->user ? o->user
		    : o->id ? kg_psprintf(pool, "sess:%.8s", o->id)
			    : "all",
		    killed);
	return KG_OK;
}

int kg_cli_sessions(int argc, char **argv)
{
	kg_log log = {KG_LOG_NOTICE, log_stderr, NULL};
	apr_pool_t *pool;
	kg_sess_store *store;
	kg_conf *conf;
	kg_err err = {0};
	const char *usage;
	options o;
	int exit_code = KG_EXIT_OK;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(sessions_usage, stdout);
		return KG_EXIT_OK;
	}
	usage = parse(argc, argv, &o);
	if (usage)
		return kg_cli_usage_error("sessions", usage);
	apr_pool_create(&pool, NULL);
	if (kg_cli_load_conf(pool, o.config, &conf, &err) != KG_OK) {
		exit_code = kg_cli_fail(&err);
		apr_pool_destroy(pool);
		return exit_code;
	}
	log.baton = audit_file(conf);
	if (kg_sess_store_open(pool, &conf->sessions, &log, &store, &err) !=
		    KG_OK ||
	    run(store, pool, &o, &err) != KG_OK)
		exit_code = kg_cli_fail(&err);
	apr_pool_destroy(pool);
	if (log.baton)
		fclose(log.baton);
	return exit_code;
}
