/* SPDX-License-Identifier: AGPL-3.0-or-later
 * keygate: the Lua scripts for sessions. Text only; sessions/store.c
 * loads them once per connection and runs them by SHA (EVALSHA).
 *
 * KEYS[1] session key, KEYS[2] user index, KEYS[3] the create script's
 * deactivation flag of the user, and for the others the index of earlier
 * 0.1.0 builds (P realm, by last use; only removed from, for gateways of
 * that version in a rolling upgrade), KEYS[4] the realm index (P
 * realm:exp). Both indexes
 * are scored by the session's deadline in ms on Redis's clock (TIME + the time
 * the record has left), so the order of use is the order Redis ran the writes
 * in, whatever the gateways' clocks say, and a member whose score is past is an
 * ended session. The realm index is exact: every path that ends a session
 * before its deadline removes it. A user's index can keep a stale member (a
 * session ended by the realm limit, or dropped as unreadable, ends from the
 * realm index only); the create script checks members against their session
 * keys when, and only when, they would decide a limit. Members past their
 * deadline stay in the realm index for the reaper (its expiry audit
 * events); a create whose id starts with "0" (1 in 16) removes those more
 * than GRACE ms past.
 */
#include "sessions/scripts.h"
#include "conf/sessions.h"

/* Shared by the scripts. Every redis.call costs Redis about as much as a
 * small command of its own (argument and reply conversion), so the
 * scripts make as few as they can: no realm-wide TTLs (those keys always
 * exist, and an empty sorted set goes away by itself), a user index's TTL
 * set only when the new session would outlive the index (its member "t"),
 * the user index read once with its scores. Numbers go to redis.call as strings
 * where they can: Redis turns a Lua number into text with "%.17g". Scores above
 * LEGACY are last-use times in microseconds written by earlier 0.1.0 builds of
 * keygate: such a member counts as live until its session key is found gone. */
#define LUA_PRELUDE                                                            \
	"local skey, ukey, third, realm = KEYS[1], KEYS[2], KEYS[3], "         \
	"KEYS[4]\n"                                                            \
	"local BATCH, LEGACY, GRACE = 500, 1e14, 3600000\n"                    \
	"local id = string.sub(skey, -32)\n"                                   \
	"local sprefix = string.sub(skey, 1, -33)\n" /* Redis's clock in ms,   \
						      * as a number and as     \
						      * text, without Lua's    \
						      * slow number formatting \
						      */                       \
	"local function clock()\n"                                             \
	"  local t = redis.call('TIME')\n"                                     \
	"  local text = t[1] .. string.sub('00000' .. t[2], -6, -4)\n"         \
	"  return tonumber(text), text\n"                                      \
	"end\n" /* sets key's TTL to ttl unless it has a later one (PEXPIRE GT \
		 * takes a key without a TTL as infinite, so that case is      \
		 * checked apart; a Redis before 7.0 has no GT) */             \
	"local function extend(key, ttl)\n"                                    \
	"  local r = redis.pcall('PEXPIRE', key, ttl, 'GT')\n"                 \
	"  if r == 1 then return end\n"                                        \
	"  local left = redis.call('PTTL', key)\n"                             \
	"  if left == -1 or\n"                                                 \
	"     (type(r) == 'table' and left < tonumber(ttl)) then\n"            \
	"    redis.call('PEXPIRE', key, ttl)\n"                                \
	"  end\n"                                                              \
	"end\n"

/* The record is written first (SET NX, which also tells a retried
 * create) and deleted again on a denial: all inside the one script, so
 * no one ever sees it. KEYS[3] is the user's deactivation flag. A create
 * that neither evicts nor finds the user's limit reached runs EXISTS,
 * SET, TIME, ZRANGE, ZCOUNT (realm limit set) and two ZADDs, and a
 * PEXPIRE when the user's index would end before the new session: the
 * member "t" of the index holds the index's expiry, which is set to twice
 * the session's time left so that the next creates need none. */
