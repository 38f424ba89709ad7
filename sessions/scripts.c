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

/* Shared by the scripts: pruning and index TTLs. */
#define LUA_PRELUDE \
	"local skey, ukey, realm, rexp = KEYS[1], KEYS[2], KEYS[3], KEYS[4]\n" \
	"local function prune(now, sprefix)\n" \
	"  local gone = redis.call('ZRANGEBYSCORE', rexp, '-inf', now)\n" \
	"  for i = 1, #gone, 500 do\n" \
	"    local chunk = {unpack(gone, i, math.min(i + 499, #gone))}\n" \
	"    redis.call('ZREM', realm, unpack(chunk))\n" \
	"    redis.call('ZREM', rexp, unpack(chunk))\n" \
	"  end\n" \
	"  for _, m in ipairs(redis.call('ZRANGE', ukey, 0, -1)) do\n" \
	"    if redis.call('EXISTS', sprefix .. m) == 0 then\n" \
	"      redis.call('ZREM', ukey, m)\n" \
	"    end\n" \
	"  end\n" \
	"end\n" \
	"local function extend(key, ttl)\n" \
	"  if redis.call('PTTL', key) < ttl then\n" \
	"    redis.call('PEXPIRE', key, ttl)\n" \
	"  end\n" \
	"end\n" \
	"local function used_at()\n" \
	"  local t = redis.call('TIME')\n" \
	"  return tonumber(t[1]) * 1000000 + tonumber(t[2])\n" \
	"end\n" \
	"local function index(id, now, deadline, score)\n" \
	"  redis.call('ZADD', ukey, score, id)\n" \
	"  redis.call('ZADD', realm, score, id)\n" \
	"  redis.call('ZADD', rexp, deadline, id)\n" \
	"  for _, k in ipairs({ukey, realm, rexp}) do\n" \
	"    extend(k, deadline - now)\n" \
	"  end\n" \
	"end\n"

const char kg_sess_lua_create[] = LUA_PRELUDE
	"local record, now, deadline = ARGV[1], tonumber(ARGV[2]), "
	"tonumber(ARGV[3])\n"
	"local umax, ubeh = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"local rmax, rbeh = tonumber(ARGV[6]), tonumber(ARGV[7])\n"
	"local sprefix, id = ARGV[8], ARGV[9]\n"
	"if redis.call('EXISTS', skey) == 1 then return {3, 0, 0, 0} end\n"
	"prune(now, sprefix)\n"
	/* Keycloak: reached when count >= max; remove count - (max - 1) */
	"local function over_by(count, max)\n"
	"  if max <= 0 or count < max then return 0 end\n"
	"  return count - (max - 1)\n"
	"end\n"
	"local uevict, revict, logged = over_by(redis.call('ZCARD', ukey), "
	"umax), 0, 0\n"
	"if uevict > 0 and ubeh ~= " KG_SESS_LUA_TERMINATE " then\n"
	"  return {1, 0, 0, 0}\n"
	"end\n"
	"local rover = over_by(redis.call('ZCARD', realm) - uevict, rmax)\n"
	"if rover > 0 then\n"
	"  if rbeh == " KG_SESS_LUA_TERMINATE " then revict = rover\n"
	"  elseif rbeh == " KG_SESS_LUA_LOG_ONLY " then logged = 1\n"
	"  else return {2, 0, 0, 0} end\n"
	"end\n"
	"local score = used_at()\n"
	"local out = {0, logged, uevict, score}\n"
	"local function evict(victims)\n"
	"  for _, m in ipairs(victims) do\n"
	"    redis.call('DEL', sprefix .. m)\n"
	"    redis.call('ZREM', ukey, m)\n"
	"    redis.call('ZREM', realm, m)\n"
	"    redis.call('ZREM', rexp, m)\n"
	"    out[#out + 1] = m\n"
	"  end\n"
	"end\n"
	"if uevict > 0 then evict(redis.call('ZRANGE', ukey, 0, uevict - 1)) "
	"end\n"
	"if revict > 0 then evict(redis.call('ZRANGE', realm, 0, revict - 1)) "
	"end\n"
	"redis.call('SET', skey, record, 'PX', deadline - now)\n"
	"index(id, now, deadline, score)\n"
	"return out\n";

const char kg_sess_lua_touch[] = LUA_PRELUDE
	"local record, now, deadline = ARGV[1], tonumber(ARGV[2]), "
	"tonumber(ARGV[3])\n"
	"if redis.call('EXISTS', skey) == 0 then return 0 end\n"
	"redis.call('SET', skey, record, 'PX', deadline - now)\n"
	"index(ARGV[4], now, deadline, used_at())\n"
	"return 1\n";

const char kg_sess_lua_delete[] = LUA_PRELUDE
	"local id = ARGV[1]\n"
	"redis.call('ZREM', ukey, id)\n"
	"redis.call('ZREM', realm, id)\n"
	"redis.call('ZREM', rexp, id)\n"
	"return redis.call('DEL', skey)\n";

const char kg_sess_lua_count[] = LUA_PRELUDE
	"prune(tonumber(ARGV[1]), ARGV[2])\n"
	"return {redis.call('ZCARD', ukey), redis.call('ZCARD', realm)}\n";

/* The behaviour numbers above are kg_limit_behaviour's values. */
_Static_assert(KG_LIMIT_DENY_NEW == 0 && KG_LIMIT_TERMINATE_OLDEST == 1 &&
		       KG_LIMIT_LOG_ONLY == 2,
	       "kg_limit_behaviour values are the scripts' numbers");
