#!/usr/bin/env bash
# Keycloak's realm endpoints, the app token and the stable user id
# (issue #12) through two real apache2 replicas on one real redis-server,
# with the pysaml2 IdP:
# - /auth/realms/DominoRealm, its .well-known/openid-configuration and
#   protocol/openid-connect/certs in Keycloak's shapes, answered before
#   authentication on a protected /auth/;
# - the app token checked by apps written the way Domino's docs show
#   (tests/fixtures/realm/verify.py: the docs' Python, requests + PyJWT;
#   verify.mjs: the same steps in node): fetch the certs URL, take x5c,
#   verify RS256 with audience apps; with Domino's example claims;
# - a key rollover: a token of the old key verifies while the old key is
#   listed and fails once it has left the JWKS;
# - one id per (provider, subject) across logins, replicas and a redis
#   restart (SAVE, then a new redis-server on the same files);
# - KeygateEmailCollision deny (replica A) and link (replica B).
# usage: gateway_realm.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
. "$KG_TOP/tests/integration/saml.bash"
saml_requirements
command -v node >/dev/null || skip_all "node is not installed"
$py -c 'import jwt, requests' 2>/dev/null || skip_all "python3-jwt or python3-requests is not installed (make deps)"
saml_setup
web2=$(free_port)
verify="node $KG_TOP/tests/fixtures/realm/verify.mjs"
pyverify="$py $KG_TOP/tests/fixtures/realm/verify.py"
realm=/auth/realms/DominoRealm
certs_path=$realm/protocol/openid-connect/certs

# mappers: corp and plain are two providers (the same IdP) whose users
# carry the same email; plain maps the access gate too
saml_mappers "$work/corp.json"
$py - "$work/corp.json" "$work/mappers.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
def mapper(alias, kind, **config):
    return {"name": alias + "-" + kind, "identityProviderAlias": alias,
            "identityProviderMapper": kind, "config": dict(syncMode="INHERIT", **config)}
doc["identityProviders"].append({"alias": "plain", "providerId": "saml", "config": {"syncMode": "FORCE"}})
for a in ("corp", "plain"):
    attr = lambda name, to: mapper(a, "saml-user-attribute-idp-mapper", **{
        "attribute.friendly.name": name, "user.attribute": to})
    doc["identityProviderMappers"] += [dict(attr("mail", "email"), name=a + "-email"),
                                       dict(attr("givenName", "firstName"), name=a + "-first"),
                                       dict(attr("sn", "lastName"), name=a + "-last")]
doc["identityProviderMappers"] += [
    mapper("plain", "saml-user-attribute-idp-mapper", **{
        "attribute.friendly.name": "eduPersonAffiliation", "user.attribute": "accessforDomino"}),
    mapper("plain", "saml-username-idp-mapper", template="${ATTRIBUTE.uid}", target="LOCAL")]
json.dump(doc, open(sys.argv[2], "w"))
PY

