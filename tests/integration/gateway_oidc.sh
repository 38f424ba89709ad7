#!/usr/bin/env bash
# OIDC login through the gateway, end to end: apache2 + mod_keygate, a
# real OpenID provider (oidc-provider) with its own login form, Redis and
# the echo backend. A person (curl with a cookie jar) opens a protected
# page, signs in at the provider, and lands on the page with the mapped
# identity. Then: replayed and forged callbacks, the access gate, session
# limits for SSO logins, logout at the provider.
# usage: gateway_oidc.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
command -v node >/dev/null || skip_all "node is not installed"
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip_all "npm packages not installed (make deps)"

redis_port=$(free_port) web=$(free_port) back=$(free_port) op_port=$(free_port)
base="http://127.0.0.1:$web"
issuer="http://127.0.0.1:$op_port"
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
op_start "$work" "$op_port" keygate keygate-test-secret "$base/keygate/oidc/callback" \
	OP_POST_LOGOUT_URI="$base/bye" OP_BACKCHANNEL_URI="$base/keygate/oidc/backchannel" \
	OP_ACCESS_TTL=63 || { echo "not ok - the provider starts"; exit 1; }

cat >"$work/mappers.json" <<'JSON'
{"identityProviders": [{"alias": "corp", "providerId": "oidc", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": [
  {"name": "Groups", "identityProviderAlias": "corp",
   "identityProviderMapper": "oidc-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "claim": "groups", "user.attribute": "domino-groups"}},
  {"name": "Gate", "identityProviderAlias": "corp",
   "identityProviderMapper": "oidc-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "claim": "groups", "user.attribute": "accessforDomino"}},
  {"name": "Admins", "identityProviderAlias": "corp",
   "identityProviderMapper": "oidc-role-idp-mapper",
   "config": {"syncMode": "INHERIT", "claim": "groups", "claim.value": "nyc-data-scientists", "role": "SysAdmin"}}]}
JSON
head -c 48 /dev/urandom | base64 >"$work/secret"
echo keygate-test-secret >"$work/client-secret"

# gateway NAME EXTRA: writes and starts an apache2 in $work/NAME
gateway() {
	local dir="$work/$1" port=$2
	mkdir -p "$dir"
	httpd_config "$dir" "$port" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateExternalOrgs On
KeygateAccessGate domino-users
KeygateAccessGateMessage \"You are not assigned to Domino in your identity provider.\"
KeygateOIDCProvider corp $issuer
KeygateOIDCClientID keygate
KeygateOIDCScope openid profile email groups
KeygateOIDCRefreshMargin 60
KeygateSessionTouchInterval 1
KeygateOIDCClientSecret file:$work/client-secret
$3" "<Location /app>
  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-roles roles
  KeygateIdentityHeader domino-organizations organizations
  ProxyPass http://127.0.0.1:$back/app
</Location>
<Location /bye>
  ProxyPass http://127.0.0.1:$back/bye
</Location>"
	httpd_start "$dir" "$build"
}
gateway main "$web" "" || { echo "not ok - apache2 starts"; exit 1; }

# --- a person signs in ------------------------------------------------
jar="$work/jar"
final=$(browser_login "$jar" "$base/app/projects?tab=1" "$base")
check "the login ends back on the page asked for" test "$final" = "$base/app/projects?tab=1"
check "the backend greets the demo user" grep -q 'Hello, demo' "$jar.page"
check "the session cookie is HttpOnly and SameSite=Lax" \
	grep -qiE '^Set-Cookie: keygate_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Lax' "$jar.headers"
check "the login-state cookie is cleared after the callback" \
	grep -qiE '^Set-Cookie: keygate_login_[A-Za-z0-9_-]{16}=; Path=/keygate/; Max-Age=0' "$jar.headers"
curl -s -b "$jar" -H 'Accept: application/json' "$base/app/x" >"$work/who.json"
check "the backend gets the mapped identity (user, role, organizations)" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["headers"]
ok = (h.get("domino-username") == ["demo"] and h.get("domino-roles") == ["SysAdmin"]
      and h.get("domino-organizations") == ["domino-users,nyc-data-scientists"])
sys.exit(0 if ok else 1)' "$work/who.json"
check "the audit log has the login" grep -q 'AUDIT event="User Log In" outcome=success actor=demo target=demo idp=corp protocol=oidc' "$work/main/error.log"
curl -s -b "$jar" "$base/keygate/session" >"$work/session.json"
check "the session endpoint shows an OIDC session from corp without tokens" python3 -c '
import json, sys
t = open(sys.argv[1]).read(); d = json.loads(t)
sys.exit(0 if d["idp"] == "corp" and d["protocol"] == "oidc" and d["flow"] == "sso" and "eyJ" not in t else 1)' "$work/session.json"

# --- session fixation: a planted session does not survive a login -------
printf 'KeygateRedis 127.0.0.1:%s\nKeygateSessionSecret file:%s\n' "$redis_port" "$work/secret" >"$work/mint.conf"
planted=$("$build/tests/integration/mint_session" "$work/mint.conf" mallory SysAdmin)
jarF="$work/jarF"
printf '127.0.0.1\tFALSE\t/\tFALSE\t0\tkeygate_session\t%s\n' "$planted" >"$jarF"
browser_login "$jarF" "$base/keygate/login?return_to=/app/" "$base" >/dev/null
newcookie=$(awk '$6 == "keygate_session" {print $7}' "$jarF")
check "a login replaces a planted session cookie with a new one" \
	test -n "$newcookie" -a "$newcookie" != "$planted"
check "the planted session is ended at the login" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: keygate_session=$planted" -H 'Accept: application/json' "$base/app/x")" = 401
curl -s -o /dev/null -b "$jarF" "$base/keygate/logout"

# --- refresh before the access token expires ---------------------------
# the provider's access tokens live 63 s and the margin is 60 s, so from
# the fourth second on a request refreshes the session's tokens
sleep 3.5
check "a session whose access token is due still works" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -H 'Accept: application/json' "$base/app/x")" = 200
check "its tokens were refreshed at the provider" grep -q "session refreshed idp=corp user=demo" "$work/main/error.log"
check "the session endpoint still shows no token" bash -c "! curl -s -b '$jar' '$base/keygate/session' | grep -q eyJ"

# --- forged and replayed callbacks ------------------------------------
cb=$(grep -i '^Location: .*/keygate/oidc/callback' "$jar.headers" | tail -1 | sed 's/^Location: //I' | tr -d '\r')
n0=$(backend_count "$work")
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" "$cb")
check "replaying the callback is refused with 400" test "$st" = 400
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/oidc/callback?code=x&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAA")
check "a callback with no login in progress is refused with 400" test "$st" = 400
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/oidc/callback?error=access_denied&state=x")
check "an error from the provider is refused with 401" test "$st" = 401
check "refused callbacks are logged with a reason" grep -q "REJECT proto=oidc reason=oidc_state" "$work/main/error.log"
check "refused callbacks reached no backend" test "$(backend_count "$work")" = "$n0"

# a state cookie from one login does not fit another's callback
jar2="$work/jar2"
curl -s -c "$jar2" -o /dev/null -D "$work/l2.h" -H 'Accept: text/html' "$base/keygate/login?return_to=/app/"
auth=$(sed -n 's/^Location: //Ip' "$work/l2.h" | tr -d '\r')
other_state=$(echo "$auth" | tr '&?' '\n\n' | sed -n 's/^state=//p')
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar2" "$base/keygate/oidc/callback?code=forged&state=${other_state}x")
check "a state that is not this browser's is refused" test "$st" = 400
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar2" "$base/keygate/oidc/callback?code=forged&state=$other_state")
check "a forged code with the right state is refused by the provider (401)" test "$st" = 401

# Host and X-Forwarded-* never shape the URLs keygate builds (security.md §64)
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -H 'Host: evil.test' -H 'X-Forwarded-Host: evil.test' \
	-H 'X-Forwarded-Proto: http' -H 'Forwarded: host=evil.test' "$base/keygate/login?return_to=/app/")
check "a poisoned Host does not reach the redirect_uri" \
	bash -c "case '$loc' in *redirect_uri=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe="").lower())' "$base/keygate/oidc/callback")*) exit 0;; *) exit 1;; esac"
check "nor anywhere in the login redirect" bash -c "! grep -qi evil <<<'$loc'"

# --- logout -------------------------------------------------------------
loc=$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' "$base/keygate/logout?return_to=/bye")
check "logout sends the browser to the provider's end_session_endpoint" \
	bash -c "case '$loc' in '$issuer'/session/end*id_token_hint=*) exit 0;; *) exit 1;; esac"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -H 'Accept: application/json' "$base/app/x")
