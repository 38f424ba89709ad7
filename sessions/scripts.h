/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Lua scripts that change sessions atomically in Redis.
 *
 * All take the same four keys: the session, its user's index, the index
 * of earlier builds (only removed from) and the realm index; both indexes
 * are scored by deadline (ms, Redis's clock). The create script is the atomic
 * enforcement of kg_pol_limit_check (policy/limits.h); both follow Keycloak's
 * rule.
 */
#ifndef KG_SESS_SCRIPTS_H
#define KG_SESS_SCRIPTS_H

/* KEYS[3]: the user's deactivation flag. ARGV: record, ttl_ms (deadline
 * less now, > 0), user_max, user_behaviour, realm_max, realm_behaviour;
 * numbers are decimal text. The id is the session key's last 32
 * characters. Returns {status, realm_logged, user_evictions, score_ms,
 * evicted ids...} with status 0 created, 1 denied by the user limit, 2
 * denied by the realm limit, 3 the id exists already (a retried create),
 * 4 the user is deactivated. score_ms is the new session's index score:
 * its deadline on Redis's clock. */
extern const char kg_sess_lua_create[];

/* ARGV: record, ttl_ms. Rewrites a live session and slides its scores
 * and the user index's TTL. Returns 1, or 0 when it is gone. */
extern const char kg_sess_lua_touch[];

/* No ARGV. Deletes a session and its index entries (KEYS[3]: the index
 * of earlier builds too). Returns 1 when the session key existed. */
extern const char kg_sess_lua_delete[];

/* No ARGV; KEYS[1] is the session key of the id "-". Prunes the user
 * index (ended and stale members). Returns {user_count, realm_count}. */
extern const char kg_sess_lua_count[];

/* The behaviour numbers the scripts use: kg_limit_behaviour's values. */
#define KG_SESS_LUA_DENY "0"
#define KG_SESS_LUA_TERMINATE "1"
#define KG_SESS_LUA_LOG_ONLY "2"

#endif
