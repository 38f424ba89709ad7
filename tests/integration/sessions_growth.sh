#!/usr/bin/env bash
# keygate integration: the login path at scale. With 1,000 and 100,000
# live sessions in Redis (3 per user, the realm limit on), what cannot
# drift with load is asserted, and times are printed only (timing belongs
# in tests/bench):
# - Redis commands per lookup, per create (no eviction), per create that
#   evicts, and per `keygate sessions list --limit 100` are the same at
#   both sizes (INFO commandstats, script-inner commands included);
# - used_memory per session (record, TTL, both index entries) <= 1024 B;
# - `keygate sessions list` prints at most --limit sessions.
# The sessions are loaded with the bench driver's `load` through
# `redis-cli --pipe`, not one process per session.
# tests/bench/growth.sh runs it on the release build with 1,000,000 too
# (KG_GROWTH_SIZES).
# usage: sessions_growth.sh BUILD_DIR
set -u
build=$(cd "${1:-build/asan}" && pwd)
cd "$(dirname "$0")/../.."
. tests/integration/redis.bash
driver="$build/tests/bench/bench_sessions"
keygate="$build/keygate"
# the release driver loads faster when there is one (same record format)
loader="${KEYGATE_RELEASE:-$build}/tests/bench/bench_sessions"
[ -x "$loader" ] || loader=$driver
sizes=${KG_GROWTH_SIZES:-1000 100000}
command -v redis-server >/dev/null || skip_all "redis-server not installed"
[ -x "$driver" ] || skip_all "bench_sessions not built"
[ -x "$keygate" ] || skip_all "keygate CLI not built"

tmp=$(mktemp -d)
trap 'stop_all; rm -rf "$tmp"' EXIT
port=$(free_port)
redis_start "$tmp/redis" "$port" --save '' --appendonly no
R() { redis-cli -p "$port" "$@"; }
# the driver's prefix and secret
printf '%s\n' 'benchmark-secret-of-at-least-32-bytes!!' >"$tmp/secret"
cat >"$tmp/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$port
KeygateRedisPrefix bench:
KeygateSessionSecret file:$tmp/secret
CONF

failures=0
tap() { # tap OK NAME
	if [ "$1" = 1 ]; then echo "ok - $2"; else
		echo "not ok - $2"
		failures=$((failures + 1))
	fi
}
used_memory() { R info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p'; }
# commands: the commands Redis ran since the last CONFIG RESETSTAT, but
# the one-time ones (INFO at connect, EVAL of a script Redis did not
# know yet, the reset itself)
commands() {
	R info commandstats | tr -d '\r' | awk -F'[:=,]' '
		/^cmdstat_/ && $1 !~ /^cmdstat_(info|eval|config)/ { n += $3 }
		END { print n + 0 }'
}
# per_op NAME OPS CMD...: runs CMD after a stats reset; prints
# "COMMANDS_PER_OP" and leaves CMD's output in $tmp/out
per_op() {
	local ops=$2
	shift 2
	R config resetstat >/dev/null
	"$@" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err" >&2; echo -1; return; }
	awk -v c="$(commands)" -v n="$ops" 'BEGIN { printf "%.3f\n", c / n }'
}

declare -A cmds us
for n in $sizes; do
	R flushall >/dev/null
	before=$(used_memory)
	t0=$(date +%s.%N)
	"$loader" "$port" load "$n" 0 | R --pipe >"$tmp/pipe" 2>&1
	t1=$(date +%s.%N)
	after=$(used_memory)
	live=$(R zcount bench:realm:exp "($(date +%s%3N)" +inf)
	tap "$([ "$live" = "$n" ] && echo 1)" "n=$n: $n live sessions loaded in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s (got $live)"
	per=$(((after - before) / n))
	tap "$([ "$per" -le 1024 ] && echo 1)" "n=$n: used_memory per session $per B <= 1024 B"
	read -r cookie _ < <("$driver" "$port" seed 0 0)
	for kind in lookup create create-evict; do
		ops=500
		[ "$kind" = create-evict ] && ops=300
		cmds[$kind,$n]=$(per_op "$kind" "$ops" "$driver" "$port" ops "$kind" "$ops" "$cookie")
		us[$kind,$n]=$(awk '{print $2}' "$tmp/out")
	done
	cmds[list,$n]=$(per_op list 1 "$keygate" sessions list --config "$tmp/keygate.conf" --limit 100)
	lines=$(wc -l <"$tmp/out")
	tap "$([ "$lines" = 101 ] && echo 1)" "n=$n: sessions list --limit 100 prints a header and 100 sessions (got $((lines - 1)))"
	t0=$(date +%s.%N)
	"$keygate" sessions list --config "$tmp/keygate.conf" --limit 100 --json >/dev/null 2>&1
	t1=$(date +%s.%N)
	us[list,$n]=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", (b - a) * 1e6}')
	echo "# n=$n: Redis commands/op lookup=${cmds[lookup,$n]} create=${cmds[create,$n]} create-evict=${cmds[create-evict,$n]} (its 300 warm-up creates counted too) list=${cmds[list,$n]}; us/op (this build, printed only) lookup=${us[lookup,$n]} create=${us[create,$n]} create-evict=${us[create-evict,$n]} list=${us[list,$n]}; used_memory/session=$per B"
done

# the same work at every size: equal command counts (a create prunes the
# realm index on 1 in 16 ids at random, hence the small tolerance)
set -- $sizes
first=$1
for n in "$@"; do
	[ "$n" = "$first" ] && continue
	for kind in lookup create create-evict list; do
		a=${cmds[$kind,$first]} b=${cmds[$kind,$n]}
		tap "$(awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; print (a > 0 && d <= 0.1) ? 1 : 0 }')" \
			"$kind: Redis commands per operation the same at $first and $n sessions ($a vs $b)"
	done
done
[ "$failures" -eq 0 ]
