/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate CLI: `keygate users deactivate|reactivate|status USER` (users.c
 * hands them here): closes
 * every way in for a user at once (flow/admin/admin.h), or opens them
 * again. Reads the same settings as the gateway from --config. Each
 * change is an audit event whose actor is the OS user running the
 * command (the one sudo names, under sudo).
 */
#include "gateway/cli/commands.h"
#include "gateway/cli/input.h"
#include "gateway/flow/admin/admin.h"
#include "gateway/base/str.h"
#include "policy/timeouts.h"
#include "sessions/ids.h"
#include "sessions/revocation.h"

#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

/* The stable id of username (sessions/ids.h), "-" when it has none
 * yet. */
static kg_rc stable_id(kg_sess_store *store, apr_pool_t *pool,
		       const char *username, const char **id, kg_err *err)
{
	kg_sess_id_user *u;
	kg_rc rc = kg_sess_id_show(store, pool, username, &u, err);

	*id = "-";
	if (rc == KG_ENOTFOUND) {
		kg_err_clear(err);
		return KG_OK;
	}
	if (rc == KG_OK && u->id)
		*id = u->id;
	return rc;
}

/* Runs the subcommand sub on user. */
static kg_rc run(kg_sess_store *store, const kg_conf *conf, apr_pool_t *pool,
		 const kg_log *log, const char *sub, const char *user,
		 kg_err *err)
{
	kg_admin_who who = {kg_cli_os_user(pool), "cli"};
	const char *id = "-";
	bool active = true;
	long long count = 0;
	int ended = 0;
	kg_rc rc;

	if (strcmp(sub, "status") == 0) {
		rc = kg_sess_user_is_active(store, pool, user, &active, err);
		if (rc == KG_OK)
			rc = kg_sess_admin_count(store, pool, user,
						 kg_pol_clock_now(NULL), &count,
						 err);
		if (rc == KG_OK)
			rc = stable_id(store, pool, user, &id, err);
		if (rc == KG_OK)
			printf("%s %s sessions=%lld id=%s\n", user,
			       active ? "active" : "deactivated", count, id);
		return rc;
	}
	rc = kg_admin_user_set_active(store, conf, pool, log, &who, user,
				      strcmp(sub, "reactivate") == 0, &ended,
				      err);
	if (rc == KG_OK && strcmp(sub, "deactivate") == 0)
		printf("deactivated %s; ended %d session%s\n", user, ended,
		       ended == 1 ? "" : "s");
	else if (rc == KG_OK)
		printf("reactivated %s\n", user);
	/* a name no login has had yet: most often a typo, so say so (the
	 * flag still holds for a first login under it) */
	if (rc == KG_OK && stable_id(store, pool, user, &id, err) == KG_OK &&
	    strcmp(id, "-") == 0 && ended == 0)
		fprintf(stderr,
			"keygate: note: %s has never signed in here (no "
			"stable id); check the username (`keygate users "
			"list`)\n",
			user);
	return rc;
}

int kg_cli_users_active(int argc, char **argv)
{
	/* audit lines go to stderr and syslog, at notice */
	const kg_log log = {KG_LOG_NOTICE, kg_cli_log_line, NULL};
	const char *config = NULL, *user = NULL, *sub;
	apr_pool_t *pool;
	kg_sess_store *store;
	kg_conf *conf;
	kg_err err = {0};
	int exit_code = KG_EXIT_OK;

	if (argc < 2 || (strcmp(argv[1], "deactivate") != 0 &&
			 strcmp(argv[1], "reactivate") != 0 &&
			 strcmp(argv[1], "status") != 0))
		return kg_cli_usage_error("users", "expected deactivate, "
						   "reactivate or status");
	sub = argv[1];
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (argv[i][0] == '-' || user != NULL)
			return kg_cli_usage_error("users",
						  "unknown option or argument");
		else
			user = argv[i];
	}
	if (config == NULL || user == NULL)
		return kg_cli_usage_error(
			"users", "--config FILE and USER are required");
	apr_pool_create(&pool, NULL);
	if ((user = kg_admin_username(pool, user)) == NULL) {
		apr_pool_destroy(pool);
		return kg_cli_usage_error("users", "USER is not a username");
	}
	if (kg_cli_load_conf(pool, config, &conf, &err) != KG_OK ||
	    kg_sess_store_open(pool, &conf->sessions, &log, &store, &err) !=
		    KG_OK ||
	    run(store, conf, pool, &log, sub, user, &err) != KG_OK)
		exit_code = kg_cli_fail(&err);
	apr_pool_destroy(pool);
	return exit_code;
}
