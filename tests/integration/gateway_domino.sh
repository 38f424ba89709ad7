#!/usr/bin/env bash
# Domino's ingress through a real apache2 with mod_keygate, a real
# redis-server, a real OpenID provider (oidc-provider), the echo backend
# and a real WebSocket echo backend (ws): the vhost of docs/domino.md,
# every path with its rule:
#   /models/ and /api/modelApis/async/  credentials pass through
#   /apps/                              the app token
#   /toolkit/ and /grafana              identity and role headers, and the
#                                       tools' own logins when SSO is down
#   /healthz                            200 without a login
#   /authorizeCli                       a login, then back
#   /auth/                              realm endpoints and SAML broker paths
#   everything else                     sessions; WebSockets (a 60 s socket)
# and the trusted proxy: spoofed X-Forwarded-* from an untrusted address
# change no redirect, cookie flag or log field, a trusted one's do; the
# session cookie shared with a data plane on a subdomain
# (KeygateCookieDomain), and refused with a __Host- name.
# Host names: domino.example.test (control plane) and dp1.example.test
# (a data plane) resolve to 127.0.0.1 through the suite's own .curlrc.
# usage: gateway_domino.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
[ -d "$KG_TOP/tests/fixtures/ws/node_modules/ws" ] ||
	skip_all "tests/fixtures/ws is not installed (make deps)"
[ -d "$KG_TOP/tests/fixtures/op/node_modules/oidc-provider" ] ||
	skip_all "tests/fixtures/op is not installed (make deps)"
$py -c 'import saml2' 2>/dev/null || skip_all "python3-pysaml2 is not installed (make deps)"

redis_port=$(free_port) web=$(free_port) web2=$(free_port) back=$(free_port)
wsp=$(free_port) op_port=$(free_port) keys=$(free_port)
cp=domino.example.test dp=dp1.example.test
base="http://$cp:$web"
export CURL_HOME=$work
printf 'resolve = %s:%s:127.0.0.1\n' "$cp" "$web" "$dp" "$web" "$cp" "$web2" >"$work/.curlrc"

redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
node "$KG_TOP/tests/fixtures/ws/server.mjs" "$wsp" "$work/ws.count" 5 >"$work/ws.log" 2>&1 &
KG_PIDS="$KG_PIDS $!"
wait_port "$wsp"
client_secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$client_secret" >"$work/client-secret"
op_start "$work" "$op_port" keygate "$client_secret" "$base/keygate/oidc/callback" ||
	{ echo "not ok - the OpenID provider starts"; cat "$work/op.log" | sed 's/^/# /'; exit 1; }
