#!/usr/bin/env bash
# The gateway in a real apache2 with a real redis-server and an echo
# backend: start-time config errors, endpoints, unauthenticated actions,
# sessions, Require rules, identity headers and their scrubbing, logout,
# open-redirect guard, and Redis outages (503, never a pass).
# Sessions are minted straight into the store (tests/integration/
# mint_session); the login protocols have their own suites.
# usage: gateway_core.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"

redis_port=$(free_port) web=$(free_port) back=$(free_port)
redis_start "$work/redis" "$redis_port" --appendonly yes
backend_start "$work" "$back"
base="http://127.0.0.1:$web"

cat >"$work/mappers.json" <<'JSON'
{"identityProviderMappers": [{"name": "Email", "identityProviderAlias": "test",
 "identityProviderMapper": "oidc-user-attribute-idp-mapper",
 "config": {"claim": "email", "user.attribute": "email"}}]}
JSON
head -c 48 /dev/urandom | base64 >"$work/secret"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/app.key" -out "$work/app.crt" \
	-days 2 -subj "/CN=keygate app tokens" 2>/dev/null
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateRedisTimeout 500
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateMappers $work/mappers.json
KeygateAppJWTKey $work/app.key
KeygateAppJWTCert $work/app.crt
KeygateAppJWTIssuer https://domino.example.com/auth/realms/DominoRealm
CONF
server="$(cat "$work/keygate.conf")
KeygateMetricsAllow 127.0.0.2"
locations=$(cat <<CONF
<Location /app>
  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-roles roles
  KeygateIdentityHeader domino-email email
  ProxyPass http://127.0.0.1:$back/app
</Location>
<Location /api>
  AuthType keygate
  KeygateUnauthAction 401
  Require valid-user
  ProxyPass http://127.0.0.1:$back/api
</Location>
<Location /public>
  AuthType keygate
  KeygateUnauthAction pass
  Require valid-user
  ProxyPass http://127.0.0.1:$back/public
</Location>
<Location /open>
  AuthType keygate
  Require all granted
  KeygateIdentityHeader domino-roles roles
  ProxyPass http://127.0.0.1:$back/open
</Location>
<Location /apps>
  AuthType keygate
  Require valid-user
  KeygateAppJWT On
  ProxyPass http://127.0.0.1:$back/apps
</Location>
<Location /admin>
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require keygate-role SysAdmin
  ProxyPass http://127.0.0.1:$back/admin
</Location>
<Location /nyc>
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  <RequireAll>
    Require keygate-org nyc-data-scientists
    Require keygate-attr department "Research & Development"
  </RequireAll>
  ProxyPass http://127.0.0.1:$back/nyc
</Location>
CONF
)

# --- configuration errors stop apache2 at start, naming the value -------
bad() {
	local name=$1 extra=$2 want=$3 out
	mkdir -p "$work/bad"
	httpd_config "$work/bad" "$(free_port)" "$build" "$server
$extra" ""
	out=$(apache "$build" -f "$work/bad/httpd.conf" -t 2>&1)
	# (a quote inside a logged value is \" once httpd has escaped the
	# formatter's backslash: compared as the plain quote it stands for)
	if [ $? -ne 0 ] && sed 's/\\*"/"/g' <<<"$out" | grep -qF -- "$want"; then
		echo "ok - configtest refuses $name"
	else
		echo "not ok - configtest refuses $name"
		echo "$out" | head -3 | sed 's/^/# /'
	fi
}
bad "a bad prefix" "KeygateEndpointPrefix keygate" 'KeygateEndpointPrefix: "keygate" must be a plain absolute path'
bad "a bad limit" "KeygateRedisDatabase -1" "KeygateRedisDatabase"
bad "an unknown unauth action" "<Location /x>
KeygateUnauthAction maybe
</Location>" 'KeygateUnauthAction: "maybe" must be auto, login, 401 or pass'
bad "an empty Require keygate-role" "<Location /x>
Require keygate-role
</Location>" "keygate-role"
echo '{"identityProviderMappers": [{"name": 1}]}' >"$work/broken.json"
bad "a broken mapper file, at FILE:LINE:COL" "KeygateMappers $work/broken.json" \
	"broken.json:1:39: mapper: \"name\" must be a non-empty string"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sp" -keyout "$work/sp.key" -out "$work/sp.crt" 2>/dev/null
printf '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">\n<IDPSSODescriptor>\n</Broken>\n' >"$work/broken-md.xml"
saml_bad="KeygateBaseURL https://gw.example
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLProvider corp"
bad "IdP metadata that is not XML, at FILE:LINE:COL" "$saml_bad $work/broken-md.xml" \
	"broken-md.xml:3:10: not well-formed XML: Opening and ending tag mismatch"
