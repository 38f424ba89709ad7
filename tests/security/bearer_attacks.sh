#!/usr/bin/env bash
# security.md 2 (bearer tokens) and 4 (hop-by-hop headers) through the
# real stack: apache2 + mod_keygate, Redis with API sessions on, the echo
# backend, and JWKS documents a loopback server publishes. Tokens come
# from tests/fixtures/mint_jose.mjs, one valid baseline and one mutation
# per case. A refusal must hold security.md 0.1's invariants: the status,
# the reason token logged for that request, no session (no cookie, no
# record in Redis), nothing forwarded; and no crash and no token in the
# log overall. Cases:
#   - only access tokens: typ, ID tokens (nonce, at_hash, Keycloak's typ
#     ID, an aud naming the login client), logout tokens (events);
#   - KeygateBearerClients: azp / client_id allow-list, several audiences;
#   - JWKs used only as use / key_ops / alg allow;
#   - exact signature lengths (ES256 64 bytes, RSA the modulus);
#   - a UTF-8 byte-order mark in a token's JSON or in a JWKS;
#   - access_token in the query or a form body (refused; then stripped);
#   - usernames that only trimming or case folding make another user's;
#   - Connection tokens naming identity headers, in every spelling.
# usage: bearer_attacks.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
command -v node >/dev/null || skip_all "node is not installed"

redis_port=$(free_port) web=$(free_port) back=$(free_port) keys=$(free_port)
base="http://127.0.0.1:$web"
iss="https://issuer.keygate.test"    # the login provider, login client domino-web
iss2="https://partners.keygate.test" # KeygateBearerClients domino-cli
iss3="https://bom.keygate.test"      # its JWKS starts with a byte-order mark
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
mkdir -p "$work/keys"

# --- keys, JWKS and tokens ----------------------------------------------
python3 - "$iss" "$iss2" "$iss3" >"$work/plan.json" <<'PY'
import json, sys
iss, iss2, iss3 = sys.argv[1:4]
def claims(sub, jti, **extra):
    c = {"iss": iss, "aud": "domino-api", "sub": sub, "preferred_username": sub,
         "email": sub + "@example.org", "jti": jti, "iat": "now", "exp": "now+600"}
    c.update(extra)
    return {k: v for k, v in c.items() if v is not None}
RS = {"alg": "RS256", "kid": "rs"}
def rs(sub, jti, header=None, **extra):
    return {"key": "rs", "header": header or RS, "claims": claims(sub, jti, **extra)}
