#!/usr/bin/env bash
# The per-process session cache (KeygateSessionCache, sessions/cache.h):
# apache2 + mod_keygate + Redis. A warm session costs no Redis read; any
# change made elsewhere (another client's DEL, an admin kill, Redis's own
# expiry) reaches the cache through Redis's client-side-caching notices;
# while the notice connection is down the cache is off, so nothing stale
# is ever served.
# usage: gateway_cache.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"

redis_port=$(free_port) web=$(free_port) back=$(free_port)
base="http://127.0.0.1:$web"
rcli() { redis-cli -p "$redis_port" "$@"; }
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
CONF
httpd_config "$work" "$web" "$build" "$(cat "$work/keygate.conf")" "<Location /app>
  AuthType keygate
  KeygateUnauthAction 401
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
# one child, so every request meets the same cache
sed -i 's/^ServerLimit 2/ServerLimit 1/; s/^MaxRequestWorkers 32/MaxRequestWorkers 16/' "$work/httpd.conf"
httpd_start "$work" "$build" || { echo "not ok - apache2 starts"; exit 1; }

# mint USER: a new session; prints its cookie, its Redis key in $work/key
mint() {
	rcli --scan --pattern 'keygate:s:*' | sort >"$work/before"
	"$build/tests/integration/mint_session" "$work/keygate.conf" "$1"
	rcli --scan --pattern 'keygate:s:*' | sort | comm -13 "$work/before" - >"$work/key"
}
get() { curl -s -o /dev/null -w '%{http_code}' -b "keygate_session=$1" "$base/app/x"; }
gets() { rcli info commandstats | sed -n 's/^cmdstat_get:calls=\([0-9]*\),.*/\1/p'; }

for _ in $(seq 50); do
	rcli client list type pubsub | grep -q 'sub=1' && break
	sleep 0.1
done
check "the gateway holds a tracking connection subscribed to Redis's notices" bash -c \
	"redis-cli -p $redis_port client list type pubsub | grep -q 'flags=.*t.* sub=1'"

c1=$(mint alice)
get "$c1" >/dev/null
g0=$(gets)
codes=""
for _ in $(seq 40); do codes="$codes$(get "$c1") "; done
g1=$(gets)
check "40 requests with a warm session are all served" test "$(echo $codes | tr ' ' '\n' | sort -u)" = 200
check "and read Redis at most once more between them (got $((g1 - g0)))" test $((g1 - g0)) -le 1

rcli del "$(cat "$work/key")" >/dev/null
check "a session deleted in Redis by another client is refused at once" test "$(get "$c1")" = 401

c2=$(mint bob)
get "$c2" >/dev/null
"$build/keygate" sessions kill --config "$work/keygate.conf" --user bob >/dev/null 2>&1
check "a session ended by keygate sessions kill is refused at once" test "$(get "$c2")" = 401

c3=$(mint carol)
get "$c3" >/dev/null
rcli pexpire "$(cat "$work/key")" 1 >/dev/null
sleep 0.2
check "a session that Redis expired is refused" test "$(get "$c3")" = 401

c4=$(mint dave)
get "$c4" >/dev/null
rcli client kill type pubsub >/dev/null
sleep 0.3
check "with the notice connection gone, a session is still served (from Redis)" test "$(get "$c4")" = 200
rcli del "$(cat "$work/key")" >/dev/null
check "and a change no notice announced is seen: the cache was off" test "$(get "$c4")" = 401
check "the lost notice connection is logged" grep -q 'KG-0316 redis invalidation watch lost' "$work/error.log"
for _ in $(seq 50); do
	rcli client list type pubsub | grep -q 'sub=1' && break
	sleep 0.1
done
check "the notice connection comes back by itself" bash -c \
	"redis-cli -p $redis_port client list type pubsub | grep -q 'sub=1'"
c5=$(mint erin)
get "$c5" >/dev/null
g0=$(gets)
for _ in $(seq 10); do get "$c5" >/dev/null; done
check "after it is back, warm sessions skip Redis again" test $(($(gets) - g0)) -le 1

# A due touch is written once per process, not by every request that
# read the same cached copy while the first write was in flight: a
# second apache2 (one child, a static page, so requests are quick and
# many meet the touch) touches after 1 s; 16 keep-alive connections send
# 60 requests each, starting when the touch is due.
web2=$(free_port)
mkdir -p "$work/touch/docroot/app"
echo page >"$work/touch/docroot/app/x"
httpd_config "$work/touch" "$web2" "$build" "$(cat "$work/keygate.conf")
KeygateSessionTouchInterval 1
DocumentRoot \"$work/touch/docroot\"" "<Directory \"$work/touch/docroot\">
  Require all granted
</Directory>
<Location /app>
  AuthType keygate
  KeygateUnauthAction 401
  Require valid-user
</Location>"
sed -i 's/^ServerLimit 2/ServerLimit 1/; s/^MaxRequestWorkers 32/MaxRequestWorkers 16/' "$work/touch/httpd.conf"
httpd_start "$work/touch" "$build" || echo "not ok - the second apache2 starts"
# touches: the session scripts Redis ran (a touch reads Redis's TIME; the
# reaper's claims, which also run as scripts, never do)
touches() { rcli info commandstats | awk -F'[=,:]' '/^cmdstat_time:/ {n += $3} END {print n + 0}'; }
c6=$(mint frank)
curl -s -o /dev/null -b "keygate_session=$c6" "http://127.0.0.1:$web2/app/x"
sleep 1.2
t0=$(touches) s0=$(date +%s%N)
urls=()
for _ in $(seq 60); do urls+=(-o /dev/null "http://127.0.0.1:$web2/app/x"); done
loaders=""
for i in $(seq 16); do
	curl -s -w '%{http_code}\n' -b "keygate_session=$c6" "${urls[@]}" >"$work/touch/codes.$i" 2>&1 &
	loaders="$loaders $!"
done
for pid in $loaders; do wait "$pid"; done
t1=$(touches) ms=$((($(date +%s%N) - s0) / 1000000))
check "960 requests on 16 connections are all served" \
	test "$(cat "$work"/touch/codes.* | sort | uniq -c | awk '{print $1 ":" $2}')" = 960:200
check "the due touch was written ($((t1 - t0)) writes)" test $((t1 - t0)) -ge 1
check "at most one touch per second begun was written ($((t1 - t0)) in ${ms} ms)" \
	test $((t1 - t0)) -le $((ms / 1000 + 2))
check "the second apache2 ran without a crash or sanitizer report" no_crash "$work/touch"

check "the gateway ran without a crash or sanitizer report" no_crash "$work"
