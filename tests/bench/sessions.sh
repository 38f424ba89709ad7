#!/usr/bin/env bash
# keygate benchmark: session lookup and create-with-limit throughput at 1
# and 32 concurrent clients, against redis-benchmark GET and SET on the
# same redis-server in the same run, cases interleaved (A B A B) and the
# median of ROUNDS taken; then Redis bytes per session (MEMORY USAGE and
# used_memory). Not part of make check (timing).
# usage: tests/bench/sessions.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -u
build=$(cd "${1:-build/release}" && pwd)
secs=${2:-3}
rounds=${3:-3}
cd "$(dirname "$0")/../.."
. tests/integration/redis.bash
drv="$build/tests/bench/bench_sessions"
tmp=$(mktemp -d)
trap 'stop_all; rm -rf "$tmp"' EXIT
port=$(free_port)
redis_start "$tmp/redis" "$port" --save '' --appendonly no

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# redis-benchmark requests per second for TEST at CLIENTS
rb() {
	redis-benchmark -p "$port" -t "$1" -c "$2" -n $((${3:-100000})) \
		-d 600 -r 100000 -q --csv 2>/dev/null |
		awk -F'"' 'NR==2 || /GET|SET/ {print $4; exit}'
}
for clients in 1 32; do
	: >"$tmp/get" ; : >"$tmp/set" ; : >"$tmp/lookup" ; : >"$tmp/create"
	n=$((clients == 1 ? 60000 : 300000))
	for r in $(seq "$rounds"); do
		rb get "$clients" "$n" >>"$tmp/get"
		"$drv" "$port" lookup "$clients" "$secs" >>"$tmp/lookup"
		rb set "$clients" "$n" >>"$tmp/set"
		"$drv" "$port" create "$clients" "$secs" >>"$tmp/create"
	done
	get=$(median <"$tmp/get")
	set=$(median <"$tmp/set")
	lookup=$(median <"$tmp/lookup")
	create=$(median <"$tmp/create")
	awk -v c="$clients" -v g="$get" -v s="$set" -v l="$lookup" \
		-v k="$create" 'BEGIN {
		printf "clients=%d lookup=%d/s redis-GET=%d/s ratio=%.2f (target 0.70)\n", c, l, g, l / g
		printf "clients=%d create=%d/s redis-SET=%d/s ratio=%.2f (target 0.50)\n", c, k, s, k / s
	}'
done

redis-cli -p "$port" flushall >/dev/null
before=$(redis-cli -p "$port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
id=$("$drv" "$port" fill 30000 0)
after=$(redis-cli -p "$port" info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
key=$(redis-cli -p "$port" memory usage "bench:s:$id")
echo "memory: session key MEMORY USAGE=${key} B; used_memory per session (30000 sessions, 3 per user, with indexes)=$(((after - before) / 30000)) B (target 2048)"
