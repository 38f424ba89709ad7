#!/usr/bin/env bash
# Sessions that end with no request to notice them (issue #14): two
# gateways (two apache2 servers, each its own processes) share one Redis;
# a real OIDC login at the first, then no request at all. When the idle
# time runs out, and in a second case the maximum lifetime, exactly one
# AUDIT event="Session Expired" line is written across both gateways'
# error logs, naming the user, the session's short id and the cause,
# within a bound; the session and its index entries are gone. Short
# settings: idle 3 s, max 6 s, touch every second, reaper every 200 ms.
# usage: gateway_reaper.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
command -v node >/dev/null || skip_all "node is not installed"
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip_all "npm packages not installed (make deps)"

redis_port=$(free_port) web_a=$(free_port) web_b=$(free_port) back=$(free_port) op_port=$(free_port)
base="http://127.0.0.1:$web_a"
issuer="http://127.0.0.1:$op_port"
rcli() { redis-cli -p "$redis_port" "$@"; }
now_ms() { date +%s%3N; }
redis_start "$work/redis" "$redis_port" --save ''
[ -n "${KG_MONITOR:-}" ] && { redis-cli -p "$redis_port" monitor >"$work/monitor.log" & KG_PIDS="${KG_PIDS:-} $!"; }
backend_start "$work" "$back"
op_start "$work" "$op_port" keygate keygate-test-secret "$base/keygate/oidc/callback" ||
	{ echo "not ok - the provider starts"; exit 1; }
head -c 48 /dev/urandom | base64 >"$work/secret"
echo keygate-test-secret >"$work/client-secret"
echo '{"identityProviderMappers": []}' >"$work/mappers.json"
for g in a b; do
	mkdir -p "$work/$g"
	web=$web_a
	[ "$g" = b ] && web=$web_b
	httpd_config "$work/$g" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateSessionIdleTimeout 3
KeygateSessionMaxLifetime 6
KeygateSessionTouchInterval 1
KeygateSessionReapInterval 200
KeygateMappers $work/mappers.json
KeygateOIDCProvider corp $issuer
KeygateOIDCClientID keygate
KeygateOIDCScope openid profile email
KeygateOIDCClientSecret file:$work/client-secret" "<Location /app>
  AuthType keygate
  KeygateUnauthAction 401
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>
<Location /login>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/login
</Location>"
	httpd_start "$work/$g" "$build" || { echo "not ok - apache2 ($g) starts"; exit 1; }
done
logs() { cat "$work/a/error.log" "$work/b/error.log"; }
expired() { logs | grep -c 'AUDIT event="Session Expired"'; }
served() { curl -s -o /dev/null -m 5 -w '%{http_code}' -b "$work/jar$1" "$base/app/x"; }
# wait_expired N LIMIT_MS: waits until N expiry lines are logged; prints
# the ms it took
# the ms since $3 (default now)
wait_expired() {
	local t0=${3:-$(now_ms)}
	while [ "$(expired)" -lt "$1" ] && [ $(($(now_ms) - t0)) -lt "$2" ]; do
		sleep 0.1
	done
	echo $(($(now_ms) - t0))
}
sessions() { rcli --scan --pattern 'keygate:s:*' | wc -l; }

# --- idle: a login, then no request --------------------------------------------
last=$(browser_login "$work/jarA" "$base/login/x" "$base" demo)
t_last=$(now_ms)
check "demo logs in at gateway a ($last)" test "$(served A)" = 200
check "one session is in Redis" test "$(sessions)" = 1
took=$(wait_expired 1 6000 "$t_last")
echo "# the idle expiry was logged $took ms after the last request (idle 3000 ms)"
check "an idle session's end is logged with no request, within idle + 1.5 s" \
	test "$took" -le 4500
sleep 1 # two gateways, several ticks each: any second claim would be in by now
check "exactly once across both gateways ($(expired) lines)" test "$(expired)" = 1
check "as Session Expired by keygate, naming demo, the session and reason=idle-expired" \
	bash -c "grep -hE 'KG-0305 AUDIT event=\"Session Expired\" outcome=success actor=keygate target=demo reason=idle-expired sess=[0-9a-f]{8}' '$work/a/error.log' '$work/b/error.log' | grep -q ."
check "the session is gone from Redis" test "$(sessions)" = 0
check "and from the realm indexes" test "$(rcli zcard keygate:realm:exp)$(rcli zcard keygate:realm)" = 00
check "the session is refused" test "$(served A)" = 401

# --- maximum lifetime: busy for 4.5 s, then no request ------------------------------
browser_login "$work/jarB" "$base/login/x" "$base" demo >/dev/null
t0=$(now_ms)
# busy until 4.5 s: a touch (written at most once a second) then slides
# the idle deadline past the maximum lifetime, which ends it
while [ $(($(now_ms) - t0)) -lt 4500 ]; do
	served B >/dev/null
	sleep 0.3
done
took=$(wait_expired 2 8000)
total=$(($(now_ms) - t0))
echo "# the maximum-lifetime expiry was logged $total ms after the login (max 6000 ms)"
check "a session's end at its maximum lifetime is logged with no request, within max + 1.5 s" \
	test "$total" -le 7500
sleep 1
check "exactly once across both gateways ($(expired) lines in all)" test "$(expired)" = 2
check "as reason=max-expired, naming demo" \
	bash -c "logs() { cat '$work/a/error.log' '$work/b/error.log'; }; logs | grep -qE 'AUDIT event=\"Session Expired\" outcome=success actor=keygate target=demo reason=max-expired sess=[0-9a-f]{8}'"
check "the session is gone from Redis" test "$(sessions)" = 0

# --- a logout is not an expiry ------------------------------------------------------
browser_login "$work/jarC" "$base/login/x" "$base" demo >/dev/null
curl -s -o /dev/null -b "$work/jarC" -c "$work/jarC" "$base/keygate/logout"
sleep 4
check "a session ended by logout is not logged as expired too" test "$(expired)" = 2
check "both gateways ran the reaper (no KG-0740) without a crash" \
	bash -c "! grep -q KG-0740 '$work/a/error.log' '$work/b/error.log'"
check "gateway a ran without a crash or sanitizer report" no_crash "$work/a"
check "gateway b ran without a crash or sanitizer report" no_crash "$work/b"
