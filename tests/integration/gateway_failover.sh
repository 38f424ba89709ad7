#!/usr/bin/env bash
# Sentinel, done right, through apache2 + mod_keygate: three sentinels
# (quorum 2), a master and a replica, two gateways under load. The master
# is SIGKILLed (not a planned failover). Measured and asserted: the
# window of 503s, that nothing is ever let through without a session,
# that sessions written before the crash and replicated still work, that
# new sessions (the login's store part) work after it, and that a session
# killed after the failover is refused on both gateways within one second
# (the cache's notice connection followed the new master). A frozen
# "sentinel" listed first must not stall anything. The RPO is measured
# with a writer that records every acknowledged write.
# usage: gateway_failover.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'kill -CONT $(cat "$work/dead/redis.pid" 2>/dev/null) 2>/dev/null; stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"

mport=$(free_port) rport=$(free_port) dport=$(free_port)
s1=$(free_port) s2=$(free_port) s3=$(free_port)
web1=$(free_port) web2=$(free_port) back=$(free_port)
redis_start "$work/master" "$mport" --save '' --appendonly no
redis_start "$work/replica" "$rport" --save '' --replicaof 127.0.0.1 "$mport"
# a "sentinel" that accepts connections and never answers, listed first
redis_start "$work/dead" "$dport" --save ''
kill -STOP "$(cat "$work/dead/redis.pid")"
for p in $s1 $s2 $s3; do
	mkdir -p "$work/s$p"
	cat >"$work/s$p/sentinel.conf" <<CONF
bind 127.0.0.1
port $p
dir $work/s$p
daemonize yes
pidfile $work/s$p/sentinel.pid
logfile $work/s$p/sentinel.log
sentinel monitor kgmaster 127.0.0.1 $mport 2
sentinel down-after-milliseconds kgmaster 1000
sentinel failover-timeout kgmaster 10000
CONF
	redis-server "$work/s$p/sentinel.conf" --sentinel >/dev/null
	for _ in $(seq 100); do
		[ -s "$work/s$p/sentinel.pid" ] && break
		sleep 0.05
	done
	KG_PIDS="$KG_PIDS $(cat "$work/s$p/sentinel.pid")"
done
# the sentinels must know each other and the replica before a failover
ready=no
for _ in $(seq 200); do
	ok=1
	for p in $s1 $s2 $s3; do
		[ "$(redis-cli -p "$p" SENTINEL sentinels kgmaster 2>/dev/null | grep -c '^name$')" -ge 2 ] || ok=0
		redis-cli -p "$p" SENTINEL replicas kgmaster 2>/dev/null | grep -q "$rport" || ok=0
	done
	[ $ok = 1 ] && ready=yes && break
	sleep 0.1
done
check "three sentinels know each other and the replica" test $ready = yes

backend_start "$work" "$back"
head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedisSentinels 127.0.0.1:$dport 127.0.0.1:$s1 127.0.0.1:$s2 127.0.0.1:$s3
KeygateRedisSentinelMaster kgmaster
KeygateRedisTimeout 300 300
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
CONF
for g in 1 2; do
	mkdir -p "$work/g$g"
	eval "port=\$web$g"
	httpd_config "$work/g$g" "$port" "$build" "$(cat "$work/keygate.conf")" "<Location /app>
  AuthType keygate
  KeygateUnauthAction 401
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
	sed -i 's/^ServerLimit 2/ServerLimit 1/; s/^MaxRequestWorkers 32/MaxRequestWorkers 16/' "$work/g$g/httpd.conf"
	httpd_start "$work/g$g" "$build" || { echo "not ok - apache2 $g starts"; exit 1; }
done
g1="http://127.0.0.1:$web1" g2="http://127.0.0.1:$web2"
mcli() { redis-cli -p "$(redis-cli -p "$s1" SENTINEL get-master-addr-by-name kgmaster | sed -n 2p)" "$@"; }
mint() {
	mcli --scan --pattern 'keygate:s:*' | sort >"$work/before"
	"$build/tests/integration/mint_session" "$work/keygate.conf" "$1"
	mcli --scan --pattern 'keygate:s:*' | sort | comm -13 "$work/before" - >"$work/key"
}
get() { curl -s -o /dev/null -m 5 -w '%{http_code}' -b "keygate_session=$2" "$1/app/x"; }
now_ms() { date +%s%3N; }

