#!/usr/bin/env bash
# Redis stopped under load: with a live session (minted into the store,
# tests/integration/mint_session), four clients keep requesting a
# protected location while redis-server is killed (SIGKILL), stays down
# for a few seconds, and comes back from its append-only file. The gateway
# must fail closed: every answer while Redis is down is 503 (never 200,
# never a 302 to login or a 401 as if the session were gone, never 500),
# nothing reaches the backend, and the same session works again soon
# after Redis returns. The load is bounded (about 10 s) and on loopback.
# KG_KEEP=DIR keeps a copy of the work folder (load.log, error.log).
# usage: gateway_outage.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d -t keygate-outage.XXXXXX)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] && cp -r "$work" "$KG_KEEP"; rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"

# phases of the load, in seconds from its start
before=2.5 outage=3 after=4.5
redis_port=$(free_port) web=$(free_port) back=$(free_port)
base="http://127.0.0.1:$web"
redis_args=(--appendonly yes --appendfsync always)
redis_start "$work/redis" "$redis_port" "${redis_args[@]}"
backend_start "$work" "$back"
head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateRedisTimeout 500
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
CONF
httpd_config "$work" "$web" "$build" "$(cat "$work/keygate.conf")" "<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
httpd_start "$work" "$build" || { echo "not ok - apache2 starts"; exit 1; }

sess=$("$build/tests/integration/mint_session" "$work/keygate.conf" alice SysAdmin)
check "a session can be minted" test -n "$sess"
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: keygate_session=$sess" "$base/app/warm")
check "the session reaches the backend before the outage (got $st)" test "$st" = 200

# The load: 4 clients on keep-alive connections, two as a browser (a lost
# session would show as 302) and two as an API client (it would show as
# 401), each request logged as "start end status" (status 0: no answer).
cat >"$work/load.py" <<'PY'
import http.client, sys, threading, time
port, cookie, seconds, out = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
end = time.time() + seconds
rows = []
def client(n, accept):
    conn = None
    while time.time() < end:
        t0 = time.time()
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"/app/load/{n}", headers={
                "Cookie": f"keygate_session={cookie}", "Accept": accept})
            r = conn.getresponse()
            r.read()
            status = r.status
            if r.getheader("Connection", "").lower() == "close":
                conn.close(); conn = None
        except Exception:
            status = 0
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
        rows.append((t0, time.time(), status, accept))
        if len(rows) == 1:
            open(out + ".started", "a").close()
threads = [threading.Thread(target=client, args=(i, a)) for i, a in
           enumerate(["text/html", "application/json"] * 2)]
for t in threads: t.start()
for t in threads: t.join()
with open(out, "w") as f:
    for r in sorted(rows):
        f.write("%.6f %.6f %d %s\n" % r)
PY
now() { date +%s.%N; }
total=$(awk "BEGIN{print $before + $outage + $after}")
python3 "$work/load.py" "$web" "$sess" "$total" "$work/load.log" &
load_pid=$!
KG_PIDS="$KG_PIDS $load_pid"
# the phases count from the first answer (python starts slowly on a
# loaded machine)
for _ in $(seq 200); do
	[ -e "$work/load.log.started" ] && break
	sleep 0.05
done
sleep "$before"

# kill redis-server and wait until its port refuses (kill -0 would not
# do: a daemon's zombie lingers until init reaps it)
t_sent=$(now)
kill -9 "$(cat "$work/redis/redis.pid")"
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null || break
	sleep 0.02
done
t_kill=$(now)
sleep 0.5 # requests that were already past the gateway finish
n_down0=$(backend_count "$work")
sleep "$(awk "BEGIN{print $outage - 0.5}")"
n_down1=$(backend_count "$work")
t_restart=$(now)
redis_start "$work/redis" "$redis_port" "${redis_args[@]}"
t_back=$(now)
wait "$load_pid"
n_end=$(backend_count "$work")

# tally STATUSES-FILTER: python over the load log; prints its result
tally() {
	python3 - "$work/load.log" "$t_kill" "$t_restart" "$t_back" "$t_sent" "$1" <<'PY'
import sys, collections
log, t_kill, t_restart, t_back, t_sent, what = sys.argv[1], *map(float, sys.argv[2:6]), sys.argv[6]
rows = [l.split() for l in open(log)]
rows = [(float(a), float(b), int(s), acc) for a, b, s, acc in rows]
def counts(rs):
    c = collections.Counter(s for _, _, s, _ in rs)
    return " ".join(f"{k}:{v}" for k, v in sorted(c.items())) or "none"
before = [r for r in rows if r[1] < t_sent]
down = [r for r in rows if r[0] > t_kill and r[1] < t_restart]
after = [r for r in rows if r[0] > t_back]
if what == "before":
    print(counts(before))
elif what == "down":
    print(counts(down))
elif what == "end":
    print("%.2f" % (max(r[1] for r in rows) - t_back))
elif what == "all":
    print(counts(rows))
elif what == "recovery":
    ok = [r for r in after if r[2] == 200]
    print("%.2f" % (ok[0][1] - t_back) if ok else "never")
elif what == "tail":
    ok = [r for r in after if r[2] == 200]
    # every answer after the first 200 since Redis came back
    print(counts([r for r in after if ok and r[0] > ok[0][1]]))
PY
}
only() { # only COUNTS STATUS MIN: COUNTS is "STATUS:N" alone, N >= MIN
	local s=${1%%:*} n=${1##*:}
	[ "$1" = "$s:$n" ] && [ "${1#* }" = "$1" ] && [ "$s" = "$2" ] && [ "$n" -ge "$3" ]
}
c_before=$(tally before) c_down=$(tally down) c_all=$(tally all)
c_tail=$(tally tail) rec=$(tally recovery) load_end=$(tally end)
echo "# load: all ${c_all}; before ${c_before}; Redis down ${c_down}; after recovery ${c_tail}; first 200 ${rec} s after Redis returned; the load ran until ${load_end} s after"
check "before the outage every answer is 200 (${c_before})" only "$c_before" 200 20
check "while Redis is down every answer is 503 (${c_down})" only "$c_down" 503 50
check "no answer at any time was a 302, 401, 500 or no answer (${c_all})" \
	bash -c "! grep -qE '(^| )(0|302|401|500):' <<<'$c_all'"
check "the backend request counter did not move while Redis was down ($n_down0 -> $n_down1)" \
	test "$n_down0" = "$n_down1"
check "the outage is logged with a reason" grep -q "reason=cache_unavailable" "$work/error.log"
check "after Redis returns the same session gets 200 within 3 s (${rec} s)" \
	python3 -c "import sys; sys.exit(0 if '$rec' != 'never' and float('$rec') <= 3 else 1)"
check "once recovered every answer is 200 (${c_tail})" only "$c_tail" 200 20
check "the backend served requests again after the outage ($n_down1 -> $n_end)" \
	test "$n_end" -gt $((n_down1 + 20))
check "the session survived in the append-only file" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: keygate_session=$sess" "$base/app/after")" = 200
check "apache2 did not crash and no sanitizer report was written" no_crash "$work"
if ls "$work"/san/report.* >/dev/null 2>&1; then
	head -30 "$work"/san/report.* | sed 's/^/# /'
fi
check "no session id in the logs" bash -c "! grep -q -e '$sess' '$work/error.log' '$work/access.log'"