# the app-token keys: old (no certificate: keygate makes one) and new
# (with its own certificate)
openssl genrsa -out "$work/old.key" 2048 2>/dev/null
new_cert "$work/new" "keygate app tokens 2"
chmod 644 "$work"/*.key

# gateway PORT DIR COLLISION KEYS: a replica with the app-token key lines
# KEYS, /apps/ (the app token), /app (identity headers with idpbroker and
# id) and a protected /auth/ (whose realm endpoints keygate answers first)
gateway() {
	saml_gateway "$2" "$1" "$work/mappers.json" "KeygateSAMLNameIDFormat unspecified
KeygateSAMLProvider plain $work/idp-metadata.xml
KeygateEmailCollision $3
$4" "<Location /apps/>
  AuthType keygate
  Require valid-user
  KeygateAppJWT On
  KeygateIdentityHeader domino-idpbroker idpbroker
  KeygateIdentityHeader domino-user-id id
  ProxyPass http://127.0.0.1:$back/apps/
</Location>
<Location /auth/>
  AuthType keygate
  Require valid-user
  KeygateUnauthAction 401
  ProxyPass http://127.0.0.1:$back/auth/
</Location>"
}
gateway "$web" "$work/a" deny "KeygateAppJWTKey $work/old.key" ||
	{ echo "not ok - apache2 (replica A) starts"; exit 1; }
gateway "$web2" "$work/b" link "KeygateAppJWTKey $work/old.key" ||
	{ echo "not ok - apache2 (replica B) starts"; exit 1; }
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }
base_b="http://127.0.0.1:$web2"
# the admin CLI's settings (the same Redis)
printf 'KeygateRedis 127.0.0.1:%s\nKeygateSessionSecret file:%s\n' "$redis_port" "$work/secret" >"$work/keygate.conf"

# signin NAME PORT ALIAS: a fresh browser signs in at the replica on PORT
# through ALIAS (NameID J.Doe-Unspecified); prints the ACS status
signin() {
	local u
	u=$(saml_start "$work/jar-$1" "http://127.0.0.1:$2/keygate/saml/$3/login?return_to=/app/")
	idp_answer "$u" nameid-unspecified "$work/r-$1"
	post_acs "$work/jar-$1" "$work/r-$1"
}

# app NAME PORT: the backend's view of /apps/x for NAME's session: the
# app token (in $work/tok-NAME) and the identity headers (in $work/app-NAME.json)
app() {
	curl -s -b "$work/jar-$1" "http://127.0.0.1:$2/apps/x" -o "$work/app-$1.json"
	$py -c 'import json, sys
h = json.load(open(sys.argv[1]))["headers"]
print(h.get("authorization", [""])[0].removeprefix("Bearer "))' "$work/app-$1.json" >"$work/tok-$1"
}

# claim NAME CLAIM: a claim of NAME's verified token (the verifier's output)
claim() {
	$py -c 'import json, sys; v = json.load(open(sys.argv[1])).get(sys.argv[2]); print(v if isinstance(v, str) else json.dumps(v))' \
		"$work/claims-$1" "$2"
}

# verified NAME PORT: both Domino-style apps (the docs' Python, then
# node) verify NAME's token against the certs URL of the replica on PORT
# (the Python app's claims into $work/claims-NAME)
verified() {
	$pyverify "http://127.0.0.1:$2$certs_path" "$(cat "$work/tok-$1")" \
		>"$work/claims-$1" 2>"$work/verify-$1.err" &&
		$verify "http://127.0.0.1:$2$certs_path" "$(cat "$work/tok-$1")" \
			>/dev/null 2>>"$work/verify-$1.err" ||
		{ sed 's/^/# /' "$work/verify-$1.err" >&2; return 1; }
}

# refused NAME PORT WHY: neither app accepts NAME's token at PORT, and
# each says WHY
refused() {
	! $pyverify "http://127.0.0.1:$2$certs_path" "$(cat "$work/tok-$1")" \
		>/dev/null 2>"$work/refused-$1.py" &&
		! $verify "http://127.0.0.1:$2$certs_path" "$(cat "$work/tok-$1")" \
			>/dev/null 2>"$work/refused-$1.mjs" &&
		grep -q "$3" "$work/refused-$1.py" && grep -q "$3" "$work/refused-$1.mjs"
}

# --- the realm endpoints, before authentication ------------------------------
curl -s -o "$work/realm.json" -w '%{http_code}' "$base$realm" >"$work/realm.st"
check "GET /auth/realms/DominoRealm: 200 with no session on a protected /auth/" \
	test "$(cat "$work/realm.st")" = 200
check "the protected /auth/ still wants a login elsewhere" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$base/auth/admin/")" = 401
check "the realm document has Keycloak's members and values" $py - "$work/realm.json" "$work/old.key" "$base" <<'PY'
import base64, json, subprocess, sys
doc = json.load(open(sys.argv[1]))
assert sorted(doc) == sorted(["realm", "public_key", "token-service", "account-service",
                              "tokens-not-before"]), sorted(doc)
url = sys.argv[3] + "/auth/realms/DominoRealm"
assert doc["realm"] == "DominoRealm", doc
assert doc["token-service"] == url + "/protocol/openid-connect", doc
assert doc["account-service"] == url + "/account", doc
assert doc["tokens-not-before"] == 0, doc
spki = subprocess.run(["openssl", "pkey", "-in", sys.argv[2], "-pubout", "-outform", "DER"],
                      capture_output=True, check=True).stdout
assert base64.b64decode(doc["public_key"]) == spki, "public_key is not the signing key's"
PY
curl -s -o "$work/disc.json" "$base$realm/.well-known/openid-configuration"
check "the discovery document names the issuer, the certs and the logout" $py - "$work/disc.json" "$base" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
url = sys.argv[2] + "/auth/realms/DominoRealm"
assert doc["issuer"] == url, doc
assert doc["jwks_uri"] == url + "/protocol/openid-connect/certs", doc
assert doc["end_session_endpoint"] == url + "/protocol/openid-connect/logout", doc
assert doc["id_token_signing_alg_values_supported"] == ["RS256"], doc
assert "idp_id" in doc["claims_supported"] and "idpbroker" in doc["claims_supported"], doc
assert "authorization_endpoint" not in doc and "token_endpoint" not in doc, doc
PY
curl -s -o "$work/certs1.json" -D "$work/certs1.h" "$base$certs_path"
curl -s -o "$work/jwks1.json" "$base/keygate/jwks"
check "PREFIX jwks stays, the same document as certs" cmp -s "$work/certs1.json" "$work/jwks1.json"
# jwk_ok FILE KEY...: every key has Keycloak's members, x5c is a
# certificate of its n/e, x5t and x5t#S256 are its thumbprints, and the
# keys are those of the PEM files KEY... in that order
jwk_ok() {
	$py - "$@" <<'PY'
import base64, hashlib, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization
doc = json.load(open(sys.argv[1]))
assert len(doc["keys"]) == len(sys.argv) - 2, [k["kid"] for k in doc["keys"]]
u = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
for k, path in zip(doc["keys"], sys.argv[2:]):
    assert sorted(k) == sorted(["kid", "kty", "alg", "use", "n", "e", "x5c", "x5t", "x5t#S256"]), sorted(k)
    assert (k["kty"], k["alg"], k["use"]) == ("RSA", "RS256", "sig"), k
    der = base64.b64decode(k["x5c"][0])
    assert k["x5t"] == u(hashlib.sha1(der).digest()) and k["x5t#S256"] == u(hashlib.sha256(der).digest())
    pub = x509.load_der_x509_certificate(der).public_key().public_numbers()
    n = int.from_bytes(base64.urlsafe_b64decode(k["n"] + "=="), "big")
    assert pub.n == n and pub.e == int.from_bytes(base64.urlsafe_b64decode(k["e"] + "=="), "big")
    mine = serialization.load_pem_private_key(open(path, "rb").read(), None).public_key().public_numbers()
    assert mine.n == n, "key %s is not %s" % (k["kid"], path)
PY
}
check "certs: one key with kid, kty, alg, use, n, e, x5c (made from the key), x5t, x5t#S256" \
	jwk_ok "$work/certs1.json" "$work/old.key"
check "the self-signed x5c is the same on both replicas" \
	cmp -s "$work/certs1.json" <(curl -s "$base_b$certs_path")

# --- the app token and the stable id -----------------------------------------
check "a login at A through corp" test "$(signin a1 "$web" corp)" = 302
app a1 "$web"
check "the Domino-style apps verify A's token (certs URL, x5c, RS256, aud apps)" verified a1 "$web"
check "the token carries Domino's example claims" $py - "$work/claims-a1" "$base" <<'PY'
import json, re, sys
c = json.load(open(sys.argv[1]))
uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
want = ["exp", "iat", "auth_time", "jti", "iss", "aud", "sub", "typ", "azp", "session_state",
        "scope", "sid", "email_verified", "idp_id", "name", "preferred_username", "given_name",
        "family_name", "email", "idpbroker"]
assert sorted(c) == sorted(want), sorted(set(c) ^ set(want))
assert c["iss"] == sys.argv[2] + "/auth/realms/DominoRealm", c["iss"]
assert "apps" in c["aud"] and c["typ"] == "Bearer" and c["azp"], c
assert c["exp"] - c["iat"] == 300 and c["auth_time"] <= c["iat"], c
assert uuid.match(c["jti"]) and uuid.match(c["idp_id"]) and uuid.match(c["sid"]), c
assert c["sub"] == c["idp_id"] and c["session_state"] == c["sid"], c
assert (c["preferred_username"], c["email"], c["email_verified"]) == ("demo", "demo@example.com", True), c
assert (c["given_name"], c["family_name"], c["name"]) == ("Demo", "User", "Demo User"), c
assert c["idpbroker"] == "corp", c
PY
id=$(claim a1 idp_id)
check "the idpbroker and id identity headers" $py -c 'import json, sys
h = json.load(open(sys.argv[1]))["headers"]
sys.exit(0 if h["domino-idpbroker"] == ["corp"] and h["domino-user-id"] == [sys.argv[2]] else 1)' \
	"$work/app-a1.json" "$id"
check "the first login is audited with the new id" \
	grep -q "KG-0700 AUDIT user created event=\"User Created\" actor=demo target=demo idp=corp id=$id" "$work/a/error.log"
printf '%s.%s' "$(cut -d. -f1,2 "$work/tok-a1")" "$(cut -d. -f3 "$work/tok-a1" | rev)" >"$work/tok-forged"
check "a token with another signature is refused by both apps" refused forged "$web" 'Invalid signature'
signin a2 "$web" corp >/dev/null
app a2 "$web"
verified a2 "$web"
check "a second login at A: the same id" test "$(claim a2 idp_id)" = "$id"
check "... and another session: another sid" test "$(claim a2 sid)" != "$(claim a1 sid)"
signin b1 "$web2" corp >/dev/null
app b1 "$web2"
verified b1 "$web2"
check "a login at replica B: the same id" test "$(claim b1 idp_id)" = "$id"
check "keygate users list shows the id once" bash -c \
	"$build/keygate users list --config '$work/keygate.conf' >'$work/list.txt' &&
	 test \$(grep -c '$id' '$work/list.txt') = 1 && grep -q '^$id  demo .*demo@example.com *corp ' '$work/list.txt'"
check "keygate users show demo prints the id" bash -c \
	"$build/keygate users show --config '$work/keygate.conf' demo | grep -qx 'id: $id'"
check "keygate users show of no one fails" bash -c \
	"! $build/keygate users show --config '$work/keygate.conf' nobody 2>/dev/null"

# a redis restart: SAVE, a new redis-server on the same folder
redis-cli -p "$redis_port" SAVE >/dev/null
kill "$(cat "$work/redis/redis.pid")"
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 || break; sleep 0.05; done
redis_start "$work/redis" "$redis_port"
check "redis came back with the saved ids" test "$(redis-cli -p "$redis_port" zcard keygate:ids)" = 1
signin a3 "$web" corp >/dev/null
app a3 "$web"
verified a3 "$web"
check "a login after the redis restart: the same id" test "$(claim a3 idp_id)" = "$id"

# --- the email collision: deny at A, link at B --------------------------------
st=$(signin deny "$web" plain)
check "deny: a second provider's identity with the same email is refused (403)" bash -c \
	"test '$st' = 403 && grep -q 'already exists' '$work/r-deny.page'"
check "deny: no session cookie" bash -c "! grep -qi '^Set-Cookie: keygate_session=[A-Za-z0-9]' '$work/r-deny.h'"
check "deny: audited with the id that holds the email" \
	grep -q "KG-0701 AUDIT login denied event=\"User Log In Denied\" actor=demo target=demo idp=plain reason=email_collision holder=$id" "$work/a/error.log"
check "deny: no id was made" test "$(redis-cli -p "$redis_port" zcard keygate:ids)" = 1
check "link: the same identity at B (KeygateEmailCollision link) signs in" test "$(signin link "$web2" plain)" = 302
app link "$web2"
verified link "$web2"
check "link: its token has the existing id and its own provider" \
	test "$(claim link idp_id) $(claim link idpbroker)" = "$id plain"
check "link: audited" grep -q "KG-0702 AUDIT user linked event=\"User Linked\" actor=demo target=demo idp=plain id=$id" "$work/b/error.log"
check "link: the user has two identities, still one id" bash -c \
	"$build/keygate users show --config '$work/keygate.conf' '$id' | grep -qx 'identities: 2' &&
	 test \$(redis-cli -p $redis_port zcard keygate:ids) = 1"

# --- a key rollover ---------------------------------------------------------
# the new key signs; the old one stays listed until RETIRE (60 s on: two
# graceful restarts and the checks below fit on a loaded machine)
retire=$(($(date +%s) + 60))
until=$(date -u -d "@$retire" +%Y-%m-%dT%H:%M:%SZ)
for r in a b; do
	sed -i "s|^KeygateAppJWTKey .*|KeygateAppJWTKey $work/old.key until=$until\nKeygateAppJWTKey $work/new.key $work/new.crt|" "$work/$r/httpd.conf"
	apache "$build" -f "$work/$r/httpd.conf" -k graceful 2>>"$work/$r/start.err"
done
for _ in $(seq 200); do
	curl -s "$base$certs_path" | grep -q '"kid".*"kid"' &&
		curl -s "$base_b$certs_path" | grep -q '"kid".*"kid"' && break
	sleep 0.1
done
curl -s -o "$work/certs2.json" "$base$certs_path"
check "rollover: certs lists the new key first, then the old" \
	jwk_ok "$work/certs2.json" "$work/new.key" "$work/old.key"
check "rollover: the new key's x5c is its configured certificate" $py -c 'import base64, json, sys
from cryptography import x509
k = json.load(open(sys.argv[1]))["keys"][0]
pem = open(sys.argv[2], "rb").read()
sys.exit(0 if base64.b64decode(k["x5c"][0]) == x509.load_pem_x509_certificate(pem).public_bytes(__import__("cryptography.hazmat.primitives.serialization", fromlist=["Encoding"]).Encoding.DER) else 1)' \
	"$work/certs2.json" "$work/new.crt"
check "rollover: the app still verifies the token of the old key" verified a1 "$web"
check "rollover: ... at replica B too" verified a1 "$web2"
signin new "$web" corp >/dev/null
app new "$web"
verified new "$web"
check "rollover: a new token is signed by the new key and verifies" \
	test "$($py -c 'import base64, json, sys; print(json.loads(base64.urlsafe_b64decode(sys.argv[1].split(".")[0] + "=="))["kid"])' "$(cat "$work/tok-new")")" = \
	"$($py -c 'import json, sys; print(json.load(open(sys.argv[1]))["keys"][0]["kid"])' "$work/certs2.json")"
while [ "$(date +%s)" -le "$retire" ]; do sleep 0.5; done
curl -s -o "$work/certs3.json" "$base$certs_path"
check "after the retirement time the old key has left certs" jwk_ok "$work/certs3.json" "$work/new.key"
check "... and the realm's public_key is the new key's" $py -c 'import base64, json, subprocess, sys
doc = json.loads(subprocess.run(["curl", "-s", sys.argv[1]], capture_output=True).stdout)
spki = subprocess.run(["openssl", "pkey", "-in", sys.argv[2], "-pubout", "-outform", "DER"], capture_output=True).stdout
sys.exit(0 if base64.b64decode(doc["public_key"]) == spki else 1)' "$base$realm" "$work/new.key"
check "after it the token of the old key no longer verifies in either app" refused a1 "$web" 'No public key found for kid'
check "the new key's token still verifies" verified new "$web"

# --- configuration errors -----------------------------------------------------
# bad LINE PATTERN: apache2's configtest with A's config and LINE for
# its key lines fails and says PATTERN
bad() {
	grep -v '^KeygateAppJWTKey' "$work/a/httpd.conf" >"$work/bad-httpd.conf"
	printf '%b\n' "$1" >>"$work/bad-httpd.conf"
	! apache "$build" -t -f "$work/bad-httpd.conf" >"$work/bad.out" 2>&1 &&
		grep -q "$2" "$work/bad.out"
}
check "the signing (last) key with until= is refused at start" \
	bad "KeygateAppJWTKey $work/old.key\nKeygateAppJWTKey $work/new.key until=2030-01-01T00:00:00Z" 'cannot have until='
check "a certificate of another key is refused at start" \
	bad "KeygateAppJWTKey $work/old.key $work/new.crt" 'is not the certificate of'
check "until= takes an RFC 3339 time" \
	bad "KeygateAppJWTKey $work/old.key until=tomorrow\nKeygateAppJWTKey $work/new.key" 'RFC 3339'
check "KeygateSAMLKeycloakPaths must name KeygateRealm's realm" \
	bad "KeygateAppJWTKey $work/new.key\nKeygateRealm DominoRealm\nKeygateSAMLKeycloakPaths Other" 'is not KeygateRealm'
check "apache2 (A) did not crash" no_crash "$work/a"
check "apache2 (B) did not crash" no_crash "$work/b"