printf '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x">\n<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>\n</EntityDescriptor>\n' >"$work/nosso-md.xml"
bad "IdP metadata without an HTTP-Redirect SSO service, at its line" "$saml_bad $work/nosso-md.xml" \
	"nosso-md.xml:2:1: the IDPSSODescriptor has no SingleSignOnService"
bad "AWS credentials without a region" "$saml_bad $work/nosso-md.xml
KeygateAwsCredentials On" "KeygateAwsCredentials On needs KeygateAwsRegion"
mkdir -p "$work/bad2"
httpd_config "$work/bad2" "$(free_port)" "$build" "$server
KeygateMappers $work/broken.json" ""
chmod 755 "$work" "$work/bad2"
if ! apache "$build" -f "$work/bad2/httpd.conf" -k start 2>"$work/bad2/out" &&
	cat "$work/bad2/out" "$work/bad2/error.log" 2>/dev/null | grep -qF 'broken.json:1:39: mapper: \\"name\\" must be a non-empty string'; then
	echo "ok - a broken mapper file stops the start with FILE:LINE:COL"
else
	echo "not ok - a broken mapper file stops the start with FILE:LINE:COL"
	cat "$work/bad2/out" "$work/bad2/error.log" 2>/dev/null | tail -3 | sed 's/^/# /'
	[ -s "$work/bad2/httpd.pid" ] && kill "$(cat "$work/bad2/httpd.pid")"
fi

# --- the running gateway ------------------------------------------------
httpd_config "$work" "$web" "$build" "$server" "$locations"
if ! httpd_start "$work" "$build"; then
	echo "not ok - apache2 starts with mod_keygate"
	exit 1
fi
echo "ok - apache2 starts with mod_keygate"

# req OUT CURL-ARGS...: writes headers to OUT.h, body to OUT.b, prints
# the status.
req() {
	local out=$1
	shift
	curl -s -o "$work/$out.b" -D "$work/$out.h" -w '%{http_code}' "$@"
}
header() { # header OUT NAME
	sed -n "s/^$2: *//Ip" "$work/$1.h" | tr -d '\r'
}
mint() {
	"$build/tests/integration/mint_session" "$work/keygate.conf" "$@"
}

check "health answers 200" test "$(req h "$base/keygate/health")" = 200

n0=$(backend_count "$work")
st=$(req a "$base/app/page?x=1" -H 'Accept: text/html')
check "a browser without a session is sent to login" \
	test "$st" = 302 -a "$(header a Location)" = "/keygate/login?return_to=%2Fapp%2Fpage%3Fx%3D1"
st=$(req b "$base/app/data" -H 'Accept: application/json')
check "an API call without credentials gets 401 Bearer" \
	test "$st" = 401 -a "$(header b WWW-Authenticate)" = 'Bearer realm="keygate"'
st=$(req c "$base/api/x" -H 'Accept: text/html')
check "KeygateUnauthAction 401 answers browsers 401 too" test "$st" = 401
check "nothing unauthenticated reached the backend" test "$(backend_count "$work")" = "$n0"

st=$(req d "$base/public/p" -H 'domino-username: admin' -H 'Domino_Username: root' -H 'DOMINO-USERNAME: x')
check "a pass location lets an anonymous caller through" test "$st" = 200
check "the backend sees exactly one domino-username: Anonymous" \
	python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["headers"]; sys.exit(0 if h.get("domino-username")==["Anonymous"] and "domino_username" not in h else 1)' "$work/d.b"
check "the spoofed headers were logged as stripped" grep -q "KG-0404 STRIP header=domino-username" "$work/error.log"

st=$(req op "$base/open/x" -H 'domino-roles: SysAdmin' -H 'Domino_Roles: SysAdmin' -H 'domino-username: admin')
check "where httpd grants access without a user, forged identity headers are still removed" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["headers"]
sys.exit(0 if not any(k in h for k in ("domino-roles", "domino_roles", "domino-username")) else 1)' "$work/op.b"

alice=$(mint alice SysAdmin org:nyc-data-scientists "attr:department=Research & Development")
bob=$(mint bob Practitioner)
check "sessions can be minted" test -n "$alice" -a -n "$bob"
st=$(req e "$base/app/x" -H "Cookie: keygate_session=$alice" -H 'domino-username: mallory' -H 'domino-roles: SysAdmin,Librarian')
check "a session reaches the backend" test "$st" = 200
check "the backend sees alice's identity, not the forged one" \
	python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["headers"]; sys.exit(0 if h.get("domino-username")==["alice"] and h.get("domino-roles")==["SysAdmin"] and h.get("domino-email")==["alice@example.org"] else 1)' "$work/e.b"

