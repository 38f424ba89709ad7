#!/usr/bin/env bash
# Sentinel, done right, through apache2 + mod_keygate: three sentinels
# (quorum 2), a master and a replica, two gateways behind one public URL
# under load, and real logins at the OpenID provider (oidc-provider, the
# browser's redirects and forms followed with curl). Before the crash one
# person signs in through each gateway; the first-listed sentinel is then
# SIGKILLed (the gateways must not stall), and the master is SIGKILLed (not
# a planned failover). Measured and asserted: the window of 503s, that
# nothing is ever let through without a session, that the sessions of the
# logins before the crash (replicated) still work on both gateways, that a
# fresh login on each gateway after it works on the other, and that a
# session killed after the failover with `keygate sessions kill --config`
# (which follows the sentinels too) is refused on both gateways within one
# second (the cache's notice connection followed the new master). A frozen
# "sentinel" listed second must not stall anything either. The RPO is
# measured with a writer that records every acknowledged write.
# usage: gateway_failover.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'kill -CONT $(cat "$work/frozen/redis.pid" 2>/dev/null) 2>/dev/null; stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
command -v node >/dev/null || skip_all "node is not installed"
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip_all "npm packages not installed (make deps)"
now_ms() { date +%s%3N; }
t_suite=$(now_ms)

read -r mport rport fport s1 s2 s3 web1 web2 back op_port <<<"$(free_ports 10)"
# the public URL is gateway 1's address; a browser a load balancer sends
# to gateway 2 is curl with --connect-to (KG_VIA), its URLs unchanged
base="http://127.0.0.1:$web1" issuer="http://127.0.0.1:$op_port"
via2="127.0.0.1:$web1:127.0.0.1:$web2"
curl() { command curl ${KG_VIA:+--connect-to "$KG_VIA"} "$@"; }

redis_start "$work/master" "$mport" --save '' --appendonly no
redis_start "$work/replica" "$rport" --save '' --replicaof 127.0.0.1 "$mport"
# a "sentinel" that accepts connections and never answers
redis_start "$work/frozen" "$fport" --save ''
kill -STOP "$(cat "$work/frozen/redis.pid")"
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
backend_start "$work" "$back"
op_start "$work" "$op_port" keygate keygate-test-secret "$base/keygate/oidc/callback" ||
	{ echo "not ok - the provider starts"; exit 1; }
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
check "three sentinels know each other and the replica ($(($(now_ms) - t_suite)) ms from the start)" test $ready = yes

head -c 48 /dev/urandom | base64 >"$work/secret"
echo keygate-test-secret >"$work/client-secret"
# what the gateways and the CLI share: the sentinels (the first is killed
# before the crash, the second never answers), the cookie secret
cat >"$work/keygate.conf" <<CONF
KeygateRedisSentinels 127.0.0.1:$s1 127.0.0.1:$fport 127.0.0.1:$s2 127.0.0.1:$s3
KeygateRedisSentinelMaster kgmaster
KeygateRedisTimeout 300 300
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
CONF
echo '{"identityProviders": [{"alias": "corp", "providerId": "oidc", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": []}' \
	>"$work/mappers.json"
for g in 1 2; do
	mkdir -p "$work/g$g"
	eval "port=\$web$g"
	httpd_config "$work/g$g" "$port" "$build" "$(cat "$work/keygate.conf")
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateOIDCProvider corp $issuer
KeygateOIDCClientID keygate
KeygateOIDCScope openid profile email
KeygateOIDCClientSecret file:$work/client-secret" "<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
	sed -i 's/^ServerLimit 2/ServerLimit 1/; s/^MaxRequestWorkers 32/MaxRequestWorkers 16/' "$work/g$g/httpd.conf"
	httpd_start "$work/g$g" "$build" || { echo "not ok - apache2 $g starts"; exit 1; }
done