check "after logout the session is gone" test "$st" = 401

# --- back-channel logout: the provider ends the session -----------------
jarD="$work/jarD"
browser_login "$jarD" "$base/app/" "$base" >/dev/null
check "a fresh session works before the provider logs out" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -b "$jarD" "$base/app/x")" = 200
# the person signs out at the provider itself (not through keygate)
op_logout "$jarD" "$issuer"
wait_log "$work/main/error.log" 'AUDIT event="User Log Out"'
check "the provider's back-channel logout token is accepted" \
	grep -q 'KG-0522 AUDIT event="User Log Out" outcome=success actor=oidc_provider target=- idp=corp by=sid sessions_ended=1' "$work/main/error.log"
check "after back-channel logout the session is gone" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -b "$jarD" -H 'Accept: application/json' "$base/app/x")" = 401
st=$(curl -s -o /dev/null -w '%{http_code}' --data 'logout_token=eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.' "$base/keygate/oidc/backchannel")
check "an unsigned logout token is refused with 400" test "$st" = 400
check "the refused logout token is logged (KG-0520)" \
	grep -q "KG-0520 REJECT proto=oidc reason=oidc_logout_token" "$work/main/error.log"
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/oidc/backchannel")
check "the back-channel endpoint takes only POST" test "$st" = 405