t0=$(now_ms)
a=$(mint alice) b=$(mint bob)
check "the CLI makes sessions through the sentinels while the first listed hangs ($(($(now_ms) - t0)) ms for two)" \
	test -n "$a" -a -n "$b"
check "both gateways serve them" test "$(get "$g1" "$a")$(get "$g2" "$b")" = 200200
# the replica holds them before the crash ("written and replicated")
for _ in $(seq 100); do
	[ "$(redis-cli -p "$rport" DBSIZE)" = "$(redis-cli -p "$mport" DBSIZE)" ] && break
	sleep 0.05
done
check "the replica holds the sessions before the crash" \
	test "$(redis-cli -p "$rport" DBSIZE)" = "$(redis-cli -p "$mport" DBSIZE)"

# the writer: one SET per ms-ish on the master, acknowledged writes logged
python3 - "$mport" "$work/writes.txt" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
out = open(sys.argv[2], "w")
n = 0
try:
    while True:
        n += 1
        v = str(n).encode()
        s.sendall(b"*3\r\n$3\r\nSET\r\n$13\r\nkgtest:writes\r\n$%d\r\n%s\r\n" % (len(v), v))
        if s.recv(64)[:3] != b"+OK":
            break
        out.write("%d %d\n" % (n, time.time() * 1000))
        out.flush()
        time.sleep(0.002)
except OSError:
    pass
PY
KG_PIDS="$KG_PIDS $!"

bogus=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 43)
python3 "$KG_TOP/tests/integration/hammer.py" "$g1/app/x" 3 8 "$work/load1.txt" "$a" "$b" - "$bogus" &
h1=$!
python3 "$KG_TOP/tests/integration/hammer.py" "$g2/app/x" 3 8 "$work/load2.txt" "$a" "$b" - "$bogus" &
h2=$!
for _ in $(seq 200); do
	[ -e "$work/load1.txt.started" ] && [ -e "$work/load2.txt.started" ] && break
	sleep 0.05
done
sleep 1.5
t_kill=$(now_ms)
kill -9 "$(cat "$work/master/redis.pid")"
wait "$h1" "$h2"

# window FILE: first and last non-200 of the session requests after the
# kill, in ms after it, and the count of 200s without a valid session
window() {
	awk -v t="$t_kill" '
		($4==0 || $4==1) && $1>=t && $3!=200 { if (f=="") f=$1-t; l=$2-t; n++ }
		($4==2 || $4==3) && $3==200 { leak++ }
		($4==0 || $4==1) && $1>=t && $3==200 { ok++ }
		END { printf "%s %s %d %d %d\n", (f==""?-1:f), (l==""?-1:l), n+0, leak+0, ok+0 }' "$1"
}
read -r f1 l1 n1 leak1 ok1 <<<"$(window "$work/load1.txt")"
read -r f2 l2 n2 leak2 ok2 <<<"$(window "$work/load2.txt")"
echo "# gateway 1: 503s from ${f1} to ${l1} ms after SIGKILL (${n1} refused, ${ok1} served after the kill)"
echo "# gateway 2: 503s from ${f2} to ${l2} ms after SIGKILL (${n2} refused, ${ok2} served after the kill)"
codes=$(awk '($4==0||$4==1) && $3!=200 {print $3}' "$work/load1.txt" "$work/load2.txt" | sort -u | tr '\n' ' ')
check "nothing without a session was ever let through (200s: $leak1 and $leak2)" test "$leak1" = 0 -a "$leak2" = 0
check "unauthenticated requests were 401 or 503 throughout" \
	test -z "$(awk '($4==2||$4==3) && $3!=401 && $3!=503' "$work/load1.txt" "$work/load2.txt")"