const char kg_sess_lua_create[] = LUA_PRELUDE
	"local record, ttl = ARGV[1], ARGV[2]\n"
	"local umax, ubeh = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
	"local rmax, rbeh = tonumber(ARGV[5]), tonumber(ARGV[6])\n"
	/* a deactivated user gets no session, whichever gateway asks and
	 * however the deactivation raced the login */
	"if redis.call('EXISTS', third) == 1 then return {4, 0, 0, 0} end\n"
	"if not redis.call('SET', skey, record, 'PX', ttl, 'NX') then\n"
	"  return {3, 0, 0, 0}\n"
	"end\n"
	"local now, now_text = clock()\n"
	"local score = now + tonumber(ttl)\n"
	/* the user's members: the ended (score past) and the live, least
	 * recently used first */
	"local idx = redis.call('ZRANGE', ukey, '0', '-1', 'WITHSCORES')\n"
	"local live, dead, mark, legacy, stale = {}, {}, 0, false, false\n"
	"for i = 1, #idx, 2 do\n"
	"  local sc = tonumber(idx[i + 1])\n"
	"  if idx[i] == 't' and sc > now then mark = sc\n"
	"  elseif sc <= now then dead[#dead + 1] = idx[i]\n"
	"  else\n"
	"    live[#live + 1] = idx[i]\n"
	"    if sc > LEGACY then legacy = true end\n"
	"  end\n"
	"end\n"
	/* a limit decided on stale members would be wrong: check them */
	"if umax > 0 and #live >= umax then\n"
	"  local keys = {}\n"
	"  for i = 1, #live do keys[i] = sprefix .. live[i] end\n"
	"  if #live > BATCH or redis.call('EXISTS', unpack(keys)) < #live "
	"then\n"
	"    local still = {}\n"
	"    for i = 1, #live do\n"
	"      if redis.call('EXISTS', keys[i]) == 1 then\n"
	"        still[#still + 1] = live[i]\n"
	"      else dead[#dead + 1] = live[i] end\n"
	"    end\n"
	"    live, stale = still, true\n"
	"  end\n"
	"end\n"
	/* Keycloak: reached when count >= max; remove count - (max - 1) */
	"local function over_by(count, max)\n"
	"  if max <= 0 or count < max then return 0 end\n"
	"  return count - (max - 1)\n"
	"end\n"
	"local uevict, revict, logged = over_by(#live, umax), 0, 0\n"
	"if uevict > 0 and ubeh ~= " KG_SESS_LUA_TERMINATE " then\n"
	"  redis.call('DEL', skey)\n"
	"  return {1, 0, 0, 0}\n"
	"end\n"
	"if rmax > 0 then\n"
	"  local n = redis.call('ZCOUNT', realm, '(' .. now_text, '+inf')\n"
	"  local rover = over_by(n - uevict, rmax)\n"
	"  if rover > 0 then\n"
	"    if rbeh == " KG_SESS_LUA_TERMINATE " then revict = rover\n"
	"    elseif rbeh == " KG_SESS_LUA_LOG_ONLY " then logged = 1\n"
	"    else\n"
	"      redis.call('DEL', skey)\n"
	"      return {2, 0, 0, 0}\n"
	"    end\n"
	"  end\n"
	"end\n"
	"local out = {0, logged, uevict, score}\n"
	/* the ended members and the user's victims leave the user's index:
	 * they are its lowest ranks unless stale or legacy members were
	 * found among the live */
	"local gone = #dead + uevict\n"
	"if gone > 0 and not stale and not legacy then\n"
	"  redis.call('ZREMRANGEBYRANK', ukey, '0', string.format('%d', gone - "
	"1))\n"
	"elseif gone > 0 then\n"
	"  for i = 1, uevict do dead[#dead + 1] = live[i] end\n"
	"  for i = 1, #dead, BATCH do\n"
	"    redis.call('ZREM', ukey, unpack(dead, i, "
	"math.min(i + BATCH - 1, #dead)))\n"
	"  end\n"
	"end\n"
	/* ends victims[1..n]: their records and realm index entries (a
	 * realm victim's user index is not known here: see above) */
	"local function evict(victims, n)\n"
	"  for i = 1, n, BATCH do\n"
	"    local ids, keys = {}, {}\n"
	"    for j = i, math.min(i + BATCH - 1, n) do\n"
	"      ids[#ids + 1] = victims[j]\n"
	"      keys[#keys + 1] = sprefix .. victims[j]\n"
	"      out[#out + 1] = victims[j]\n"
	"    end\n"
	"    redis.call('DEL', unpack(keys))\n"
	"    redis.call('ZREM', realm, unpack(ids))\n"
	"  end\n"
	"end\n"
	"if uevict > 0 then evict(live, uevict) end\n"
	"if revict > 0 then\n"
	"  local victims = redis.call('ZRANGEBYSCORE', realm, '(' .. "
	"now_text,\n"
	"                             '+inf', 'LIMIT', '0', "
	"string.format('%d', revict))\n"
	"  evict(victims, #victims)\n"
	"end\n"
	"local score_text = string.format('%d', score)\n"
	/* the index lives as long as its longest-lived session, and then
	 * as long again */
	"if legacy then extend(ukey, string.format('%d', 2 * tonumber(ttl))) "
	"end\n"
	"if score > mark then\n"
	"  redis.call('ZADD', ukey, score_text, id,\n"
	"             string.format('%d', score + tonumber(ttl)), 't')\n"
	"  if not legacy then\n"
	"    redis.call('PEXPIRE', ukey, string.format('%d', 2 * "
	"tonumber(ttl)))\n"
	"  end\n"
	"else\n"
	"  redis.call('ZADD', ukey, score_text, id)\n"
	"end\n"
	"redis.call('ZADD', realm, score_text, id)\n"
	"if string.byte(id, 1) == 48 then\n"
	"  redis.call('ZREMRANGEBYSCORE', realm, '-inf',\n"
	"             string.format('%d', now - GRACE))\n"
	"end\n"
	"return out\n";

