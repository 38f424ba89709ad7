#!/usr/bin/env bash
# keygate gateway benchmark: wrk against apache2 on loopback, every case
# in the same run and against the same backend (issue 4, "Tests and
# measurements"):
#   a  the no-auth proxy ceiling: apache2 + mod_proxy only
#   b  keygate, session cookie (minted into Redis with mint_session)
#   c  keygate, bearer JWT, warm (the same token on every request)
#   d  keygate, bearer JWT, cold (a different valid token per request)
#   e  mod_auth_openidc, OIDCSessionType server-cache, OIDCCacheType redis
#      (same Redis), session from a real login through tests/fixtures/op
#   f  mod_oauth2 verifying the same JWTs as d (RS256, JWKS by URI)
# Targets: b >= 0.90 a, b >= 1.5 e, c >= 0.95 a, d >= f (req/s medians).
#
# Method (DESIGN.md "Performance"):
# - one machine: wrk, the front apache2s, the backend, Redis share the
#   cores; each front is its own apache2 (event MPM, 2 children x 64
#   threads, fixed; unlimited keep-alive; no access log) proxying to one
#   backend apache2 that serves a 1 KiB static file; the JWKS is a static
#   file on the backend too;
# - cases interleaved, ROUNDS rounds (the order rotates by one each
#   round), SECONDS each, after one warm-up run of every case; medians;
# - CPU per request: utime+stime ticks of the front's apache2 processes,
#   the backend's and redis-server's (/proc/PID/stat) before and after
#   each run, divided by the run's requests;
# - every run is checked: no non-2xx, at most 1 socket error per 1000
#   requests (counted in the report), and the backend
#   answered as many requests as wrk counted (so nothing was redirected
#   or refused); the checks before the load prove that each case refuses
#   a request without credentials.
# usage: tests/bench/gateway.sh [BUILD_DIR] [SECONDS] [ROUNDS]
# env:   KG_BENCH_CONNS (64), KG_BENCH_THREADS (2), KG_BENCH_TOKENS (24000),
#        KG_BENCH_OUT (a file that gets a copy of the table),
#        KG_BENCH_KEEP (non-empty: keep the temp folder, for its logs),
#        KG_BENCH_PROFILE (non-empty: perf profiles of keygate in b, c, d)
set -u
build=$(cd "${1:-build/release}" && pwd)
secs=${2:-4}
rounds=${3:-5}
conns=${KG_BENCH_CONNS:-64}
threads=${KG_BENCH_THREADS:-2}
ntokens=${KG_BENCH_TOKENS:-24000}
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
mods=/usr/lib/apache2/modules

skip() {
	echo "== gateway bench: SKIP ($1; scripts/deps.sh --bench installs it)"
	exit 0
}
command -v wrk >/dev/null || skip "wrk is not installed"
[ -x /usr/sbin/apache2 ] || skip "apache2 is not installed"
[ -f $mods/mod_auth_openidc.so ] || skip "libapache2-mod-auth-openidc is not installed"
[ -f $mods/mod_oauth2.so ] || skip "libapache2-mod-oauth2 is not installed"
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip "the OP's npm packages are not installed"
[ -x "$build/tests/integration/mint_session" ] || {
	echo "gateway bench: $build/tests/integration/mint_session is missing (make tests)" >&2
	exit 1
}

work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT
chmod 755 "$work"
tck=$(getconf CLK_TCK)
die() {
	echo "gateway bench: $*" >&2
	exit 1
}

redis_port=$(free_port) back=$(free_port) op_port=$(free_port)
declare -A port
for c in a k e f; do port[$c]=$(free_port); done
issuer=https://issuer.bench.test audience=bench-api

# --- backend: a 1 KiB static file and the JWKS ---------------------------
echo "== gateway bench: setting up (tokens, servers, login)"
mkdir -p "$work/docroot"
node "$KG_TOP/tests/bench/mint_jwts.mjs" "$work" "$ntokens" "$issuer" "$audience" ||
	die "cannot mint the JWTs"