op_pid=${KG_PIDS##* }

head -c 48 /dev/urandom | base64 >"$work/secret"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/app.key" -out "$work/app.crt" \
	-days 2 -subj "/CN=keygate app tokens" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/sp.key" -out "$work/sp.crt" \
	-days 2 -subj "/CN=keygate sp" 2>/dev/null
mkdir -p "$work/idp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/idp/idp.key" -out "$work/idp/idp.crt" \
	-days 2 -subj "/CN=keygate test idp" 2>/dev/null
$py "$KG_TOP/tests/fixtures/idp/idp.py" metadata "$work/idp" http://127.0.0.1:9/idp >"$work/idp-metadata.xml"
chmod 644 "$work"/*.key
cp "$KG_TOP/docs/examples/demo-mappers.json" "$work/mappers.json"
# an API token issuer: its JWKS on a plain web server
mint_jwt="$py $KG_TOP/tests/fixtures/mint_jwt.py"
mkdir -p "$work/keys"
openssl genrsa -out "$work/signer.pem" 2048 2>/dev/null
$mint_jwt jwks "$work/signer.pem" >"$work/keys/jwks.json"
$py -m http.server "$keys" --bind 127.0.0.1 --directory "$work/keys" >/dev/null 2>&1 &
KG_PIDS="$KG_PIDS $!"
wait_port "$keys"

# the gateway: no KeygateBaseURL (each request's origin, the load
# balancer's when it is trusted), the cookie shared with the data planes
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateMappers $work/mappers.json
KeygateExternalOrgs On
KeygateCookieDomain example.test
KeygateSessionIdleTimeout 30
KeygateSessionTouchInterval 5
KeygateAppJWTLifetime 20
KeygateTrustedProxies 127.0.0.2
KeygateOIDCProvider demo-oidc http://127.0.0.1:$op_port
KeygateLoginProvider demo-oidc
KeygateOIDCClientID keygate
KeygateOIDCClientSecret file:$work/client-secret
KeygateOIDCScope openid profile email groups
KeygateBearerIssuer https://issuer.keygate.test http://127.0.0.1:$keys/jwks.json domino-api
KeygateAppJWTKey $work/app.key
KeygateAppJWTCert $work/app.crt
KeygateAppJWTIssuer https://$cp/auth/realms/DominoRealm
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLKeycloakPaths DominoRealm
KeygateSAMLEntityID https://$cp/auth/realms/DominoRealm
CONF
server="$(cat "$work/keygate.conf")
ProxyPreserveHost On
  Listen 127.0.0.1:$web2
<VirtualHost 127.0.0.1:$web2>
  ServerName $cp
  KeygateRedis 127.0.0.1:$redis_port
  KeygateSessionSecret file:$work/secret
  KeygateApiKey reject
  # the tunnel's idle timeout is the larger of the client side (Timeout)
  # and the backend side (ProxyTimeout, which defaults to Timeout)
  Timeout 3
</VirtualHost>"
locations=$(cat <<CONF
# everything else: sessions (and WebSockets: workspaces)
<Location />
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require valid-user
  KeygateIdentityHeader domino-roles roles
  ProxyPass http://127.0.0.1:$back/ upgrade=websocket
</Location>
<Location /ws/>
  ProxyPass http://127.0.0.1:$wsp/ws/ upgrade=websocket
</Location>
<Location /ws/admin/>
  Require keygate-role SysAdmin
  ProxyPass http://127.0.0.1:$wsp/ws/admin/ upgrade=websocket
</Location>
# the load balancer's health check
<Location /healthz>
  Require all granted
  ProxyPass http://127.0.0.1:$back/healthz
</Location>
# the Domino CLI's browser step
<Location /authorizeCli>
  KeygateUnauthAction login
  ProxyPass http://127.0.0.1:$back/authorizeCli
</Location>
# Domino endpoints check their own credentials
<Location /models/>
  KeygateBearerCheck Off
  KeygateUnauthAction pass
  ProxyPass http://127.0.0.1:$back/models/
</Location>
<Location /api/modelApis/async/>
  KeygateBearerCheck Off
  KeygateUnauthAction pass
  ProxyPass http://127.0.0.1:$back/api/modelApis/async/
</Location>
<Location /apps/>
  KeygateAppJWT On
  ProxyPass http://127.0.0.1:$back/apps/ upgrade=websocket
</Location>
# admin tools: identity and role headers; their own logins when SSO is down
<Location /grafana>
  KeygateUnauthAction pass
  KeygateBearerCheck Off
  KeygateIdentityHeader X-WEBAUTH-USER username
  KeygateIdentityHeader X-WEBAUTH-ROLE roles
  ProxyPass http://127.0.0.1:$back/grafana
</Location>
<Location /toolkit/>
  KeygateUnauthAction pass
  KeygateBearerCheck Off
  KeygateIdentityHeader domino-roles roles
  ProxyPass http://127.0.0.1:$back/toolkit/
</Location>
# Keycloak's paths: keygate answers the realm endpoints and the SAML
# broker paths itself; nothing else there
<Location /auth/>
  ProxyPass !
  Require all denied
</Location>
<Location /keygate/>
  ProxyPass !
</Location>
CONF
)

# req OUT CURL-ARGS...: headers to OUT.h, body to OUT.b; prints the status.
req() {
	local out=$1
	shift
	curl -s -o "$work/$out.b" -D "$work/$out.h" -w '%{http_code}' "$@"
}
header() { # header OUT NAME: the value of response header NAME
	sed -n "s/^$2: *//Ip" "$work/$1.h" | tr -d '\r'
}
# got OUT NAME: what the echo backend received in header NAME (values
# joined by '|'), or '-' when it received none
got() {
	$py -c 'import json,sys; v=json.load(open(sys.argv[1]))["headers"].get(sys.argv[2].lower()); print("|".join(v) if v else "-")' "$work/$1.b" "$2"
}
# no_identity OUT: the backend received no identity header at all
no_identity() {
	$py -c '
import json, sys
h = json.load(open(sys.argv[1]))["headers"]
bad = [k for k in h if k.replace("_", "-") in ("domino-username", "domino-roles", "x-webauth-user", "x-webauth-role")]
sys.exit(1 if bad else 0)' "$work/$1.b"
}
mint() {
	"$build/tests/integration/mint_session" "$work/keygate.conf" "$@"
}

