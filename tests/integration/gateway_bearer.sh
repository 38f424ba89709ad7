#!/usr/bin/env bash
# Bearer tokens for the API through apache2 + mod_keygate: RS256 JWTs
# from a test issuer whose JWKS a loopback server serves; the checks of
# security.md §2 at the gateway (alg none, HS256 keyed with the public key,
# a flipped signature bit, wrong aud, wrong iss, expired, not yet valid),
# identity from the token's claims, Require rules, revocation by jti and
# by name, deactivated accounts, X-Domino-Api-Key, and Redis down.
# usage: gateway_bearer.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
mint="python3 $KG_TOP/tests/fixtures/mint_jwt.py"

redis_port=$(free_port) web=$(free_port) back=$(free_port) keys=$(free_port)
base="http://127.0.0.1:$web"
iss="https://issuer.keygate.test"
redis_start "$work/redis" "$redis_port" --appendonly yes
backend_start "$work" "$back"
mkdir -p "$work/keys"
openssl genrsa -out "$work/signer.pem" 2048 2>/dev/null
openssl rsa -in "$work/signer.pem" -pubout -out "$work/signer.pub" 2>/dev/null
$mint jwks "$work/signer.pem" >"$work/keys/jwks.json"
python3 -m http.server "$keys" --bind 127.0.0.1 --directory "$work/keys" >/dev/null 2>&1 &
KG_PIDS="$KG_PIDS $!"
wait_port "$keys"

head -c 48 /dev/urandom | base64 >"$work/secret"
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateRevocationCheckInterval 1
KeygateSessionLimit api user 1 deny-new "Only one API token at a time."
KeygateMappers $work/mappers.json
KeygateMapperReloadInterval 1
CONF
echo '{"identityProviderMappers": []}' >"$work/mappers.json"
httpd_config "$work" "$web" "$build" "$(cat "$work/keygate.conf")
KeygateBearerIssuer $iss http://127.0.0.1:$keys/jwks.json domino-api
KeygateMetricsAllow 127.0.0.1
KeepAliveTimeout 60
StartServers 2" "<Location /api>
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require valid-user
  KeygateIdentityHeader domino-email email
  ProxyPass http://127.0.0.1:$back/api
</Location>
<Location /admin-api>
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require keygate-role SysAdmin
  ProxyPass http://127.0.0.1:$back/admin-api
</Location>"
httpd_start "$work" "$build" || { echo "not ok - apache2 starts"; exit 1; }

now=$(date +%s)
claims() { # claims SUB JTI [EXTRA_JSON]
	python3 -c 'import json,sys; d={"iss":sys.argv[1],"aud":"domino-api","sub":sys.argv[2],"jti":sys.argv[3],"iat":int(sys.argv[4]),"exp":int(sys.argv[4])+600,"preferred_username":sys.argv[2],"email":sys.argv[2]+"@example.org","token_name":"ci-"+sys.argv[2]}; d.update(json.loads(sys.argv[5])); print(json.dumps(d))' "$iss" "$1" "$2" "$now" "${3:-{\}}"
}
good=$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-etl jti-1)")
code() { # code TOKEN [PATH]
	curl -s -o "$work/out.json" -D "$work/out.h" -w '%{http_code}' \
		-H "Authorization: Bearer $1" "$base${2:-/api/x}"
}

check "a valid token reaches the API" test "$(code "$good")" = 200
check "the backend sees the token's user and email" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["headers"]
sys.exit(0 if h.get("domino-username") == ["svc-etl"] and h.get("domino-email") == ["svc-etl@example.org"] else 1)' "$work/out.json"
check "a second request with the same token is served (warm cache)" test "$(code "$good")" = 200

n0=$(backend_count "$work")
bad() { # bad NAME TOKEN [STATUS]
	local st
	st=$(code "$2")
	if [ "$st" = "${3:-401}" ] && { [ "${3:-401}" != 401 ] ||
		grep -qi '^WWW-Authenticate: Bearer realm="keygate", error="invalid_token"' "$work/out.h"; }; then
		echo "ok - $1 is refused ($st)"
	else
		echo "not ok - $1 is refused (got $st)"
	fi
}
bad "alg none" "$($mint none "$(claims svc-etl jti-2)")"
bad "HS256 keyed with the public key" "$($mint hs256 "$work/signer.pub" test-rs256 "$(claims svc-etl jti-3)")"
bad "a flipped signature bit" "$($mint tamper "$good")"
bad "a wrong audience" "$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-etl jti-4 '{"aud":"other-api"}')")"
bad "a wrong issuer" "$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-etl jti-5 "{\"iss\":\"https://evil.test\"}")")"
bad "an expired token" "$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-etl jti-6 "{\"exp\":$((now - 3600))}")")"
bad "a token not valid yet" "$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-etl jti-7 "{\"nbf\":$((now + 3600))}")")"
bad "an unknown key id" "$($mint sign "$work/signer.pem" other-kid "$(claims svc-etl jti-8)")"
bad "a truncated token" "${good%.*}"
bad "garbage" "not-a-jwt"
check "no refused token reached the backend" test "$(backend_count "$work")" = "$n0"
check "refusals are logged with a reason" grep -q 'REJECT proto=jwt reason="\?jwt_alg' "$work/error.log"

