#!/usr/bin/env bash
# `make run` (scripts/run.sh) as a new user starts it: the local stack on
# a free port serves Keycloak's realm endpoints before any login (issue
# #12), the demo user signs in through the dev SAML IdP, the app gets a
# token that the Python of Domino's docs verifies against the realm's
# certs URL, the demo user (SysAdmin) reads the admin API, and SIGTERM
# stops every process of the stack and removes its folder.
# usage: make_run.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
py=/usr/bin/python3
run_pid=""
# the stack is run.sh's: stopped by SIGTERM to its pid (its own trap
# stops the rest), whatever happens here
trap '[ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null; sleep 1; rm -rf "$work"' EXIT
command -v node >/dev/null || skip_all "node is not installed"
$py -c 'import saml2, jwt, requests' 2>/dev/null ||
	skip_all "python3-pysaml2, python3-jwt or python3-requests is not installed (make deps)"
[ -e "$KG_TOP/tests/fixtures/op/node_modules" ] || skip_all "tests/fixtures/op has no node_modules (make deps)"

port=$(free_port)
base="http://127.0.0.1:$port"
realm="$base/auth/realms/DominoRealm"
if ! run_stack "$build" "$port" "$work/run.out"; then
	sed 's/^/# /' "$work/run.out"
	echo "not ok - make run starts"
	exit 1
fi
echo "ok - make run starts"
stack=$(sed -n 's|^  Logs: \(/tmp/keygate-run\.[^/]*\)/error.log.*|\1|p' "$work/run.out")
check "its banner names the realm endpoints and the admin API" bash -c \
	"grep -q '$realm/protocol/openid-connect/certs' '$work/run.out' && grep -q '$base/keygate/admin/sessions' '$work/run.out'"

# --- the realm endpoints, with no session ------------------------------------
check "GET /auth/realms/DominoRealm: 200, Keycloak's realm document" $py - "$realm" <<'PY'
import json, sys, urllib.request
doc = json.load(urllib.request.urlopen(sys.argv[1]))
assert doc["realm"] == "DominoRealm" and doc["public_key"].startswith("MII"), doc
assert doc["token-service"] == sys.argv[1] + "/protocol/openid-connect", doc
PY
check "its discovery document names the issuer and the certs" $py - "$realm" <<'PY'
import json, sys, urllib.request
doc = json.load(urllib.request.urlopen(sys.argv[1] + "/.well-known/openid-configuration"))
assert doc["issuer"] == sys.argv[1], doc
assert doc["jwks_uri"] == sys.argv[1] + "/protocol/openid-connect/certs", doc
PY
curl -s -o "$work/certs.json" "$realm/protocol/openid-connect/certs"
check "certs: the app-token key with kid, alg RS256 and x5c" $py - "$work/certs.json" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))["keys"]
assert len(k) == 1 and k[0]["kid"] and k[0]["alg"] == "RS256" and k[0]["x5c"][0], k
PY
check "PREFIX jwks is the same document" cmp -s "$work/certs.json" <(curl -s "$base/keygate/jwks")
check "the app without a session goes to the sign-in" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: text/html' "$base/apps/x")" = 302

# --- the demo user signs in through the dev SAML IdP ---------------------
jar="$work/jar"
idp_url=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{redirect_url}' \
	"$base/keygate/login?kc_idp_hint=demo-saml&return_to=/apps/x")
curl -s "$idp_url" >"$work/idp.html"
$py - "$work/idp.html" "$work/acs.form" "$work/acs.url" <<'PY'
import html, re, sys, urllib.parse
page = open(sys.argv[1]).read()
action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
fields = dict((n, html.unescape(v)) for n, v in re.findall(r'name="(\w+)" value="([^"]*)"', page))
open(sys.argv[2], "w").write(urllib.parse.urlencode(fields))
open(sys.argv[3], "w").write(action)
PY
st=$(curl -s -c "$jar" -b "$jar" -o /dev/null -w '%{http_code}' --data @"$work/acs.form" "$(cat "$work/acs.url")")
check "the demo user signs in (the ACS answers 302)" test "$st" = 302
curl -s -b "$jar" -o "$work/app.json" "$base/apps/x"
tok=$($py -c 'import json, sys
h = json.load(open(sys.argv[1]))["headers"]
print(h.get("authorization", [""])[0].removeprefix("Bearer "))' "$work/app.json" 2>/dev/null)
check "the app's token verifies as Domino's docs show (certs URL, x5c, RS256, aud apps)" bash -c \
	"$py '$KG_TOP/tests/fixtures/realm/verify.py' '$realm/protocol/openid-connect/certs' '$tok' >'$work/claims.json'"
check "... with the realm's issuer, the demo user, its stable id and its provider" $py - "$work/claims.json" "$realm" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
assert c["iss"] == sys.argv[2] and c["preferred_username"] == "demo", c
assert c["sub"] == c["idp_id"] and len(c["idp_id"]) == 36 and c["idpbroker"] == "demo-saml", c
PY

# --- the admin API: the demo user is a SysAdmin ------------------------------
st=$(curl -s -b "$jar" -o "$work/admin.json" -w '%{http_code}' "$base/keygate/admin/users/demo")
check "the demo user reads itself in the admin API (200, active, its id)" $py - "$work/admin.json" "$st" "$work/claims.json" <<'PY'
import json, sys
assert sys.argv[2] == "200", sys.argv[2]
d = json.load(open(sys.argv[1]))
assert d["active"] is True and d["id"] == json.load(open(sys.argv[3]))["idp_id"], d
assert len(d["sessions"]) == 1, d
PY
check "the admin API without a session is refused" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/admin/sessions")" = 401
check "the read is an audit line" grep -q 'KG-0750 AUDIT event="Admin API Read" actor=demo target=demo call=user' "$stack/error.log"

# --- SIGTERM stops the stack ---------------------------------------------
pids=$(cat "$stack"/httpd.pid "$stack"/redis/*.pid 2>/dev/null)
check "SIGTERM ends make run" stop_stack
run_pid=""
left=""
for p in $pids; do kill -0 "$p" 2>/dev/null && left="$left $p"; done
check "... and apache2 and redis with it (${pids//$'\n'/ })" test -n "$pids" -a -z "$left"
check "... and removes its folder" test ! -e "$stack"
check "... and nothing of it listens on the port" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