st=$(req e2 "$base/app/x" -H "Cookie: theme=dark; keygate_session=$alice; keygate_login_AAAAAAAAAAAAAAAA=x; lang=en")
check "the backend never sees keygate's cookies, only the others" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["headers"]
sys.exit(0 if h.get("cookie") == ["theme=dark; lang=en"] else 1)' "$work/e2.b"

# the app identity token: RS256 by the gateway's key, verifiable with the
# certificate in the JWKS's x5c, as Domino's sample app does
st=$(req ap "$base/apps/x" -H "Cookie: keygate_session=$alice" -H 'Authorization: Basic Zm9yZ2Vk')
req jw "$base/keygate/jwks" >/dev/null
check "an app location gets a gateway-signed token instead of the client's" python3 - "$work/ap.b" "$work/jw.b" "$work" <<'PY'
import base64, json, subprocess, sys, time
h = json.load(open(sys.argv[1]))["headers"]
auth = h.get("authorization", [""])[0]
assert auth.startswith("Bearer "), auth
token = auth[7:]
head, payload, sig = token.split(".")
d = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
hdr, claims = json.loads(d(head)), json.loads(d(payload))
key = json.load(open(sys.argv[2]))["keys"][0]
assert hdr["alg"] == "RS256" and hdr["kid"] == key["kid"]
assert claims["aud"] == ["apps"] and claims["preferred_username"] == "alice"
assert claims["iss"] == "https://domino.example.com/auth/realms/DominoRealm"
assert claims["email"] == "alice@example.org" and 0 < claims["exp"] - time.time() <= 300
work = sys.argv[3]
open(f"{work}/x5c.der", "wb").write(base64.b64decode(key["x5c"][0]))
subprocess.run(["openssl", "x509", "-inform", "DER", "-in", f"{work}/x5c.der", "-pubkey", "-noout",
                "-out", f"{work}/x5c.pub"], check=True)
open(f"{work}/sig.bin", "wb").write(d(sig))
open(f"{work}/signed.txt", "w").write(head + "." + payload)
r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", f"{work}/x5c.pub", "-signature",
                    f"{work}/sig.bin", f"{work}/signed.txt"], capture_output=True)
sys.exit(r.returncode)
PY

check "Require keygate-role admits a SysAdmin" test "$(req f "$base/admin/" -H "Cookie: keygate_session=$alice")" = 200
n1=$(backend_count "$work")
check "Require keygate-role refuses a Practitioner with 403" test "$(req g "$base/admin/" -H "Cookie: keygate_session=$bob")" = 403
check "RequireAll of keygate-org and keygate-attr admits alice" test "$(req i "$base/nyc/" -H "Cookie: keygate_session=$alice")" = 200
check "RequireAll of keygate-org and keygate-attr refuses bob" test "$(req j "$base/nyc/" -H "Cookie: keygate_session=$bob")" = 403
check "refused requests were not forwarded" test "$(backend_count "$work")" = "$((n1 + 1))"

st=$(req s "$base/keygate/session" -H "Cookie: keygate_session=$alice")
check "the session endpoint describes the caller's session" \
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["user"]["username"]=="alice" and d["user"]["roles"]==["SysAdmin"] and d["protocol"]=="oidc" else 1)' "$work/s.b"
check "the session endpoint holds no cookie value" bash -c "! grep -q '$alice' '$work/s.b'"
check "the session endpoint is not cached" test "$(header s Cache-Control)" = no-store
check "the session endpoint answers 401 without a session" test "$(req t "$base/keygate/session")" = 401

malformed=0
for cookie in '*' 'abc def' "${alice}x" "${alice:0:42}*" "${alice:0:42}" '%00' "$(head -c 4000 /dev/zero | tr '\0' a)"; do
	st=$(req m "$base/app/x" -H "Cookie: keygate_session=$cookie" -H 'Accept: application/json')
	[ "$st" = 401 ] || { echo "# cookie ${cookie:0:20}: $st"; malformed=1; }
done
check "malformed cookies ('*', a space, one character off or short, 4 KB) are no session" test $malformed = 0
check "a 10 KB cookie is refused by httpd with 400" \
	test "$(req m "$base/app/x" -H "Cookie: keygate_session=$(head -c 10000 /dev/zero | tr '\0' a)")" = 400

