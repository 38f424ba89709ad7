/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate users list|show`, the users the gateway has
 * given a stable id (sessions/ids.h), from Redis. Reads the same
 * settings as the gateway from --config.
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "sessions/ids.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char users_usage[] =
	"usage: keygate users list --config FILE\n"
	"       keygate users show --config FILE USER|ID\n"
	"       keygate users deactivate --config FILE USER\n"
	"       keygate users reactivate --config FILE USER\n"
	"       keygate users status --config FILE USER\n"
	"\n"
	"The users that have signed in, with the stable id each got at its\n"
	"first login (the app token's idp_id and sub). FILE holds the\n"
	"gateway's Keygate* directives (KeygateRedis...).\n"
	"list prints one line per user, oldest first: ID, USERNAME, EMAIL,\n"
	"IDP (of the last login), IDENTITIES, CREATED, LAST-LOGIN (UTC).\n"
	"show prints every field of one user, named by id or username.\n"
	"deactivate ends every session of USER (browser, SSO and API, on\n"
	"every gateway), removes their AWS credentials file and refuses their\n"
	"logins and bearer tokens until reactivate. status prints USER,\n"
	"\"active\" or \"deactivated\", the live sessions and the stable id.\n"
	"Each change is an audit line (stderr and syslog) naming the OS user.\n"
	"Exit status: 0 success, 1 failure (Redis down, bad config, no such\n"
	"user), 2 usage error.\n";

typedef struct {
	const char *sub, *config, *who;
} options;

/* Parses argv into o; returns NULL or a usage message. */
static const char *parse(int argc, char **argv, options *o)
{
	memset(o, 0, sizeof(*o));
	if (argc < 2)
		return "expected list or show";
	o->sub = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0) {
			if (i + 1 >= argc)
				return "--config needs a value";
			o->config = argv[++i];
		} else if (argv[i][0] == '-') {
			return "unknown option";
		} else if (o->who == NULL) {
			o->who = argv[i];
		} else {
			return "one user at a time";
		}
	}
	if (o->config == NULL)
		return "--config FILE is required";
	if (strcmp(o->sub, "list") == 0)
		return o->who ? "list takes no user" : NULL;
	if (strcmp(o->sub, "show") == 0)
		return o->who ? NULL : "show needs USER or ID";
	return "expected list or show";
}

static void log_stderr(void *baton, kg_log_level level, const char *id,
		       const char *line)
{
	fprintf(stderr, "keygate: %s %s %s\n", kg_log_level_name(level),
		id ? id : "-", line);
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

static const char *or_dash(const char *s)
{
	return s && s[0] ? s : "-";
}

static int print_field(void *rec, const char *key, const char *value)
{
	/* the index key is the store's business */
	if (strcmp(key, "email_key") != 0)
		printf("%s: %s\n", key, value);
	return 1;
}

/* show: the named fields first, in a fixed order, then the rest. */
static void print_user(const kg_sess_id_user *u)
{
	char created[21], last[21];

	printf("id: %s\nusername: %s\nemail: %s\nidp: %s\nidentities: "
	       "%lld\ncreated: %s\nlast_login: %s\n",
	       u->id, or_dash(u->username), or_dash(u->email),
	       or_dash(u->alias), u->identities, utc(u->created_ms, created),
	       utc(u->last_login_ms, last));
	apr_table_unset(u->fields, "id");
	apr_table_unset(u->fields, "username");
	apr_table_unset(u->fields, "email");
	apr_table_unset(u->fields, "alias");
	apr_table_unset(u->fields, "identities");
	apr_table_unset(u->fields, "created_ms");
	apr_table_unset(u->fields, "last_login_ms");
	apr_table_do(print_field, NULL, u->fields, NULL);
}

/* Runs the subcommand on an open store. */
static kg_rc run(kg_sess_store *store, apr_pool_t *pool, const options *o,
		 kg_err *err)
{
	apr_array_header_t *list;
	kg_sess_id_user *u;
	char created[21], last[21];
	kg_rc rc;

	if (strcmp(o->sub, "show") == 0) {
		rc = kg_sess_id_show(store, pool, o->who, &u, err);
		if (rc == KG_OK)
			print_user(u);
		return rc;
	}
	rc = kg_sess_id_list(store, pool, &list, err);
	if (rc != KG_OK)
		return rc;
	printf("%-36s  %-20s %-28s %-16s %-10s %-20s %s\n", "ID", "USERNAME",
	       "EMAIL", "IDP", "IDENTITIES", "CREATED", "LAST-LOGIN");
	for (int i = 0; i < list->nelts; i++) {
		u = APR_ARRAY_IDX(list, i, kg_sess_id_user *);
		printf("%-36s  %-20s %-28s %-16s %-10lld %-20s %s\n", u->id,
		       or_dash(u->username), or_dash(u->email),
		       or_dash(u->alias), u->identities,
		       utc(u->created_ms, created),
		       utc(u->last_login_ms, last));
	}
	return KG_OK;
}

int kg_cli_users(int argc, char **argv)
{
	const kg_log log = {KG_LOG_WARN, log_stderr, NULL};
	apr_pool_t *pool;
	kg_sess_store *store;
	kg_conf *conf;
	kg_err err = {0};
	const char *usage;
	options o;
	int exit_code = KG_EXIT_OK;

	if (argc == 2 &&
	    (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(users_usage, stdout);
		return KG_EXIT_OK;
	}
	if (argc >= 2 && (strcmp(argv[1], "deactivate") == 0 ||
			  strcmp(argv[1], "reactivate") == 0 ||
			  strcmp(argv[1], "status") == 0))
		return kg_cli_users_active(argc, argv);
	usage = parse(argc, argv, &o);
	if (usage)
		return kg_cli_usage_error("users", usage);
	apr_pool_create(&pool, NULL);
	if (kg_cli_load_conf(pool, o.config, &conf, &err) != KG_OK ||
	    kg_sess_store_open(pool, &conf->sessions, &log, &store, &err) !=
		    KG_OK ||
	    run(store, pool, &o, &err) != KG_OK)
		exit_code = kg_cli_fail(&err);
	apr_pool_destroy(pool);
	return exit_code;
}
