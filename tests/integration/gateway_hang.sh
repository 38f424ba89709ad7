#!/usr/bin/env bash
# A Redis that hangs instead of dying, through apache2 + mod_keygate:
# a frozen redis-server (SIGSTOP) and a TCP relay that stops forwarding
# without closing (tcp_relay.py, SIGUSR1). Cached sessions stop being
# served within KeygateSessionCacheFreshness (250 ms), a session killed
# in Redis during a cut is refused within that bound, and while Redis
# hangs requests answer 503 at once (the circuit breaker), not after the
# command timeout each.
# usage: gateway_hang.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'kill -CONT $(cat "$work/redis/redis.pid" 2>/dev/null) 2>/dev/null; stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"

# the bound under test, and what a loaded 2-core test machine adds to it
# (one request's time, the ping's scheduling)
fresh_ms=250 slack_ms=250
redis_port=$(free_port) relay_port=$(free_port) web=$(free_port) back=$(free_port)
base="http://127.0.0.1:$web"
rcli() { redis-cli -p "$redis_port" "$@"; }
redis_start "$work/redis" "$redis_port" --save ''
python3 "$KG_TOP/tests/integration/tcp_relay.py" "$relay_port" "$redis_port" \
	"$work/relay.ready" 2>"$work/relay.log" &
relay_pid=$!
KG_PIDS="$KG_PIDS $relay_pid"
wait_port "$relay_port"
backend_start "$work" "$back"
head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$relay_port
KeygateRedisTimeout 1000 1000
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateSessionCacheFreshness $fresh_ms
CONF
httpd_config "$work" "$web" "$build" "$(cat "$work/keygate.conf")" "<Location /app>
  AuthType keygate
  KeygateUnauthAction 401
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
sed -i 's/^ServerLimit 2/ServerLimit 1/; s/^MaxRequestWorkers 32/MaxRequestWorkers 16/' "$work/httpd.conf"
httpd_start "$work" "$build" || { echo "not ok - apache2 starts"; exit 1; }