# --- a parent-domain cookie cannot have a __Host- name ------------------
mkdir -p "$work/bad"
httpd_config "$work/bad" "$(free_port)" "$build" "$(cat "$work/keygate.conf")
KeygateCookieName __Host-keygate" ""
line=$(grep -n '^KeygateCookieName __Host-keygate' "$work/bad/httpd.conf" | cut -d: -f1)
out=$(apache "$build" -f "$work/bad/httpd.conf" -t 2>&1)
check "configtest refuses KeygateCookieDomain with a __Host- name, at FILE:LINE" \
	bash -c '[ "$1" -ne 0 ] && grep -q "line $2 of $3" <<<"$4" && grep -q "KeygateCookieName: \"__Host-keygate\" is a __Host- name" <<<"$4"' \
	_ "$?" "$line" "$work/bad/httpd.conf" "$out"
chmod 755 "$work" "$work/bad"
if apache "$build" -f "$work/bad/httpd.conf" -k start 2>"$work/bad/start.err"; then
	echo "not ok - apache2 does not start with it either"
	[ -s "$work/bad/httpd.pid" ] && kill "$(cat "$work/bad/httpd.pid")"
else
	check "apache2 does not start with it either" grep -q "line $line of" "$work/bad/start.err"
fi

mkdir -p "$work/bad3"
httpd_config "$work/bad3" "$(free_port)" "$build" "$(grep -v '^KeygateSAMLEntityID' "$work/keygate.conf")" ""
out=$(apache "$build" -f "$work/bad3/httpd.conf" -t 2>&1)
check "configtest refuses SAML with neither KeygateBaseURL nor KeygateSAMLEntityID" \
	bash -c '[ "$1" -ne 0 ] && grep -q "KG-0001 configuration from \"$2:[0-9]*: KeygateSAMLProvider needs KeygateBaseURL or, with each request.s own origin, KeygateSAMLEntityID" <<<"$3"' \
	_ "$?" "$work/bad3/httpd.conf" "$out"

# --- the running gateway --------------------------------------------------
httpd_config "$work" "$web" "$build" "$server" "$locations"
# the access log names both the client (%h) and the address (%a)
sed -i 's/^LogFormat .*/LogFormat "%h %a %u \\"%r\\" %>s" short/' "$work/httpd.conf"
if ! httpd_start "$work" "$build"; then
	echo "not ok - apache2 starts with the Domino vhost"
	exit 1
fi
echo "ok - apache2 starts with the Domino vhost"

# --- WebSockets: a socket of a minute, while the rest runs -----------------
wsuser=$(mint wsuser Practitioner)
node "$KG_TOP/tests/fixtures/ws/client.mjs" "ws://127.0.0.1:$web/ws/echo" 62 5 \
	"Cookie: keygate_session=$wsuser" >"$work/ws-long.out" 2>&1 &
ws_client=$!
for _ in $(seq 100); do
	grep -q '"event":"open"' "$work/ws.log" && break
	sleep 0.1
done
check "an upgrade with a session reaches the WebSocket backend" grep -q '"event":"open","path":"/ws/echo","user":"wsuser"' "$work/ws.log"
check "the upgrade carries the identity headers, not keygate's cookie" $py -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][0]
h = o["headers"]
sys.exit(0 if h.get("domino-username") == "wsuser" and h.get("domino-roles") == "Practitioner" and "cookie" not in h else 1)' "$work/ws.log"
n0=$(cat "$work/ws.count")
node "$KG_TOP/tests/fixtures/ws/client.mjs" "ws://127.0.0.1:$web/ws/echo" 2 1 \
	"domino-username: admin" >"$work/ws-anon.out" 2>&1
