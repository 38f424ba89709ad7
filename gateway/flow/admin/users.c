/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: deactivating and reactivating users, killing sessions.
 */
#include "gateway/flow/admin/admin.h"
#include "gateway/flow/aws/file.h"
#include "gateway/base/str.h"
#include "policy/timeouts.h"
#include "sessions/revocation.h"

#include <string.h>

const char *kg_admin_username(apr_pool_t *pool, const char *raw)
{
	size_t len = raw ? strlen(raw) : 0;

	if (len == 0 || len > 256 || !kg_utf8_is_valid(raw, len) ||
	    kg_str_has_control(raw) || strchr(raw, '/') != NULL)
		return NULL;
	return kg_str_lower(pool, raw);
}

kg_rc kg_admin_user_set_active(kg_sess_store *store, const kg_conf *conf,
			       apr_pool_t *pool, const kg_log *log,
			       const kg_admin_who *who, const char *username,
			       bool active, int *ended, kg_err *err)
{
	kg_rc rc;

	*ended = 0;
	if ((username = kg_admin_username(pool, username)) == NULL)
		return kg_err_set(err, KG_EINVAL, "not a username");
	rc = kg_sess_user_set_active(store, pool, username, active, err);
	if (rc == KG_OK && !active) {
		rc = kg_sess_admin_kill(store, pool, username, NULL,
					kg_pol_clock_now(NULL), ended, err);
		kg_aws_remove_user_file(&conf->aws, pool, username);
	}
	if (rc != KG_OK)
		return rc;
	if (active)
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0723",
			    "AUDIT event=\"User Reactivated\" actor=%s "
			    "target=%s via=%s",
			    who->actor, username, who->via);
	else
		kg_log_emit(log, KG_LOG_NOTICE, "KG-0722",
			    "AUDIT event=\"User Deactivated\" actor=%s "
			    "target=%s via=%s sessions_ended=%d",
			    who->actor, username, who->via, *ended);
	return KG_OK;
}

kg_rc kg_admin_user_kill(kg_sess_store *store, const kg_conf *conf,
			 apr_pool_t *pool, const kg_log *log,
			 const kg_admin_who *who, const char *username,
			 int *killed, kg_err *err)
{
	kg_rc rc;

	*killed = 0;
	if ((username = kg_admin_username(pool, username)) == NULL)
		return kg_err_set(err, KG_EINVAL, "not a username");
	rc = kg_sess_admin_kill(store, pool, username, NULL,
				kg_pol_clock_now(NULL), killed, err);
	if (rc != KG_OK)
		return rc;
	kg_aws_remove_user_file(&conf->aws, pool, username);
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0751",
		    "AUDIT event=\"Session Killed\" actor=%s target=%s via=%s "
		    "sessions_ended=%d",
		    who->actor, username, who->via, *killed);
	return KG_OK;
}

/* The one session of the realm whose id starts with prefix. */
static kg_rc find_session(kg_sess_store *store, apr_pool_t *pool,
			  const char *prefix, const kg_sess_entry **out,
			  kg_err *err)
{
	apr_array_header_t *all;
	kg_rc rc = kg_sess_admin_list(store, pool, NULL, kg_pol_clock_now(NULL),
				      &all, err);

	*out = NULL;
	if (rc != KG_OK)
		return rc;
	for (int i = 0; i < all->nelts; i++) {
		const kg_sess_entry *e = &APR_ARRAY_IDX(all, i, kg_sess_entry);
		if (strncmp(e->id, prefix, strlen(prefix)) != 0)
			continue;
		if (*out)
			return kg_err_set(err, KG_EINVAL,
					  "the id prefix matches more than "
					  "one session");
		*out = e;
	}
	return *out ? KG_OK
		    : kg_err_set(err, KG_ENOTFOUND,
				 "no session id starts with that prefix");
}

kg_rc kg_admin_session_kill(kg_sess_store *store, const kg_conf *conf,
			    apr_pool_t *pool, const kg_log *log,
			    const kg_admin_who *who, const char *id_prefix,
			    const char **user, kg_err *err)
{
	const kg_sess_entry *e;
	kg_sess_record id_only = {0};
	char short_id[9];
	kg_rc rc;

	*user = NULL;
	if (id_prefix == NULL || strlen(id_prefix) < 8 ||
	    strlen(id_prefix) > KG_SESS_ID_LEN)
		return kg_err_set(err, KG_EINVAL,
				  "a session id prefix has 8 or more "
				  "characters");
	if ((rc = find_session(store, pool, id_prefix, &e, err)) != KG_OK)
		return rc;
	memcpy(id_only.id, e->id, sizeof(id_only.id));
	rc = kg_sess_store_delete(store, pool, e->rec ? e->rec : &id_only,
				  "admin-kill", err);
	if (rc != KG_OK)
		return rc;
	*user = e->rec && e->rec->user->username ? e->rec->user->username : "-";
	if (e->rec && e->rec->user->username)
		kg_aws_release_user_file(store, &conf->aws, pool, *user);
	memcpy(short_id, e->id, 8);
	short_id[8] = '\0';
	kg_log_emit(log, KG_LOG_NOTICE, "KG-0724",
		    "AUDIT event=\"Session Killed\" actor=%s target=%s sess=%s "
		    "via=%s",
		    who->actor, *user, short_id, who->via);
	return KG_OK;
}
