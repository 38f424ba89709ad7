#!/usr/bin/env bash
# The warm request at one connection: system calls and front CPU per
# request, side by side in one run (issue 16, "The warm session request").
#   a  the no-auth proxy (mod_proxy only), the floor
#   b  keygate, warm session cookie (minted into Redis with mint_session)
#   c  keygate, warm bearer JWT (the same token on every request)
# b and c are the same keygate front; a is its own apache2.
#
# 1. CPU: wrk -t1 -c1 for SECONDS per case, cases interleaved (a b c,
#    the order rotating each round), ROUNDS rounds after one warm-up run
#    of each; the front's utime+stime (/proc/PID/stat, every process of
#    that apache2) over the run divided by wrk's request count; medians.
# 2. System calls: strace -c -f on the front's processes while ab -k -c1
#    sends N requests; calls of each name divided by N. Under strace the
#    requests are slower, so time-driven calls (the notice connection's
#    pings, the MPM's timers) weigh a little more than at full speed.
# 3. Context switches and system calls at full speed: perf stat over one
#    more wrk run of each case (when perf can count tracepoints).
# Each front: event MPM, one child of KG_SC_THREADS threads (64, as in
# tests/bench/gateway.sh: at one connection the event MPM hands each
# request to the worker idle longest, so per-thread state is cold),
# unlimited keep-alive, no access log; the backend serves a 1 KiB file.
# usage: tests/bench/syscalls.sh [BUILD_DIR] [SECONDS=5] [ROUNDS=5] [N=2000]
# env:   KG_SC_THREADS (64), KG_SC_OUT (a file that gets a copy of the report),
#        KG_SC_KEEP (non-empty: keep the temp folder)
set -u
build=$(cd "${1:-build/release}" && pwd)
secs=${2:-5}
rounds=${3:-5}
nreq=${4:-2000}
threads=${KG_SC_THREADS:-64}
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
. "$KG_TOP/tests/bench/cpu.bash"
mods=/usr/lib/apache2/modules

die() {
	echo "syscalls bench: $*" >&2
	exit 1
}
for t in wrk ab strace node; do
	command -v $t >/dev/null || {
		echo "== syscalls bench: SKIP ($t is not installed)"
		exit 0
	}
done
[ -x "$build/tests/integration/mint_session" ] ||
	die "$build/tests/integration/mint_session is missing (make tests)"

work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_SC_KEEP:-}" ] || rm -rf "$work"' EXIT
chmod 755 "$work"
[ -n "${KG_SC_KEEP:-}" ] && echo "== syscalls bench: keeping $work" >&2
tck=$(getconf CLK_TCK)
redis_port=$(free_port) back=$(free_port) port_a=$(free_port) port_k=$(free_port)
issuer=https://issuer.bench.test audience=bench-api

mkdir -p "$work/docroot" "$work/backend"
node "$KG_TOP/tests/bench/mint_jwts.mjs" "$work" 2 "$issuer" "$audience" >/dev/null ||
	die "cannot mint the JWTs"
cp "$work/jwks.json" "$work/docroot/jwks.json"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/docroot/page.html"
redis_start "$work/redis" "$redis_port" --save '' --appendonly no

