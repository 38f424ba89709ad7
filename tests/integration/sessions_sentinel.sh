#!/usr/bin/env bash
# keygate integration: the session store behind Redis Sentinel: one
# master, one replica and one sentinel on loopback; a forced failover,
# and the store follows the new master.
# usage: sessions_sentinel.sh BUILD_DIR
set -u
build=$(cd "${1:-build/asan}" && pwd)
cd "$(dirname "$0")/../.."
. tests/integration/redis.bash
driver="$build/tests/integration/sessions_driver"
command -v redis-sentinel >/dev/null || command -v redis-server >/dev/null ||
	skip_all "redis-server not installed"
[ -x "$driver" ] || skip_all "sessions_driver not built"

tmp=$(mktemp -d)
[ -n "${KG_KEEP:-}" ] && echo "# tmp $tmp"
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$tmp"' EXIT
mport=$(free_port)
rport=$(free_port)
sport=$(free_port)
redis_start "$tmp/master" "$mport" --save ''
redis_start "$tmp/replica" "$rport" --save '' --replicaof 127.0.0.1 "$mport"
mkdir -p "$tmp/sentinel"
cat >"$tmp/sentinel/sentinel.conf" <<CONF
bind 127.0.0.1
port $sport
dir $tmp/sentinel
daemonize yes
pidfile $tmp/sentinel/sentinel.pid
logfile $tmp/sentinel/sentinel.log
sentinel monitor kgmaster 127.0.0.1 $mport 1
sentinel down-after-milliseconds kgmaster 1000
sentinel failover-timeout kgmaster 5000
CONF
redis-server "$tmp/sentinel/sentinel.conf" --sentinel >/dev/null
for _ in $(seq 100); do
	[ -f "$tmp/sentinel/sentinel.pid" ] && break
	sleep 0.05
done
KG_PIDS="$KG_PIDS $(cat "$tmp/sentinel/sentinel.pid")"

# wait until the sentinel knows the replica (failover needs one)
for _ in $(seq 100); do
	n=$(redis-cli -p "$sport" SENTINEL replicas kgmaster 2>/dev/null |
		grep -c "$rport")
	[ "$n" -gt 0 ] && break
	sleep 0.1
done

master_port() {
	redis-cli -p "$sport" SENTINEL get-master-addr-by-name kgmaster |
		sed -n 2p
}
coproc DRV { "$driver" sentinel "$sport" kgmaster; }
drv_pid=$DRV_PID
newkey=
while read -r line <&"${DRV[0]}"; do
	case "$line" in
	"# FAILOVER")
		# replication is asynchronous: let the replica catch up first,
		# so the test measures the store, not Redis's replication lag
		for _ in $(seq 100); do
			[ "$(redis-cli -p "$rport" DBSIZE)" = \
				"$(redis-cli -p "$mport" DBSIZE)" ] && break
			sleep 0.05
		done
		# NOGOODSLAVE until the sentinel has fresh INFO from the
		# replica: ask again until it starts
		for _ in $(seq 100); do
			redis-cli -p "$sport" SENTINEL failover kgmaster |
				grep -q OK && break
			sleep 0.1
		done
		for _ in $(seq 150); do
			[ "$(master_port)" = "$rport" ] &&
				redis-cli -p "$rport" ROLE | head -1 |
				grep -q master && break
			sleep 0.1
		done
		if [ "$(master_port)" = "$rport" ]; then
			echo "ok - the sentinel promoted the replica"
		else
			echo "not ok - the sentinel promoted the replica"
		fi
		echo DONE >&"${DRV[1]}"
		;;
	"# NEWKEY "*) newkey=${line#\# NEWKEY } ;;
	*) echo "$line" ;;
	esac
done
wait "$drv_pid" 2>/dev/null
if [ -n "$newkey" ] &&
	[ "$(redis-cli -p "$rport" EXISTS "$newkey")" = 1 ]; then
	echo "ok - the write after the failover went to the new master"
else
	echo "not ok - the write after the failover went to the new master"
fi