cp "$work/jwks.json" "$work/docroot/jwks.json"
head -c 1024 /dev/zero | tr '\0' 'x' >"$work/docroot/page.html"
redis_start "$work/redis" "$redis_port" --save '' --appendonly no

# mpm_config: the same fixed worker pool for every apache2.
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
StartServers 2
ServerLimit 2
ThreadsPerChild 64
MaxRequestWorkers 128
MinSpareThreads 1
MaxSpareThreads 128
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 60
CONF
}

# front NAME PORT MODULES SERVER_LINES LOCATION_LINES: a front apache2
# in $work/NAME proxying /app/ to the backend.
front() {
	local name=$1 p=$2 dir="$work/$1"
	mkdir -p "$dir"
	cat >"$dir/httpd.conf" <<CONF
ServerRoot "$dir"
Listen 127.0.0.1:$p
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error.log"
$(mpm_config)
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
$3
$4
<Location /app/>
$5
  ProxyPass http://127.0.0.1:$back/
</Location>
CONF
	httpd_start "$dir" "$build" || die "apache2 $name does not start"
}

mkdir -p "$work/backend"
cat >"$work/backend/httpd.conf" <<CONF
ServerRoot "$work/backend"
Listen 127.0.0.1:$back
PidFile "$work/backend/httpd.pid"
ErrorLog "$work/backend/error.log"
$(mpm_config)
LoadModule status_module $mods/mod_status.so
DocumentRoot "$work/docroot"
<Directory "$work/docroot">
  Require all granted
</Directory>
<Location /server-status>
  SetHandler server-status
</Location>
CONF
httpd_start "$work/backend" "$build" || die "the backend does not start"

# (a) the ceiling
front a "${port[a]}" "" "" "  Require all granted"

# (b, c, d) keygate: sessions in Redis, bearer tokens from the JWKS
head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
CONF
front k "${port[k]}" "LoadModule keygate_module $build/mod_keygate.so" \
	"$(cat "$work/keygate.conf")
KeygateBearerIssuer $issuer http://127.0.0.1:$back/jwks.json $audience" \
	"  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-email email"
cookie=$("$build/tests/integration/mint_session" "$work/keygate.conf" benchuser) ||
	die "mint_session failed"

# (e) mod_auth_openidc, server-cache sessions in the same Redis, after a
# real code-flow login at the OP
e_base="http://127.0.0.1:${port[e]}"
op_start "$work" "$op_port" bench-oidc bench-oidc-secret "$e_base/app/redirect_uri" ||
	die "the OP does not start"
front e "${port[e]}" "LoadModule auth_openidc_module $mods/mod_auth_openidc.so" \
	"OIDCProviderMetadataURL http://127.0.0.1:$op_port/.well-known/openid-configuration
OIDCClientID bench-oidc
OIDCClientSecret bench-oidc-secret
OIDCRedirectURI $e_base/app/redirect_uri
OIDCCryptoPassphrase $(head -c 24 /dev/urandom | base64)
OIDCScope \"openid email profile\"
OIDCPKCEMethod S256
OIDCSessionType server-cache
OIDCCacheType redis
OIDCRedisCacheServer 127.0.0.1:$redis_port
OIDCSessionInactivityTimeout 3600
OIDCSessionMaxDuration 28800" \
	"  AuthType openid-connect
  Require valid-user"
final=$(browser_login "$work/jar" "$e_base/app/page.html" "$e_base")
[ "$final" = "$e_base/app/page.html" ] && cmp -s "$work/jar.page" "$work/docroot/page.html" ||
	die "the mod_auth_openidc login did not land on the page (last: $final)"
oidc_cookie=$(awk -v ORS='; ' '!/^# / && NF >= 7 && $6 ~ /^mod_auth_openidc/ {print $6 "=" $7}' "$work/jar")
oidc_cookie=${oidc_cookie%; }
[ -n "$oidc_cookie" ] || die "no mod_auth_openidc session cookie after the login"

