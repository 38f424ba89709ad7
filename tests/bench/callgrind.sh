#!/usr/bin/env bash
# Instructions per request in the front, counted by callgrind: a number
# that does not drift with machine load, for the hot path's regressions.
#
# One apache2 -X (prefork, one process) runs under valgrind's callgrind
# for each case and count; ab -c1 -k sends N keep-alive requests; the
# count is (Ir(N2) - Ir(N1)) / (N2 - N1), so start-up and shut-down
# cancel out. User space only: the kernel's TCP and system calls are not
# counted (see shared research perf.md for that split).
#   a  the no-auth proxy (mod_proxy only), the floor
#   b  keygate, warm session cookie (minted into Redis with mint_session)
#   c  keygate, warm bearer JWT (the same token every request)
# usage: tests/bench/callgrind.sh [BUILD_DIR] [N1] [N2]
# env:   KG_CG_OUT (a file that gets a copy of the table)
set -u
build=$(cd "${1:-build/release}" && pwd)
n1=${2:-100}
n2=${3:-600}
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
mods=/usr/lib/apache2/modules

die() {
	echo "callgrind bench: $*" >&2
	exit 1
}
command -v valgrind >/dev/null || die "valgrind is not installed"
command -v ab >/dev/null || die "ab (apache2-utils) is not installed"
[ -x "$build/tests/integration/mint_session" ] ||
	die "$build/tests/integration/mint_session is missing (make tests)"

work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_CG_KEEP:-}" ] || rm -rf "$work"' EXIT
chmod 755 "$work"
redis_port=$(free_port) back=$(free_port)
issuer=https://issuer.bench.test audience=bench-api

mkdir -p "$work/docroot" "$work/backend"
node "$KG_TOP/tests/bench/mint_jwts.mjs" "$work" 2 "$issuer" "$audience" >/dev/null ||
	die "cannot mint the JWTs"
cp "$work/jwks.json" "$work/docroot/jwks.json"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/docroot/page.html"
redis_start "$work/redis" "$redis_port" --save '' --appendonly no

common() {
	cat <<CONF
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
ServerName 127.0.0.1
User www-data
Group www-data
LogLevel warn
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
CONF
}
cat >"$work/backend/httpd.conf" <<CONF
ServerRoot "$work/backend"
Listen 127.0.0.1:$back
PidFile "$work/backend/httpd.pid"
ErrorLog "$work/backend/error.log"
LoadModule mpm_event_module $mods/mod_mpm_event.so
$(common)
DocumentRoot "$work/docroot"
<Directory "$work/docroot">
  Require all granted
</Directory>
CONF
httpd_start "$work/backend" "$build" || die "the backend does not start"

head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
CONF
cookie=$("$build/tests/integration/mint_session" "$work/keygate.conf" benchuser) ||
	die "mint_session failed"
token=$(sed -n 1p "$work/tokens.txt")

# front_conf CASE PORT: the config of one front.
front_conf() {
	local c=$1 p=$2 dir="$work/$1"
	mkdir -p "$dir"
	{
		echo "ServerRoot \"$dir\""
		echo "Listen 127.0.0.1:$p"
		echo "PidFile \"$dir/httpd.pid\""
		echo "ErrorLog \"$dir/error.log\""
		echo "LoadModule mpm_prefork_module $mods/mod_mpm_prefork.so"
		common
		echo "LoadModule proxy_module $mods/mod_proxy.so"
		echo "LoadModule proxy_http_module $mods/mod_proxy_http.so"
		if [ "$c" != a ]; then
			echo "LoadModule keygate_module $build/mod_keygate.so"
			cat "$work/keygate.conf"
			echo "KeygateBearerIssuer $issuer http://127.0.0.1:$back/jwks.json $audience"
		fi
		echo "<Location /app/>"
		if [ "$c" = a ]; then
			echo "  Require all granted"
		else
			echo "  AuthType keygate"
			echo "  Require valid-user"
			echo "  KeygateIdentityHeader domino-email email"
		fi
		echo "  ProxyPass http://127.0.0.1:$back/"
		echo "</Location>"
	} >"$dir/httpd.conf"
}

# count CASE N HEADER: total instructions of one apache2 -X that served
# N requests (plus one warm-up request before the count starts).
count() {
	local c=$1 n=$2 h=$3 p dir="$work/$1" vg out
	p=$(free_port)
	front_conf "$c" "$p"
	out="$dir/cg.$n"
	# apache2 drops to User www-data before callgrind writes its file
	touch "$out" && chown www-data "$out" && chmod 666 "$out"
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		/usr/sbin/apache2 -X -f "$dir/httpd.conf" >"$dir/vg.$n.log" 2>&1 &
	vg=$!
	for _ in $(seq 600); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break
		sleep 0.1
	done
	local args=(-q -k -c 1 -n "$n")
	[ -n "$h" ] && args+=(-H "$h")
	# one request first: the JWKS fetch and the session cache fill
	curl -s -o /dev/null ${h:+-H "$h"} "http://127.0.0.1:$p/app/page.html"
	ab "${args[@]}" "http://127.0.0.1:$p/app/page.html" >"$dir/ab.$n" 2>&1 ||
		die "case $c: ab failed ($(tail -2 "$dir/ab.$n"))"
	grep -q "^Complete requests: *$n" "$dir/ab.$n" || die "case $c: ab did not complete $n requests"
	grep -q '^Non-2xx' "$dir/ab.$n" && die "case $c: some answers were not 2xx"
	kill -TERM "$vg"
	wait "$vg"
	awk '/^summary:/ {print $2} /^totals:/ {t = $2} END {}' "$out" | head -1
}

declare -A title=(
	[a]="no-auth proxy (mod_proxy)"
	[b]="keygate, warm session cookie"
	[c]="keygate, warm bearer JWT"
)
declare -A hdr=([a]="" [b]="Cookie: keygate_session=$cookie" [c]="Authorization: Bearer $token")
declare -A per
for c in a b c; do
	i1=$(count "$c" "$n1" "${hdr[$c]}")
	i2=$(count "$c" "$n2" "${hdr[$c]}")
	[ -n "$i1" ] && [ -n "$i2" ] || die "case $c: no callgrind total"
	per[$c]=$(((i2 - i1) / (n2 - n1)))
done
{
	echo
	echo "keygate callgrind bench, $(date -u '+%Y-%m-%d %H:%M UTC'), build $build, apache2 -X under callgrind, ab -c1 -k, (Ir($n2) - Ir($n1)) / $((n2 - n1))"
	echo
	echo "| case | instructions per request | over (a) |"
	echo "|---|---|---|"
	for c in a b c; do
		printf '| %s %s | %s | %s |\n' "$c" "${title[$c]}" "${per[$c]}" "$((per[$c] - per[a]))"
	done
} | tee "$work/report.md"
[ -n "${KG_CG_OUT:-}" ] && cp "$work/report.md" "$KG_CG_OUT"
exit 0