# mpm_config: one child, so one process holds every connection's state.
mpm_config() {
	cat <<CONF
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
ServerName 127.0.0.1
User www-data
Group www-data
LogLevel warn
StartServers 1
ServerLimit 1
ThreadsPerChild $threads
MaxRequestWorkers $threads
MinSpareThreads 1
MaxSpareThreads $threads
MaxConnectionsPerChild 0
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
$(mpm_config)
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

# front NAME PORT: a front apache2 in $work/NAME (keygate unless a).
front() {
	local name=$1 p=$2 dir="$work/$1"
	mkdir -p "$dir"
	{
		echo "ServerRoot \"$dir\""
		echo "Listen 127.0.0.1:$p"
		echo "PidFile \"$dir/httpd.pid\""
		echo "ErrorLog \"$dir/error.log\""
		mpm_config
		echo "LoadModule proxy_module $mods/mod_proxy.so"
		echo "LoadModule proxy_http_module $mods/mod_proxy_http.so"
		if [ "$name" != a ]; then
			echo "LoadModule keygate_module $build/mod_keygate.so"
			cat "$work/keygate.conf"
			echo "KeygateBearerIssuer $issuer http://127.0.0.1:$back/jwks.json $audience"
		fi
		echo "<Location /app/>"
		if [ "$name" = a ]; then
			echo "  Require all granted"
		else
			echo "  AuthType keygate"
			echo "  Require valid-user"
			echo "  KeygateIdentityHeader domino-email email"
		fi
		echo "  ProxyPass http://127.0.0.1:$back/"
		echo "</Location>"
	} >"$dir/httpd.conf"
	httpd_start "$dir" "$build" || die "apache2 $name does not start"
}
front a "$port_a"
front k "$port_k"
cookie=$("$build/tests/integration/mint_session" "$work/keygate.conf" benchuser) ||
	die "mint_session failed"
token=$(sed -n 1p "$work/tokens.txt")

declare -A url dir hdr
url[a]="http://127.0.0.1:$port_a/app/page.html" dir[a]=a hdr[a]="X-Bench: a"
url[b]="http://127.0.0.1:$port_k/app/page.html" dir[b]=k hdr[b]="Cookie: keygate_session=$cookie"
url[c]=${url[b]} dir[c]=k hdr[c]="Authorization: Bearer $token"
declare -A title=(
	[a]="no-auth proxy (mod_proxy)"
	[b]="keygate, warm session cookie"
	[c]="keygate, warm bearer JWT"
)

# the credential gets the page, no credential does not, and the cookie
# is not re-issued on a warm request
for c in a b c; do
	st=$(curl -s -D "$work/head.$c" -o "$work/body" -w '%{http_code}' -H "${hdr[$c]}" "${url[$c]}")
	[ "$st" = 200 ] && cmp -s "$work/body" "$work/docroot/page.html" ||
		die "case $c: the credential gets $st, not the backend's page"
done
st=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/json' "${url[b]}")
[ "$st" = 401 ] || die "keygate: no credential gets $st, not 401"
grep -qi '^set-cookie:' "$work/head.b" && die "case b: a warm request re-issues the cookie"

# --- 1. front CPU per request ------------------------------------------
# user_sys PIDS...: "utime stime" of these processes, in clock ticks
user_sys() {
	local p u=0 s=0
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && read -r u s < <(awk -v u="$u" -v s="$s" \
			'{print u + $14, s + $15}' "/proc/$p/stat")
	done
	echo "$u $s"
}

# cpu_run CASE SECONDS: one wrk run; prints "requests cpu_us_per_req
# user_us_per_req sys_us_per_req".
cpu_run() {
	local c=$1 d=$2 fp u0 s0 u1 s1 n
	fp=$(pids "${dir[$c]}")
	read -r u0 s0 < <(user_sys $fp)
	wrk -t1 -c1 -d"${d}s" -H "${hdr[$c]}" "${url[$c]}" >"$work/wrk.out" 2>&1 ||
		die "case $c: wrk failed"
	read -r u1 s1 < <(user_sys $fp)
	grep -q 'Non-2xx' "$work/wrk.out" && die "case $c: some answers were not 2xx"
	n=$(awk '/requests in/ {print $1}' "$work/wrk.out")
	[ -n "$n" ] && [ "$n" -gt 0 ] || die "case $c: wrk counted no requests"
	echo "$n $(((u1 - u0 + s1 - s0) * 1000000 / tck / n))" \
		"$(((u1 - u0) * 1000000 / tck / n)) $(((s1 - s0) * 1000000 / tck / n))"
}
ab_secs() { awk '/^Time taken for tests:/ {print $5}' "$work/ab.$1"; }
median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "== syscalls bench: CPU, wrk -t1 -c1, ${secs}s x $rounds rounds" >&2
for c in a b c; do cpu_run "$c" 2 >/dev/null; done
order=(a b c)
for r in $(seq "$rounds"); do
	for i in 0 1 2; do
		c=${order[$(((i + r) % 3))]}
		cpu_run "$c" "$secs" >>"$work/cpu.$c"
	done
done
declare -A us usr sys rps
for c in a b c; do
	us[$c]=$(awk '{print $2}' "$work/cpu.$c" | median)
	usr[$c]=$(awk '{print $3}' "$work/cpu.$c" | median)
	sys[$c]=$(awk '{print $4}' "$work/cpu.$c" | median)
	rps[$c]=$(awk -v s="$secs" '{print int($1 / s)}' "$work/cpu.$c" | median)
done

# --- 2. system calls per request, by name --------------------------------
# sc_run CASE: strace -c over N keep-alive requests; leaves
# $work/sc.CASE with "name calls" lines.
sc_run() {
	local c=$1 fp args=() sp
	fp=$(pids "${dir[$c]}")
	for p in $fp; do args+=(-p "$p"); done
	strace -c -f -q -o "$work/strace.$c" "${args[@]}" &
	sp=$!
	sleep 1 # attached to every thread
	ab -q -k -c 1 -n "$nreq" -H "${hdr[$c]}" "${url[$c]}" >"$work/ab.$c" 2>&1 ||
		die "case $c: ab failed ($(tail -2 "$work/ab.$c"))"
	kill -INT "$sp"
	wait "$sp"
	grep -q "^Complete requests: *$nreq" "$work/ab.$c" || die "case $c: ab did not complete $nreq requests"
	grep -q '^Non-2xx' "$work/ab.$c" && die "case $c: some answers were not 2xx"
	awk '$NF != "syscall" && $NF != "total" && $1 !~ /^-/ && NF >= 5 {print $NF, $4}' \
		"$work/strace.$c" >"$work/sc.$c"
	[ -s "$work/sc.$c" ] || die "case $c: strace counted nothing"
}
# sc_idle: strace -c over 4 idle seconds of the keygate front: the
# calls that time drives (the notice connection's pings, the MPM's
# timers), as $work/sc.idle with "name calls_per_second" lines.
sc_idle() {
	local args=() sp
	for p in $(pids k); do args+=(-p "$p"); done
	strace -c -f -q -o "$work/strace.idle" "${args[@]}" &
	sp=$!
	sleep 4
	kill -INT "$sp"
	wait "$sp"
	awk '$NF != "syscall" && $NF != "total" && $1 !~ /^-/ && NF >= 5 {print $NF, $4 / 4}' \
		"$work/strace.idle" >"$work/sc.idle"
}
echo "== syscalls bench: strace -c -f, ab -k -c1 -n $nreq" >&2
for c in a b c; do sc_run "$c"; done
sc_idle

# --- 3. perf stat at full speed ----------------------------------------
declare -A csw sysc t
perf_run() {
	local c=$1 fp
	fp=$(pids "${dir[$c]}" | tr ' ' '\n' | grep . | paste -sd,)
	perf stat -x, -e context-switches,raw_syscalls:sys_enter -p "$fp" \
		-o "$work/perf.$c" -- sleep "$secs" &
	local pp=$!
	wrk -t1 -c1 -d"${secs}s" -H "${hdr[$c]}" "${url[$c]}" >"$work/wrk.perf" 2>&1
	wait "$pp" || return 1
	local n
	n=$(awk '/requests in/ {print $1}' "$work/wrk.perf")
	csw[$c]=$(awk -F, -v n="$n" '$3 == "context-switches" {printf "%.2f", $1 / n}' "$work/perf.$c")
	sysc[$c]=$(awk -F, -v n="$n" '$3 == "raw_syscalls:sys_enter" {printf "%.1f", $1 / n}' "$work/perf.$c")
}
have_perf=0
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1; then
	have_perf=1
	echo "== syscalls bench: perf stat, wrk -t1 -c1, ${secs}s" >&2
	for c in a b c; do perf_run "$c" || have_perf=0; done
fi

# --- report ---------------------------------------------------------------
{
	echo
	echo "keygate warm-request bench, $(date -u '+%Y-%m-%d %H:%M UTC'), build $build, event MPM 1 x $threads threads"
	echo
	echo "Front CPU per request: wrk -t1 -c1 -d${secs}s, $rounds interleaved rounds, medians"
	echo
	echo "| case | req/s | front CPU µs/req | user / system | over (a) | vs (a) |"
	echo "|---|---|---|---|---|---|"
	for c in a b c; do
		printf '| %s %s | %s | %s | %s / %s | %+d | %s |\n' "$c" "${title[$c]}" "${rps[$c]}" \
			"${us[$c]}" "${usr[$c]}" "${sys[$c]}" "$((us[$c] - us[a]))" \
			"$(awk -v x="${us[$c]}" -v y="${us[a]}" 'BEGIN {printf "%.2f", x / y}')"
	done
	echo
	awk -v a="${us[a]}" -v b="${us[b]}" -v c="${us[c]}" 'BEGIN {
		if (c - a > 0) printf "(b - a) / (c - a) = %.2f: the cookie path costs %s the bearer path\n",
			(b - a) / (c - a), b <= c ? "no more than" : "more than"
	}'
	echo
	echo "System calls per request, strace -c -f on the front, ab -k -c1 -n $nreq"
	echo
	echo "| system call | a | b | c | b - c | keygate front idle, calls/s |"
	echo "|---|---|---|---|---|---|"
	cat "$work"/sc.[abc] "$work/sc.idle" | awk '{print $1}' | sort -u | while read -r name; do
		row=$name
		for c in a b c; do
			v=$(awk -v k="$name" -v n="$nreq" '$1 == k {printf "%.2f", $2 / n}' "$work/sc.$c")
			row="$row ${v:-0.00}"
		done
		v=$(awk -v k="$name" '$1 == k {printf "%.1f", $2}' "$work/sc.idle")
		echo "$row ${v:-0.0}"
	done | awk '{printf "| %s | %s | %s | %s | %+.2f | %s |\n", $1, $2, $3, $4, $3 - $4, $5}' |
		sort -t'|' -k4,4 -rn
	for c in a b c; do
		t[$c]=$(awk -v n="$nreq" '{s += $2} END {printf "%.2f", s / n}' "$work/sc.$c")
	done
	printf '| **total** | %s | %s | %s | %+.2f | %s |\n' "${t[a]}" "${t[b]}" "${t[c]}" \
		"$(awk -v x="${t[b]}" -v y="${t[c]}" 'BEGIN {print x - y}')" \
		"$(awk '{s += $2} END {printf "%.1f", s}' "$work/sc.idle")"
	echo
	echo "Time taken by ab under strace: a $(ab_secs a) s, b $(ab_secs b) s, c $(ab_secs c) s;" \
		"the idle column times that, over $nreq, is the share of each case that time drove."
	if [ "$have_perf" = 1 ]; then
		echo
		echo "At full speed, perf stat -e context-switches,raw_syscalls:sys_enter on the front, wrk -t1 -c1 -d${secs}s"
		echo
		echo "| case | system calls/req | context switches/req |"
		echo "|---|---|---|"
		for c in a b c; do
			printf '| %s %s | %s | %s |\n' "$c" "${title[$c]}" "${sysc[$c]}" "${csw[$c]}"
		done
	fi
} | tee "$work/report.md"
[ -n "${KG_SC_OUT:-}" ] && cp "$work/report.md" "$KG_SC_OUT"
exit 0