st=$(req l "$base/keygate/logout?return_to=/bye" -H "Cookie: keygate_session=$bob")
check "logout redirects to the local return path" test "$st" = 302 -a "$(header l Location)" = /bye
check "logout clears the cookie" bash -c "grep -qi '^Set-Cookie: keygate_session=;' '$work/l.h'"
check "the ended session no longer works" test "$(req k "$base/app/x" -H "Cookie: keygate_session=$bob" -H 'Accept: application/json')" = 401

# Open redirects: every payload of mod_auth_openidc's list as return_to;
# the Location must stay on this origin.
python3 - "$base" "$KG_TOP/../shared/vectors/open-redirect/payloads.txt" >"$work/redirects.out" <<'PY'
import sys, urllib.parse, urllib.request, http.client
base, payloads = sys.argv[1], sys.argv[2]
host = urllib.parse.urlsplit(base)
bad = 0
total = 0
for line in open(payloads, encoding="utf-8", errors="replace"):
    p = line.rstrip("\n")
    total += 1
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    conn.request("GET", "/keygate/logout?return_to=" + urllib.parse.quote(p, safe=""))
    r = conn.getresponse()
    loc = r.getheader("Location") or ""
    r.read()
    conn.close()
    target = urllib.parse.urlsplit(urllib.parse.urljoin(base + "/keygate/logout", loc))
    if r.status != 302 or (target.hostname, target.port) != (host.hostname, host.port) or "\\" in loc:
        bad += 1
        print("OFFSITE", repr(p), "->", repr(loc))
print("checked", total, "bad", bad)
PY
check "no open-redirect payload leaves the origin ($(tail -1 "$work/redirects.out"))" \
	grep -q "bad 0$" "$work/redirects.out"
check "a replaced return path is logged (KG-0403)" \
	grep -q "KG-0403 REJECT proto=redirect reason=redirect_rejected param=return_to" "$work/error.log"

# Metrics: only for KeygateMetricsAllow addresses; counted across children
check "metrics are hidden from an address not allowed (404)" \
	test "$(req mt "$base/keygate/metrics")" = 404
httpd_config "$work" "$web" "$build" "$(cat "$work/keygate.conf")
KeygateMetricsAllow 127.0.0.1" "$locations"
apache "$build" -f "$work/httpd.conf" -k graceful
sleep 1
for _ in 1 2 3; do req mx "$base/app/x" -H "Cookie: keygate_session=$alice" >/dev/null; done
req mx "$base/api/x" >/dev/null
check "metrics answer the allowed address in Prometheus text" \
	test "$(req mt "$base/keygate/metrics")" = 200
check "metrics count requests with a session and 401s" python3 -c '
import re, sys
t = open(sys.argv[1]).read()
def v(label):
    m = re.search(r"^keygate_requests_total\{outcome=\"%s\"\} (\d+)$" % label, t, re.M)
    return int(m.group(1)) if m else -1
sys.exit(0 if v("session") >= 3 and v("unauthorized") >= 1 and "# TYPE keygate_logins_total counter" in t else 1)' "$work/mt.b"

# Redis down: 503 and nothing forwarded, for every kind of request.
kill "$(cat "$work/redis/redis.pid")"
sleep 0.3
n2=$(backend_count "$work")
st=$(req o "$base/app/x" -H "Cookie: keygate_session=$alice")
check "with Redis down a session request gets 503 (got $st)" test "$st" = 503
st=$(req p "$base/keygate/health")
check "with Redis down the health endpoint says 503 (got $st)" test "$st" = 503
check "with Redis down nothing is forwarded" test "$(backend_count "$work")" = "$n2"
check "the outage is logged with a reason" grep -q "reason=cache_unavailable" "$work/error.log"
check "a session request in the outage is logged as KG-0401" \
	grep -q "KG-0401 REJECT proto=session reason=cache_unavailable" "$work/error.log"
check "the health check in the outage is logged as KG-0406" \
	grep -q "KG-0406 health: redis unreachable" "$work/error.log"
redis_start "$work/redis" "$redis_port" --appendonly yes
# each process's circuit breaker lets one probe through every 200 ms, so
# the first requests after the return may still get 503: 3 s at most
for _ in $(seq 30); do
	st=$(req q "$base/app/x" -H "Cookie: keygate_session=$alice")
	[ "$st" = 200 ] && break
	sleep 0.1
done
check "after Redis returns the same session works again (got $st)" test "$st" = 200
check "no session id or cookie value was logged" bash -c "! grep -q -e '$alice' -e '$bob' '$work/error.log' '$work/access.log'"
check "apache2 did not crash and no sanitizer report was written" no_crash "$work"
if ls "$work"/san/report.* >/dev/null 2>&1; then
	head -30 "$work"/san/report.* | sed 's/^/# /'
fi
