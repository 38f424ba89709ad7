#!/usr/bin/env bash
# keygate: instructions per warm request in the front (callgrind),
# deterministic, for comparing two builds of the hot path:
#   none     a static 1 KiB file without authentication (the floor)
#   session  keygate, session cookie (minted into Redis), per-process
#            session cache on and subscribed
#   bearer   keygate, the same RS256 token on every request, with a
#            mapper file (one role mapper for it)
# Method (as research/perf.md's anchors): apache2 -X runs under
# valgrind --tool=callgrind; each case runs twice from the same start-up
# and warm-up, once with N1 and once with N2 keep-alive requests (ab -c1
# -k), and the instructions of the difference are divided by N2 - N1.
# User space only; no kernel work. Every interval that could expire
# during a run (revocation answers, mapper checks) is set longer than
# the run, so the count does not depend on how slow valgrind is.
# Only the request's own processing is counted (from
# ap_process_async_request in), not what the process's other threads do
# meanwhile (the session cache's notice thread, httpd's timers), which
# depends on how long the run takes; KG_CG_ALL=1 counts everything.
# usage: tests/bench/callgrind.sh [BUILD_DIR] [N1] [N2]   (about 4 minutes)
# env:   KG_BENCH_CASES ("none session bearer"), KG_BENCH_KEEP, KG_CG_ALL
set -u
build=$(cd "${1:-build/release}" && pwd)
n1=${2:-100}
n2=${3:-600}
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
mods=/usr/lib/apache2/modules
mint="python3 $KG_TOP/tests/fixtures/mint_jwt.py"
die() {
	echo "callgrind bench: $*" >&2
	exit 1
}
command -v valgrind >/dev/null || die "valgrind is not installed"
command -v ab >/dev/null || die "ab (apache2-utils) is not installed"
nm -D "$build/mod_keygate.so" | grep -q __asan_init && die "$build is a sanitizer build"

toggle=--toggle-collect=ap_process_async_request
[ -n "${KG_CG_ALL:-}" ] && toggle=""
work=$(mktemp -d)
trap 'stop_all; if [ -n "${KG_BENCH_KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi' EXIT
chmod 755 "$work"
redis_port=$(free_port) keys=$(free_port) web=$(free_port)
iss=https://issuer.bench.test
redis_start "$work/redis" "$redis_port" --save '' --appendonly no
mkdir -p "$work/keys" "$work/docroot/app"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/docroot/app/page.html"
openssl genrsa -out "$work/signer.pem" 2048 2>/dev/null
$mint jwks "$work/signer.pem" >"$work/keys/jwks.json"
python3 -m http.server "$keys" --bind 127.0.0.1 --directory "$work/keys" >/dev/null 2>&1 &
KG_PIDS="$KG_PIDS $!"
wait_port "$keys" || die "the JWKS server does not start"
now=$(date +%s)
token=$($mint sign "$work/signer.pem" test-rs256 \
	"{\"iss\":\"$iss\",\"aud\":\"bench-api\",\"sub\":\"svc-bench\",\"jti\":\"j1\",\"iat\":$now,\"exp\":$((now + 3600)),\"email\":\"svc-bench@example.org\"}")
cat >"$work/mappers.json" <<'JSON'
{"identityProviderMappers": [{"name": "bench admins", "identityProviderAlias": "bearer",
 "identityProviderMapper": "oidc-role-idp-mapper",
 "config": {"claim": "sub", "claim.value": "svc-bench", "role": "SysAdmin"}}]}
JSON
head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
CONF
cookie=$("$build/tests/integration/mint_session" "$work/keygate.conf" benchuser) ||
	die "mint_session failed (make tests)"

# conf CASE: the front's httpd.conf for one case.
conf() {
	local auth="  Require all granted"
	[ "$1" = none ] || auth="  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-email email"
	cat >"$work/httpd.conf" <<CONF
ServerRoot "$work/front"
ServerName 127.0.0.1
Listen 127.0.0.1:$web
PidFile "$work/front/httpd.pid"
ErrorLog "$work/front/error.log"
DefaultRuntimeDir "$work/front"
LogLevel warn
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule keygate_module $build/mod_keygate.so
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
DocumentRoot "$work/docroot"
$(cat "$work/keygate.conf")
KeygateBearerIssuer $iss http://127.0.0.1:$keys/jwks.json bench-api
KeygateMappers $work/mappers.json
KeygateMapperReloadInterval 86400
KeygateRevocationCheckInterval 300
<Location /app>
$auth
</Location>
CONF
}

# header CASE: the credential of a case.
header() {
	case $1 in
	none) echo "X-None: 1" ;;
	session) echo "Cookie: keygate_session=$cookie" ;;
	bearer) echo "Authorization: Bearer $token" ;;
	esac
}

# stop_front PID: stops apache2 -X (by its pid file) and waits for
# valgrind (PID) to write its output.
stop_front() {
	kill -TERM "$(cat "$work/front/httpd.pid" 2>/dev/null || echo "$1")"
	wait "$1"
}

# pass CASE N: instructions of one apache2 -X life with N measured
# requests after the warm-up.
pass() {
	local c=$1 n=$2 url="http://127.0.0.1:$web/app/page.html" h out pid
	h=$(header "$c")
	conf "$c"
	# the whole front runs as www-data (apache2 -X cannot switch user
	# and still have callgrind write its output)
	rm -rf "$work/front" && mkdir "$work/front" && chown www-data: "$work/front"
	runuser -u www-data -- valgrind --tool=callgrind $toggle \
		--callgrind-out-file="$work/front/callgrind.out.%p" \
		/usr/sbin/apache2 -X -f "$work/httpd.conf" >"$work/valgrind.log" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		(exec 3<>"/dev/tcp/127.0.0.1/$web") 2>/dev/null && break
		sleep 0.1
	done
	if [ "$c" = session ]; then
		for _ in $(seq 300); do
			redis-cli -p "$redis_port" client list type pubsub | grep -q 'sub=1' && break
			sleep 0.1
		done
	fi
	# warm-up: keys fetched, caches filled, the session cache subscribed
	for _ in 1 2 3; do
		st=$(curl -s -o /dev/null -w '%{http_code}' -H "$h" "$url")
		[ "$st" = 200 ] || { stop_front "$pid"; die "case $c: warm-up got $st"; }
	done
	ab -q -k -c1 -n "$n" -H "$h" "$url" >"$work/ab.out" 2>&1 ||
		{ stop_front "$pid"; die "case $c: ab failed"; }
	grep -q '^Non-2xx' "$work/ab.out" && { stop_front "$pid"; die "case $c: non-2xx answers"; }
	stop_front "$pid"
	out=$(ls "$work"/front/callgrind.out.* | head -1)
	awk '/^summary:/ {print $2}' "$out"
}

printf '%-8s %12s %12s %14s\n' case "Ir($n1)" "Ir($n2)" "Ir/request"
for c in ${KG_BENCH_CASES:-none session bearer}; do
	a=$(pass "$c" "$n1") && [ -n "$a" ] || exit 1
	b=$(pass "$c" "$n2") && [ -n "$b" ] || exit 1
	printf '%-8s %12s %12s %14s\n' "$c" "$a" "$b" $(((b - a) / (n2 - n1)))
done