check "an upgrade without a session is refused with 401" grep -q '"status":401' "$work/ws-anon.out"
bob=$(mint bob Practitioner)
node "$KG_TOP/tests/fixtures/ws/client.mjs" "ws://127.0.0.1:$web/ws/admin/x" 2 1 \
	"Cookie: keygate_session=$bob" >"$work/ws-403.out" 2>&1
check "an upgrade the Require rules refuse gets 403" grep -q '"status":403' "$work/ws-403.out"
check "refused upgrades never reached the WebSocket backend" test "$(cat "$work/ws.count")" = "$n0"
now=$(date +%s)
token=$($mint_jwt sign "$work/signer.pem" test-rs256 "{\"iss\":\"https://issuer.keygate.test\",\"aud\":\"domino-api\",\"sub\":\"svc-ws\",\"preferred_username\":\"svc-ws\",\"jti\":\"ws-1\",\"iat\":$now,\"exp\":$((now + 600))}")
node "$KG_TOP/tests/fixtures/ws/client.mjs" "ws://127.0.0.1:$web/ws/api" 2 1 \
	"Authorization: Bearer $token" >"$work/ws-bearer.out" 2>&1
check "an upgrade with a bearer token is its user's" $py -c '
import json, sys
o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
sys.exit(0 if o["status"] == 101 and o["hello"] == "svc-ws" and o["echoed"] >= 1 else 1)' "$work/ws-bearer.out"
node "$KG_TOP/tests/fixtures/ws/client.mjs" "ws://127.0.0.1:$web/ws/api" 2 1 \
	"Authorization: Bearer $($mint_jwt tamper "$token")" >"$work/ws-bad.out" 2>&1
check "an upgrade with a forged token is refused with 401" grep -q '"status":401' "$work/ws-bad.out"
check "and never reached the backend" test "$(cat "$work/ws.count")" = "$((n0 + 1))"
# what does end a socket: mod_proxy's tunnel timeout, here 3 s of silence
# on the second vhost (the backend's first push comes at 5 s)
node "$KG_TOP/tests/fixtures/ws/client.mjs" "ws://127.0.0.1:$web2/ws/idle" 15 100 \
	"Cookie: keygate_session=$bob" >"$work/ws-idle.out" 2>&1
check "an idle socket is closed by httpd's tunnel timeout, not kept for ever" $py -c '
import json, sys
o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print("# " + json.dumps(o))
sys.exit(0 if o["status"] == 101 and o["hello"] == "bob" and o["pushes"] == 0 and 2 <= o["seconds"] <= 6 else 1)' "$work/ws-idle.out"

# --- pass-through credentials: Domino endpoints --------------------------
basic="Basic $(printf 'c2b2532ed234f54:c2b2532ed234f54' | base64)"
n0=$(backend_count "$work")
st=$(req m1 -X POST "$base/models/6543/latest/model" -H "Authorization: $basic" \
	-H 'domino-username: admin' -H 'Domino_Roles: SysAdmin' -H 'Content-Type: application/json' -d '{"data":{}}')
check "a model call with HTTP Basic token:token reaches the model" test "$st" = 200
check "the model receives the client's Authorization byte for byte" test "$(got m1 Authorization)" = "$basic"
check "and no identity header (the forged ones are scrubbed, none is set)" no_identity m1
st=$(req m2 -X POST "$base/api/modelApis/async/v1/6543" -H 'Authorization: Bearer  c2b2532ed234f54' -d '{}')
check "an async model call with an opaque bearer token is passed, byte for byte" \
	test "$st" = 200 -a "$(got m2 Authorization)" = 'Bearer  c2b2532ed234f54'
check "with no identity header" no_identity m2
n1=$(backend_count "$work")
st=$(req m3 "$base/api/projects" -H 'Authorization: Bearer c2b2532ed234f54')
check "the same token elsewhere gets the bearer check: 401 invalid_token" \
	bash -c '[ "$1" = 401 ] && grep -qi "^WWW-Authenticate: Bearer.*invalid_token" "$2"' _ "$st" "$work/m3.h"
