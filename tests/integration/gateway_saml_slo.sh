#!/usr/bin/env bash
# SAML single logout through the gateway, both directions, and Keycloak's
# broker paths, end to end: apache2 + mod_keygate, the pysaml2 IdP
# (tests/fixtures/idp), Redis and the echo backend.
#  - SP-initiated: /keygate/logout ends the session and sends the browser
#    to the IdP with a signed LogoutRequest naming the session's NameID
#    and SessionIndex; the IdP's signed LogoutResponse lands the browser
#    on the local page. Unsigned, broken or replayed answers are refused.
#  - IdP-initiated: a signed LogoutRequest (HTTP-Redirect and POST) ends
#    the session in Redis, and keygate answers with a signed
#    LogoutResponse the IdP verifies. Unsigned, forged, foreign, expired
#    or replayed requests are refused and the session survives.
#  - KeygateSAMLKeycloakPaths: the metadata at .../endpoint/descriptor, a
#    login and a logout through /auth/realms/REALM/broker/corp/endpoint.
#  - the CLI: `keygate saml metadata` prints what the gateway serves;
#    `keygate map --idp-metadata` verifies a captured Response.
# usage: gateway_saml_slo.sh BUILD_DIR
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
saml_mappers "$work/mappers.json"
saml_gateway "$work/main" "$web" "$work/mappers.json" "" ||
	{ echo "not ok - apache2 starts"; exit 1; }
web2=$(free_port)
base2="http://127.0.0.1:$web2"
broker="$base2/auth/realms/DominoRealm/broker/corp/endpoint"
saml_gateway "$work/kc" "$web2" "$work/mappers.json" "KeygateSAMLKeycloakPaths DominoRealm" ||
	{ echo "not ok - apache2 with Keycloak paths starts"; exit 1; }
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }

# login NAME [BASE]: a person signs in at BASE (default the main gateway)
# with the cookie jar $work/jar-NAME; the Response is in $work/r-NAME.*.
login() {
	local u st
	u=$(saml_start "$work/jar-$1" "${2:-$base}/app/")
	idp_answer "$u" ok "$work/r-$1"
	st=$(post_acs "$work/jar-$1" "$work/r-$1")
	[ "$st" = 302 ] && grep -qiE '^Set-Cookie: keygate_session=[A-Za-z0-9_-]{43}' "$work/r-$1.h"
}

# backend_user_at JAR BASE: the domino-username the backend behind BASE
# gets for JAR's session.
backend_user_at() {
	curl -s -b "$1" -H 'Accept: application/json' "$2/app/whoami" |
		$py -c 'import json, sys; print(json.load(sys.stdin)["headers"].get("domino-username", ["-"])[0])' 2>/dev/null
}

# app_status JAR ACCEPT: the status of a protected page for JAR's session
# (200: signed in; with ACCEPT text/html, 302 to the IdP when not).
app_status() {
	curl -s -o /dev/null -w '%{http_code}' -b "$1" -H "Accept: $2" "$base/app/x"
}

# get JAR URL OUT: GET URL with JAR; prints the status, headers in OUT.h,
# the Location in OUT.loc.
get() {
	local st
	st=$(curl -s -b "$1" -c "$1" -o "$3.page" -D "$3.h" -w '%{http_code}' "$2")
	sed -n 's/^[Ll]ocation: \(.*\)\r$/\1/p' "$3.h" >"$3.loc"
	echo "$st"
}

# initiate BINDING CASE OUT: the IdP's logout for the last login, as JSON
# in OUT.json.
initiate() {
	curl -s -o "$3.json" "$idp/logout/initiate?binding=$1&kg_case=$2"
}

# send_initiated JAR OUT: takes the browser where OUT.json says (GET or
# a form POST); prints the status, headers in OUT.h, Location in OUT.loc.
send_initiated() {
	local method url st
	method=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["method"])' "$2.json")
	url=$($py -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$2.json")
	if [ "$method" = POST ]; then
		$py -c 'import json,sys,urllib.parse; print(urllib.parse.urlencode(json.load(open(sys.argv[1]))["form"]))' \
			"$2.json" >"$2.form"
		st=$(curl -s -b "$1" -c "$1" -o "$2.page" -D "$2.h" -w '%{http_code}' --data @"$2.form" "$url")
		sed -n 's/^[Ll]ocation: \(.*\)\r$/\1/p' "$2.h" >"$2.loc"
		echo "$st"
	else
		get "$1" "$url" "$2"
	fi
}