/* SET XX, TIME, two ZADD XX (a member removed meanwhile stays removed)
 * and PEXPIRE GT. ARGV: record, ttl. */
const char kg_sess_lua_touch[] = LUA_PRELUDE
	"local record, ttl = ARGV[1], ARGV[2]\n"
	"if not redis.call('SET', skey, record, 'PX', ttl, 'XX') then\n"
	"  return 0\n"
	"end\n"
	"local score = string.format('%d', clock() + tonumber(ttl))\n"
	"redis.call('ZADD', ukey, 'XX', score, id)\n"
	"redis.call('ZADD', realm, 'XX', score, id)\n"
	"extend(ukey, ttl)\n"
	"return 1\n";

/* KEYS[3]: the index of earlier 0.1.0 builds. */
const char kg_sess_lua_delete[] =
	LUA_PRELUDE "redis.call('ZREM', ukey, id)\n"
		    "redis.call('ZREM', realm, id)\n"
		    "redis.call('ZREM', third, id)\n"
		    "return redis.call('DEL', skey)\n";

/* The user's count checks every member still live by score against its
 * session key (and drops the stale and the ended); the realm's is a
 * ZCOUNT. KEYS[1] is the session key of the id "-": only its prefix is
 * used. */
const char kg_sess_lua_count[] = LUA_PRELUDE
	"local now, now_text = clock()\n"
	"sprefix = string.sub(skey, 1, -2)\n"
	"local idx = redis.call('ZRANGEBYSCORE', ukey, '(' .. now_text, "
	"'+inf')\n"
	"local n = 0\n"
	"for i = 1, #idx do\n"
	"  if idx[i] == 't' then\n"
	"  elseif redis.call('EXISTS', sprefix .. idx[i]) == 1 then\n"
	"    n = n + 1\n"
	"  else redis.call('ZREM', ukey, idx[i]) end\n"
	"end\n"
	"redis.call('ZREMRANGEBYSCORE', ukey, '-inf', now_text)\n"
	"return {n, redis.call('ZCOUNT', realm, '(' .. now_text, '+inf')}\n";

/* The behaviour numbers above are kg_limit_behaviour's values. */
_Static_assert(KG_LIMIT_DENY_NEW == 0 && KG_LIMIT_TERMINATE_OLDEST == 1 &&
		       KG_LIMIT_LOG_ONLY == 2,
	       "kg_limit_behaviour values are the scripts' numbers");
