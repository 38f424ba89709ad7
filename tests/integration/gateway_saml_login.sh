#!/usr/bin/env bash
# SAML logins end to end beyond the plain one (issue #5): encrypted
# assertions (the pysaml2 IdP encrypts to the certificate in the SP's
# metadata), "Want Assertions encrypted", the NameID formats email,
# unspecified and persistent (with a username template), a comment inside
# the NameID, and the session limit on SSO logins. Two gateways share Redis:
# main (providers corp, mail, plain and pers; at most 2 SSO sessions per
# user) and enc (KeygateSAMLWantAssertionsEncrypted On, NameID format
# email).
# usage: gateway_saml_login.sh BUILD_DIR
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
saml_setup
web2=$(free_port)

# main: corp maps uid; mail takes the email prefix; plain keeps the NameID
# (the brokered username); pers builds it from a template. enc: the email
# prefix.
saml_mappers "$work/corp.json"
$py - "$work/corp.json" "$work/mappers.json" "$work/enc.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
def mapper(alias, kind, **config):
    return {"name": alias + "-" + kind, "identityProviderAlias": alias,
            "identityProviderMapper": kind, "config": dict(syncMode="INHERIT", **config)}
gate = [mapper(a, "saml-user-attribute-idp-mapper", **{
    "attribute.friendly.name": "eduPersonAffiliation", "user.attribute": "accessforDomino"})
    for a in ("mail", "plain", "pers")]
doc["identityProviders"] += [{"alias": a, "providerId": "saml", "config": {"syncMode": "FORCE"}}
                             for a in ("mail", "plain", "pers")]
doc["identityProviderMappers"] += gate + [
    mapper("mail", "email-prefix-username-idp-mapper"),
    mapper("pers", "saml-username-idp-mapper", template="${ALIAS}.${NAMEID}", target="LOCAL")]
json.dump(doc, open(sys.argv[2], "w"))
enc = {"identityProviders": [{"alias": "corp", "providerId": "saml", "config": {"syncMode": "FORCE"}}],
       "identityProviderMappers": [mapper("corp", "email-prefix-username-idp-mapper"),
                                   dict(gate[0], identityProviderAlias="corp")]}
json.dump(enc, open(sys.argv[3], "w"))
PY
providers=""
for a in mail plain pers; do
	providers="$providers
KeygateSAMLProvider $a $work/idp-metadata.xml"
done
saml_gateway "$work/main" "$web" "$work/mappers.json" "KeygateSAMLNameIDFormat unspecified
KeygateSessionLimit sso user 2 deny-new \"Two sessions at most\"
# mail's Jane.Doe@Example.com is also enc's corp identity (one Redis):
# one person through two providers, linked to one user id
KeygateEmailCollision link
KeygateLoginProvider corp$providers" ||
	{ echo "not ok - apache2 (main) starts"; exit 1; }
saml_gateway "$work/enc" "$web2" "$work/enc.json" "KeygateSAMLWantAssertionsEncrypted On
KeygateSAMLForceAuthn On
KeygateSAMLIsPassive On
KeygateSAMLNameIDFormat email" || { echo "not ok - apache2 (enc) starts"; exit 1; }
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }

# authn_request PORT: the ForceAuthn and IsPassive attributes of the
# AuthnRequest the gateway on PORT sends (deflated, base64, in the
# redirect's query), "NAME=VALUE" sorted on one line
authn_request() {
	curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$1/keygate/saml/corp/login" |
		$py -c 'import base64, re, sys, urllib.parse, zlib
q = urllib.parse.parse_qs(urllib.parse.urlparse(sys.stdin.read()).query)
start = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15).decode().split(">")[0]
print(" ".join(sorted("%s=%s" % m for m in re.findall(r"(ForceAuthn|IsPassive)=.(\w+).", start))))'
}
check "KeygateSAMLForceAuthn and KeygateSAMLIsPassive On ask the IdP for both" \
	test "$(authn_request "$web2")" = "ForceAuthn=true IsPassive=true"
check "by default the AuthnRequest asks for neither" \
	bash -c "case '$(authn_request "$web")' in *=true*) exit 1;; esac"

# login NAME CASE USER [ALIAS]: a fresh browser signs in through ALIAS
# with the IdP's case CASE and the backend gets USER.
login() {
	login_answer "$1" "$2" "${4:-}"
	accept "$1" "$work/jar-$1" "$work/r-$1" "$3"
}