tokens = {
    # only access tokens
    "ok": rs("svc-a", "j-ok"),
    "typ-jwt": rs("svc-typ1", "j-typ1", {**RS, "typ": "JWT"}),
    "typ-at-jwt": rs("svc-typ2", "j-typ2", {**RS, "typ": "at+jwt"}),
    "typ-dpop": rs("svc-a", "j-dpop", {**RS, "typ": "dpop+jwt"}),
    "typ-logout": rs("svc-a", "j-tlo", {**RS, "typ": "logout+jwt"}),
    "id-nonce": rs("svc-a", "j-nonce", nonce="n-1"),
    "id-at-hash": rs("svc-a", "j-ath", at_hash="x4yZ"),
    "id-kc-typ": rs("svc-a", "j-kcid", typ="ID"),
    "id-login-aud": rs("svc-a", "j-laud", aud="domino-web", azp="domino-web"),
    "logout-events": rs("svc-a", "j-ev", events={
        "http://schemas.openid.net/event/backchannel-logout": {}}, sid="s-1"),
    "kc-refresh": rs("svc-a", "j-ref", typ="Refresh"),
    "kc-bearer-nonce": rs("svc-kc", "j-kcb", typ="Bearer", nonce="n-2"),
    "multi-aud-no-list": rs("svc-multi", "j-multi", aud=["domino-api", "billing-api"],
                            azp="rogue"),
    # KeygateBearerClients
    "cli-azp": rs("svc-cli1", "j-c1", iss=iss2, azp="domino-cli"),
    "cli-client-id": rs("svc-cli2", "j-c2", iss=iss2, client_id="domino-cli"),
    "cli-rogue": rs("svc-a", "j-c3", iss=iss2, azp="rogue"),
    "cli-rogue-client-id": rs("svc-a", "j-c4", iss=iss2, client_id="rogue"),
    "cli-none": rs("svc-a", "j-c5", iss=iss2),
    "cli-disagree": rs("svc-a", "j-c6", iss=iss2, azp="domino-cli", client_id="rogue"),
    "cli-multi-aud": rs("svc-a", "j-c7", iss=iss2, aud=["domino-api", "billing-api"],
                        azp="rogue"),
    "cli-id-token": rs("svc-a", "j-c8", iss=iss2, aud="domino-cli", azp="domino-cli"),
    # JWK use / key_ops / alg
    "kid-enc-use": rs("svc-a", "j-k1", {"alg": "RS256", "kid": "enc-use"}),
    "kid-enc-ops": rs("svc-a", "j-k2", {"alg": "RS256", "kid": "enc-ops"}),
    "kid-enc-alg": rs("svc-a", "j-k3", {"alg": "RS256", "kid": "enc-alg"}),
    "kid-ops-verify": rs("svc-ops", "j-k4", {"alg": "RS256", "kid": "ops-verify"}),
    "kid-ec-enc": {"key": "ec", "header": {"alg": "ES256", "kid": "ec-enc"},
                   "claims": claims("svc-a", "j-k5")},
    # signature lengths
    "es256": {"key": "ec", "header": {"alg": "ES256", "kid": "ec"},
              "claims": claims("svc-ec", "j-es")},
    "es256-padded": {"key": "ec", "header": {"alg": "ES256", "kid": "ec"},
                     "claims": claims("svc-ec", "j-es"), "sig": "pad"},
    "es256-short": {"key": "ec", "header": {"alg": "ES256", "kid": "ec"},
                    "claims": claims("svc-ec", "j-es"), "sig": "short"},
    "rs256-no-zero": {**rs("svc-zero", "j-zero"), "sig": "strip_zero"},
    "rs256-long": {**rs("svc-a", "j-ok"), "sig": "long"},
    # byte-order marks
    "bom-payload": {**rs("svc-a", "j-bom1"), "bom_payload": True},
    "bom-header": {**rs("svc-a", "j-bom2"), "bom_header": True},
    "bom-jwks": rs("svc-a", "j-bom3", iss=iss3),
    # usernames
    "user-trailing-space": rs("u1", "j-u1", preferred_username="admin "),
    "user-upper": rs("u2", "j-u2", preferred_username="ADMIN"),
    "user-fullwidth-upper": rs("u3", "j-u3", preferred_username="\uff21\uff24\uff2d\uff29\uff2e"),
    "user-zero-width": rs("u4", "j-u4", preferred_username="ad\u200bmin"),
    "user-tab": rs("u5", "j-u5", preferred_username="\tadmin"),
    "user-nbsp": rs("u6", "j-u6", preferred_username="admin\u00a0"),
    "user-fullwidth-lower": rs("u7", "j-u7", preferred_username="\uff42\uff4f\uff42"),
    # for the settings that allow folding (after the graceful restart)
    "user-upper-2": rs("u8", "j-u8", preferred_username="CAROL"),
    "user-fullwidth-upper-2": rs("u9", "j-u9", preferred_username="\uff21\uff2c\uff29\uff23\uff25"),
    "user-trailing-space-2": rs("u10", "j-u10", preferred_username="dave "),
}
jwks = {
    "jwks.json": {"keys": [
        {"key": "rs", "kid": "rs", "use": "sig", "alg": "RS256"},
        {"key": "rs", "kid": "enc-use", "use": "enc"},
        {"key": "rs", "kid": "enc-ops", "key_ops": ["encrypt", "wrapKey"]},
        {"key": "rs", "kid": "enc-alg", "alg": "RSA-OAEP"},
        {"key": "rs", "kid": "ops-verify", "key_ops": ["verify"]},
        {"key": "ec", "kid": "ec", "use": "sig", "alg": "ES256"},
        {"key": "ec", "kid": "ec-enc", "use": "enc", "alg": "ECDH-ES"}]},
    "bom-jwks.json": {"bom": True, "keys": [
        {"key": "rs", "kid": "rs", "use": "sig", "alg": "RS256"}]},
}
print(json.dumps({"keys": {"rs": "rsa", "ec": "ec"}, "jwks": jwks, "tokens": tokens}))
PY
node "$KG_TOP/tests/fixtures/mint_jose.mjs" "$work/keys" <"$work/plan.json" ||
	{ echo "not ok - the test tokens are made"; exit 1; }