# login GATEWAY USER: USER signs in at the provider in a fresh browser
# sent to gateway GATEWAY (1 or 2); prints the session cookie it got.
login() {
	local jar="$work/jar-$2" via=""
	[ "$1" = 2 ] && via=$via2
	KG_VIA=$via browser_login "$jar" "$base/app/x" "$base" "$2" >/dev/null
	awk '$6 == "keygate_session" && $7 != "" { v = $7 } END { print v }' "$jar"
}
# callbacks GATEWAY: how many login callbacks that gateway answered
callbacks() { grep -c 'GET /keygate/oidc/callback' "$work/g$1/access.log"; }
# get GATEWAY COOKIE: the status of /app/x there with that session
get() {
	eval "local port=\$web$1"
	command curl -s -o /dev/null -m 5 -w '%{http_code}' -b "keygate_session=$2" \
		"http://127.0.0.1:$port/app/x"
}
# everywhere COOKIE: its status on gateway 1 and on gateway 2, as "S1S2"
everywhere() { echo "$(get 1 "$1")$(get 2 "$1")"; }
# repl_offset PORT: the replication offset that server has reached
repl_offset() { redis-cli -p "$1" INFO replication | sed -n 's/^master_repl_offset:\([0-9]*\).*/\1/p'; }

t0=$(now_ms)
a=$(login 1 alice)
b=$(login 2 bob)
check "logins before the crash: alice through gateway 1, bob through gateway 2 ($(($(now_ms) - t0)) ms for two)" \
	test -n "$a" -a -n "$b" -a "$(callbacks 1)" = 1 -a "$(callbacks 2)" = 1
check "each session works on both gateways" test "$(everywhere "$a")$(everywhere "$b")" = 200200200200
# "written and replicated": the replica has reached the master's offset
# of after the logins (the sentinels' hellos keep moving it on)
written=$(repl_offset "$mport")
for _ in $(seq 100); do
	[ "$(repl_offset "$rport")" -ge "$written" ] && break
	sleep 0.05
done
check "the replica holds every write of those logins before the crash (offset $(repl_offset "$rport") >= $written)" \
	test "$(repl_offset "$rport")" -ge "$written"

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
for g in 1 2; do
	eval "port=\$web$g"
	python3 "$KG_TOP/tests/integration/hammer.py" "http://127.0.0.1:$port/app/x" 3 8 \
		"$work/load$g.txt" "$a" "$b" - "$bogus" &
	eval "h$g=\$!"
done
for _ in $(seq 200); do
	[ -e "$work/load1.txt.started" ] && [ -e "$work/load2.txt.started" ] && break
	sleep 0.05
done
sleep 0.5 # load before the first sentinel dies
t_s1=$(now_ms)
kill -9 "$(cat "$work/s$s1/sentinel.pid")"
sleep 1 # load with the first sentinel dead, before the master dies
t_kill=$(now_ms)
kill -9 "$(cat "$work/master/redis.pid")"
wait "$h1" "$h2"

# stall FILE: the session requests sent between the first sentinel's
# death and the master's: how many, how many not 200, the slowest (ms)
stall() {
	awk -v a="$t_s1" -v b="$t_kill" '
		($4==0 || $4==1) && $1>=a && $1<b { n++; if ($3!=200) bad++; if ($2-$1>m) m=$2-$1 }
		END { printf "%d %d %d\n", n+0, bad+0, m+0 }' "$1"
}
read -r sn1 sbad1 smax1 <<<"$(stall "$work/load1.txt")"
read -r sn2 sbad2 smax2 <<<"$(stall "$work/load2.txt")"
echo "# first sentinel dead, master alive: $sn1 and $sn2 session requests, slowest ${smax1} and ${smax2} ms"
check "a dead first sentinel changes nothing while the master lives ($sbad1 and $sbad2 of $sn1 and $sn2 not 200)" \
	test "$sn1" -gt 0 -a "$sn2" -gt 0 -a "$sbad1" = 0 -a "$sbad2" = 0
# the slowest answer of the whole load: a stall would be a connect or
# command timeout (300 ms) paid again and again
slowest=$(awk '$2-$1>m {m=$2-$1} END {print m+0}' "$work/load1.txt" "$work/load2.txt")
echo "# the slowest answer under load, failover included: ${slowest} ms (KeygateRedisTimeout 300 300)"
check "no request waited on the dead or the frozen sentinel for long (slowest ${slowest} ms < 1000)" \
	test "$slowest" -lt 1000

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
check "the sessions of the logins before the crash work again on both gateways" \
	test "$(everywhere "$a")$(everywhere "$b")" = 200200200200
