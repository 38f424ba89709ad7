#!/usr/bin/env bash
# keygate benchmark: what the session-create script costs Redis, in
# instructions (callgrind on redis-server), against a SET of a record-sized
# value: deterministic, unlike CPU time on a shared machine. redis-benchmark
# (one connection, no pipelining) sends EVALSHA with the arguments
# kg_sess_store_create sends (a 283-byte record, a user limit of 3 with
# terminate-oldest, a realm limit of 100,000,000), with the user ids drawn
# from 100,000 (no create reaches a limit) or from 100 after 3,000 warm-up
# creates (every create evicts). Active expiry is off and hz 1 (under
# valgrind its cycles run long and would be counted). Counted per operation over N, from the
# server's event loop in: parsing, the script and the reply; not the
# kernel's part of the socket calls (about the same for both).
# usage: tests/bench/script_cost.sh [BUILD_DIR] [N]
set -u
build=$(cd "${1:-build/release}" && pwd)
n=${2:-1000}
cd "$(dirname "$0")/../.."
. tests/integration/redis.bash
command -v valgrind >/dev/null || { echo "valgrind not installed" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kg-script-cost.XXXXXX")
port=$(free_port)
valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.%p" \
	redis-server --bind 127.0.0.1 --port "$port" --save '' \
	--appendonly no --hz 1 --enable-debug-command local >/dev/null 2>&1 &
vpid=$!
trap 'kill $vpid 2>/dev/null; wait $vpid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
	redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
	sleep 0.3
done
redis-cli -p "$port" debug set-active-expire 0 >/dev/null
sha=$(redis-cli -p "$port" script load "$("$build/tests/bench/bench_sessions" 0 script create 0)")
rec=$(head -c 400 /dev/urandom | base64 -w0 | head -c 283)
# per_op NAME REDIS-BENCHMARK-ARGS...: instructions per operation
per_op() {
	local name=$1 f ir
	shift
	callgrind_control -z "$vpid" >/dev/null 2>&1
	redis-benchmark -p "$port" -c 1 -n "$n" "$@" >/dev/null 2>&1
	callgrind_control -d "$vpid" >/dev/null 2>&1
	f=$(ls -t "$tmp"/cg.* | head -1)
	ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$f" | tail -1)
	echo "$((ir / n))"
}
create() { # create USERS: the create's EVALSHA, ids and users at random
	echo evalsha "$sha" 4 "bench:s:0000000000000000000__rand_int__" \
		"bench:u:__rand_int__" "bench:u:__rand_int__:off" \
		bench:realm:exp "$rec" 1800000 3 1 100000000 0
}
set_ir=$(per_op set -d 283 -r 100000 -t set)
common=$(per_op create -r 100000 $(create))
redis-benchmark -p "$port" -c 1 -n 3000 -r 100 $(create) >/dev/null 2>&1
evict=$(per_op create-evict -r 100 $(create))
printf 'SET (283-byte value)      %7d instructions/op\n' "$set_ir"
printf 'create, no limit reached  %7d instructions/op  (%.1f x SET)\n' "$common" "$(awk -v a="$common" -v b="$set_ir" 'BEGIN {print a / b}')"
printf 'create that evicts        %7d instructions/op  (%.1f x SET)\n' "$evict" "$(awk -v a="$evict" -v b="$set_ir" 'BEGIN {print a / b}')"
