/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Lua scripts for sessions. Text only; sessions/store.c
 * loads and runs them.
 *
 * KEYS[1] session key, KEYS[2] user index, KEYS[3] realm index (score:
 * Redis TIME of the last create or touch, in microseconds, so the order
 * of use is the order Redis ran them in, whatever the gateways' clocks
 * say), KEYS[4] realm expiry index (score: deadline ms). The
 * realm indexes are pruned by deadline; the user index by checking that
 * each member's session key still exists (a session ended by the realm
 * limit leaves its user's index entry behind until then). Every key's TTL
 * reaches the latest deadline among what it indexes.
 */
#include "sessions/scripts.h"
#include "conf/sessions.h"

/* Shared by the scripts: pruning and index TTLs. Every redis.call costs
 * about a microsecond of Redis's one thread on top of its command, so
 * the scripts make as few as they can: one EXISTS over all of a user's
 * sessions (one per member only when some are gone), PEXPIRE GT instead
 * of PTTL + PEXPIRE, the realm count only when a realm limit is set, and
 * the victims taken from the user index already read. Numbers go to
 * redis.call as strings (the client's ARGV, TIME's digits): Redis turns
 * a Lua number into text with "%.17g", which costs more than the call.
 * Batches stay under Lua's unpack limit (BATCH). */
#define LUA_PRELUDE                                                            \
	"local skey, ukey, realm, rexp = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n" \
	"local BATCH = 500\n"                                                  \
	"local function prune_realm(now)\n"                                    \
	"  local gone = redis.call('ZRANGEBYSCORE', rexp, '-inf', now)\n"      \
	"  for i = 1, #gone, BATCH do\n"                                       \
	"    local chunk = {unpack(gone, i, math.min(i + BATCH - 1, "          \
	"#gone))}\n"                                                           \
	"    redis.call('ZREM', realm, unpack(chunk))\n"                       \
	"    redis.call('ZREM', rexp, unpack(chunk))\n"                        \
	"  end\n"                                                              \
	"end\n" /* the user's index, least recently used first, without the    \
		 * members whose session key is gone (those are removed from   \
		 * it) */                                                      \
	"local function live_members(sprefix)\n"                               \
	"  local members = redis.call('ZRANGE', ukey, '0', '-1')\n"            \
	"  local n = #members\n"                                               \
	"  if n == 0 then return members end\n"                                \
	"  local keys = {}\n"                                                  \
	"  for i = 1, n do keys[i] = sprefix .. members[i] end\n"              \
	"  if n <= BATCH and redis.call('EXISTS', unpack(keys)) == n then\n"   \
	"    return members\n"                                                 \
	"  end\n"                                                              \
	"  local live = {}\n"                                                  \
	"  for i = 1, n do\n"                                                  \
	"    if redis.call('EXISTS', keys[i]) == 0 then\n"                     \
	"      redis.call('ZREM', ukey, members[i])\n"                         \
	"    else\n"                                                           \
	"      live[#live + 1] = members[i]\n"                                 \
	"    end\n"                                                            \
	"  end\n"                                                              \
	"  return live\n"                                                      \
	"end\n"                                                                \
	"local function prune(now, sprefix)\n"                                 \
	"  prune_realm(now)\n"                                                 \
	"  return live_members(sprefix)\n"                                     \
	"end\n" /* sets key's TTL to ttl unless it has a later one; PEXPIRE GT \
		 * takes a key without a TTL as infinite, so that case is      \
		 * checked apart, and a Redis before 7.0 (no GT) falls back to \
		 * PTTL */                                                     \
	"local function extend(key, ttl)\n"                                    \
	"  local r = redis.pcall('PEXPIRE', key, ttl, 'GT')\n"                 \
	"  if r == 1 then return end\n"                                        \
	"  local left = redis.call('PTTL', key)\n"                             \
	"  if left == -1 or\n"                                                 \
	"     (type(r) == 'table' and left < tonumber(ttl)) then\n"            \
	"    redis.call('PEXPIRE', key, ttl)\n"                                \
	"  end\n"                                                              \
	"end\n"                                                                \
	"local function used_at()\n"                                           \
	"  local t = redis.call('TIME')\n"                                     \
	"  return tonumber(t[1]) * 1000000 + tonumber(t[2]),\n"                \
	"         t[1] .. string.sub('00000' .. t[2], -6)\n"                   \
	"end\n" /* deadline, ttl, score: decimal strings */                    \
	"local function index(id, deadline, ttl, score)\n"                     \
	"  redis.call('ZADD', ukey, score, id)\n"                              \
	"  redis.call('ZADD', realm, score, id)\n"                             \
	"  redis.call('ZADD', rexp, deadline, id)\n"                           \
	"  extend(ukey, ttl)\n"                                                \
	"  extend(realm, ttl)\n"                                               \
	"  extend(rexp, ttl)\n"                                                \
	"end\n"

