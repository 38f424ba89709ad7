#!/usr/bin/env bash
# keygate benchmark: session lookup and create-with-limit throughput at 1
# and 32 concurrent clients, against redis-benchmark GET and SET on the
# same redis-server in the same run; then Redis bytes per session (MEMORY
# USAGE and used_memory). Not part of make check (timing).
#
# Fairness (DESIGN.md "Performance"):
# - the same number of connections on both sides: the driver runs CLIENTS
#   threads with one connection each, redis-benchmark -c CLIENTS, and
#   redis-benchmark never pipelines (-P 1, its default, said explicitly);
# - the same data: redis-benchmark GETs the very key the lookup reads (a
#   real sealed session record, its real size), and SETs values of that
#   size (-d) on 100,000 random keys;
# - about the same duration: redis-benchmark's -n is calibrated each
#   round to last about SECONDS;
# - cases interleaved GET lookup SET create SET create-evict, ROUNDS
#   times, and the median of each column reported, with the min-max of the
#   per-round ratios (each a pair measured back to back);
# - two create cases: create (user limit 3 and realm limit on, neither
#   reached: the common login) and create-evict (each thread cycles
#   through 100 users already at their limit of 3, terminate-oldest:
#   every create evicts one; warmed up before the rounds);
# - CPU per operation: user+sys of the client process (bash time) plus
#   redis-server's (/proc/PID/stat), in microseconds, which moves much
#   less than ops/s when the machine has a slow window.
# usage: tests/bench/sessions.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -u
build=$(cd "${1:-build/release}" && pwd)
secs=${2:-3}
rounds=${3:-5}
cd "$(dirname "$0")/../.."
. tests/integration/redis.bash
drv="$build/tests/bench/bench_sessions"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kg-bench-sessions.XXXXXX")
trap 'stop_all; rm -rf "$tmp"' EXIT
port=$(free_port)
redis_start "$tmp/redis" "$port" --save '' --appendonly no
rpid=$(cat "$tmp/redis/redis.pid")
tck=$(getconf CLK_TCK)

read -r cookie id < <("$drv" "$port" seed 0 0)
[ -n "${id:-}" ] || { echo "seed failed" >&2; exit 1; }
key="bench:s:$id"
size=$(redis-cli -p "$port" strlen "$key")
echo "record: $key, $size bytes sealed; redis-benchmark GETs this key and SETs -d $size values"

redis_ticks() { awk '{print $14 + $15}' "/proc/$rpid/stat"; }

# run OUT CMD...: runs CMD with its stdout in OUT, and appends
# "CLIENT_CPU_S REDIS_CPU_S" to OUT.cpu.
run() {
	local out=$1 r0 r1 t
	shift
	r0=$(redis_ticks)
	t=$( { TIMEFORMAT='%3U %3S'; time "$@" >"$out" 2>"$out.err"; } 2>&1)
	r1=$(redis_ticks)
	awk -v t="$t" -v r=$((r1 - r0)) -v hz="$tck" 'BEGIN {
		split(t, a, " "); printf "%.3f %.3f\n", a[1] + a[2], r / hz }' \
		>"$out.cpu"
	[ -s "$out.err" ] && cat "$out.err" >&2
	return 0
}

# rb_n TEST CLIENTS: -n for redis-benchmark to last about $secs.
rb_n() {
	local rps
	rps=$(rb_once "$1" "$2" 20000 | cut -d' ' -f1)
	awk -v r="${rps:-20000}" -v s="$secs" 'BEGIN {printf "%d\n", r * s}'
}

# rb_once TEST CLIENTS N: prints "OPS_PER_S OPS".
rb_once() {
	local what=(GET "$key")
	[ "$1" = set ] && what=(-t set -d "$size" -r 100000)
	redis-benchmark -p "$port" -c "$2" -n "$3" -P 1 -q --csv "${what[@]}" \
		2>/dev/null | awk -F'"' -v n="$3" 'NR == 2 {print $4, n}'
}