# --- session limit for SSO logins: deny the second ---------------------
stop_httpd() { kill "$(cat "$work/$1/httpd.pid")"; sleep 0.5; }
stop_httpd main
gateway limited "$web" "KeygateSessionLimit sso user 1 deny-new \"Only one Domino session at a time.\"" ||
	{ echo "not ok - apache2 restarts with a limit"; exit 1; }
final=$(browser_login "$work/jarA" "$base/app/" "$base")
check "the first session under the limit is created" grep -q 'Hello, demo' "$work/jarA.page"
final=$(browser_login "$work/jarB" "$base/app/" "$base")
check "the second login is refused with the limit's message" \
	grep -q 'Only one Domino session at a time.' "$work/jarB.page"
check "the refusal is an audit event" grep -q 'AUDIT event="User Log In" outcome=denied actor=demo target=demo idp=corp reason=session_limit' "$work/limited/error.log"

# --- the access gate ----------------------------------------------------
stop_httpd limited
sed -i 's/"claim.value": "nyc-data-scientists"/"claim.value": "nyc-data-scientists"/; s/KeygateAccessGate domino-users/KeygateAccessGate domino-admins/' "$work/limited/httpd.conf"
mkdir -p "$work/gated"
sed "s|$work/limited|$work/gated|g; s/KeygateAccessGate domino-users/KeygateAccessGate domino-admins/; s/KeygateSessionLimit.*//" "$work/limited/httpd.conf" >"$work/gated/httpd.conf"
httpd_start "$work/gated" "$build" || { echo "not ok - apache2 restarts gated"; exit 1; }
n1=$(backend_count "$work")
final=$(browser_login "$work/jarC" "$base/app/" "$base")
check "a user outside the access gate sees the configured message" \
	grep -q 'You are not assigned to Domino in your identity provider.' "$work/jarC.page"
check "no session cookie was set for the refused user" bash -c "! grep -qi '^Set-Cookie: keygate_session=[A-Za-z0-9]' '$work/jarC.headers'"
check "nothing was forwarded for the refused user" test "$(backend_count "$work")" = "$n1"
check "the gate refusal is an audit event" grep -q 'AUDIT event="User Log In" outcome=denied actor=demo target=demo idp=corp reason="access gate' "$work/gated/error.log"

for d in main limited gated; do
	no_crash "$work/$d" || echo "not ok - apache2 ($d) did not crash"
done
check "no token or cookie value in any log" bash -c "! grep -qE 'eyJ[A-Za-z0-9_-]{10,}\.' '$work'/*/error.log"
