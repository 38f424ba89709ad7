#!/usr/bin/env bash
# Two replicas of the gateway: two apache2 instances with the same
# keygate configuration (same KeygateSessionSecret, same Redis, same public
# URL KeygateBaseURL) share one redis-server, each in front of its own echo
# backend so a test can tell which replica served a request. A login on A
# works on B with the same cookie; logout on B ends it on A; the SSO
# session limit (deny-new, then terminate-oldest) holds across both.
#
# The public URL is replica A's address. A client that a load balancer
# pins to replica B is curl with --connect-to PUBLIC:B: the URL, the Host
# header and the cookies stay the public ones, the connection goes to B
# (KG_VIA below; the OpenID provider's own address is never rerouted).
# usage: gateway_replicas.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d -t keygate-replicas.XXXXXX)
trap 'stop_all; rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
command -v node >/dev/null || skip_all "node is not installed"
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip_all "npm packages not installed (make deps)"

# curl, also inside browser_login: with KG_VIA=HOST:PORT:HOST2:PORT2 set,
# connections to HOST:PORT go to HOST2:PORT2 (a load balancer's routing).
curl() { command curl ${KG_VIA:+--connect-to "$KG_VIA"} "$@"; }

redis_port=$(free_port) pa=$(free_port) pb=$(free_port) op_port=$(free_port)
back_a=$(free_port) back_b=$(free_port)
base="http://127.0.0.1:$pa"
issuer="http://127.0.0.1:$op_port"
via_b="127.0.0.1:$pa:127.0.0.1:$pb"
redis_start "$work/redis" "$redis_port"
mkdir -p "$work/backA" "$work/backB"
backend_start "$work/backA" "$back_a"
backend_start "$work/backB" "$back_b"
op_start "$work" "$op_port" keygate keygate-test-secret "$base/keygate/oidc/callback" \
	OP_POST_LOGOUT_URI="$base/bye" || { echo "not ok - the provider starts"; exit 1; }