# one CASE CLIENTS N ROUND: runs a case and appends
# "OPS_PER_S CLIENT_US_PER_OP REDIS_US_PER_OP" to $tmp/CASE.
one() {
	local f="$tmp/out"
	case $1 in
	get | set) run "$f" rb_once "$1" "$2" "$3" ;;
	lookup) run "$f" "$drv" "$port" lookup "$2" "$secs" "$cookie" ;;
	create | create-evict) run "$f" "$drv" "$port" "$1" "$2" "$secs" ;;
	esac
	read -r a b <"$f"
	read -r cc rc <"$f.cpu"
	if [ "$1" = get ] || [ "$1" = set ]; then ops=$b rate=$a; else
		ops=$a rate=$(awk -v o="$a" -v e="$b" 'BEGIN {print o / e}')
	fi
	awk -v r="$rate" -v o="$ops" -v c="$cc" -v s="$rc" 'BEGIN {
		printf "%.0f %.2f %.2f\n", r, c * 1e6 / o, s * 1e6 / o }' \
		>>"$tmp/$1"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v c="$2" '{print $c}' "$tmp/$1" | median; }

printf '\n%-7s %-12s %9s %9s %9s %9s  %s\n' clients case "ops/s" \
	"client" "redis" "sum" "(CPU us/op; medians of $rounds rounds)"
for clients in 1 32; do
	for c in get set set2 lookup create create-evict; do : >"$tmp/$c"; done
	nget=$(rb_n get "$clients")
	nset=$(rb_n set "$clients")
	# every user of create-evict at its limit before the rounds
	"$drv" "$port" create-evict "$clients" 2 >/dev/null
	for r in $(seq "$rounds"); do
		one get "$clients" "$nget" "$r"
		one lookup "$clients" 0 "$r"
		one set "$clients" "$nset" "$r"
		one create "$clients" 0 "$r"
		one set "$clients" "$nset" "$r"
		tail -1 "$tmp/set" >>"$tmp/set2"
		one create-evict "$clients" 0 "$r"
	done
	for c in get lookup set create create-evict; do
		awk -v k="$clients" -v n="$c" -v r="$(col "$c" 1)" \
			-v a="$(col "$c" 2)" -v b="$(col "$c" 3)" 'BEGIN {
			printf "%-7d %-12s %9d %9.1f %9.1f %9.1f\n", k, n, r, a, b, a + b }'
	done
	# per-round ratios of the pairs measured back to back
	paste "$tmp/lookup" "$tmp/get" | awk '{print $1 / $4}' >"$tmp/rl"
	# each create round against the SET round just before it
	awk 'NR % 2 == 1' "$tmp/set" >"$tmp/set1"
	paste "$tmp/create" "$tmp/set1" | awk '{print $1 / $4}' >"$tmp/rc"
	paste "$tmp/create-evict" "$tmp/set2" | awk '{print $1 / $4}' >"$tmp/re"
	awk -v c="$clients" -v l="$(col lookup 1)" -v g="$(col get 1)" \
		-v k="$(col create 1)" -v s="$(col set 1)" \
		-v l0="$(sort -g "$tmp/rl" | head -1)" -v l1="$(sort -g "$tmp/rl" | tail -1)" \
		-v k0="$(sort -g "$tmp/rc" | head -1)" -v k1="$(sort -g "$tmp/rc" | tail -1)" 'BEGIN {
		printf "clients=%d lookup/GET ratio=%.2f (rounds %.2f-%.2f; target 0.70) %s\n", c, l / g, l0, l1, (l / g >= 0.7 ? "met" : "NOT met")
		printf "clients=%d create/SET ratio=%.2f (rounds %.2f-%.2f; target 0.50) %s\n", c, k / s, k0, k1, (k / s >= 0.5 ? "met" : "NOT met")
	}'
	awk -v c="$clients" -v k="$(col create-evict 1)" -v s="$(col set 1)" \
		-v k0="$(sort -g "$tmp/re" | head -1)" -v k1="$(sort -g "$tmp/re" | tail -1)" 'BEGIN {
		printf "clients=%d create-evict/SET ratio=%.2f (rounds %.2f-%.2f; target 0.50) %s\n", c, k / s, k0, k1, (k / s >= 0.5 ? "met" : "NOT met")
	}'
done

redis-cli -p "$port" flushall >/dev/null
before=$(redis-cli -p "$port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
id=$("$drv" "$port" fill 30000 0)
after=$(redis-cli -p "$port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
key=$(redis-cli -p "$port" memory usage "bench:s:$id")
echo "memory: session key MEMORY USAGE=${key} B; used_memory per session (30000 sessions, 3 per user, with indexes)=$(((after - before) / 30000)) B (target 1024)"