check "and is not forwarded" test "$(backend_count "$work")" = "$n1"
st=$(req m4 "$base/models/6543/latest/model")
check "an unrestricted model call without credentials passes as Anonymous" \
	test "$st" = 200 -a "$(got m4 domino-username)" = Anonymous -a "$(got m4 Authorization)" = -
alice=$(mint alice SysAdmin)
st=$(req m5 "$base/models/6543/latest/model" -H "Cookie: keygate_session=$alice" -H "Authorization: $basic")
check "a signed-in caller keeps the session's identity and its own Authorization" \
	test "$st" = 200 -a "$(got m5 domino-username)" = alice -a "$(got m5 Authorization)" = "$basic"
check "the model calls all reached the backend" test "$(backend_count "$work")" = "$((n0 + 4))"

# --- API keys: X-DMM-API-KEY like X-Domino-Api-Key -----------------------
st=$(req k1 "$base/api/monitor/v2/models" -H 'X-DMM-API-KEY: dmm-123' -H 'domino-username: admin')
check "X-DMM-API-KEY passes to Domino untouched, with no identity" \
	test "$st" = 200 -a "$(got k1 X-DMM-API-KEY)" = dmm-123 -a "$(got k1 domino-username)" = -
st=$(req k2 "http://$cp:$web2/api/monitor/v2/models" -H 'X-DMM-API-KEY: dmm-123')
check "with KeygateApiKey reject, X-DMM-API-KEY gets 401" test "$st" = 401
st=$(req k3 "http://$cp:$web2/api/x" -H 'X-Domino-Api-Key: k-123')
check "as X-Domino-Api-Key does" test "$st" = 401
check "each refusal is one log line naming the header, never the key" \
	bash -c 'grep -q "KG-0413 REJECT proto=apikey reason=api_key_refused header=X-DMM-API-KEY" "$1" &&
		! grep -q "dmm-123\|k-123" "$1"' _ "$work/error.log"

# --- /healthz: 200 without a login ------------------------------------------
st=$(req hz "$base/healthz" -H 'domino-username: admin')
check "/healthz answers 200 without a login" test "$st" = 200 -a "$(got hz domino-username)" = -
check "/healthz sets no cookie" bash -c '! grep -qi "^Set-Cookie" "$1"' _ "$work/hz.h"
st=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -H 'X-Forwarded-Proto: http' "$base/healthz")
check "/healthz answers the load balancer's plain-http check" test "$st" = 200

# --- /apps/: the app token ---------------------------------------------------
st=$(req ap "$base/apps/demo/" -H "Cookie: keygate_session=$alice" -H 'Authorization: Basic Zm9yZ2Vk')
check "an app gets the gateway's token instead of the client's Authorization" \
	bash -c '[ "$1" = 200 ] && [[ "$2" == "Bearer eyJ"* ]]' _ "$st" "$(got ap Authorization)"

# --- /toolkit/ and /grafana: identity and role headers ---------------------
st=$(req g1 "$base/grafana/api/user" -H "Cookie: keygate_session=$alice" -H 'X-WEBAUTH-USER: mallory')
check "grafana gets the user and role headers" \
	test "$st" = 200 -a "$(got g1 X-WEBAUTH-USER)" = alice -a "$(got g1 X-WEBAUTH-ROLE)" = SysAdmin
st=$(req t1 "$base/toolkit/" -H "Cookie: keygate_session=$alice" -H 'domino-roles: Librarian')
check "the toolkit gets the user and its roles" \
	test "$st" = 200 -a "$(got t1 domino-username)" = alice -a "$(got t1 domino-roles)" = SysAdmin
st=$(req g2 "$base/grafana/api/user" -H 'X-WEBAUTH-USER: admin' -H 'X-WEBAUTH-ROLE: Admin')
check "without a session grafana sees no forged user or role" \
	test "$st" = 200 -a "$(got g2 X-WEBAUTH-USER)" = - -a "$(got g2 X-WEBAUTH-ROLE)" = -