tok() { cat "$work/keys/tokens/$1"; }
python3 -m http.server "$keys" --bind 127.0.0.1 --directory "$work/keys" >/dev/null 2>&1 &
KG_PIDS="$KG_PIDS $!"
wait_port "$keys"

head -c 48 /dev/urandom | base64 >"$work/secret"
echo '{"identityProviderMappers": []}' >"$work/mappers.json"
server_conf() { # server_conf EXTRA_LINES
	cat <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateSessionLimit api user 100 deny-new
KeygateMappers $work/mappers.json
KeygateBaseURL $base
KeygateOIDCProvider corp $iss
KeygateOIDCClientID domino-web
KeygateBearerIssuer $iss http://127.0.0.1:$keys/jwks.json domino-api
KeygateBearerIssuer $iss2 http://127.0.0.1:$keys/jwks.json domino-api
KeygateBearerClients $iss2 domino-cli
KeygateBearerIssuer $iss3 http://127.0.0.1:$keys/bom-jwks.json domino-api
$1
CONF
}
locations="<Location /api>
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require valid-user
  KeygateIdentityHeader domino-email email
  ProxyPass http://127.0.0.1:$back/api
</Location>"
httpd_config "$work" "$web" "$build" "$(server_conf "")" "$locations"
httpd_start "$work" "$build" || { echo "not ok - apache2 starts"; exit 1; }