check "sessions were refused only with 503 during the failover (codes: ${codes:-none})" \
	test "${codes:-503 }" = "503 "
check "the sessions written before the crash work again on both gateways" \
	test "$(get "$g1" "$a")$(get "$g2" "$a")$(get "$g1" "$b")$(get "$g2" "$b")" = 200200200200
check "and were served again before the load ended ($ok1 and $ok2 after the kill)" test "$ok1" -gt 0 -a "$ok2" -gt 0
worst=$((l1 > l2 ? l1 : l2))
echo "# the 503 window: ${worst} ms after SIGKILL (down-after-milliseconds 1000)"
check "the 503 window closes within 6 s of the crash (${worst} ms)" test "$worst" -lt 6000
new=$(redis-cli -p "$s1" SENTINEL get-master-addr-by-name kgmaster | sed -n 2p)
check "the sentinels promoted the replica" test "$new" = "$rport"
heard() {
	grep -q "KG-0343 sentinel announced a failover master=kgmaster from=127.0.0.1:$mport to=127.0.0.1:$rport" "$1"
}
heard_both() { heard "$work/g1/error.log" && heard "$work/g2/error.log"; }
check "both gateways heard the +switch-master" heard_both
check "the hanging sentinel was logged" grep -q "KG-0342 sentinel does not answer addr=127.0.0.1:$dport" "$work/g1/error.log"

# RPO: acknowledged writes the new master does not have
last=$(redis-cli -p "$rport" GET kgtest:writes)
read -r acked acked_ms <<<"$(tail -1 "$work/writes.txt")"
kept_ms=$(awk -v n="$last" '$1==n {print $2}' "$work/writes.txt")
echo "# RPO: $((acked - last)) acknowledged writes lost, the last $((acked_ms - kept_ms)) ms before the crash (asynchronous replication)"
check "the RPO is measured (writes acked: $acked, kept: $last)" test -n "$last" -a -n "$kept_ms"

c=$(mint carol)
check "a login after the failover makes a session (mint on the new master)" test -n "$c"
check "which both gateways serve" test "$(get "$g1" "$c")$(get "$g2" "$c")" = 200200
for _ in 1 2 3; do get "$g1" "$c" >/dev/null; get "$g2" "$c" >/dev/null; done
# DEL on the new master, then both gateways polled on keep-alive
# connections; times are from the DEL's reply
read -r gone1 gone2 <<<"$(python3 - "$rport" "$(cat "$work/key")" "$web1" "$web2" "$c" <<'PY'
import http.client, socket, sys, time
rport, key, w1, w2, cookie = sys.argv[1], sys.argv[2].encode(), sys.argv[3], sys.argv[4], sys.argv[5]
conns = [http.client.HTTPConnection("127.0.0.1", int(w), timeout=5) for w in (w1, w2)]
def code(c):
    c.request("GET", "/app/x", headers={"Cookie": "keygate_session=" + cookie})
    r = c.getresponse(); r.read(); return r.status
for c in conns:
    code(c)
s = socket.create_connection(("127.0.0.1", int(rport)))
s.sendall(b"*2\r\n$3\r\nDEL\r\n$%d\r\n%s\r\n" % (len(key), key))
s.recv(64)
t = time.time()
gone = [None, None]
while time.time() - t < 3 and None in gone:
    for i, c in enumerate(conns):
        if gone[i] is None and code(c) == 401:
            gone[i] = int((time.time() - t) * 1000)
    time.sleep(0.005)
print(*(g if g is not None else 99999 for g in gone))
PY
)"
echo "# a session killed after the failover: refused after ${gone1} ms (gateway 1), ${gone2} ms (gateway 2)"
check "a session killed after the failover is refused on both gateways within 1 s" \
	test "${gone1:-99999}" -lt 1000 -a "${gone2:-99999}" -lt 1000
check "gateway 1 ran without a crash or sanitizer report" no_crash "$work/g1"
check "gateway 2 ran without a crash or sanitizer report" no_crash "$work/g2"