check "Require keygate-role refuses a token without the role (403)" test "$(code "$good" /admin-api/x)" = 403

# the mapper file is reloaded without a restart; a broken one is refused,
# and every child ends on the last version that compiled, also a child
# that got no traffic while it was there (mapper_children.py pins a
# keep-alive connection to each of two children)
python3 "$KG_TOP/tests/integration/mapper_children.py" "$base" "$good" "$work/mappers.json"
check "the reload is logged" grep -q "KG-0103 mapper file .* reloaded: 1 mappers" "$work/error.log"
check "the broken file is logged with FILE:LINE:COL" grep -qE "KG-0101 mapper file rejected: \"$work/mappers.json:[0-9]+:[0-9]+: " "$work/error.log"
check "a child adopts the last good copy" grep -q "KG-0103 mapper file .* reloaded: 1 mappers, generation [0-9a-f]* (from the last good copy)" "$work/error.log"

# the API-flow session limit: each token is one session of its user
second=$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-etl jti-50)")
st=$(code "$second")
check "a second token of the same user is refused by the API session limit (403)" \
	test "$st" = 403 -a "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error_description"])' "$work/out.json")" = "Only one API token at a time."
check "the first token still works" test "$(code "$good")" = 200
"$build/keygate" sessions count --config "$work/keygate.conf" --user svc-etl >"$work/count.txt"
check "the API session shows in keygate sessions" test "$(cat "$work/count.txt")" = 1

# revocation by jti, by name; deactivated accounts
kg="$build/keygate"
"$kg" tokens revoke --config "$work/keygate.conf" --jti jti-1 --exp $((now + 600)) >/dev/null
sleep 1.2
bad "a token revoked by jti (within the check interval)" "$good"
other=$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-ml jti-20)")
check "another service's token still works" test "$(code "$other")" = 200
"$kg" tokens revoke --config "$work/keygate.conf" --name ci-svc-ml >/dev/null
sleep 1.2
bad "a token revoked by name" "$other"
third=$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-bi jti-30)")
check "a third service works" test "$(code "$third")" = 200
"$kg" accounts deactivate --config "$work/keygate.conf" --issuer "$iss" svc-bi >/dev/null
sleep 1.2
bad "a deactivated account's token" "$third"
"$kg" accounts reactivate --config "$work/keygate.conf" --issuer "$iss" svc-bi >/dev/null
sleep 1.2
check "a reactivated account's token works again" test "$(code "$third")" = 200
"$kg" sessions kill --config "$work/keygate.conf" --user svc-bi >/dev/null
bad "a token whose API session an admin killed" "$third"
check "revocations are audit events" grep -q 'AUDIT event="Token Rejected" outcome=denied actor=- target=- reason="the token is revoked' "$work/error.log"

# a secret rollover does not bring a revoked token back (the mapper
# file is whole again first: a restart refuses a broken one)
echo '{"identityProviderMappers": []}' >"$work/mappers.json"
cp "$work/secret" "$work/secret.old"
head -c 48 /dev/urandom | base64 >"$work/secret"
sed -i "s|^KeygateSessionSecret .*|KeygateSessionSecret file:$work/secret\nKeygateSessionPreviousSecret file:$work/secret.old|" "$work/httpd.conf"
apache "$build" -f "$work/httpd.conf" -k graceful
sleep 1.5
bad "a token revoked before a secret rollover" "$good"

# X-Domino-Api-Key: passed untouched, with no identity header
st=$(curl -s -o "$work/key.json" -w '%{http_code}' -H 'X-Domino-Api-Key: k-123' -H 'domino-username: admin' "$base/api/x")
check "an API-key request is passed to Domino" test "$st" = 200
check "it carries the key and no domino-username" python3 -c '
import json, sys
h = json.load(open(sys.argv[1]))["headers"]
sys.exit(0 if h.get("x-domino-api-key") == ["k-123"] and "domino-username" not in h else 1)' "$work/key.json"

# Redis down: a bearer token whose answer is not cached gets 503
kill "$(cat "$work/redis/redis.pid")"
sleep 0.3
fresh=$($mint sign "$work/signer.pem" test-rs256 "$(claims svc-new jti-40)")
n1=$(backend_count "$work")
check "with Redis down an uncached token gets 503" test "$(code "$fresh")" = 503
check "with Redis down nothing is forwarded" test "$(backend_count "$work")" = "$n1"
check "apache2 did not crash" no_crash "$work"
check "no token was logged" bash -c "! grep -q '${good:0:40}' '$work/error.log'"