# (f) mod_oauth2: the same JWTs, RS256 against the same JWKS
# mod_oauth2 always stores a verified token's result in a cache, and
# its shm cache is a linear scan under a global mutex: the closest to "no
# cache" is a one-slot result cache (every token is new, so every request
# misses it and verifies the signature), apart from the JWKS's cache (a
# full shared cache would evict the JWKS and refetch it). Replacing a
# young entry logs a warning per request; oauth2:error keeps those out of
# the log file.
front f "${port[f]}" "LoadModule oauth2_module $mods/mod_oauth2.so" \
	"LogLevel warn oauth2:error
OAuth2Cache shm name=results&max_val_size=2048&max_entries=1
OAuth2Cache shm name=jwks&max_entries=16" \
	"  AuthType oauth2
  OAuth2TokenVerify jwks_uri http://127.0.0.1:$back/jwks.json verify.exp=required&cache=results&jwks_uri.cache=jwks
  Require valid-user"

warm_token=$(sed -n 1p "$work/tokens.txt")
declare -A url dir hdr
url[a]="http://127.0.0.1:${port[a]}/app/page.html" dir[a]=a hdr[a]=""
url[b]="http://127.0.0.1:${port[k]}/app/page.html" dir[b]=k hdr[b]="Cookie: keygate_session=$cookie"
url[c]=${url[b]} dir[c]=k hdr[c]="Authorization: Bearer $warm_token"
url[d]=${url[b]} dir[d]=k hdr[d]=rotate
url[e]="$e_base/app/page.html" dir[e]=e hdr[e]="Cookie: $oidc_cookie"
url[f]="http://127.0.0.1:${port[f]}/app/page.html" dir[f]=f hdr[f]=rotate
declare -A title=(
	[a]="no-auth proxy ceiling (mod_proxy)"
	[b]="keygate session cookie (Redis)"
	[c]="keygate bearer, warm cache"
	[d]="keygate bearer, cold (new token each request)"
	[e]="mod_auth_openidc server-cache on Redis"
	[f]="mod_oauth2 JWT RS256 (jwks_uri)"
)
cases="a b c d e f"

# --- sanity: the credential passes, no credential does not ---------------
status() { curl -s -o "$work/body" -w '%{http_code}' "$@"; }
for c in $cases; do
	h=${hdr[$c]}
	[ "$h" = rotate ] && h="Authorization: Bearer $(sed -n 2p "$work/tokens.txt")"
	st=$(status -H "$h" "${url[$c]}")
	[ "$st" = 200 ] && cmp -s "$work/body" "$work/docroot/page.html" ||
		die "case $c: the credential gets $st, not the backend's page"
	if [ "$c" != a ]; then
		st=$(status -H 'Accept: application/json' "${url[$c]}")
		case $st in 401 | 302 | 303) ;; *) die "case $c: no credential gets $st" ;; esac
	fi
done
bad="${warm_token%?}A"
[ "${bad: -1}" = "${warm_token: -1}" ] && bad="${warm_token%?}B"
for c in c f; do
	st=$(status -H "Authorization: Bearer $bad" "${url[$c]}")
	[ "$st" = 401 ] || die "case $c: a tampered JWT gets $st, not 401"
done

# --- measurement -----------------------------------------------------------
. "$KG_TOP/tests/bench/cpu.bash"
backend_hits() {
	curl -s "http://127.0.0.1:$back/server-status?auto" | awk '/^Total Accesses:/ {print $3}'
}
declare -A offset=([d]=0 [f]=0)

