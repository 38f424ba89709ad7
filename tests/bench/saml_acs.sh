#!/usr/bin/env bash
# keygate SAML benchmark (issue 5): ACS logins per second, keygate against
# mod_auth_mellon (Debian's libapache2-mod-auth-mellon), in the same run,
# both consuming Responses of the same test IdP (tests/fixtures/idp,
# pysaml2 + xmlsec1): IdP-initiated logins, each a new signed assertion for
# a new user, pre-generated (tests/bench/saml_responses.py) and posted once
# each by wrk (tests/bench/saml_post.lua).
#   k  keygate: verify (lasso), the ACS checks, replay cache, mappers,
#      session in Redis, 302
#   m  mod_auth_mellon: verify (lasso), its checks, session in shm, 303
# Both fronts are the same apache2 (event MPM, 2 children x 16 threads,
# LogLevel warn, the same access log); keygate with KeygateSAMLUnsolicited
# On.
# Cases interleave (k m m k ...), ROUNDS rounds of SECONDS each after a
# warm-up; medians of logins/s, the ratio k/m (target >= 2), and CPU per
# login: utime+stime of the front's processes (and Redis's for keygate) over
# the run, divided by its logins. keygate must answer only redirects
# (mellon's failures are counted and reported).
# The headline figure is keygate's CPU per login (front + Redis): it
# moves much less with the machine's load than logins/s.
#   o  (with KG_BENCH_BASE=BUILD_DIR) keygate from another build, in the
#      same run, for a before/after comparison (its own apache2, the same
#      Redis)
# The machine is shared: the numbers are indicative (DESIGN.md,
# "Performance").
# usage: tests/bench/saml_acs.sh [BUILD_DIR] [SECONDS] [ROUNDS]
# env:   KG_BENCH_CASES="k m" (the cases to run; add o with KG_BENCH_BASE)
set -u
build=$(cd "${1:-build/release}" && pwd)
secs=${2:-4}
rounds=${3:-5}
conns=${KG_BENCH_CONNS:-16}
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT
chmod 755 "$work"
py=/usr/bin/python3
mods=/usr/lib/apache2/modules
skip() {
	echo "== saml acs bench: SKIP ($1; scripts/deps.sh --bench installs it)"
	exit 0
}
command -v wrk >/dev/null || skip "wrk is not installed"
[ -f $mods/mod_auth_mellon.so ] || skip "libapache2-mod-auth-mellon is not installed"
. "$KG_TOP/tests/integration/saml.bash"
saml_requirements

echo "== saml acs bench: setting up"
saml_setup
saml_mappers "$work/mappers.json"
export KG_LOGLEVEL=warn
mport=$(free_port)
saml_gateway "$work/main" "$web" "$work/mappers.json" "KeygateSAMLUnsolicited On" ||
	{ echo "saml acs bench: keygate does not start" >&2; exit 1; }
cases=${KG_BENCH_CASES:-k m}
if [ -n "${KG_BENCH_BASE:-}" ]; then
	base_build=$(cd "$KG_BENCH_BASE" && pwd)
	oport=$(free_port)
	new_build=$build
	build=$base_build
	saml_gateway "$work/other" "$oport" "$work/mappers.json" "KeygateSAMLUnsolicited On" ||
		{ echo "saml acs bench: the base keygate does not start" >&2; exit 1; }
	build=$new_build
	case " $cases " in *" o "*) ;; *) cases="$cases o" ;; esac
fi
mkdir -p "$work/mellon"
# mellon as its user guide sets it up, in a <Location>. (Its 0.18.1 then
# builds a new lasso server, SP key, certificate and metadata, for every
# login: a uprobe on lasso_server_new_from_buffers counts one per login.)
httpd_config "$work/mellon" "$mport" "$build" "LoadModule auth_mellon_module $mods/mod_auth_mellon.so
MellonCacheSize ${KG_BENCH_MELLON_CACHE:-100}
MellonLockFile $work/mellon/mellon.lock" "<Location />
  MellonEnable info
  MellonEndpointPath /mellon
  MellonSPPrivateKeyFile $work/sp.key
  MellonSPCertFile $work/sp.crt
  MellonIdPMetadataFile $work/idp-metadata.xml
  MellonSPentityId http://127.0.0.1:$mport/mellon/metadata
  MellonSecureCookie Off
</Location>"
httpd_start "$work/mellon" "$build" || { echo "saml acs bench: mellon does not start" >&2; exit 1; }

# enough logins for every run at up to 2,500 logins/s (a run that runs out
# says so); all are used within 10 minutes of their IssueInstant
per_run=$((secs * 2500))
declare -A acs_url=([k]="$base/keygate/saml/corp/acs" [m]="http://127.0.0.1:$mport/mellon/postResponse"
	[o]="http://127.0.0.1:${oport:-0}/keygate/saml/corp/acs")
declare -A entity=([k]="$base/keygate/saml/corp/metadata" [m]="http://127.0.0.1:$mport/mellon/metadata"
	[o]="http://127.0.0.1:${oport:-0}/keygate/saml/corp/metadata")
for c in $cases; do
	$py "$KG_TOP/tests/bench/saml_responses.py" "$work/idp" "$idp" "${entity[$c]}" \
		"${acs_url[$c]}" "$work/sp.crt" $((per_run * (rounds + 1) + 1)) "$work/$c.bodies" ||
		{ echo "saml acs bench: the logins are not made" >&2; exit 1; }