# logged NAME REGEX: the main gateway logged a line matching REGEX after
# line $mark.
logged() {
	tail -n +$((mark + 1)) "$work/main/error.log" | grep -qE "$1"
}

# --- SP-initiated logout --------------------------------------------------
check "a person signs in" login sp
check "the login made one session" test "$(sessions_in_redis)" = 1
check "the session is tagged for IdP-initiated logout (NameID and SessionIndex)" \
	test "$(redis-cli -p "$redis_port" --scan --pattern 'keygate:tag:*' | wc -l)" = 2
name_id=$($py -c '
import re, sys
print(re.search(r"<(?:\w+:)?NameID[^>]*>([^<]*)<", open(sys.argv[1]).read()).group(1))' "$work/r-sp.xml")
session_index=$($py -c '
import re, sys
print(re.search(r"SessionIndex=\"([^\"]*)\"", open(sys.argv[1]).read()).group(1))' "$work/r-sp.xml")
mark=$(log_lines)
st=$(get "$work/jar-sp" "$base/keygate/logout?return_to=/bye" "$work/lo")
check "logout sends the browser to the IdP's SLO service" bash -c \
	"test '$st' = 302 && grep -q '^$idp/slo/redirect?SAMLRequest=' '$work/lo.loc'"
check "the LogoutRequest is signed with RSA-SHA256 over HTTP-Redirect and carries a RelayState" bash -c \
	"grep -q '&RelayState=.*&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=' '$work/lo.loc'"
check "logout ends the session in Redis at once" test "$(sessions_in_redis)" = 0
check "logout clears the session cookie" grep -qiE '^Set-Cookie: keygate_session=;' "$work/lo.h"
st=$(get "$work/jar-sp" "$(cat "$work/lo.loc")" "$work/idp-lo")
check "the IdP verifies the LogoutRequest's signature and answers" bash -c \
	"test '$st' = 302 && grep -q '^$base/keygate/saml/corp/slo?SAMLResponse=' '$work/idp-lo.loc'"
check "the LogoutRequest names the session's NameID and SessionIndex" \
	grep -qF "idp logout request nameid=$name_id format=urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified session_index=$session_index" "$work/idp.log"
st=$(get "$work/jar-sp" "$(cat "$work/idp-lo.loc")" "$work/back")
check "the IdP's signed LogoutResponse lands the browser on the local page" bash -c \
	"test '$st' = 302 && test \"\$(cat '$work/back.loc')\" = /bye"
check "the confirmed logout is audited" logged 'AUDIT event="User Log Out" outcome=confirmed actor=corp target=- idp=corp'
check "the next request is not authenticated" test "$(app_status "$work/jar-sp" text/html)" = 302
mark=$(log_lines)
st=$(get "$work/jar-sp" "$(cat "$work/idp-lo.loc")" "$work/back2")
check "the same LogoutResponse again is refused (400 saml_inresponseto)" bash -c \
	"test '$st' = 400 && tail -n +$((mark + 1)) '$work/main/error.log' | grep -q 'REJECT proto=saml reason=saml_inresponseto idp=corp'"

# refused LogoutResponses: the IdP answers without or with a broken signature
for c in unsigned:slo_unsigned tampered:saml_sig_invalid; do
	case_=${c%%:*} reason=${c#*:}
	login "r$case_" >/dev/null
	get "$work/jar-r$case_" "$base/keygate/logout" "$work/lo-$case_" >/dev/null
	get "$work/jar-r$case_" "$(cat "$work/lo-$case_.loc")&kg_case=$case_" "$work/idp-$case_" >/dev/null
	mark=$(log_lines)
	st=$(get "$work/jar-r$case_" "$(cat "$work/idp-$case_.loc")" "$work/back-$case_")
	check "a LogoutResponse $case_ is refused with 400 and no redirect" bash -c \
		"test '$st' = 400 && ! test -s '$work/back-$case_.loc'"
	check "a LogoutResponse $case_ is logged as $reason" logged "REJECT proto=saml reason=$reason idp=corp"
done

# post_logout NAME BASE LANDING: NAME signs in at BASE, logs out, and the
# IdP answers with an XML-signed LogoutResponse over HTTP-POST; prints the
# status of that POST and where the form went.
post_logout() {
	login "$1" "$2" || return 1
	get "$work/jar-$1" "$2/keygate/logout?return_to=$3" "$work/lo-$1" >/dev/null
	idp_answer "$(cat "$work/lo-$1.loc")" post "$work/idp-$1"
	echo "$(post_acs "$work/jar-$1" "$work/idp-$1") $(cat "$work/idp-$1.action")"
}
check "the IdP's LogoutResponse over HTTP-POST lands the browser on the local page" bash -c \
	"test '$(post_logout post "$base" /bye-post)' = '302 $base/keygate/saml/corp/slo' &&
	 grep -qi '^Location: /bye-post' '$work/idp-post.h'"

# --- IdP-initiated logout ---------------------------------------------------
check "a person signs in again" login idp1
n0=$(sessions_in_redis)
initiate redirect ok "$work/i1"
mark=$(log_lines)
st=$(send_initiated "$work/jar-idp1" "$work/i1")
check "an IdP-initiated LogoutRequest (HTTP-Redirect) is answered with a redirect to the IdP" bash -c \
	"test '$st' = 302 && grep -q '^$idp/slo/redirect?SAMLResponse=.*&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=' '$work/i1.loc'"
check "it ends the session in Redis" test "$(sessions_in_redis)" = $((n0 - 1))
check "the logout is audited, by SessionIndex" logged "AUDIT event=\"User Log Out\" outcome=success actor=corp target=- idp=corp by=session_index sessions_ended=1"
check "the next request with that session is not authenticated" test "$(app_status "$work/jar-idp1" text/html)" = 302
curl -s -o "$work/i1.answer" "$(cat "$work/i1.loc")"
check "the IdP verifies keygate's signed Success LogoutResponse to its request" $py -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["verified"] and d["status"].endswith(":Success") and d["inResponseTo"] else 1)' "$work/i1.answer"
mark=$(log_lines)
st=$(send_initiated "$work/jar-idp1" "$work/i1")
check "the same LogoutRequest again is refused (saml_replay)" bash -c \
	"test '$st' = 400 && tail -n +$((mark + 1)) '$work/main/error.log' | grep -q 'REJECT proto=saml reason=saml_replay idp=corp'"

check "a person signs in for a POST logout" login idp2
initiate post ok "$work/i2"
st=$(send_initiated "$work/jar-idp2" "$work/i2")
check "an IdP-initiated LogoutRequest over HTTP-POST ends the session and is answered" bash -c \
	"test '$st $(app_status "$work/jar-idp2" text/html)' = '302 302' && grep -q '^$idp/slo/redirect?SAMLResponse=' '$work/i2.loc'"

# refused LogoutRequests: the session survives each
check "a person signs in to be attacked" login victim
# (xinclude, schema-location, nameid-child and no-nameid: signed over
# HTTP-Redirect, so only the intended check can refuse them; lasso would
# abort the whole httpd child on a LogoutRequest whose NameID it cannot
# read, so keygate refuses those before lasso sees them)
for c in redirect:unsigned:slo_unsigned redirect:tampered:saml_sig_invalid \
	redirect:issuer:saml_issuer redirect:expired:saml_time \
	redirect:dtd:saml_dtd redirect:xinclude:saml_dtd \
	redirect:schema-location:saml_dtd redirect:nameid-child:slo_nameid \
	redirect:no-nameid:slo_nameid \
	post:unsigned:slo_unsigned post:tampered:saml_sig_invalid \
	post:xinclude:saml_dtd post:schema-location:saml_dtd \
	post:no-nameid:slo_nameid; do
	binding=${c%%:*} rest=${c#*:}
	case_=${rest%%:*} reason=${rest#*:}
	initiate "$binding" "$case_" "$work/a-$binding-$case_"
	s0=$(sessions_in_redis)
	mark=$(log_lines)
	st=$(send_initiated "$work/jar-att" "$work/a-$binding-$case_")
	check "$binding LogoutRequest $case_: refused with 400, no redirect" bash -c \
		"test '$st' = 400 && ! test -s '$work/a-$binding-$case_.loc'"
	check "$binding LogoutRequest $case_: logged as $reason" logged "REJECT proto=saml reason=$reason idp=corp"
	check "$binding LogoutRequest $case_: the session survives" \
		test "$(sessions_in_redis) $(app_status "$work/jar-victim" application/json)" = "$s0 200"
done
initiate redirect other "$work/a-other"
mark=$(log_lines)
st=$(send_initiated "$work/jar-att" "$work/a-other")
check "a signed LogoutRequest for another NameID ends no session of this one" \
	test "$st $(app_status "$work/jar-victim" application/json)" = "302 200"
check "it is audited with sessions_ended=0" logged "AUDIT event=\"User Log Out\" outcome=success actor=corp target=- idp=corp by=session_index sessions_ended=0"
initiate redirect noindex "$work/a-noindex"
mark=$(log_lines)
st=$(send_initiated "$work/jar-att" "$work/a-noindex")
check "a LogoutRequest without SessionIndex ends the sessions of its NameID" \
	test "$st $(app_status "$work/jar-victim" text/html)" = "302 302"
check "it is audited by NameID" logged "AUDIT event=\"User Log Out\" outcome=success actor=corp target=- idp=corp by=name_id sessions_ended=[1-9]"

# --- Keycloak's broker paths ------------------------------------------------
curl -s -o "$work/kc-md.xml" -w '%{http_code} %{content_type}\n' "$broker/descriptor" >"$work/kc-md.status"
check "the SP metadata is served at Keycloak's descriptor URL" grep -q '^200 application/samlmetadata+xml' "$work/kc-md.status"
check "the metadata names Keycloak's entity ID and the broker endpoint as ACS and SLO" $py -c '
import sys, xml.etree.ElementTree as ET
md = "{urn:oasis:names:tc:SAML:2.0:metadata}"
root = ET.parse(sys.argv[1]).getroot(); sp = root.find(md + "SPSSODescriptor")
locs = [e.get("Location") for e in sp.findall(md + "SingleLogoutService")]
ok = (root.get("entityID") == sys.argv[2] + "/auth/realms/DominoRealm"
      and sp.find(md + "AssertionConsumerService").get("Location") == sys.argv[3]
      and locs == [sys.argv[3], sys.argv[3]])
sys.exit(0 if ok else 1)' "$work/kc-md.xml" "$base2" "$broker"
u=$(saml_start "$work/jar-kc" "$base2/app/")
idp_answer "$u" ok "$work/r-kc"
check "the IdP posts the Response to the broker endpoint" test "$(cat "$work/r-kc.action")" = "$broker"
st=$(post_acs "$work/jar-kc" "$work/r-kc")
check "a login through the broker endpoint makes a session" bash -c \
	"test '$st' = 302 && grep -qiE '^Set-Cookie: keygate_session=[A-Za-z0-9_-]{43}' '$work/r-kc.h'"
check "the backend gets the user signed in through the broker endpoint" \
	test "$(backend_user_at "$work/jar-kc" "$base2")" = demo
st=$(curl -s -o /dev/null -w '%{http_code}' --data @"$work/r-kc.form" "$base2/keygate/saml/corp/acs")
check "a Response addressed to the broker endpoint is refused at keygate's own ACS" test "$st" = 400
st=$(get "$work/jar-kc" "$base2/keygate/logout?return_to=/kc-bye" "$work/kc-lo")
st=$(get "$work/jar-kc" "$(cat "$work/kc-lo.loc")" "$work/kc-idp")
check "the IdP answers the logout at the broker endpoint" grep -q "^$broker?SAMLResponse=" "$work/kc-idp.loc"
st=$(get "$work/jar-kc" "$(cat "$work/kc-idp.loc")" "$work/kc-back")
check "the LogoutResponse at the broker endpoint lands the browser on the local page" bash -c \
	"test '$st' = 302 && test \"\$(cat '$work/kc-back.loc')\" = /kc-bye"
check "a LogoutResponse POSTed to the broker endpoint is a logout, not a login" bash -c \
	"test '$(post_logout kcpost "$base2" /kc-bye-post)' = '302 $broker' &&
	 grep -qi '^Location: /kc-bye-post' '$work/idp-kcpost.h'"
check "an unknown broker path is not found" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "$base2/auth/realms/DominoRealm/broker/corp/endpoint/nope")" = 404

# --- the CLI ------------------------------------------------------------------
kg="$build/keygate"
sed -n '/^KeygateBaseURL/p; /^KeygateSAML/p' "$work/main/httpd.conf" >"$work/cli.conf"
sed -n '/^KeygateBaseURL/p; /^KeygateSAML/p' "$work/kc/httpd.conf" >"$work/cli-kc.conf"
curl -s -o "$work/served.xml" "$base/keygate/saml/corp/metadata"
"$kg" saml metadata --alias corp --config "$work/cli.conf" >"$work/cli-md.xml" 2>"$work/cli-md.err"
check "keygate saml metadata prints what the gateway serves" cmp -s "$work/cli-md.xml" "$work/served.xml"
"$kg" saml metadata --alias corp --config "$work/cli-kc.conf" >"$work/cli-kc.xml"
check "keygate saml metadata follows KeygateSAMLKeycloakPaths" cmp -s "$work/cli-kc.xml" "$work/kc-md.xml"
"$kg" saml metadata --alias nope --config "$work/cli.conf" >/dev/null 2>"$work/cli-nope.err"
check "keygate saml metadata refuses an unknown alias (exit 1, says why)" bash -c \
	"test $? = 1 && grep -q 'no KeygateSAMLProvider has alias \"nope\"' '$work/cli-nope.err'"
"$kg" saml metadata --config "$work/cli.conf" >/dev/null 2>&1
check "keygate saml metadata without --alias is a usage error (exit 2)" test $? = 2

# verdict RESPONSE [METADATA]: "VERIFIED REASON_TOKEN USERNAME" of keygate
# map --idp-metadata
verdict() {
	"$kg" map --mappers "$work/mappers.json" --alias corp --saml-response "$1" \
		--idp-metadata "${2:-$work/idp-metadata.xml}" |
		$py -c 'import json, sys; d = json.load(sys.stdin); print(d["verified"], d.get("verifyReason", "-:").split(":")[0], d["username"])'
}
check "keygate map --idp-metadata verifies a Response the IdP signed" \
	test "$(verdict "$work/r-sp.xml")" = "True - demo"
sed 's/>demo</>admin</' "$work/r-sp.xml" >"$work/cli-tampered.xml"
check "keygate map --idp-metadata: a changed Response is not verified (saml_sig_invalid)" \
	test "$(verdict "$work/cli-tampered.xml")" = "False saml_sig_invalid admin"
login_answer cli-unsigned unsigned
check "keygate map --idp-metadata: an unsigned Response is not verified (saml_sig_missing)" \
	test "$(verdict "$work/r-cli-unsigned.xml")" = "False saml_sig_missing demo"
$py -c '
import re, sys
md = open(sys.argv[1]).read()
att = "".join(l for l in open(sys.argv[2]).read().splitlines() if "-----" not in l)
print(re.sub(r"(<(?:\w+:)?X509Certificate>)[^<]*(<)", lambda m: m.group(1) + att + m.group(2), md), end="")' \
	"$work/idp-metadata.xml" "$work/idp/att.crt" >"$work/att-metadata.xml"
check "keygate map --idp-metadata: another key than the metadata's does not verify" \
	test "$(verdict "$work/r-sp.xml" "$work/att-metadata.xml")" = "False saml_sig_invalid demo"
"$kg" map --mappers "$work/mappers.json" --alias corp --saml-response "$work/r-sp.xml" \
	--idp-metadata "$work/nope.xml" >/dev/null 2>&1
check "keygate map --idp-metadata: a missing metadata file is bad input (exit 1)" test $? = 1

no_crash "$work/main" || echo "not ok - apache2 did not crash"
no_crash "$work/kc" || echo "not ok - apache2 (Keycloak paths) did not crash"
check "no SAML message in any log" bash -c "! grep -qE 'SAMLRequest=|SAMLResponse=|<saml' '$work'/main/error.log '$work'/kc/error.log"