# --- /auth/: realm endpoints and SAML broker paths ---------------------------
n0=$(backend_count "$work")
st=$(req ce "$base/auth/realms/DominoRealm/protocol/openid-connect/certs")
check "the realm's certs endpoint serves the app-token keys" \
	$py -c 'import json,sys; k=json.load(open(sys.argv[1]))["keys"]; sys.exit(0 if sys.argv[2]=="200" and k and k[0]["kty"]=="RSA" and k[0]["x5c"] else 1)' "$work/ce.b" "$st"
st=$(req de "$base/auth/realms/DominoRealm/broker/corp/endpoint/descriptor")
check "the SAML broker descriptor names the ACS at the request's origin" \
	bash -c '[ "$1" = 200 ] && grep -q "Location=\"http://$2/auth/realms/DominoRealm/broker/corp/endpoint\"" "$3" && grep -q "entityID=\"https://domino.example.test/auth/realms/DominoRealm\"" "$3"' \
	_ "$st" "$cp:$web" "$work/de.b"
req dd "http://$dp:$web/auth/realms/DominoRealm/broker/corp/endpoint/descriptor" >/dev/null
check "and a data plane host's descriptor its own" grep -q "Location=\"http://$dp:$web/auth/realms/DominoRealm/broker/corp/endpoint\"" "$work/dd.b"
check "anything else under /auth/ is refused" test "$(req ac "$base/auth/realms/DominoRealm/account" -H "Cookie: keygate_session=$alice")" = 403
check "none of it reached the backend" test "$(backend_count "$work")" = "$n0"
carol=$(mint carol Practitioner)
st=$(req lo "$base/auth/realms/DominoRealm/protocol/openid-connect/logout?post_logout_redirect_uri=http%3A%2F%2F$cp%3A$web%2Fprojects" \
	-H "Cookie: keygate_session=$carol")
check "Keycloak's logout endpoint signs out and returns to a path of this origin" \
	test "$st" = 302 -a "$(header lo Location)" = /projects
check "its cleared cookie names the shared Domain" grep -qi '^Set-Cookie: keygate_session=; Path=/; Domain=example.test; Max-Age=0' "$work/lo.h"
check "the ended session no longer works" test "$(req lo2 "$base/x" -H "Cookie: keygate_session=$carol")" = 401
st=$(req lo3 "$base/auth/realms/DominoRealm/protocol/openid-connect/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.test%2F")
check "an off-site post_logout_redirect_uri becomes /" test "$st" = 302 -a "$(header lo3 Location)" = /

# --- trusted proxies -----------------------------------------------------------
spoof=(-H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: domino.example.com'
	-H 'X-Forwarded-For: 203.0.113.66' -H 'domino-username: x')
# redirect_uri of the login redirect (decoded), from OUT's Location
redirect_uri() {
	$py -c 'import sys,urllib.parse as u; q=u.parse_qs(u.urlsplit(sys.argv[1]).query); print(q["redirect_uri"][0])' "$(header "$1" Location)"
}
# the ACS URL of the SAML AuthnRequest in OUT's Location
acs_url() {
	$py -c '
import base64, re, sys, urllib.parse as u, zlib
q = u.parse_qs(u.urlsplit(sys.argv[1]).query)
xml = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15).decode()
print(re.search(r"AssertionConsumerServiceURL=\"([^\"]*)\"", xml).group(1))' "$(header "$1" Location)"
}
req u0 "$base/keygate/login?return_to=/plain" >/dev/null
req u1 "$base/keygate/login?return_to=/xf-untrusted" "${spoof[@]}" \
	-H 'Forwarded: for=198.51.100.9;proto=https;host=evil.test' >/dev/null
check "untrusted: the redirect_uri is the request's own" \
	test "$(redirect_uri u0)" = "$base/keygate/oidc/callback" -a "$(redirect_uri u1)" = "$base/keygate/oidc/callback"
check "untrusted: the login cookie is not made Secure" bash -c '
	grep -i "^Set-Cookie: keygate_login_" "$1" | grep -vqi secure' _ "$work/u1.h"