done

# one login each, checked by hand: a redirect (keygate 302, mellon 303)
# with the product's session cookie
check_login() {
	local c=$1 cookie=$2 st
	head -1 "$work/$c.bodies" >"$work/$c.one"
	st=$(curl -s -o /dev/null -D "$work/$c.one.h" -w '%{http_code}' --data @"$work/$c.one" "${acs_url[$c]}")
	if [ "${st#30}" = "$st" ] || ! grep -qi "^Set-Cookie: $cookie=" "$work/$c.one.h"; then
		echo "saml acs bench: a login to $c is not accepted (status $st)" >&2
		tail -n 5 "$work/main/error.log" "$work/mellon/error.log" >&2
		exit 1
	fi
}
for c in $cases; do
	case $c in m) check_login m mellon-cookie ;; *) check_login "$c" keygate_session ;; esac
done
for c in $cases; do tail -n +2 "$work/$c.bodies" >"$work/$c.rest"; done

. "$KG_TOP/tests/bench/cpu.bash"
declare -A dir=([k]=main [m]=mellon [o]=other) used=([k]=0 [m]=0 [o]=0)
redis_pid=$(cat "$work/redis/redis.pid")
tck=$(getconf CLK_TCK)

# run CASE: one wrk run over the next unused logins; "logins/s
# cpu_us_per_login non3xx redis_us_per_login" into $work/run.out (the CPU
# is the front's plus, for keygate, Redis's; the last field is Redis's
# share, 0 for mellon)
run() {
	local c=$1 procs t0 t1 r0 r1 out reqs rate bad n
	procs="$(pids "${dir[$c]}")"
	# each run its own block of logins: a request wrk sent but did not
	# count may still have reached the ACS
	tail -n +$((used[$c] * per_run + 1)) "$work/$c.rest" | head -n "$per_run" >"$work/$c.run"
	used[$c]=$((used[$c] + 1))
	t0=$(ticks $procs)
	r0=$(ticks "$redis_pid")
	out=$(wrk -t 2 -c "$conns" -d "${secs}s" -s "$KG_TOP/tests/bench/saml_post.lua" \
		"${acs_url[$c]}" -- "$work/$c.run" 2 2>"$work/wrk.err")
	t1=$(ticks $procs)
	r1=$(ticks "$redis_pid")
	[ "$c" = m ] && r1=$r0
	reqs=$(awk '/requests in/ {print $1}' <<<"$out")
	rate=$(awk '/^Requests\/sec/ {printf "%d", $2}' <<<"$out")
	bad=$(awk '/Non-2xx or 3xx/ {print $5}' <<<"$out")
	grep -q 'ran out' "$work/wrk.err" && echo "saml acs bench: $c ran out of logins" >&2
	n=$((reqs > 0 ? reqs : 1))
	echo "$rate $(((t1 - t0 + r1 - r0) * 1000000 / tck / n)) ${bad:-0} $(((r1 - r0) * 1000000 / tck / n))" >"$work/run.out"
}

echo "== saml acs bench: ${rounds} rounds of ${secs}s per case, ${conns} connections"
for c in $cases; do run "$c"; done
declare -A rates cpus rcpus bads=([k]=0 [m]=0 [o]=0)
order=$cases
for r in $(seq "$rounds"); do
	for c in $order; do
		run "$c"
		read -r rate cpu bad rcpu <"$work/run.out"
		rates[$c]="${rates[$c]:-} $rate"
		cpus[$c]="${cpus[$c]:-} $cpu"
		rcpus[$c]="${rcpus[$c]:-} $rcpu"
		bads[$c]=$((bads[$c] + bad))
		echo "round $r $c: $rate logins/s, $cpu us CPU per login (Redis $rcpu), $bad not 3xx"
	done
	order=$(echo "$order" | awk '{for (i = 2; i <= NF; i++) printf "%s ", $i; print $1}')
done
median() { printf '%s\n' $@ | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
mk=$(median ${rates[k]:-0}) mm=$(median ${rates[m]:-0})
echo "keygate:          $mk logins/s (median), $(median ${cpus[k]:-0}) us CPU per login (front + Redis; Redis $(median ${rcpus[k]:-0}))"
[ -n "${rates[o]:-}" ] &&
	echo "keygate base:     $(median ${rates[o]}) logins/s (median), $(median ${cpus[o]}) us CPU per login (front + Redis; Redis $(median ${rcpus[o]})), build $base_build"
if [ -n "${rates[m]:-}" ]; then
	echo "mod_auth_mellon:  $mm logins/s (median), $(median ${cpus[m]}) us CPU per login (front)"
	echo "ratio keygate/mellon: $(awk -v a="$mk" -v b="$mm" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}') (target >= 2)"
fi
echo "responses other than a redirect: keygate ${bads[k]}, base ${bads[o]}, mellon ${bads[m]}"
echo "(indicative: wrk, both fronts, Redis and the IdP's logins share this machine's cores)"
# keygate must answer every login; mellon's failures are reported only
[ "${bads[k]}" -eq 0 ] && [ "${bads[o]}" -eq 0 ]
