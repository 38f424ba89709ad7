#!/usr/bin/env bash
# SAML 2.0 login through the gateway, end to end: apache2 + mod_keygate,
# a real SAML IdP (pysaml2's Server, tests/fixtures/idp, signing with its
# own key through xmlsec1), Redis and the echo backend. A person (curl
# with a cookie jar) opens a protected page, the IdP signs them in and
# posts the Response to the ACS, and the page shows the mapped identity.
# Then Responses the IdP signs with one mutation each (security.md 1 and
# 7.1): each is refused with a 4xx, no session, nothing forwarded and a
# logged reason.
# usage: gateway_saml.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
. "$KG_TOP/tests/integration/saml.bash"
saml_main_stack

curl -s -o "$work/sp-md.xml" -w '%{http_code} %{content_type}\n' "$base/keygate/saml/corp/metadata" >"$work/md.status"
check "the SP metadata is served" grep -q '^200 application/samlmetadata+xml' "$work/md.status"
check "the SP metadata has the entityID, the ACS over POST and signed requests and assertions" $py -c '
import sys, xml.etree.ElementTree as ET
md = "{urn:oasis:names:tc:SAML:2.0:metadata}"
root = ET.parse(sys.argv[1]).getroot(); sp = root.find(md + "SPSSODescriptor")
acs = sp.find(md + "AssertionConsumerService")
uses = sorted(k.get("use") for k in sp.findall(md + "KeyDescriptor"))
slo = sorted(s.get("Binding").rsplit(":", 1)[1] for s in sp.findall(md + "SingleLogoutService"))
ok = (root.get("entityID") == sys.argv[2] + "/keygate/saml/corp/metadata"
      and acs.get("Location") == sys.argv[2] + "/keygate/saml/corp/acs"
      and acs.get("Binding").endswith("HTTP-POST")
      and sp.get("AuthnRequestsSigned") == "true" and sp.get("WantAssertionsSigned") == "true"
      and uses == ["encryption", "signing"] and slo == ["HTTP-POST", "HTTP-Redirect"]
      and sp.find(md + "NameIDFormat").text.endswith(":unspecified"))
sys.exit(0 if ok else 1)' "$work/sp-md.xml" "$base"
check "an unknown provider has no metadata" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/saml/nope/metadata")" = 404

# --- a person signs in ------------------------------------------------
jar="$work/jar"
url=$(saml_start "$jar" "$base/app/projects?tab=1")
check "a protected page sends the browser to the IdP" bash -c "case '$url' in '$idp'/sso/redirect\?SAMLRequest=*) exit 0;; *) exit 1;; esac"
check "the AuthnRequest is signed with RSA-SHA256 over HTTP-Redirect" bash -c \
	"echo '$url' | grep -q 'SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature='"
check "the login-state cookie is set for the IdP's answer" grep -q 'keygate_login_' "$jar"
idp_answer "$url" ok "$work/ok"
check "the IdP accepted the signed AuthnRequest and signed an assertion" grep -q 'ds:Signature\|:Signature' "$work/ok.xml"
st=$(post_acs "$jar" "$work/ok")
check "the ACS accepts the Response and redirects to the page asked for" \
	bash -c "test '$st' = 302 && grep -qi '^Location: /app/projects?tab=1' '$work/ok.h'"
check "the session cookie is set" grep -qiE '^Set-Cookie: keygate_session=[A-Za-z0-9_-]{43}' "$work/ok.h"
check "the login-state cookie is cleared" grep -qiE '^Set-Cookie: keygate_login_[A-Za-z0-9_-]{16}=; Path=/keygate/; Max-Age=0' "$work/ok.h"
curl -s -b "$jar" -H 'Accept: application/json' "$base/app/x" >"$work/who.json"
check "the backend gets the mapped identity (user and role)" $py -c '
import json, sys
h = json.load(open(sys.argv[1]))["headers"]
sys.exit(0 if h.get("domino-username") == ["demo"] and h.get("domino-roles") == ["SysAdmin"] else 1)' "$work/who.json"
check "the audit log has the login" grep -q 'AUDIT event="User Log In" outcome=success actor=demo target=demo idp=corp protocol=saml' "$work/main/error.log"
curl -s -b "$jar" "$base/keygate/session" >"$work/session.json"
check "the session endpoint shows a SAML session from corp" $py -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["idp"] == "corp" and d["protocol"] == "saml" and d["flow"] == "sso" else 1)' "$work/session.json"

# --- refused Responses ---------------------------------------------------
reject "replayed assertion" "$jar" "$work/ok" saml_replay
jarR="$work/jarR"
st=$(curl -s -o /dev/null -w '%{http_code}' -c "$jarR" --data @"$work/ok.form" "$acs")
check "the same Response from another browser is refused" bash -c "case '$st' in 4??) exit 0;; *) exit 1;; esac"
mutated unsigned saml_sig_missing
mutated audience saml_audience
mutated recipient saml_recipient
mutated expired saml_time
mutated unsolicited saml_inresponseto
mutated inresponseto saml_inresponseto
mutated tampered saml_sig_invalid
mutated dtd saml_dtd

# a Response for one browser's request, posted by another browser
jarA="$work/jarA" jarB="$work/jarB"
u=$(saml_start "$jarA" "$base/app/")
idp_answer "$u" ok "$work/cross"
saml_start "$jarB" "$base/app/" >/dev/null
reject "another browser's Response" "$jarB" "$work/cross" saml_inresponseto

no_crash "$work/main" || echo "not ok - apache2 did not crash"
check "no assertion in any log" bash -c "! grep -qE 'SAMLResponse=|<saml:Assertion|<ns[0-9]:Assertion' '$work'/main/error.log"
