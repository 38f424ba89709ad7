#!/usr/bin/env bash
# keygate integration: the session store against a real redis-server:
# limits under concurrency (2 processes x 50 logins, 20 rounds each),
# LRU eviction, bad input, an outage with a restart, and the admin CLI.
# usage: sessions.sh BUILD_DIR
set -u
build=$(cd "${1:-build/asan}" && pwd)
cd "$(dirname "$0")/../.."
. tests/integration/redis.bash
driver="$build/tests/integration/sessions_driver"
command -v redis-server >/dev/null || skip_all "redis-server not installed"
[ -x "$driver" ] || skip_all "sessions_driver not built"

tmp=$(mktemp -d)
trap 'stop_all; rm -rf "$tmp"' EXIT
port=$(free_port)
# persistence on: the outage case restarts Redis from its append-only file
redis_start "$tmp/redis" "$port" --appendonly yes --appendfsync always \
	--save ''

for mode in deny terminate; do
	for scope in user realm; do
		"$driver" race "$port" "$mode" "$scope" 20
	done
done
"$driver" lru "$port"

# misc: the driver names a session to tamper with; flip a byte in Redis
coproc MISC { "$driver" misc "$port"; }
misc_pid=$MISC_PID
while read -r line <&"${MISC[0]}"; do
	case "$line" in
	"# tamper "*)
		id=${line#\# tamper }
		redis-cli -p "$port" SETRANGE "misc:s:$id" 20 X >/dev/null
		echo go >&"${MISC[1]}"
		;;
	*) echo "$line" ;;
	esac
done
wait "$misc_pid" 2>/dev/null

# outage: kill Redis hard, let the driver probe, restart it on the same
# port from the same folder, let the driver check
coproc OUTAGE { "$driver" outage "$port"; }
outage_pid=$OUTAGE_PID
while read -r line <&"${OUTAGE[0]}"; do
	case "$line" in
	"# READY")
		sleep 0.2
		kill -9 "$(cat "$tmp/redis/redis.pid")"
		sleep 0.3
		echo DOWN >&"${OUTAGE[1]}"
		;;
	"# PROBED")
		redis_start "$tmp/redis" "$port" --appendonly yes \
			--appendfsync always --save ''
		echo UP >&"${OUTAGE[1]}"
		;;
	*) echo "$line" ;;
	esac
done
wait "$outage_pid" 2>/dev/null

# the admin CLI, end to end, on the gateway's directive file
keygate="$build/keygate"
if [ ! -x "$keygate" ]; then
	echo "ok - keygate sessions CLI # SKIP keygate CLI not built"
	exit 0
fi
printf '%s\n' 'integration-secret-of-at-least-32-bytes' >"$tmp/secret"
cat >"$tmp/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$port
KeygateRedisPrefix cli:
KeygateSessionSecret file:$tmp/secret
CONF
"$driver" seed "$port" cli: alice 2 >"$tmp/alice.cookies"
"$driver" seed "$port" cli: bob 1 >"$tmp/bob.cookies"
kg() { "$keygate" sessions "$@" --config "$tmp/keygate.conf"; }
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then echo "ok - $1"; else
		echo "not ok - $1 (expected '$2', got '$3')"; fi
}
check "sessions count counts every live session" 3 "$(kg count)"
check "sessions count --user counts one user's" 2 "$(kg count --user alice)"
list=$(kg list)
check "sessions list prints a header and one line per session" 4 \
	"$(echo "$list" | wc -l)"
leaked=0
while read -r c; do
	echo "$list" | grep -qF "$c" && leaked=1
done <"$tmp/alice.cookies"
check "sessions list never prints a cookie" 0 "$leaked"
check "sessions list shows user and idp" 2 \
	"$(echo "$list" | grep -c 'alice .*corp-saml')"
bob_id=$(kg list --user bob | awk 'NR==2 {print $1}')
check "sessions kill --id ends one session" "killed 1 session" \
	"$(kg kill --id "$bob_id")"
check "the killed session is gone" 0 "$(kg count --user bob)"
kg kill --id zzzz >/dev/null 2>&1
rc=$?
check "sessions kill --id with no match exits 1" 1 "$rc"
check "sessions kill --user ends a user's sessions" "killed 2 sessions" \
	"$(kg kill --user alice)"
"$driver" seed "$port" cli: carol 2 >/dev/null
check "sessions kill --all ends every session" "killed 2 sessions" \
	"$(kg kill --all)"
check "nothing is left" 0 "$(kg count)"
"$keygate" sessions kill --config "$tmp/keygate.conf" >/dev/null 2>&1
rc=$?
check "sessions kill without a target is a usage error" 2 "$rc"
redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
sleep 0.2
kg count >/dev/null 2>"$tmp/err"
rc=$?
check "sessions count with Redis down exits 1" 1 "$rc"
