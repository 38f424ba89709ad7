/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Lua scripts that change sessions atomically in Redis.
 *
 * All take the same four keys: the session, its user's index, the realm
 * index (scored by last access) and the realm expiry index (scored by
 * deadline). The create script is the atomic enforcement of
 * kg_pol_limit_check (policy/limits.h); both follow Keycloak's rule.
 */
#ifndef KG_SESS_SCRIPTS_H
#define KG_SESS_SCRIPTS_H

/* ARGV: record, now_ms, deadline_ms, user_max, user_behaviour,
 * realm_max, realm_behaviour, session key prefix, id, ttl_ms (deadline
 * less now, > 0). Numbers are decimal text.
 * Returns {status, realm_logged, user_evictions, used_at_us,
 * evicted ids...} with
 * status 0 created, 1 denied by the user limit, 2 denied by the realm
 * limit, 3 the id exists already (a retried create). */
extern const char kg_sess_lua_create[];

/* ARGV: record, now_ms, deadline_ms, id, ttl_ms. Rewrites a live session and
 * slides its scores and TTLs. Returns 1, or 0 when it is gone. */
extern const char kg_sess_lua_touch[];

/* ARGV: id. Deletes a session and its index entries. Returns 1 when the
 * session key existed. */
extern const char kg_sess_lua_delete[];

/* ARGV: now_ms, session key prefix. Prunes expired members from the realm
 * indexes and the user index. Returns {user_count, realm_count}. */
extern const char kg_sess_lua_count[];

/* The behaviour numbers the scripts use: kg_limit_behaviour's values. */
#define KG_SESS_LUA_DENY "0"
#define KG_SESS_LUA_TERMINATE "1"
#define KG_SESS_LUA_LOG_ONLY "2"

#endif
