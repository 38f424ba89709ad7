#!/usr/bin/env bash
# Operations through apache2 + mod_keygate: /keygate/metrics checked by
# promtool and allowed by CIDR only, /keygate/live and /keygate/ready (JSON,
# 503 without Redis), KeygateLogFormat json (every keygate line parses as
# one JSON object), and KeygateAuditLog receiving the login, the logout
# and `keygate sessions kill` as audit events with event, actor, target.
# A SAML login through the real IdP (saml.bash) makes the sessions.
# usage: gateway_obs.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
. "$KG_TOP/tests/integration/saml.bash"
# a hostile username cannot forge a field: the IdP's uid is plain here,
# the formatter's hostile cases are unit tests (test_log)
saml_main_stack "KeygateMetricsAllow 127.0.0.0/31 ::1
KeygateLogFormat json
KeygateAuditLog $work/audit.log"
log="$work/main/error.log"

# --- a bad range stops the configuration test with FILE:LINE ---------------
sed 's|^KeygateMetricsAllow .*|KeygateMetricsAllow 127.0.0.1/33|' "$work/main/httpd.conf" >"$work/bad.conf"
out=$(apache "$build" -t -f "$work/bad.conf" 2>&1)
check "KeygateMetricsAllow 127.0.0.1/33 fails the config test naming the file and line" \
	bash -c '[[ "$1" == *"line "*" of $2"* && "$1" == *"KeygateMetricsAllow"*"prefix length of 0 to 32"* ]]' _ "$out" "$work/bad.conf"
sed 's|^KeygateMetricsAllow .*|KeygateMetricsAllow 10.0.0.1/8|' "$work/main/httpd.conf" >"$work/bad.conf"
check "a range with host bits set is refused too" bash -c "! apache '$build' -t -f '$work/bad.conf' >/dev/null 2>&1" 

# --- no secret in a configuration dump ---------------------------------------------
{
	echo "LoadModule info_module /usr/lib/apache2/modules/mod_info.so"
	cat "$work/main/httpd.conf"
	echo "KeygateSessionPreviousSecret literal-previous-secret-0123456789abcdef"
} >"$work/dump.conf"
apache "$build" -t -D DUMP_CONFIG -f "$work/dump.conf" >"$work/dump.out" 2>&1
check "apache2ctl -t -D DUMP_CONFIG shows Keygate settings" grep -q 'KeygateBaseURL' "$work/dump.out"
check "and the literal secret as ********, never its value" bash -c \
	"grep -q 'KeygateSessionPreviousSecret \"\\*\\*\\*\\*\\*\\*\\*\\*\"' '$work/dump.out' && ! grep -q literal-previous-secret '$work/dump.out'"

# --- a login, then metrics ----------------------------------------------------
jar="$work/jar"
url=$(saml_start "$jar" "$base/app/x")
idp_answer "$url" ok "$work/ok"
st=$(post_acs "$jar" "$work/ok")
check "a SAML login succeeds" test "$st" = 302
st=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$base/keygate/metrics")
check "127.0.0.2 (outside the range) gets 404 ($st)" test "$st" = 404
curl -s -o "$work/metrics.txt" -w '%{http_code}' "$base/keygate/metrics" >"$work/metrics.st"
check "127.0.0.1 (in 127.0.0.0/31) reads the metrics" test "$(cat "$work/metrics.st")" = 200
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts /keygate/metrics" bash -c \
		"promtool check metrics <'$work/metrics.txt' >'$work/promtool.out' 2>&1 || { cat '$work/promtool.out' >&2; exit 1; }"
else
	echo "ok - promtool check metrics accepts /keygate/metrics # SKIP promtool is not installed (make deps installs prometheus)"
fi
check "the login is in the login histogram, by provider and protocol" \
	grep -q '^keygate_login_duration_seconds_count{provider="corp",protocol="saml"} 1$' "$work/metrics.txt"
check "Redis commands are timed and Redis is up" bash -c \
	"grep -q '^keygate_redis_command_duration_seconds_count [1-9]' '$work/metrics.txt' && grep -qx 'keygate_redis_up 1' '$work/metrics.txt'"
check "the SAML metadata load time is a gauge" \
	grep -qE '^keygate_metadata_last_success_timestamp_seconds\{provider="corp",protocol="saml"\} [0-9]{10}$' "$work/metrics.txt"