cat >"$work/mappers.json" <<'JSON'
{"identityProviders": [{"alias": "corp", "providerId": "oidc", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": [
  {"name": "Admins", "identityProviderAlias": "corp",
   "identityProviderMapper": "oidc-role-idp-mapper",
   "config": {"syncMode": "INHERIT", "claim": "groups", "claim.value": "nyc-data-scientists", "role": "SysAdmin"}}]}
JSON
head -c 48 /dev/urandom | base64 >"$work/secret"
echo keygate-test-secret >"$work/client-secret"

# replica DIR PORT BACKEND_PORT EXTRA: writes and starts one apache2; the
# keygate lines are the same for every replica.
replica() {
	local dir="$work/$1" port=$2 back=$3
	mkdir -p "$dir"
	httpd_config "$dir" "$port" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateOIDCProvider corp $issuer
KeygateOIDCClientID keygate
KeygateOIDCScope openid profile email groups
KeygateOIDCClientSecret file:$work/client-secret
$4" "<Location /app>
  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-roles roles
  ProxyPass http://127.0.0.1:$back/app
</Location>
<Location /bye>
  ProxyPass http://127.0.0.1:$back/bye
</Location>"
	httpd_start "$dir" "$build"
}
# stop_replica DIR: stops one apache2 by its pid and waits for it to go.
stop_replica() {
	local pid
	pid=$(cat "$work/$1/httpd.pid")
	kill "$pid"
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.05
	done
}
# pair SUFFIX EXTRA: starts replicas A and B (in $work/aSUFFIX, bSUFFIX).
pair() {
	replica "a$1" "$pa" "$back_a" "$2" && replica "b$1" "$pb" "$back_b" "$2"
}
# api COOKIE OUT A|B URL: GET URL as an API client (JSON) with session COOKIE
# through the replica named; prints the status, the body goes to OUT.
api() {
	local cookie=$1 out=$2 where=$3 url=$4 via=""
	[ "$where" = B ] && via=$via_b
	KG_VIA=$via curl -s -o "$work/$out" -w '%{http_code}' \
		-H "Cookie: keygate_session=$cookie" -H 'Accept: application/json' "$url"
}
cookie_of() { # cookie_of JAR: the keygate_session value in a curl cookie jar
	awk '$6 == "keygate_session" && $7 != "" { v = $7 } END { print v }' "$1"
}
count() { backend_count "$work/back$1"; }
sessions_in_redis() { # how many session records (keygate:s:*) Redis holds
	redis-cli -p "$redis_port" --scan --pattern 'keygate:s:*' | wc -l
}
served() { # served DIR PATTERN: how many lines of DIR's access log match
	grep -c "$2" "$work/$1/access.log"
}

pair 1 "" || { echo "not ok - both replicas start"; exit 1; }
echo "ok - two replicas start with the same keygate configuration"

# --- a login on A works on B ---------------------------------------------
final=$(browser_login "$work/jar1" "$base/app/one" "$base")
check "a login on replica A lands on A's backend" grep -q 'Hello, demo' "$work/jar1.page"
check "replica A handled the callback, B did not" \
	test "$(served a1 'GET /keygate/oidc/callback')" = 1 -a "$(served b1 'GET /keygate/oidc/callback')" = 0
s1=$(cookie_of "$work/jar1")
check "the login set a session cookie" test -n "$s1"
na=$(count A) nb=$(count B)
st=$(api "$s1" b1.json B "$base/app/b")
check "the same cookie is a session on replica B (got $st)" test "$st" = 200
check "B's backend sees domino-username demo and the mapped role" \
	python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["headers"]; sys.exit(0 if h.get("domino-username")==["demo"] and h.get("domino-roles")==["SysAdmin"] else 1)' "$work/b1.json" 2>/dev/null
check "that request went to B's backend, not A's" test "$(count B)" = $((nb + 1)) -a "$(count A)" = "$na"
KG_VIA=$via_b curl -s -o "$work/sess-b.json" -H "Cookie: keygate_session=$s1" "$base/keygate/session"
check "B's session endpoint describes A's login (user demo, corp, oidc)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["user"]["username"] == "demo" and d["idp"] == "corp" and d["protocol"] == "oidc" else 1)' "$work/sess-b.json" 2>/dev/null
check "a forged cookie is no session on B either" \
	test "$(api "${s1%?}A" x.json B "$base/app/x")" = 401

# --- logout on B ends it on A ----------------------------------------------
check "before logout A still serves the session" test "$(api "$s1" a1.json A "$base/app/a")" = 200
loc=$(KG_VIA=$via_b curl -s -b "$work/jar1" -c "$work/jar1" -o /dev/null -D "$work/logout.h" \
	-w '%{redirect_url}' "$base/keygate/logout?return_to=/bye")
check "logout on B redirects to the provider's end-session endpoint" \
	bash -c "case '$loc' in '$issuer'/session/end*) exit 0;; *) exit 1;; esac"
check "logout on B clears the cookie" grep -qi '^Set-Cookie: keygate_session=;' "$work/logout.h"
check "replica B served the logout" test "$(served b1 'GET /keygate/logout')" = 1
na=$(count A)
st=$(api "$s1" a2.json A "$base/app/a")
check "after logout on B, A refuses the old cookie (got $st)" test "$st" = 401
st=$(KG_VIA="" curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Cookie: keygate_session=$s1" \
	-H 'Accept: text/html' "$base/app/page")
check "a browser on A with the old cookie is sent to login (got $st)" \
	bash -c "case '$st' in '302 '*/keygate/login*) exit 0;; *) exit 1;; esac"
check "nothing was forwarded on A for the ended session" test "$(count A)" = "$na"

# --- KeygateSessionLimit sso user 1 deny-new, across replicas -------------
stop_replica a1
stop_replica b1
pair 2 'KeygateSessionLimit sso user 1 deny-new "Only one Domino session at a time."' ||
	{ echo "not ok - both replicas restart with deny-new"; exit 1; }
redis-cli -p "$redis_port" flushall >/dev/null
browser_login "$work/jar2a" "$base/app/" "$base" >/dev/null
check "deny-new: the first login, on A, is created" grep -q 'Hello, demo' "$work/jar2a.page"
s2a=$(cookie_of "$work/jar2a")
KG_VIA=$via_b browser_login "$work/jar2b" "$base/app/" "$base" >/dev/null
check "deny-new: the login went through replica B" \
	test "$(served b2 'GET /keygate/oidc/callback')" = 1 -a "$(served a2 'GET /keygate/oidc/callback')" = 1
check "deny-new: a second login via B is refused with the limit's message" \
	grep -q 'Only one Domino session at a time.' "$work/jar2b.page"
check "deny-new: the refused login got no session cookie" \
	bash -c "! grep -qi '^Set-Cookie: keygate_session=[A-Za-z0-9_-]' '$work/jar2b.headers'"
check "deny-new: B logged the refusal as an audit event" \
	grep -q 'AUDIT event="User Log In" outcome=denied actor=demo target=demo idp=corp reason=session_limit' "$work/b2/error.log"
check "deny-new: Redis holds one session" test "$(sessions_in_redis)" = 1
check "deny-new: A's session still works, on A and on B" \
	test "$(api "$s2a" x.json A "$base/app/x")/$(api "$s2a" y.json B "$base/app/y")" = 200/200
# and the other way round: the limit counts a session made through B
KG_VIA=$via_b curl -s -o /dev/null -H "Cookie: keygate_session=$s2a" "$base/keygate/logout"
KG_VIA=$via_b browser_login "$work/jar2c" "$base/app/" "$base" >/dev/null
s2c=$(cookie_of "$work/jar2c")
check "deny-new: after logout a login via B is created" \
	test -n "$s2c" -a "$(api "$s2c" x.json B "$base/app/x")" = 200
browser_login "$work/jar2d" "$base/app/" "$base" >/dev/null
check "deny-new: then a login on A is refused while B's session lives" \
	grep -q 'Only one Domino session at a time.' "$work/jar2d.page"

# --- terminate-oldest: the login on B evicts A's session --------------------
stop_replica a2
stop_replica b2
pair 3 'KeygateSessionLimit sso user 1 terminate-oldest' ||
	{ echo "not ok - both replicas restart with terminate-oldest"; exit 1; }
redis-cli -p "$redis_port" flushall >/dev/null
browser_login "$work/jar3a" "$base/app/" "$base" >/dev/null
s3a=$(cookie_of "$work/jar3a")
check "terminate-oldest: a login on A is created" \
	test -n "$s3a" -a "$(api "$s3a" x.json A "$base/app/x")" = 200
KG_VIA=$via_b browser_login "$work/jar3b" "$base/app/" "$base" >/dev/null
s3b=$(cookie_of "$work/jar3b")
check "terminate-oldest: the login via B is created" \
	test -n "$s3b" -a "$s3b" != "$s3a" -a "$(served b3 'GET /keygate/oidc/callback')" = 1 &&
	grep -q 'Hello, demo' "$work/jar3b.page"
na=$(count A)
st=$(api "$s3a" x.json A "$base/app/x")
check "terminate-oldest: A's evicted session gets 401 on A (got $st)" test "$st" = 401
st=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -H "Cookie: keygate_session=$s3a" \
	-H 'Accept: text/html' "$base/app/page")
check "terminate-oldest: a browser with A's cookie is sent to login (got $st)" \
	bash -c "case '$st' in '302 '*/keygate/login*) exit 0;; *) exit 1;; esac"
check "terminate-oldest: the evicted session is refused on B too" \
	test "$(api "$s3a" x.json B "$base/app/x")" = 401
check "terminate-oldest: nothing was forwarded on A for the evicted session" test "$(count A)" = "$na"
check "terminate-oldest: B's new session works on A and B" \
	test "$(api "$s3b" x.json A "$base/app/x")/$(api "$s3b" y.json B "$base/app/y")" = 200/200
check "terminate-oldest: Redis holds one session, B's" test "$(sessions_in_redis)" = 1

for d in a1 b1 a2 b2 a3 b3; do
	check "apache2 ($d) did not crash" no_crash "$work/$d"
done
check "no session id in any log" bash -c "! grep -q -e '$s1' -e '$s2a' -e '$s3a' -e '$s3b' '$work'/[ab][123]/*.log"
