/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate integration helper: creates a session in the store that a
 * keygate config file names, for a user given on the command line, and
 * prints its cookie value. Lets the gateway suites test authentication,
 * authorization and identity headers apart from any login protocol.
 * usage: mint_session CONFIG USERNAME [ROLE|org:ORG|attr:NAME=VALUE]...
 */
#include "conf/conf.h"
#include "policy/timeouts.h"
#include "sessions/store.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	apr_pool_t *pool;
	kg_conf *conf;
	kg_sess_store *store;
	kg_sess_record *rec;
	kg_sess_created created;
	kg_err err = {0};
	kg_pol_timeouts timeouts;
	long long now;

	if (argc < 3) {
		fprintf(stderr, "usage: mint_session CONFIG USERNAME [ROLE|"
				"org:ORG|attr:NAME=VALUE]...\n");
		return 2;
	}
	apr_initialize();
	apr_pool_create(&pool, NULL);
	conf = kg_conf_make(pool);
	now = (long long)(apr_time_now() / 1000);
	if (kg_conf_file_load(pool, argv[1], conf, &err) ||
	    kg_sess_store_open(pool, &conf->sessions, NULL, &store, &err))
		goto fail;
	rec = kg_sess_record_make(pool);
	rec->user->username = argv[2];
	rec->user->email = apr_pstrcat(pool, argv[2], "@example.org", NULL);
	rec->user->first_name = "Test";
	rec->user->last_name = "User";
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "org:", 4) == 0) {
			kg_list_add_unique(rec->user->organizations, a + 4);
		} else if (strncmp(a, "attr:", 5) == 0 && strchr(a, '=')) {
			char *name = apr_pstrmemdup(pool, a + 5,
						    strchr(a, '=') - a - 5);
			kg_bag_add(rec->user->attributes, name,
				   strchr(a, '=') + 1);
		} else {
			kg_list_add_unique(rec->user->roles, a);
		}
	}
	rec->idp = "test";
	rec->protocol = "oidc";
	rec->flow = KG_FLOW_BROWSER;
	rec->auth_ms = rec->last_access_ms = now;
	kg_pol_timeouts_from_conf(&conf->sessions, &timeouts);
	rec->idle_ms = timeouts.idle_ms;
	rec->expires_ms = now + timeouts.max_ms;
	if (kg_sess_store_create(store, pool, rec,
				 &conf->sessions.limits[KG_FLOW_BROWSER], now,
				 &created, &err))
		goto fail;
	printf("%s\n", created.cookie);
	apr_pool_destroy(pool);
	apr_terminate();
	return 0;
fail:
	fprintf(stderr, "mint_session: %s\n", err.msg);
	apr_pool_destroy(pool);
	apr_terminate();
	return 1;
}