/* The record is written first (SET NX, which also tells a retried
 * create) and deleted again on a denial: all inside the one script, so
 * no one ever sees it, and it saves a call on every create. */
const char kg_sess_lua_create[] = LUA_PRELUDE
	"local record, now, deadline = ARGV[1], ARGV[2], ARGV[3]\n"
	"local umax, ubeh = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"local rmax, rbeh = tonumber(ARGV[6]), tonumber(ARGV[7])\n"
	"local sprefix, id, ttl = ARGV[8], ARGV[9], ARGV[10]\n"
	/* a deactivated user gets no session, whichever gateway asks and
	 * however the deactivation raced the login */
	"if redis.call('EXISTS', ARGV[11]) == 1 then return {4, 0, 0, 0} end\n"
	"if not redis.call('SET', skey, record, 'PX', ttl, 'NX') then\n"
	"  return {3, 0, 0, 0}\n"
	"end\n"
	"local members = prune(now, sprefix)\n"
	/* Keycloak: reached when count >= max; remove count - (max - 1) */
	"local function over_by(count, max)\n"
	"  if max <= 0 or count < max then return 0 end\n"
	"  return count - (max - 1)\n"
	"end\n"
	"local uevict, revict, logged = over_by(#members, umax), 0, 0\n"
	"if uevict > 0 and ubeh ~= " KG_SESS_LUA_TERMINATE " then\n"
	"  redis.call('DEL', skey)\n"
	"  return {1, 0, 0, 0}\n"
	"end\n"
	"if rmax > 0 then\n"
	"  local rover = over_by(redis.call('ZCARD', realm) - uevict, rmax)\n"
	"  if rover > 0 then\n"
	"    if rbeh == " KG_SESS_LUA_TERMINATE " then revict = rover\n"
	"    elseif rbeh == " KG_SESS_LUA_LOG_ONLY " then logged = 1\n"
	"    else\n"
	"      redis.call('DEL', skey)\n"
	"      return {2, 0, 0, 0}\n"
	"    end\n"
	"  end\n"
	"end\n"
	"local score, score_text = used_at()\n"
	"local out = {0, logged, uevict, score}\n"
	/* ends victims[1..n]: their records and every index entry */
	"local function evict(victims, n)\n"
	"  for i = 1, n, BATCH do\n"
	"    local ids, keys = {}, {}\n"
	"    for j = i, math.min(i + BATCH - 1, n) do\n"
	"      ids[#ids + 1] = victims[j]\n"
	"      keys[#keys + 1] = sprefix .. victims[j]\n"
	"      out[#out + 1] = victims[j]\n"
	"    end\n"
	"    redis.call('DEL', unpack(keys))\n"
	"    redis.call('ZREM', ukey, unpack(ids))\n"
	"    redis.call('ZREM', realm, unpack(ids))\n"
	"    redis.call('ZREM', rexp, unpack(ids))\n"
	"  end\n"
	"end\n"
	"if uevict > 0 then evict(members, uevict) end\n"
	"if revict > 0 then\n"
	"  local victims = redis.call('ZRANGE', realm, 0, revict - 1)\n"
	"  evict(victims, #victims)\n"
	"end\n"
	"index(id, deadline, ttl, score_text)\n"
	"return out\n";

const char kg_sess_lua_touch[] = LUA_PRELUDE
	"local record, deadline, ttl = ARGV[1], ARGV[3], ARGV[5]\n"
	"if not redis.call('SET', skey, record, 'PX', ttl, 'XX') then\n"
	"  return 0\n"
	"end\n"
	"local _, score_text = used_at()\n"
	"index(ARGV[4], deadline, ttl, score_text)\n"
	"return 1\n";

const char kg_sess_lua_delete[] =
	LUA_PRELUDE "local id = ARGV[1]\n"
		    "redis.call('ZREM', ukey, id)\n"
		    "redis.call('ZREM', realm, id)\n"
		    "redis.call('ZREM', rexp, id)\n"
		    "return redis.call('DEL', skey)\n";

const char kg_sess_lua_count[] =
	LUA_PRELUDE "local members = prune(ARGV[1], ARGV[2])\n"
		    "return {#members, redis.call('ZCARD', realm)}\n";

/* The behaviour numbers above are kg_limit_behaviour's values. */
_Static_assert(KG_LIMIT_DENY_NEW == 0 && KG_LIMIT_TERMINATE_OLDEST == 1 &&
		       KG_LIMIT_LOG_ONLY == 2,
	       "kg_limit_behaviour values are the scripts' numbers");
