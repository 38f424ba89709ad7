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
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
$py -c 'import saml2, cryptography' 2>/dev/null || skip_all "python3-pysaml2 is not installed (make deps)"
[ -x /usr/bin/xmlsec1 ] || skip_all "xmlsec1 is not installed (make deps)"

redis_port=$(free_port) web=$(free_port) back=$(free_port) idp_port=$(free_port)
base="http://127.0.0.1:$web"
idp="http://127.0.0.1:$idp_port"
acs="$base/keygate/saml/corp/acs"
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"

# keys made now: the IdP's, and the gateway's SP key
mkdir -p "$work/idp"
for who in idp/idp sp; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keygate-test-$(basename $who)" \
		-keyout "$work/$who.key" -out "$work/$who.crt" 2>/dev/null
done
chmod 644 "$work/sp.key"
$py "$KG_TOP/tests/fixtures/idp/idp.py" metadata "$work/idp" "$idp" >"$work/idp-metadata.xml"

cat >"$work/mappers.json" <<'JSON'
{"identityProviders": [{"alias": "corp", "providerId": "saml", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": [
  {"name": "Username", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-username-idp-mapper",
   "config": {"syncMode": "INHERIT", "template": "${ATTRIBUTE.uid}", "target": "LOCAL"}},
  {"name": "Gate", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "attribute.friendly.name": "eduPersonAffiliation", "user.attribute": "accessforDomino"}},
  {"name": "Admins", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-role-idp-mapper",
   "config": {"syncMode": "INHERIT", "attribute.friendly.name": "eduPersonAffiliation", "attribute.value": "nyc-data-scientists", "role": "SysAdmin"}}]}
JSON
head -c 48 /dev/urandom | base64 >"$work/secret"

mkdir -p "$work/main"
httpd_config "$work/main" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateAccessGate domino-users
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLNameIDFormat unspecified" "<Location /app>
  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-roles roles
  ProxyPass http://127.0.0.1:$back/app
</Location>"
httpd_start "$work/main" "$build" || { echo "not ok - apache2 starts"; exit 1; }

curl -s -o "$work/idp/sp.xml" -w '%{http_code} %{content_type}\n' "$base/keygate/saml/corp/metadata" >"$work/md.status"
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
sys.exit(0 if ok else 1)' "$work/idp/sp.xml" "$base"
check "an unknown provider has no metadata" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/saml/nope/metadata")" = 404

(cd "$work/idp" && exec $py "$KG_TOP/tests/fixtures/idp/idp.py" serve "$work/idp" "$idp" "$idp_port") >"$work/idp.log" 2>&1 &
KG_PIDS="${KG_PIDS:-} $!"
for _ in $(seq 100); do grep -q '^idp ready' "$work/idp.log" && break; sleep 0.1; done
grep -q '^idp ready' "$work/idp.log" || { echo "not ok - the IdP starts"; cat "$work/idp.log" >&2; exit 1; }

# saml_start JAR URL: follows the gateway's redirects from URL to the
# IdP; prints the IdP URL (with the signed AuthnRequest).
saml_start() {
	local jar=$1 url=$2 loc
	for _ in 1 2 3; do
		loc=$(curl -s -b "$jar" -c "$jar" -o /dev/null -H 'Accept: text/html' -w '%{redirect_url}' "$url")
		[ -n "$loc" ] || break
		url=$loc
		case "$url" in "$idp"/*) break ;; esac
	done
	echo "$url"
}

# idp_answer URL CASE OUT: the IdP's auto-post form for URL, made with
# mutation CASE ("ok" for none); SAMLResponse and RelayState into OUT.form
# (urlencoded), the decoded Response into OUT.xml.
idp_answer() {
	local url=$1 case=$2 out=$3
	curl -s -o "$out.html" "$url&kg_case=$case"
	$py -c '
import html, re, sys, urllib.parse, base64
t = open(sys.argv[1]).read()
f = dict((n, html.unescape(v)) for n, v in re.findall(r"name=\"(\w+)\" value=\"([^\"]*)\"", t))
open(sys.argv[2] + ".form", "w").write(urllib.parse.urlencode(f))
open(sys.argv[2] + ".xml", "w").write(base64.b64decode(f["SAMLResponse"]).decode())' "$out.html" "$out" 2>/dev/null
}

# post_acs JAR OUT: posts OUT.form to the ACS; prints the status, the
# headers in OUT.h.
post_acs() {
	curl -s -b "$1" -c "$1" -o "$2.page" -D "$2.h" -w '%{http_code}' --data @"$2.form" "$acs"
}

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
check "the audit log has the login" grep -q "AUDIT login ok idp=corp user=demo protocol=saml" "$work/main/error.log"
curl -s -b "$jar" "$base/keygate/session" >"$work/session.json"
check "the session endpoint shows a SAML session from corp" $py -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["idp"] == "corp" and d["protocol"] == "saml" and d["flow"] == "sso" else 1)' "$work/session.json"

# --- refused Responses ---------------------------------------------------
# reject NAME JAR OUT REASON: the Response in OUT.form is refused with a
# 4xx, sets no session, reaches no backend, and is logged with REASON.
reject() {
	local name=$1 jar=$2 out=$3 reason=$4 n0 st
	n0=$(backend_count "$work")
	st=$(post_acs "$jar" "$out")
	check "$name: refused with 4xx" bash -c "case '$st' in 4??) exit 0;; *) echo 'status $st' >&2; exit 1;; esac"
	check "$name: no session cookie" bash -c "! grep -qi '^Set-Cookie: keygate_session=[A-Za-z0-9]' '$out.h'"
	check "$name: the reason is logged ($reason)" grep -q "REJECT proto=saml reason=$reason idp=corp" "$work/main/error.log"
	check "$name: nothing forwarded" test "$(backend_count "$work")" = "$n0"
}

# mutated CASE REASON: a fresh login whose Response carries mutation CASE
mutated() {
	local case=$1 reason=$2 jarM="$work/jar-$1" u
	u=$(saml_start "$jarM" "$base/app/")
	idp_answer "$u" "$case" "$work/m-$case"
	reject "$case" "$jarM" "$work/m-$case" "$reason"
}

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
