#!/usr/bin/env bash
# Session timeouts and limits seen through apache2 + mod_keygate, with
# short settings (idle 4 s, max 8 s, touch every second): a session idles
# out; a busy session still ends at its maximum lifetime; the Redis key's
# TTL matches the record's deadline (the idle one, then the maximum); the
# realm limit's log-only mode logs and admits; eviction by the user
# limit, and by the realm limit, is an AUDIT event (event=, actor=,
# target=) in the error log and in the audit stream (KeygateAuditLog).
# Logins are real OIDC logins at oidc-provider.
# usage: gateway_timeouts.sh BUILD_DIR
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

redis_port=$(free_port) web=$(free_port) back=$(free_port) op_port=$(free_port)
base="http://127.0.0.1:$web"
issuer="http://127.0.0.1:$op_port"
rcli() { redis-cli -p "$redis_port" "$@"; }
redis_start "$work/redis" "$redis_port" --save ''
backend_start "$work" "$back"
op_start "$work" "$op_port" keygate keygate-test-secret "$base/keygate/oidc/callback" ||
	{ echo "not ok - the provider starts"; exit 1; }
head -c 48 /dev/urandom | base64 >"$work/secret"
echo keygate-test-secret >"$work/client-secret"
echo '{"identityProviderMappers": []}' >"$work/mappers.json"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateSessionIdleTimeout 4
KeygateSessionMaxLifetime 8
KeygateSessionTouchInterval 1
KeygateSessionLimit all user 1 terminate-oldest
KeygateSessionLimit all realm 1 log-only
KeygateAuditLog $work/audit.log
KeygateMappers $work/mappers.json
KeygateOIDCProvider corp $issuer
KeygateOIDCClientID keygate
KeygateOIDCScope openid profile email
KeygateOIDCClientSecret file:$work/client-secret
CONF
httpd_config "$work" "$web" "$build" "$(cat "$work/keygate.conf")" "<Location /app>
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
httpd_start "$work" "$build" || { echo "not ok - apache2 starts"; exit 1; }

mint() {
	rcli --scan --pattern 'keygate:s:*' | sort >"$work/before"
	"$build/tests/integration/mint_session" "$work/keygate.conf" "$1"
	rcli --scan --pattern 'keygate:s:*' | sort | comm -13 "$work/before" - >"$work/key"
}
get() { curl -s -o /dev/null -m 5 -w '%{http_code}' -b "keygate_session=$1" "$base/app/x"; }
now_ms() { date +%s%3N; }
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# --- idle ----------------------------------------------------------------
c1=$(mint idler)
key1=$(cat "$work/key")
check "a new session is served" test "$(get "$c1")" = 200
sleep 1.5
check "and still after 1.5 s idle (idle timeout 4 s)" test "$(get "$c1")" = 200
sleep 4.3
check "a session idle for 4.3 s is refused" test "$(get "$c1")" = 401
check "and its Redis key is gone" test "$(rcli exists "$key1")" = 0

# --- maximum lifetime and the key's TTL -------------------------------------
c2=$(mint busy)
key2=$(cat "$work/key")
# expiry: when Redis will drop the busy session's key (ms since the
# epoch, as Redis itself says: no clock read around a slow redis-cli)
expiry() { rcli pexpiretime "$key2"; }
created=$(($(expiry) - 4000)) # no request yet: the deadline is the idle one
# the busy client, from now on: a request every 0.4 s until 7.3 s after
# creation, however slow the CLI below is on a loaded machine
(while [ $(($(now_ms) - created)) -lt 7300 ]; do
	printf '%s ' "$(get "$c2")"
	sleep 0.4
done) >"$work/busy.codes" &
busy=$!
# deadline: the record's deadline as the admin CLI shows it (to the
# second; asked again when a loaded machine made the CLI time out)
deadline() {
	local row
	for _ in 1 2 3; do
		row=$("$build/keygate" sessions list --config "$work/keygate.conf" --user busy 2>/dev/null | grep ' busy ')
		[ -n "$row" ] && break
	done
	[ -n "$row" ] && date -d "$(echo "$row" | awk '{print $7}')" +%s 2>/dev/null || echo 0
}
# together: "EXPIRY1 DEADLINE EXPIRY2" (ms): the key's expiry, the
# record's deadline as the CLI reads it, the key's expiry again. Touches
# only slide both later, so a key whose TTL is the record's deadline has
# EXPIRY1 - 1 s < DEADLINE <= EXPIRY2, however slow the CLI is.
together() {
	local e1 d
	e1=$(expiry)
	d=$(($(deadline) * 1000))
	echo "$e1 $d $(expiry)"
}
# matches E1 D E2: that holds, give or take 250 ms: the key's TTL is
# counted from when Redis runs the write, the deadline from the gateway's
# clock a moment before (one command's latency, tens of ms under load)
matches() { [ "$2" -gt 0 ] && between "$2" $(($1 - 1249)) $(($3 + 250)); }
read -r e0 d0 e0b <<<"$(together)"
echo "# the record's deadline: $d0; the key expires at $e0, then $e0b (ms)"
check "a new session's key expires at the record's deadline (to the second)" matches "$e0" "$d0" "$e0b"
# touches (every second at most) slide the idle deadline, but never past
# the maximum lifetime; read from 4.5 s on, before the slow CLI can reach
# the end of the session's life
w=$((created + 4500 - $(now_ms)))
[ "$w" -gt 0 ] && sleep "$(awk "BEGIN{print $w / 1000}")"
read -r late d1 late2 <<<"$(together)"
wait "$busy"
codes=$(cat "$work/busy.codes")
check "a busy session is served until its maximum lifetime (${codes% })" \
	test "$(echo $codes | tr ' ' '\n' | sort -u)" = 200