# --- helpers -----------------------------------------------------------
sessions() { redis-cli -p "$redis_port" --scan --pattern 'keygate:s:*' | wc -l; }
log_lines() { wc -l <"$work/error.log"; }
# call CURL_ARGS...: the status; the answer in $work/out.{json,h}
call() {
	curl -s -o "$work/out.json" -D "$work/out.h" -w '%{http_code}' "$@"
}
# backend_saw KEY: the first value of header KEY (or "path", "body") the
# backend got for the last forwarded request
backend_saw() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
k = sys.argv[2]
v = d.get(k) if k in ("path", "body") else d["headers"].get(k, ["-"])[0]
print("-" if v is None else v)' "$work/out.json" "$1" 2>/dev/null
}
# refused NAME STATUS REASON CURL_ARGS...: security.md 0.1 for one request:
# STATUS, a REJECT / AUDIT line with reason=REASON for it, no session
# cookie, no new session record, nothing forwarded.
refused() {
	local name=$1 want=$2 reason=$3 st n0 s0 l0
	shift 3
	n0=$(backend_count "$work") s0=$(sessions) l0=$(log_lines)
	st=$(call "$@")
	check "$name: refused with $want" bash -c "test '$st' = '$want' || { echo 'status $st' >&2; exit 1; }"
	check "$name: the reason $reason is logged" bash -c "tail -n +$((l0 + 1)) '$work/error.log' |
		grep -qE '(REJECT proto=[a-z]+|AUDIT event=\"Token Rejected\" outcome=denied actor=[^ ]+ target=[^ ]+) reason=\"?$reason([: \"]|\$)' ||
		{ tail -n +$((l0 + 1)) '$work/error.log' | sed 's/^/# /' >&2; exit 1; }"
	check "$name: no session" bash -c "test '$(sessions)' = '$s0' &&
		! grep -qi '^Set-Cookie: keygate' '$work/out.h'"
	check "$name: nothing forwarded" test "$(backend_count "$work")" = "$n0"
}
# bearer NAME STATUS REASON TOKEN: refused for an Authorization header
bearer() {
	refused "$1" "$2" "$3" -H "Authorization: Bearer $4" "$base/api/x"
	if [ "$2" = 401 ]; then
		check "$1: WWW-Authenticate names invalid_token" \
			grep -qi '^WWW-Authenticate: Bearer realm="keygate", error="invalid_token"' "$work/out.h"
	fi
}
# accepted NAME TOKEN USER: 200, and the backend sees domino-username USER
accepted() {
	local st
	st=$(call -H "Authorization: Bearer $2" "$base/api/x")
	check "$1: accepted as $3" bash -c "test '$st' = 200 && test \"\$(python3 -c '
import json, sys
print(json.load(open(sys.argv[1]))[\"headers\"].get(\"domino-username\", [\"-\"])[0])' '$work/out.json')\" = '$3' ||
		{ echo 'status $st' >&2; exit 1; }"
}

# --- 2: only access tokens are bearer tokens ---------------------------
accepted "an access token (baseline)" "$(tok ok)" svc-a
accepted "header typ JWT" "$(tok typ-jwt)" svc-typ1
accepted "header typ at+jwt (RFC 9068)" "$(tok typ-at-jwt)" svc-typ2
bearer "header typ dpop+jwt" 401 jwt_typ "$(tok typ-dpop)"
bearer "header typ logout+jwt" 401 jwt_typ "$(tok typ-logout)"
bearer "an ID token (nonce)" 401 jwt_id_token "$(tok id-nonce)"
bearer "an ID token (at_hash)" 401 jwt_id_token "$(tok id-at-hash)"
bearer "an ID token (Keycloak typ ID)" 401 jwt_id_token "$(tok id-kc-typ)"
bearer "an ID token for the login client (aud domino-web)" 401 jwt_id_token "$(tok id-login-aud)"
bearer "a logout token (events)" 401 jwt_logout_token "$(tok logout-events)"
bearer "a Keycloak refresh token (typ Refresh)" 401 jwt_typ "$(tok kc-refresh)"
accepted "a Keycloak access token (typ Bearer) with the login nonce" "$(tok kc-bearer-nonce)" svc-kc

# --- 2: azp / client_id allow-list (KeygateBearerClients) ----------------
accepted "several audiences, azp someone else, no client list" "$(tok multi-aud-no-list)" svc-multi
accepted "a listed client (azp)" "$(tok cli-azp)" svc-cli1
accepted "a listed client (client_id, RFC 9068)" "$(tok cli-client-id)" svc-cli2
bearer "another client of the same provider (azp)" 401 jwt_azp "$(tok cli-rogue)"
bearer "another client of the same provider (client_id)" 401 jwt_azp "$(tok cli-rogue-client-id)"
bearer "no azp or client_id with a client list" 401 jwt_azp "$(tok cli-none)"
bearer "azp and client_id disagree" 401 jwt_azp "$(tok cli-disagree)"
bearer "several audiences, azp someone else, client list" 401 jwt_azp "$(tok cli-multi-aud)"
bearer "an ID token of a listed client (aud domino-cli)" 401 jwt_id_token "$(tok cli-id-token)"

# --- 2: a JWK is used only as its use, key_ops and alg allow ------------
bearer "the signer's key published with use enc" 401 jwt_key "$(tok kid-enc-use)"
bearer "the signer's key published with key_ops encrypt" 401 jwt_key "$(tok kid-enc-ops)"
bearer "the signer's key published with alg RSA-OAEP" 401 jwt_key "$(tok kid-enc-alg)"
bearer "an EC key for ECDH-ES" 401 jwt_key "$(tok kid-ec-enc)"
accepted "the signer's key with key_ops verify" "$(tok kid-ops-verify)" svc-ops

# --- 2: exact signature lengths ------------------------------------------
accepted "ES256 with a 64-byte signature" "$(tok es256)" svc-ec
bearer "ES256 with each half padded (66 bytes)" 401 jwt_sig "$(tok es256-padded)"
bearer "ES256 one byte short (63 bytes)" 401 jwt_sig "$(tok es256-short)"
accepted "RS256 whose signature starts with a zero byte" "$(tok rs256-no-zero.full)" svc-zero
bearer "the same without its leading zero (255 bytes)" 401 jwt_sig "$(tok rs256-no-zero)"
bearer "RS256 with a zero byte prepended (257 bytes)" 401 jwt_sig "$(tok rs256-long)"

# --- 2: JOSE JSON with a byte-order mark (RFC 8259 8.1) ------------------
bearer "a payload starting with a BOM" 401 jwt_json "$(tok bom-payload)"
bearer "a header starting with a BOM" 401 jwt_json "$(tok bom-header)"
bearer "a JWKS starting with a BOM (no keys: 503)" 503 jwks_json "$(tok bom-jwks)"

# --- 2: access_token in the query or a form body (RFC 6750 2.3) ----------
good=$(tok ok)
refused "access_token in the query, no Authorization" 400 access_token_param \
	"$base/api/x?access_token=$good"
check "access_token in the query: invalid_request" \
	grep -qi '^WWW-Authenticate: Bearer realm="keygate", error="invalid_request"' "$work/out.h"
refused "access_token in the query next to a valid Authorization" 400 access_token_param \
	-H "Authorization: Bearer $good" "$base/api/x?a=1&access_token=x"
refused "access%5Ftoken (%-encoded name) in the query" 400 access_token_param \
	-H "Authorization: Bearer $good" "$base/api/x?access%5Ftoken=x"
refused "access_token in a form body" 400 access_token_param \
	-H "Authorization: Bearer $good" --data "a=1&access_token=x" "$base/api/x"
refused "access_token in a form body, charset parameter" 400 access_token_param \
	-H "Authorization: Bearer $good" \
	-H "Content-Type: application/x-www-form-urlencoded; charset=utf-8" \
	--data "access_token=x" "$base/api/x"
st=$(call -H "Authorization: Bearer $good" --data "a=1&b=two" "$base/api/x")
check "a form body without access_token reaches the backend whole" \
	test "$st:$(backend_saw body)" = "200:a=1&b=two"
st=$(call -H "Authorization: Bearer $good" -H "Content-Type: application/json" \
	--data '{"access_token":"x"}' "$base/api/x")
check "a JSON body is not a form: passed as is" \
	test "$st:$(backend_saw body)" = '200:{"access_token":"x"}'

# --- 2: usernames from tokens ----------------------------------------------
bearer "username with a trailing space" 403 username_space "$(tok user-trailing-space)"
bearer "username with a trailing NBSP" 403 username_space "$(tok user-nbsp)"
bearer "username with a leading tab" 403 username_control "$(tok user-tab)"
bearer "username with a zero-width space" 403 username_control "$(tok user-zero-width)"
bearer "username in upper case" 403 username_case "$(tok user-upper)"
bearer "username in full-width upper case" 403 username_case "$(tok user-fullwidth-upper)"
# httpd writes the escape's backslash doubled
check "the refused username is logged escaped" \
	grep -q 'reason=username_space detail="username_space: the username .*admin.*u00A0' "$work/error.log"
accepted "full-width lower case is its own user, not bob" "$(tok user-fullwidth-lower)" \
	"%EF%BD%82%EF%BD%8F%EF%BD%82"

# --- 4: Connection must not drop what keygate sets --------------------
# conn NAME WANT_USER WANT_EMAIL CURL_HEADER_ARGS...: forwarded with the
# identity headers keygate set, and one KG-0416 line for it
conn() {
	local name=$1 user=$2 email=$3 st l0
	shift 3
	l0=$(log_lines)
	st=$(call -H "Authorization: Bearer $good" "$@" "$base/api/x")
	check "$name: the backend still gets the identity" \
		test "$st:$(backend_saw domino-username):$(backend_saw domino-email)" = "200:$user:$email"
	check "$name: one STRIP line with its reason" bash -c \
		"test \"\$(tail -n +$((l0 + 1)) '$work/error.log' | grep -c 'KG-0416 STRIP connection-token=.* reason=hop_by_hop_identity')\" = 1"
}
st=$(call -H "Authorization: Bearer $good" -H "Connection: close" "$base/api/x")
check "Connection: close alone changes nothing" \
	test "$st:$(backend_saw domino-username)" = "200:svc-a"
conn "Connection: close, domino-username" svc-a svc-a@example.org -H "Connection: close, domino-username"
conn "Connection: Domino-Username (case)" svc-a svc-a@example.org -H "Connection: Domino-Username"
conn "Connection: DOMINO_USERNAME (underscore)" svc-a svc-a@example.org -H "Connection: keep-alive, DOMINO_USERNAME"
conn "Connection: no spaces, commas" svc-a svc-a@example.org -H "Connection: close,domino-username,domino-email"
conn "Connection: blanks and empty elements" svc-a svc-a@example.org -H "Connection: ,  domino-username ,,	close ,"
conn "two Connection headers" svc-a svc-a@example.org -H "Connection: close" -H "Connection: domino-email"
conn "Connection: the location's identity header" svc-a svc-a@example.org -H "Connection: Domino-Email"
st=$(call -H "Authorization: Bearer $good" -H "Connection: authorization" "$base/api/x")
check "Connection: authorization: the backend still gets Authorization" \
	test "$st:$(backend_saw authorization)" = "200:Bearer $good"

# --- the settings that allow what the defaults refuse --------------------
httpd_config "$work" "$web" "$build" "$(server_conf "KeygateAccessTokenParam strip
KeygateUsernameSpace trim
KeygateUsernameCase lower")" "$locations"
apache "$build" -f "$work/httpd.conf" -k graceful
sleep 1.5
l0=$(log_lines)
st=$(call -H "Authorization: Bearer $good" "$base/api/x?a=1&access_token=x&b=2")
check "KeygateAccessTokenParam strip: the query reaches the backend without it" \
	test "$st:$(backend_saw path)" = "200:/api/x?a=1&b=2"
st=$(call -H "Authorization: Bearer $good" "$base/api/x?access_token=x")
check "KeygateAccessTokenParam strip: a query of only access_token goes away" \
	test "$st:$(backend_saw path)" = "200:/api/x"
st=$(call -H "Authorization: Bearer $good" --data "a=1&access_token=x&b=2" "$base/api/x")
check "KeygateAccessTokenParam strip: the form body reaches the backend without it" \
	test "$st:$(backend_saw body):$(backend_saw content-length)" = "200:a=1&b=2:7"
check "KeygateAccessTokenParam strip: each strip is logged with its reason" bash -c \
	"test \"\$(tail -n +$((l0 + 1)) '$work/error.log' | grep -c 'KG-0409 STRIP param=access_token in=[a-z]* reason=access_token_param')\" = 3"
st=$(call "$base/api/x?access_token=$good")
check "KeygateAccessTokenParam strip: a token in the query is still no credential" \
	test "$st" = 401
accepted "KeygateUsernameCase lower: CAROL is carol" "$(tok user-upper-2)" carol
accepted "KeygateUsernameCase lower: full-width stays full-width (not alice)" \
	"$(tok user-fullwidth-upper-2)" "%EF%BD%81%EF%BD%8C%EF%BD%89%EF%BD%83%EF%BD%85"
accepted "KeygateUsernameSpace trim: 'dave ' is dave" "$(tok user-trailing-space-2)" dave
check "a folded username is logged (KG-0415)" \
	grep -q 'KG-0415 username normalized "from=.*CAROL.* to=.*carol.* how=lower"' "$work/error.log"
check "a trimmed username is logged (KG-0415)" \
	grep -q 'KG-0415 username normalized "from=.*dave .* to=.*dave.* how=trim"' "$work/error.log"

check "apache2 did not crash" no_crash "$work"
check "no token was logged" bash -c "! grep -qE 'eyJ[A-Za-z0-9_-]{10,}\\.eyJ' '$work/error.log'"