# --- encrypted assertions ----------------------------------------------
login encrypted encrypted demo
check "encrypted: the Response carried only an EncryptedAssertion" bash -c \
	"grep -q 'EncryptedAssertion' '$work/r-encrypted.xml' && ! grep -q ':Assertion ' '$work/r-encrypted.xml'"
login_answer wrong-key encrypted-wrong-key
reject "encrypted to another key" "$work/jar-wrong-key" "$work/r-wrong-key" saml_decrypt
answer encrypted-mixed encrypted-plus-plain
reject "an encrypted and a plain assertion" "$work/jar-encrypted-mixed" "$work/a-encrypted-mixed" saml_assertion_count

# authn_request_asks JAR START TEXT: the AuthnRequest a login started at
# START carries TEXT.
authn_request_asks() {
	$py -c 'import sys, urllib.parse, base64, zlib
q = urllib.parse.parse_qs(urllib.parse.urlsplit(sys.argv[1]).query)
x = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15).decode()
sys.exit(0 if sys.argv[2] in x else 1)' "$(saml_start "$1" "$2")" "$3"
}

gw=$work/enc gw_base=http://127.0.0.1:$web2
check "enc: the AuthnRequest asks for email NameIDs" \
	authn_request_asks "$work/jar-enc-ask" "$gw_base/app/" 'Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"'
login_answer enc-plain ok
reject "enc: a plain assertion" "$work/jar-enc-plain" "$work/r-enc-plain" saml_enc_policy
login enc-encrypted encrypted jane_doe
unset gw gw_base

# --- NameID formats -----------------------------------------------------------
login nameid-email nameid-email jane_doe mail
check "nameid-email: the NameID had the email format" \
	grep -q 'nameid-format:emailAddress">Jane.Doe@Example.com<' "$work/r-nameid-email.xml"
login nameid-unspecified nameid-unspecified j.doe-unspecified plain
login_answer nameid-persistent nameid-persistent pers
post_acs "$work/jar-nameid-persistent" "$work/r-nameid-persistent" >/dev/null
pid1=$(backend_user "$work/jar-nameid-persistent")
persistent=$(sed -n 's/.*nameid-format:persistent">\([^<]*\)<.*/\1/p' "$work/r-nameid-persistent.xml")
check "nameid-persistent: the username is the template pers.NAMEID (lower-cased)" \
	test -n "$persistent" -a "$pid1" = "pers.$(echo "$persistent" | tr 'A-Z' 'a-z')"
login nameid-persistent-again nameid-persistent "$pid1" pers

# 1.18 with the NameID as the username: a comment does not cut it
answer comment-in-nameid comment-in-nameid plain
accept comment-in-nameid "$work/jar-comment-in-nameid" "$work/a-comment-in-nameid" \
	admin@corp.example.attacker.test

# --- the SSO-login session limit (2 per user, deny new) ---------------------------
# j.doe-unspecified has one session (above); one more is allowed
login limit-second nameid-unspecified j.doe-unspecified plain
# (a user's index holds its session ids and the member "t", its expiry)
check "two sessions for the user in Redis" test "$(redis-cli -p "$redis_port" --scan --pattern 'keygate:u:*' |
	grep -v ':off$' | while read -r k; do redis-cli -p "$redis_port" zrange "$k" 0 -1 |
	grep -cx '[0-9a-f]\{32\}'; done | sort -n | tail -1)" = 2
login_answer limit-third nameid-unspecified plain
n0=$(backend_count "$work") s0=$(sessions_in_redis)
st=$(post_acs "$work/jar-limit-third" "$work/r-limit-third")
check "a third SSO login is denied with 403 and the configured message" bash -c \
	"test '$st' = 403 && grep -q 'Two sessions at most' '$work/r-limit-third.page'"
check "the denied login made no session" bash -c \
	"test '$(sessions_in_redis)' = '$s0' && ! grep -qi '^Set-Cookie: keygate_session=[A-Za-z0-9]' '$work/r-limit-third.h'"
check "the denied login reached no backend" test "$(backend_count "$work")" = "$n0"
check "the denial is audited" grep -q 'AUDIT event="User Log In" outcome=denied actor=j.doe-unspecified target=j.doe-unspecified idp=plain reason=session_limit limit=user' \
	"$work/main/error.log"
check "the earlier sessions still work" test "$(backend_user "$work/jar-limit-second")" = j.doe-unspecified

check "apache2 (main) did not crash" no_crash "$work/main"
check "apache2 (enc) did not crash" no_crash "$work/enc"