req u2 "$base/keygate/saml/corp/login" "${spoof[@]}" >/dev/null
check "untrusted: the SAML ACS is the request's own" \
	test "$(acs_url u2)" = "$base/auth/realms/DominoRealm/broker/corp/endpoint"
req u3 "$base/keygate/logout" "${spoof[@]}" >/dev/null
check "untrusted: the cleared session cookie is not made Secure" bash -c '
	grep -i "^Set-Cookie: keygate_session=" "$1" | grep -vqi secure' _ "$work/u3.h"
req u4 "$base/healthz" "${spoof[@]}" >/dev/null
check "untrusted: the backend sees none of the forged X-Forwarded-* values" \
	test "$(got u4 X-Forwarded-Proto)" = - -a "$(got u4 X-Forwarded-For)" = 127.0.0.1 -a "$(got u4 X-Forwarded-Host)" = "$cp:$web"
check "untrusted: the logs name 127.0.0.1, never the forged client" bash -c '
	grep -q "^127.0.0.1 127.0.0.1 - \"GET /keygate/login?return_to=/xf-untrusted" "$1" &&
	! grep -q 203.0.113.66 "$1" "$2"' _ "$work/access.log" "$work/error.log"
check "untrusted: the forged headers are logged as stripped" \
	grep -q "KG-0407 STRIP header=x-forwarded-for,x-forwarded-proto,x-forwarded-host reason=untrusted_proxy" "$work/error.log"

lb=(--interface 127.0.0.2)
req t0 "$base/keygate/login?return_to=/xf-trusted" "${lb[@]}" "${spoof[@]}" >/dev/null
check "trusted: the redirect_uri follows X-Forwarded-Proto and -Host" \
	test "$(redirect_uri t0)" = "https://domino.example.com/keygate/oidc/callback"
check "trusted: the login cookie is Secure" bash -c '
	grep -i "^Set-Cookie: keygate_login_" "$1" | grep -qi "; Secure"' _ "$work/t0.h"
req t2 "$base/keygate/saml/corp/login" "${lb[@]}" "${spoof[@]}" >/dev/null
check "trusted: the SAML ACS follows them" \
	test "$(acs_url t2)" = "https://domino.example.com/auth/realms/DominoRealm/broker/corp/endpoint"
req t3 "$base/keygate/logout" "${lb[@]}" "${spoof[@]}" >/dev/null
check "trusted: the cleared session cookie is Secure" bash -c '
	grep -i "^Set-Cookie: keygate_session=" "$1" | grep -qi "; Secure"' _ "$work/t3.h"
req t4 "$base/healthz" "${lb[@]}" "${spoof[@]}" >/dev/null
check "trusted: the backend gets the balancer's X-Forwarded-Proto and the client" \
	test "$(got t4 X-Forwarded-Proto)" = https -a "$(got t4 X-Forwarded-For)" = 203.0.113.66
check "trusted: the logs name the forwarded client" bash -c '
	grep -q "^203.0.113.66 203.0.113.66 - \"GET /keygate/login?return_to=/xf-trusted" "$1" &&
	grep -q "\[client 203.0.113.66" "$2"' _ "$work/access.log" "$work/error.log"
req t5 "$base/keygate/login?return_to=/fwd" "${lb[@]}" \
	-H 'Forwarded: for=198.51.100.9;proto=https;host=evil.test' >/dev/null
check "trusted: Forwarded is ignored" bash -c '
	[ "$1" = "$2" ] && grep -i "^Set-Cookie: keygate_login_" "$3" | grep -vqi secure' \
	_ "$(redirect_uri t5)" "$base/keygate/oidc/callback" "$work/t5.h"
req t6 "$base/keygate/login?return_to=/bad" "${lb[@]}" -H 'X-Forwarded-Host: evil.test/x?' \
	-H 'X-Forwarded-Proto: gopher' >/dev/null
check "trusted: values that do not parse are ignored" test "$(redirect_uri t6)" = "$base/keygate/oidc/callback"

