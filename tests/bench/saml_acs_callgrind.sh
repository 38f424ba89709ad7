#!/usr/bin/env bash
# keygate SAML ACS: instructions per login in the front, counted by
# callgrind, and Redis's own CPU per login (its INFO commandstats), the
# two figures that do not drift with the load of a shared machine
# (tests/bench/saml_acs.sh gives the wall-clock CPU per login).
#
# One apache2 -X (prefork, one process, the bench's config: LogLevel
# warn, the access log, KeygateSAMLUnsolicited On) runs under valgrind's
# callgrind; curl posts N pre-signed IdP-initiated logins (each a
# new assertion for a new user, tests/bench/saml_responses.py), each once,
# after one warm-up login. Instructions per login are
# (Ir(N2) - Ir(N1)) / (N2 - N1), so start-up, the warm-up and shut-down
# cancel out. User space only: the kernel's share (system calls) is not
# counted; KG_CG_STRACE=1 adds the front's system calls per login
# (strace -c -f, the same difference); KG_CG_SKIP=1 skips callgrind.
# Redis: CONFIG RESETSTAT before the N2 run, then the sum of usec over
# INFO commandstats divided by the logins, and the commands per login.
# usage: tests/bench/saml_acs_callgrind.sh [BUILD_DIR] [N1] [N2]
# env:   KG_CG_KEEP=1 keeps the work folder (callgrind files: cg.N1, cg.N2,
#        for callgrind_annotate)
#        KG_CG_ARGS=--toggle-collect=kg_login_saml_acs counts the ACS handler
#        alone (the totals are then the handler's, not the front's)
set -u
build=$(cd "${1:-build/release}" && pwd)
n1=${2:-20}
n2=${3:-120}
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_CG_KEEP:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
chmod 755 "$work"
py=/usr/bin/python3
die() {
	echo "saml acs callgrind: $*" >&2
	exit 1
}
command -v valgrind >/dev/null || die "valgrind is not installed"
. "$KG_TOP/tests/integration/saml.bash"
skip_all() { die "$*"; }
saml_requirements

saml_setup
saml_mappers "$work/mappers.json"
export KG_LOGLEVEL=warn
mkdir -p "$work/main"
httpd_config "$work/main" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL http://127.0.0.1:$web
KeygateMappers $work/mappers.json
KeygateAccessGate domino-users
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLUnsolicited On" ""
# one process: prefork, -X
sed -i -e 's/mpm_event_module \(.*\)mod_mpm_event.so/mpm_prefork_module \1mod_mpm_prefork.so/' \
	-e '/^ThreadsPerChild/d' -e '/^ServerLimit/d' -e '/^MaxRequestWorkers/d' \
	-e '/^StartServers/d' "$work/main/httpd.conf"

total=$((2 * (n1 + n2 + 2)))
$py "$KG_TOP/tests/bench/saml_responses.py" "$work/idp" "$idp" \
	"$base/keygate/saml/corp/metadata" "$acs" "$work/sp.crt" "$total" "$work/bodies" ||
	die "the logins are not made"

# post FILE: posts each line of FILE once, in turn, on one keep-alive
# connection; prints the number of answers other than a redirect
post() {
	local args=() line
	while read -r line; do
		[ ${#args[@]} -eq 0 ] || args+=(--next)
		args+=(-s -o /dev/null -w '%{http_code}\n' --data "$line" "$acs")
	done <"$1"
	curl "${args[@]}" |
		awk '$1 !~ /^30/ {b++} END {print b + 0}'
}

rcli() { redis-cli -p "$redis_port" "$@"; }

# count TOOL N FIRST: one apache2 -X under TOOL (cg: callgrind, st:
# strace -c) that served one warm-up login and then N logins (lines
# FIRST.. of the bodies): its total instructions (cg) or system calls
# (st); with Redis's commandstats of the N logins in $work/redis.N
count() {
	local tool=$1 n=$2 first=$3 vg out bad
	out="$work/$tool.$n"
	touch "$out" && chown www-data "$out" && chmod 666 "$out"
	if [ "$tool" = cg ]; then
		valgrind --tool=callgrind --callgrind-out-file="$out" ${KG_CG_ARGS:-} \
			/usr/sbin/apache2 -X -f "$work/main/httpd.conf" >"$work/vg.$n.log" 2>&1 &
	else
		strace -f -c -o "$out" /usr/sbin/apache2 -X -f "$work/main/httpd.conf" \
			>"$work/st.$n.log" 2>&1 &
	fi
	vg=$!
	for _ in $(seq 600); do
		(exec 3<>"/dev/tcp/127.0.0.1/$web") 2>/dev/null && break
		sleep 0.1
	done
	sed -n "${first}p" "$work/bodies" >"$work/warm"
	[ "$(post "$work/warm")" = 0 ] || die "the warm-up login is not a redirect"
	sed -n "$((first + 1)),$((first + n))p" "$work/bodies" >"$work/run"
	rcli config resetstat >/dev/null
	bad=$(post "$work/run")
	rcli info commandstats >"$work/redis.$n"
	[ "$bad" = 0 ] || die "$bad of $n logins were not a redirect ($(tail -3 "$work/main/error.log"))"
	kill -TERM "$vg"
	wait "$vg"
	if [ "$tool" = cg ]; then
		awk '/^summary:/ {print $2}' "$out"
	else
		awk '$NF == "total" {print $4}' "$out"
	fi
}

per=""
if [ -z "${KG_CG_SKIP:-}" ]; then
	i1=$(count cg "$n1" 1)
	i2=$(count cg "$n2" $((n1 + 2)))
	[ -n "$i1" ] && [ -n "$i2" ] || die "no callgrind total"
	per=$(((i2 - i1) / (n2 - n1)))
fi
sys=""
if [ -n "${KG_CG_STRACE:-}" ] && command -v strace >/dev/null; then
	s1=$(count st "$n1" $((n1 + n2 + 3)))
	s2=$(count st "$n2" $((2 * n1 + n2 + 4)))
	[ -n "$s1" ] && [ -n "$s2" ] && sys=$(((s2 - s1) / (n2 - n1)))
fi
# cmdstat_x:calls=N,usec=U,... -> usec and calls per login
read -r rus rcalls < <(tr -d '\r' <"$(ls -t "$work"/redis.* | head -1)" |
	awk -F'[=,:]' -v n="$n2" '/^cmdstat_/ && $1 != "cmdstat_config" && $1 != "cmdstat_info" {
		for (i = 2; i < NF; i++) { if ($i == "calls") c += $(i + 1); if ($i == "usec") u += $(i + 1) } }
		END {printf "%.1f %.1f\n", u / n, c / n}')
echo "keygate saml acs callgrind, $(date -u '+%Y-%m-%d %H:%M UTC'), build $build"
[ -n "$per" ] && echo "front instructions per login: $per   ((Ir($n2) - Ir($n1)) / $((n2 - n1)), apache2 -X under callgrind, curl, one connection)"
[ -n "$sys" ] && echo "front system calls per login: $sys   (strace -c -f, the same difference)"
echo "redis usec per login: $rus   commands per login: $rcalls   (INFO commandstats over $n2 logins)"
tr -d '\r' <"$work/redis.$n2" | awk -F'[:,]' '/^cmdstat_/ {print "  " $1, $2, $3}' | grep -v 'cmdstat_config\|cmdstat_info'
exit 0