check "and were served again before the load ended ($ok1 and $ok2 after the kill)" test "$ok1" -gt 0 -a "$ok2" -gt 0
worst=$((l1 > l2 ? l1 : l2))
echo "# the 503 window: ${worst} ms after SIGKILL (down-after-milliseconds 1000; first sentinel dead)"
check "the 503 window closes within 6 s of the crash, the first sentinel dead (${worst} ms)" \
	test "$worst" -ge 0 -a "$worst" -lt 6000
new=$(redis-cli -p "$s2" SENTINEL get-master-addr-by-name kgmaster | sed -n 2p)
check "the two live sentinels promoted the replica" test "$new" = "$rport"
heard() {
	grep -q "KG-0343 sentinel announced a failover master=kgmaster from=127.0.0.1:$mport to=127.0.0.1:$rport" "$1"
}
heard_both() { heard "$work/g1/error.log" && heard "$work/g2/error.log"; }
check "both gateways heard the +switch-master" heard_both
for g in 1 2; do
	check "gateway $g logged the dead first sentinel and the frozen one" bash -c \
		"grep -q 'KG-0342 sentinel does not answer addr=127.0.0.1:$s1 ' '$work/g$g/error.log' &&
		 grep -q 'KG-0342 sentinel does not answer addr=127.0.0.1:$fport ' '$work/g$g/error.log'"
done

# RPO: acknowledged writes the new master does not have
last=$(redis-cli -p "$rport" GET kgtest:writes)
read -r acked acked_ms <<<"$(tail -1 "$work/writes.txt")"
kept_ms=$(awk -v n="$last" '$1==n {print $2}' "$work/writes.txt")
echo "# RPO: $((acked - last)) acknowledged writes lost, the last $((acked_ms - kept_ms)) ms before the crash (asynchronous replication)"
check "the RPO is measured (writes acked: $acked, kept: $last)" test -n "$last" -a -n "$kept_ms"

# --- logins after the failover ---------------------------------------------
c=$(login 1 carol)
d=$(login 2 dave)
check "fresh logins after the failover: carol through gateway 1, dave through gateway 2" \
	test -n "$c" -a -n "$d" -a "$(callbacks 1)" = 2 -a "$(callbacks 2)" = 2
check "each works on the other gateway too" test "$(everywhere "$c")$(everywhere "$d")" = 200200200200
for _ in 1 2 3; do everywhere "$c" >/dev/null; done
# `keygate sessions kill` (through the sentinels, the first dead, the
# second frozen) ends carol's session, while both gateways are polled on
# keep-alive connections; times are from the CLI's exit
read -r kill_rc cli_ms gone1 gone2 <<<"$(python3 - "$build/keygate" "$work/keygate.conf" "$web1" "$web2" "$c" <<'PY'
import http.client, subprocess, sys, time
kg, conf, w1, w2, cookie = sys.argv[1:6]
conns = [http.client.HTTPConnection("127.0.0.1", int(w), timeout=5) for w in (w1, w2)]
def code(c):
    c.request("GET", "/app/x", headers={"Cookie": "keygate_session=" + cookie})
    r = c.getresponse(); r.read(); return r.status
warm = [code(c) for c in conns]
t0 = time.time()
p = subprocess.run([kg, "sessions", "kill", "--config", conf, "--user", "carol"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t = time.time()
gone = [None, None]
while time.time() - t < 3 and None in gone:
    for i, c in enumerate(conns):
        if gone[i] is None and code(c) == 401:
            gone[i] = int((time.time() - t) * 1000)
    time.sleep(0.005)
print(p.returncode if warm == [200, 200] else "warm:%s" % warm, int((t - t0) * 1000),
      *(g if g is not None else 99999 for g in gone))
PY
)"
echo "# keygate sessions kill through the sentinels took ${cli_ms} ms; carol's session refused after ${gone1} ms (gateway 1), ${gone2} ms (gateway 2)"
check "keygate sessions kill --config follows the sentinels to the new master (rc $kill_rc)" test "$kill_rc" = 0
check "a session killed after the failover is refused on both gateways within 1 s" \
	test "${gone1:-99999}" -lt 1000 -a "${gone2:-99999}" -lt 1000
check "dave's session is untouched by it" test "$(everywhere "$d")" = 200200
check "gateway 1 ran without a crash or sanitizer report" no_crash "$work/g1"
check "gateway 2 ran without a crash or sanitizer report" no_crash "$work/g2"
echo "# suite wall time: $(($(now_ms) - t_suite)) ms"