check "the mapper load time is a gauge" grep -qE '^keygate_mapper_last_success_timestamp_seconds [0-9]{10}$' "$work/metrics.txt"
check "keygate_build_info names the version" grep -qE '^keygate_build_info\{version="[0-9.]+"\} 1$' "$work/metrics.txt"
check "refusals are counted by reason" grep -qx 'keygate_refusals_total{reason="metrics_not_allowed"} 1' "$work/metrics.txt"

# --- live and ready -------------------------------------------------------------
st=$(curl -s -o "$work/ready.json" -w '%{http_code}' "$base/keygate/ready")
check "ready answers 200 with Redis up" test "$st" = 200
check "ready's JSON names Redis, the mappers and the provider's metadata" $py -c '
import json, sys
d = json.load(open(sys.argv[1])); c = d["checks"]
p = [x for x in c["providers"] if x["alias"] == "corp"][0]
sys.exit(0 if d["ready"] is True and c["redis"]["ok"] and c["mappers"]["ok"] and c["mappers"]["configured"]
         and p["protocol"] == "saml" and p["metadata"]["ok"] and p["metadata"]["loadedAt"] > 0 else 1)' "$work/ready.json"

# --- logout and kill, then the audit stream ---------------------------------------
url=$(saml_start "$work/jar2" "$base/app/y")
idp_answer "$url" ok "$work/ok2"
post_acs "$work/jar2" "$work/ok2" >/dev/null
curl -s -o /dev/null -b "$jar" -c "$jar" "$base/keygate/logout"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateAuditLog $work/audit.log
CONF
"$build/keygate" sessions kill --config "$work/keygate.conf" --user demo >"$work/kill.out" 2>&1
check "keygate sessions kill ends the second session" grep -q 'killed 1 session' "$work/kill.out"
sleep 0.3
check "every keygate line in the error log, start-up lines included, is one JSON object with time, level, id and msg" $py -c '
import json, re, sys
n = start = 0
for line in open(sys.argv[1]):
    if not re.search(r"KG-[0-9]{4}|keygate:", line):
        continue
    d = json.loads(line)  # httpd s own prefix would fail here
    assert set(["time", "level", "id", "msg"]) <= set(d), line
    n += 1
    start += d["id"] in ("KG-0001", "KG-0002", "KG-0004", "KG-0005", "KG-0800")
if n < 3 or start < 1:
    sys.stderr.write("%d lines, %d start-up lines\\n" % (n, start))
sys.exit(0 if n >= 3 and start >= 1 else 1)' "$log"
check "JSON lines carry the client of a request" $py -c '
import json, sys
ok = any(json.loads(l).get("client") == "127.0.0.1" for l in open(sys.argv[1]) if l.startswith("{"))
sys.exit(0 if ok else 1)' "$log"
check "the audit file has the login, the logout and the kill, with actor and target" $py -c '
import json, sys
ev = []
for line in open(sys.argv[1]):
    if line.startswith("{"):
        ev.append(json.loads(line)["msg"])
    else:
        ev.append(line)
def has(*parts):
    return any(all(p in e for p in parts) for e in ev)
ok = (has("AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=corp protocol=saml")
      and has("AUDIT event=\"User Log Out\"", "actor=demo target=demo reason=logout")
      and has("AUDIT event=\"Session Killed\"", "actor=admin target=demo reason=admin-kill"))
if not ok:
    sys.stderr.write("".join(str(e) + "\n" for e in ev))
sys.exit(0 if ok else 1)' "$work/audit.log"
check "only audit events are in the audit file" bash -c "! grep -v 'AUDIT ' '$work/audit.log' | grep -q ."
check "the logout is counted" grep -q 'keygate_logouts_total{protocol="local"} 1' <(curl -s "$base/keygate/metrics")

# --- Redis gone: not ready, still alive ---------------------------------------------
kill -9 "$(cat "$work/redis/redis.pid")"
sleep 0.3
st=$(curl -s -o "$work/ready2.json" -w '%{http_code}' "$base/keygate/ready")
check "without Redis ready answers 503 ($st)" test "$st" = 503
check "and its JSON says Redis is what is wrong" $py -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["ready"] is False and d["checks"]["redis"]["ok"] is False and d["checks"]["redis"]["error"] else 1)' "$work/ready2.json"
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/live")
check "live still answers 200 ($st)" test "$st" = 200
check "keygate_redis_up goes to 0" grep -qx 'keygate_redis_up 0' <(curl -s "$base/keygate/metrics")
check "apache2 did not crash (ASan)" no_crash "$work/main"