# run CASE SECONDS: one wrk run; appends "rps p99_ms cpu_us_per_req" to
# $work/CASE.runs unless it is a warm-up (SECONDS prefixed with w).
run() {
	local c=$1 d=${2#w} out="$work/wrk.out" fp bp rp f0 f1 k0 k1 r0 r1 b0 b1 n rps p99 non2xx errs
	fp=$(pids "${dir[$c]}") bp=$(pids backend) rp=$(cat "$work/redis/redis.pid")
	b0=$(backend_hits)
	f0=$(ticks $fp) k0=$(ticks $bp) r0=$(ticks $rp)
	if [ "${hdr[$c]}" = rotate ]; then
		wrk -t"$threads" -c"$conns" -d"${d}s" --latency -s "$KG_TOP/tests/bench/rotate_bearer.lua" \
			"${url[$c]}" -- "$work/tokens.txt" "${offset[$c]}" "$threads" >"$out" 2>&1
	elif [ -n "${hdr[$c]}" ]; then
		wrk -t"$threads" -c"$conns" -d"${d}s" --latency -H "${hdr[$c]}" "${url[$c]}" >"$out" 2>&1
	else
		wrk -t"$threads" -c"$conns" -d"${d}s" --latency "${url[$c]}" >"$out" 2>&1
	fi
	f1=$(ticks $fp) k1=$(ticks $bp) r1=$(ticks $rp)
	sleep 0.2 # let the last proxied requests finish
	b1=$(backend_hits)
	n=$(awk '/requests in/ {print $1}' "$out")
	rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
	p99=$(awk '$1 == "99%" {v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : u == "m" ? v * 60000 : v)}' "$out")
	non2xx=$(awk '/Non-2xx/ {print $NF}' "$out")
	errs=$(awk '/Socket errors/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out")
	[ -n "$n" ] && [ -n "$rps" ] || { cat "$out" >&2; die "case $c: wrk failed"; }
	if [ "${2:0:1}" = w ]; then
		# a warm-up may meet a child's first JWKS fetch: noted, not fatal
		[ -z "$non2xx" ] || echo "  warm-up $c: $non2xx responses were not 2xx/3xx" |
			tee -a "$work/warmup.notes"
	else
		[ -z "$non2xx" ] || die "case $c: $non2xx responses were not 2xx/3xx"
	fi
	# a few connections reset under overload are tolerated (and counted)
	[ -z "$errs" ] || [ $((errs * 1000)) -le "$n" ] || die "case $c: $errs socket errors in $n requests"
	echo "${errs:-0}" >>"$work/$c.errors"
	[ "${hdr[$c]}" = rotate ] && offset[$c]=$((offset[$c] + n + conns))
	[ "${2:0:1}" = w ] && return 0 # (a cold start may fetch the JWKS often)
	# every counted request reached the backend; up to one per connection
	# may still have been in flight when wrk stopped counting
	# (mod_oauth2, case f, fetches the JWKS from the same backend now and
	# then with its one-slot cache; under load its shm cache can miss on
	# most requests, so up to one JWKS fetch per request is its traffic)
	local slack=4
	[ "$c" = f ] && slack=$n
	[ $((b1 - b0 - 1)) -ge "$n" ] && [ $((b1 - b0 - 1)) -le $((n + conns + slack)) ] ||
		die "case $c: wrk counted $n requests, the backend answered $((b1 - b0 - 1))"
	# rps p99 cpu front backend redis (the last four in µs per request)
	awk -v rps="$rps" -v p99="$p99" -v f=$((f1 - f0)) -v k=$((k1 - k0)) -v r=$((r1 - r0)) \
		-v u="$(awk -v hz="$tck" -v n="$n" 'BEGIN {print 1e6 / hz / n}')" \
		'BEGIN {printf "%s %s %.0f %.0f %.0f %.0f\n", rps, p99, (f + k + r) * u, f * u, k * u, r * u}' \
		>>"$work/$c.runs"
}

echo "== gateway bench: wrk -t$threads -c$conns -d${secs}s, $rounds interleaved rounds of: $cases"
for c in $cases; do run "$c" w2; done
set -- $cases
for r in $(seq 1 "$rounds"); do
	order=""
	for c in "$@"; do order="$order$c"; done
	printf '  round %s: %s\n' "$r" "$order"
	for c in "$@"; do run "$c" "$secs"; done
	set -- "${@:2}" "$1"
done

# post-load check: each credential still gets the page
for c in a b c e; do
	st=$(status -H "${hdr[$c]}" "${url[$c]}")
	[ "$st" = 200 ] || die "case $c: after the load the credential gets $st"
done
for d in a k e f backend; do
	grep -qiE 'exit signal|segfault' "$work/$d/error.log" && die "apache2 $d crashed (see its error.log)"
done

# --- optional: where keygate's CPU goes (KG_BENCH_PROFILE=1, needs perf) -----
# A flat perf profile of keygate's apache2 children during one more run
# of b, c and d: the share of samples per library and the top symbols.
if [ -n "${KG_BENCH_PROFILE:-}" ] && command -v perf >/dev/null; then
	for c in b c d; do
		perf record -q -F 1999 -o "$work/perf.$c" -p "$(pids k | tr ' ' '\n' | sed 1d | paste -sd,)" \
			-- sleep "$secs" >/dev/null 2>&1 &
		prof=$!
		run "$c" "w$secs" >/dev/null
		wait "$prof"
		echo "== profile of keygate's apache2 children, case $c: ${title[$c]}"
		perf report -i "$work/perf.$c" --stdio --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -12
		perf report -i "$work/perf.$c" --stdio --sort dso,sym 2>/dev/null | grep -E '^ +[0-9]' | head -"${KG_BENCH_PROFILE_TOP:-30}"
	done
fi

# --- report -----------------------------------------------------------------
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
declare -A mrps mp99 mcpu mfront mback mredis
for c in $cases; do
	mrps[$c]=$(awk '{print $1}' "$work/$c.runs" | median)
	mp99[$c]=$(awk '{print $2}' "$work/$c.runs" | median)
	mcpu[$c]=$(awk '{print $3}' "$work/$c.runs" | median)
	mfront[$c]=$(awk '{print $4}' "$work/$c.runs" | median)
	mback[$c]=$(awk '{print $5}' "$work/$c.runs" | median)
	mredis[$c]=$(awk '{print $6}' "$work/$c.runs" | median)
done
# ratio X Y: median req/s of X over Y's
ratio() { awk -v x="${mrps[$1]}" -v y="${mrps[$2]}" 'BEGIN {printf "%.2f", x / y}'; }
# span X Y: min-max of the per-round ratios (the runs of a round are
# close in time, so this shows how far one ratio moves)
span() {
	paste -d' ' "$work/$1.runs" "$work/$2.runs" |
		awk '{r = $1 / $(NF / 2 + 1); if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r}
		END {printf "%.2f-%.2f", lo, hi}'
}
report() {
	echo
	echo "keygate gateway bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, wrk -t$threads -c$conns -d${secs}s, $rounds interleaved rounds, medians"
	echo
	echo "| case | req/s | p99 ms | CPU µs/req | front / backend / redis | req/s vs (a) | per-round range |"
	echo "|---|---|---|---|---|---|---|"
	for c in $cases; do
		printf '| %s %s | %.0f | %.1f | %s | %s / %s / %s | %s | %s |\n' "$c" "${title[$c]}" "${mrps[$c]}" \
			"${mp99[$c]}" "${mcpu[$c]}" "${mfront[$c]}" "${mback[$c]}" "${mredis[$c]}" \
			"$(ratio "$c" a)" "$(span "$c" a)"
	done
	echo
	echo "CPU µs/req: user+system time of the front apache2, the backend apache2 and redis-server, per request (wrk excluded); medians per column."
	[ -s "$work/warmup.notes" ] && echo "Warm-up runs (not counted):$(tr -s ' ' <"$work/warmup.notes" | tr '\n' ';')"
	echo "Socket errors over all runs (tolerated up to 1 per 1000 requests): $(for c in $cases; do printf '%s=%s ' "$c" "$(awk '{s += $1} END {print s + 0}' "$work/$c.errors")"; done)"
	echo
	echo "| target | measured | per-round range | result |"
	echo "|---|---|---|---|"
	target "b/a" b a 0.90
	target "b/e" b e 1.50
	target "c/a" c a 0.95
	target "d/f" d f 1.00
}
target() {
	local v
	v=$(ratio "$2" "$3")
	printf '| %s >= %s | %s | %s | %s |\n' "$1" "$4" "$v" "$(span "$2" "$3")" \
		"$(awk -v v="$v" -v t="$4" 'BEGIN {print (v >= t) ? "met" : "NOT met"}')"
}
report | tee "$work/report.md"
[ -n "${KG_BENCH_OUT:-}" ] && cp "$work/report.md" "$KG_BENCH_OUT"
exit 0