mint() {
	rcli --scan --pattern 'keygate:s:*' | sort >"$work/before"
	"$build/tests/integration/mint_session" "$work/keygate.conf" "$1"
	rcli --scan --pattern 'keygate:s:*' | sort | comm -13 "$work/before" - >"$work/key"
}
get() { curl -s -o /dev/null -m 5 -w '%{http_code}' -b "keygate_session=$1" "$base/app/x"; }
now_ms() { date +%s%3N; }
gets() { rcli info commandstats | sed -n 's/^cmdstat_get:calls=\([0-9]*\),.*/\1/p'; }
subscribed() {
	for _ in $(seq 100); do
		rcli client list type pubsub | grep -q 'sub=1' && return 0
		sleep 0.1
	done
	return 1
}
# stats FILE FROM_MS [TO_MS]: over the requests that started in
# [FROM, TO): "N RPS P50 P99 MAX CODES" (codes as code:count,...)
stats() {
	python3 - "$@" <<'PY'
import sys
f, lo = sys.argv[1], int(sys.argv[2])
hi = int(sys.argv[3]) if len(sys.argv) > 3 else 1 << 62
rows = [list(map(int, l.split())) for l in open(f) if l.strip()]
rows = [r for r in rows if lo <= r[0] < hi]
if not rows:
    print("0 0 0 0 0 none"); sys.exit()
lat = sorted(r[1] - r[0] for r in rows)
span = max(r[1] for r in rows) - min(r[0] for r in rows)
codes = {}
for r in rows:
    codes[r[2]] = codes.get(r[2], 0) + 1
print(len(rows), int(len(rows) * 1000 / max(span, 1)), lat[len(lat) // 2],
      lat[min(len(lat) - 1, len(lat) * 99 // 100)], lat[-1],
      ",".join("%d:%d" % kv for kv in sorted(codes.items())))
PY
}
# last_ok FILE FROM_MS: how long after FROM the last request that got
# 200 started (-1: none did)
last_ok() {
	awk -v t="$2" 'BEGIN{m=-1} $1>=t && $3==200 && $1-t>m {m=$1-t} END{print m}' "$1"
}

check "the gateway's notice connection is subscribed" subscribed

# --- a frozen Redis -------------------------------------------------------
c1=$(mint alice)
get "$c1" >/dev/null
g0=$(gets)
for _ in $(seq 10); do get "$c1" >/dev/null; done
check "a warm session is served from the cache (Redis GETs: $(($(gets) - g0)))" \
	test $(($(gets) - g0)) -le 1
hammer_start "$base/app/x" 4 4 "$work/frozen.txt" "$c1"
load=$hammer_pid
sleep 0.5
t_stop=$(now_ms)
kill -STOP "$(cat "$work/redis/redis.pid")"
wait "$load"
t_end=$(now_ms)
served=$(last_ok "$work/frozen.txt" "$t_stop")
echo "# frozen: the cache served the session until ${served} ms after SIGSTOP (bound ${fresh_ms} ms)"
check "before the freeze the session was served" \
	test "$(awk -v t="$t_stop" '$1<t && $3==200' "$work/frozen.txt" | wc -l)" -gt 10
check "cached sessions stop being served within the bound (${served} ms <= ${fresh_ms}+${slack_ms})" \
	test "$served" -le $((fresh_ms + slack_ms))
# steady state: once every thread's connection has met the timeout
read -r n rps p50 p99 max codes <<<"$(stats "$work/frozen.txt" $((t_stop + 1500)))"
echo "# frozen: $n requests in the last 2.5 s: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, max ${max} ms, codes $codes (command timeout 1000 ms)"
check "while Redis is frozen every answer is 503 ($codes)" test "$codes" = "503:$n"
check "and fast: p99 ${p99} ms, well under the 1000 ms command timeout" test "$p99" -lt 100
check "at a rate far above the 16 req/s that a 1 s wait per request allows ($rps req/s)" test "$rps" -gt 100
check "the unresponsive Redis is logged once" test "$(grep -c 'KG-0340' "$work/error.log")" = 1
kill -CONT "$(cat "$work/redis/redis.pid")"
t_cont=$(now_ms) st=
for _ in $(seq 60); do
	st=$(get "$c1")
	[ "$st" = 200 ] && break
	sleep 0.05
done
echo "# frozen: served again $(($(now_ms) - t_cont)) ms after SIGCONT"
check "after SIGCONT the session is served again (a probe closed the breaker)" test "$st" = 200
check "and Redis's return is logged" grep -q 'KG-0341 redis answers again down_ms=' "$work/error.log"

# --- a cut path: the relay stops forwarding ----------------------------------
check "the notice connection is back" subscribed
c2=$(mint bob)
key2=$(cat "$work/key")
for _ in $(seq 40); do
	[ "$(get "$c2")" = 200 ] || break
	sleep 0.1
	[ "$(rcli client list type pubsub | grep -c 'sub=1')" -ge 1 ] && break
done
get "$c2" >/dev/null
hammer_start "$base/app/x" 4 3 "$work/cut.txt" "$c2"
load=$hammer_pid
sleep 0.5
kill -USR1 "$relay_pid"
t_kill=$(now_ms)
rcli del "$key2" >/dev/null
wait "$load"
served=$(last_ok "$work/cut.txt" "$t_kill")
echo "# cut: a session killed in Redis during the cut was served until ${served} ms after the kill (bound ${fresh_ms} ms)"
check "before the cut the session was served" \
	test "$(awk -v t="$t_kill" '$1<t && $3==200' "$work/cut.txt" | wc -l)" -gt 10
check "a session killed during a cut is refused within the bound (${served} ms <= ${fresh_ms}+${slack_ms})" \
	test "$served" -le $((fresh_ms + slack_ms))
read -r n rps p50 p99 max codes <<<"$(stats "$work/cut.txt" $((t_kill + 1500)))"
echo "# cut: $n requests in the last 1.5 s: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, codes $codes"
check "while the path is cut every answer is 503 and fast ($codes, p99 ${p99} ms)" \
	test "$codes" = "503:$n" -a "$p99" -lt 100
kill -USR2 "$relay_pid"
for _ in $(seq 60); do
	st=$(get "$c2")
	[ "$st" = 503 ] || break
	sleep 0.05
done
check "after the path heals the killed session is refused (got $st)" test "$st" = 401
check "the gateway ran without a crash or sanitizer report" no_crash "$work"
