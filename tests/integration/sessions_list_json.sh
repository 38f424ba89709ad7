#!/usr/bin/env bash
# `keygate sessions list --json` after a real SAML login through apache2
# (issue #14): python3 parses the array, and the session shows the
# client's address and the User-Agent of the login, captured at the ACS
# and stored in the session record; the table shows them too. A session
# whose record was written before version 4 (no client) is covered by the
# unit tests (test_sessions_record).
# usage: sessions_list_json.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
. "$KG_TOP/tests/integration/saml.bash"
keygate="$build/keygate"
[ -x "$keygate" ] || { echo "not ok - the keygate CLI is built"; exit 1; }
saml_main_stack
agent='KeygateTest/1.0 (X11; "quoted" agent)'

login_answer json ok
st=$(curl -s -A "$agent" -b "$work/jar-json" -c "$work/jar-json" -o /dev/null \
	-w '%{http_code}' --data @"$work/r-json.form" "$(cat "$work/r-json.action")")
check "a SAML login through apache2 signs in" test "$st" = 302
check "the backend gets the user" test "$(backend_user "$work/jar-json")" = demo

printf 'KeygateRedis 127.0.0.1:%s\nKeygateSessionSecret file:%s\n' \
	"$redis_port" "$work/secret" >"$work/keygate.conf"
"$keygate" sessions list --json --config "$work/keygate.conf" >"$work/list.json" 2>"$work/list.err"
check "sessions list --json exits 0" test "$?" -eq 0
check "python3 parses it: one session of demo from 127.0.0.1 with the login's User-Agent" \
	$py - "$work/list.json" "$agent" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc, list) and len(doc) == 1, doc
s = doc[0]
assert s["user"] == "demo", s
assert s["idp"] == "corp" and s["protocol"] == "saml", s
assert s["clientAddress"] == "127.0.0.1", s
assert s["userAgent"] == sys.argv[2], s
assert len(s["id"]) == 8, s
for k in ("created", "lastAccess", "expires"):
    assert s[k].endswith("Z"), s
assert "SysAdmin" in s["roles"] or isinstance(s["roles"], list), s
PY
cookie=$(sed -n 's/.*keygate_session\t//p' "$work/jar-json")
check "the JSON never holds the cookie" bash -c '[ -n "$1" ] && ! grep -qF "$1" "$2"' _ "$cookie" "$work/list.json"
table=$("$keygate" sessions list --config "$work/keygate.conf")
echo "$table" | sed "s/^/# /"
check "the table shows the client address and the User-Agent" \
	bash -c 'grep -q "^[0-9A-Za-z_-]\{8\}  demo .* 127\.0\.0\.1 \"KeygateTest/1.0 (X11; \\\\\"quoted\\\\\" agent)\"$" <<<"$1"' _ "$table"
"$keygate" sessions count --json --config "$work/keygate.conf" >/dev/null 2>&1
check "--json goes with list only (usage error, exit 2)" test "$?" -eq 2
check "apache2 logged no crash" no_crash "$work/main"