echo "# late in its life the key expires $((late2 - created)) ms after creation (maximum lifetime 8000 ms)"
check "late in its life the key's TTL ends at the maximum lifetime, not at the slid idle deadline" \
	between $((late2 - created)) 7700 8150
check "which is the record's deadline then (to the second: $d1)" matches "$late" "$d1" "$late2"
w=$((created + 8300 - $(now_ms)))
[ "$w" -gt 0 ] && sleep "$(awk "BEGIN{print $w / 1000}")"
check "at its maximum lifetime the busy session is refused" test "$(get "$c2")" = 401
check "and its Redis key is gone" test "$(rcli exists "$key2")" = 0

# --- limits through real logins ----------------------------------------------
# restart SED_SCRIPT: stops apache2, edits its configuration, starts it
restart() {
	kill "$(cat "$work/httpd.pid")"
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$web") 2>/dev/null || break
		sleep 0.05
	done
	sed -i "$1" "$work/httpd.conf"
	httpd_start "$work" "$build" || { echo "not ok - apache2 restarts"; exit 1; }
}
# with the usual timeouts, so that no session idles out between logins
restart '/^KeygateSession\(IdleTimeout\|MaxLifetime\|TouchInterval\)/d'
login() { browser_login "$work/jar$1" "$base/login/x" "$base" "$2" >/dev/null; }
served() { curl -s -o /dev/null -w '%{http_code}' -b "$work/jar$1" "$base/app/x"; }
login A demo
check "demo logs in" test "$(served A)" = 200
login B alice
check "the realm limit (1, log-only) admits a second user's login" test "$(served B)" = 200
check "and logs it" grep -q "KG-0304 session realm limit reached, log only user=alice max=1" "$work/error.log"
check "neither session was ended by it" test "$(served A)$(served B)" = 200200
login C demo
check "demo logs in again" test "$(served C)" = 200
check "the user limit (1, terminate-oldest) ended demo's first session" test "$(served A)" = 401
check "and not alice's" test "$(served B)" = 200
check "the eviction is an AUDIT event with event=, actor= and target=" grep -qE \
	'KG-0302 AUDIT event="Session Evicted" outcome=success actor=demo target=demo sess=[0-9A-Za-z_-]{8} limit=user max=1' \
	"$work/error.log"
check "exactly one eviction was logged" test "$(grep -c 'KG-0302 AUDIT event="Session Evicted"' "$work/error.log")" = 1
check "the realm limit's log-only line stays out of the audit stream" bash -c \
	"grep -q 'KG-0304 session realm limit reached' '$work/error.log' &&
	 ! grep -q 'realm limit reached' '$work/audit.log'"

# the realm limit at 2, terminate-oldest: a third user's login ends the
# realm's oldest session (alice's; demo's first one is already gone)
restart 's/^KeygateSessionLimit all realm 1 log-only/KeygateSessionLimit all realm 2 terminate-oldest/'
login D bob
check "bob logs in past the realm limit (2, terminate-oldest)" test "$(served D)" = 200
check "the realm limit ended the realm's oldest session, alice's" test "$(served B)" = 401
check "and not demo's" test "$(served C)" = 200
check "the realm eviction is an AUDIT event with event=, actor= and target=" grep -qE \
	'KG-0302 AUDIT event="Session Evicted" outcome=success actor=bob target=[^ ]+ sess=[0-9A-Za-z_-]{8} limit=realm max=2' \
	"$work/error.log"
# the audit stream: both evictions, nothing that is no audit event
check "both evictions are in the audit stream (KeygateAuditLog)" bash -c \
	"grep -c 'AUDIT event=\"Session Evicted\".* limit=user max=1' '$work/audit.log' | grep -qx 1 &&
	 grep -c 'AUDIT event=\"Session Evicted\".* limit=realm max=2' '$work/audit.log' | grep -qx 1"
check "the audit stream holds audit events only (no log-only line)" bash -c \
	"grep -q . '$work/audit.log' && ! grep -v 'AUDIT ' '$work/audit.log' | grep -q ."
check "the gateway ran without a crash or sanitizer report" no_crash "$work"