# --- /authorizeCli: a login, then back; the cookie serves the data plane ---
st=$(req cli "$base/authorizeCli?port=41234&state=s1" -H 'Accept: */*')
check "/authorizeCli without a session is sent to log in, with its way back" \
	test "$st" = 302 -a "$(header cli Location)" = "/keygate/login?return_to=%2FauthorizeCli%3Fport%3D41234%26state%3Ds1"
last=$(browser_login "$work/jar" "$base/authorizeCli?port=41234&state=s1" "$base")
check "after the login the browser is back at /authorizeCli with its query" \
	test "$last" = "$base/authorizeCli?port=41234&state=s1"
check "and the backend serves it to the user" grep -q 'Hello, demo' "$work/jar.page"
check "the session cookie is for the whole domain, not Secure over plain http" bash -c '
	grep -i "^Set-Cookie: keygate_session=" "$1" | grep -i "; Domain=example.test;" | grep -vqi secure' _ "$work/jar.headers"
st=$(curl -s -b "$work/jar" -o "$work/dp.b" -w '%{http_code}' "http://$dp:$web/workspaces")
check "a data plane on a subdomain gets the same session" test "$st" = 200 -a "$(got dp domino-username)" = demo
check "everything else needs a session: a browser is sent to log in" \
	test "$(req e1 "$base/projects" -H 'Accept: text/html')" = 302
check "and an API client gets 401" test "$(req e2 "$base/v4/projects")" = 401

# --- SSO down: the tools' own logins ----------------------------------------
kill "$op_pid" 2>/dev/null
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$op_port") 2>/dev/null || break; sleep 0.1; done
check "(the OpenID provider is down)" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null' _ "$op_port"
st=$(req bg1 "$base/grafana/login")
check "grafana's own login page is reachable without SSO" test "$st" = 200 -a "$(got bg1 X-WEBAUTH-USER)" = -
st=$(req bg2 -X POST "$base/grafana/login" -H 'Content-Type: application/json' -d '{"user":"admin","password":"breakglass"}')
check "and its login form posts to grafana" \
	$py -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sys.argv[2]=="200" and d["method"]=="POST" and d["path"]=="/grafana/login" else 1)' "$work/bg2.b" "$st"
admin_basic="Basic $(printf 'admin:breakglass' | base64)"
st=$(req bg3 "$base/grafana/api/dashboards" -H "Authorization: $admin_basic")
check "grafana's local admin over Basic auth passes through untouched" \
	test "$st" = 200 -a "$(got bg3 Authorization)" = "$admin_basic"
check "with no identity header" no_identity bg3
st=$(req bg4 "$base/toolkit/" -H "Authorization: $admin_basic")
check "the toolkit's local login passes through too" \
	test "$st" = 200 -a "$(got bg4 Authorization)" = "$admin_basic" -a "$(got bg4 domino-username)" = -

# --- the minute-long socket -------------------------------------------------
wait "$ws_client"
check "the socket stayed open a minute with messages both ways as wsuser" $py -c '
import json, sys
o = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
ok = (o["status"] == 101 and o["hello"] == "wsuser" and o["seconds"] >= 60 and
      o["sent"] >= 10 and o["echoed"] == o["sent"] and o["pushes"] >= 10 and
      o["users"] == ["wsuser"] and o["close"] == 1000 and not o["error"])
print("# " + json.dumps(o))
sys.exit(0 if ok else 1)' "$work/ws-long.out"
check "the backend saw it end after a minute, closed by the client" \
	grep -qE '"event":"close","user":"wsuser","code":1000,"seconds":(6[0-9])' "$work/ws.log"
check "the socket outlived the session's 30 s idle timeout (the session itself has ended)" \
	test "$(req wx "$base/ws/echo" -H "Cookie: keygate_session=$wsuser")" = 401

# --- nothing secret in the logs --------------------------------------------
check "no log holds a cookie, token or credential" bash -c '
	for s in "$@"; do ! grep -qF -- "$s" "$0"/error.log "$0"/access.log || exit 1; done' \
	"$work" "$wsuser" "$alice" "$bob" "$carol" "${token##*.}" c2b2532ed234f54 "${basic#Basic }" "${admin_basic#Basic }" breakglass
check "apache2 logged no crash" no_crash "$work"
