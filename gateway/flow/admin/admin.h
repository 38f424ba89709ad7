/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the admin actions on users and sessions, shared by the keygate
 * CLI (`keygate users`, which has no gateway, only the settings and the
 * store) and the admin JSON API under PREFIX admin/ (api.c).
 *
 * Each action is an audit event (Domino's event names), a notice line
 * that starts with "AUDIT " and names actor= (the admin's username, or
 * the CLI's OS user) and target=:
 *   KG-0722 notice  AUDIT event="User Deactivated"
 *   KG-0723 notice  AUDIT event="User Reactivated"
 *   KG-0724 notice  AUDIT event="Session Killed" (one, by id)
 *   KG-0751 notice  AUDIT event="Session Killed" (all of a user's)
 * and the API's reads and refusals (api.c) are too:
 *   KG-0750 notice  AUDIT event="Admin API Read"
 *   KG-0725 warn    AUDIT event="Admin API Refused"
 */
#ifndef KG_FLOW_ADMIN_ADMIN_H
#define KG_FLOW_ADMIN_ADMIN_H

#include "conf/conf.h"
#include "gateway/base/log.h"
#include "sessions/store.h"

/* Who acts, for the audit line. */
typedef struct {
	const char *actor; /* the admin's username or OS user */
	const char *via;   /* "api" or "cli" */
} kg_admin_who;

/* The username an admin call names, as keygate stores usernames
 * (lower-cased the way the mappers do, so "Demo" is the user demo and
 * never a flag on a name no login can have), in pool; NULL when raw
 * cannot be a username: not valid UTF-8, not 1 to 256 bytes, a control
 * character, or a '/'. */
const char *kg_admin_username(apr_pool_t *pool, const char *raw);

/* Deactivates (active false) or reactivates username (lower-cased,
 * kg_admin_username). Deactivating sets
 * the flag in Redis first (so no new session can start, on any gateway),
 * then ends every session of the user (browser, SSO and API; every
 * gateway's cache drops them through Redis's invalidation notices; the
 * background AWS refresh finds them gone and stops) and removes the
 * user's AWS credentials file. *ended: sessions ended. Logs the audit
 * event. KG_EBACKEND when Redis is down (the flag may or may not be set:
 * the caller says so and the admin repeats the call). */
kg_rc kg_admin_user_set_active(kg_sess_store *store, const kg_conf *conf,
			       apr_pool_t *pool, const kg_log *log,
			       const kg_admin_who *who, const char *username,
			       bool active, int *ended, kg_err *err);

/* Ends every session of username (lower-cased, kg_admin_username) on
 * every gateway, as `keygate sessions kill --user` does, and removes the
 * user's AWS credentials file; the user stays active and may sign in
 * again. *killed: sessions ended. Logs the audit event (KG-0751). */
kg_rc kg_admin_user_kill(kg_sess_store *store, const kg_conf *conf,
			 apr_pool_t *pool, const kg_log *log,
			 const kg_admin_who *who, const char *username,
			 int *killed, kg_err *err);

/* Ends the one session whose id starts with id_prefix (at least 8
 * characters); *user is its user (in pool). Removes the user's AWS
 * credentials file when no session of theirs with AWS credentials is
 * left. KG_ENOTFOUND: none; KG_EINVAL: the prefix is short or
 * ambiguous. Logs the audit event. */
kg_rc kg_admin_session_kill(kg_sess_store *store, const kg_conf *conf,
			    apr_pool_t *pool, const kg_log *log,
			    const kg_admin_who *who, const char *id_prefix,
			    const char **user, kg_err *err);

#endif
