#!/usr/bin/env bash
# A SAML login with no KeygateBaseURL behind a trusted load balancer
# (issue #13): the SP metadata, the AuthnRequest's ACS and the ACS's
# Destination and Recipient checks all follow the balancer's
# X-Forwarded-Proto and X-Forwarded-Host (https://gw.example.test), end
# to end with the pysaml2 IdP; the same Response posted by anyone else,
# with the same forged headers, is refused (saml_destination).
# usage: gateway_saml_origin.sh BUILD_DIR
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
public=https://gw.example.test
lb=(--interface 127.0.0.2 -H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: gw.example.test'
	-H 'X-Forwarded-For: 203.0.113.7')

mkdir -p "$work/main"
httpd_config "$work/main" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateTrustedProxies 127.0.0.2
KeygateMappers $work/mappers.json
KeygateAccessGate domino-users
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLEntityID $public/sp" "<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
httpd_start "$work/main" "$build" || { echo "not ok - apache2 starts"; exit 1; }
echo "ok - apache2 starts without KeygateBaseURL"

# the IdP gets the metadata the balancer's users see
curl -s "${lb[@]}" -o "$work/idp/sp-gw-corp.xml" "$base/keygate/saml/corp/metadata"
check "the SP metadata names the ACS and SLO at the balancer's origin" bash -c '
	grep -q "entityID=\"$1/sp\"" "$2" &&
	grep -q "AssertionConsumerService [^>]*Location=\"$1/keygate/saml/corp/acs\"" "$2" &&
	grep -q "SingleLogoutService [^>]*Location=\"$1/keygate/saml/corp/slo\"" "$2"' \
	_ "$public" "$work/idp/sp-gw-corp.xml"
curl -s -o "$work/direct.xml" "$base/keygate/saml/corp/metadata" -H 'X-Forwarded-Host: evil.test'
check "asked directly (forged X-Forwarded-Host), it names the request's own origin" \
	grep -q "Location=\"$base/keygate/saml/corp/acs\"" "$work/direct.xml"
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }

# the browser, through the balancer, to the IdP
loc=$(curl -s "${lb[@]}" -b "$work/jar" -c "$work/jar" -o /dev/null -w '%{redirect_url}' \
	"$base/keygate/saml/corp/login?return_to=/app/x")
check "the AuthnRequest names the ACS at the balancer's origin" $py -c '
import base64, re, sys, urllib.parse as u, zlib
q = u.parse_qs(u.urlsplit(sys.argv[1]).query)
xml = zlib.decompress(base64.b64decode(q["SAMLRequest"][0]), -15).decode()
sys.exit(0 if re.search(r"AssertionConsumerServiceURL=\"%s/keygate/saml/corp/acs\"" % sys.argv[2], xml) else 1)' \
	"$loc" "$public"
idp_answer "$loc" ok "$work/r"
check "the IdP answers to that ACS" bash -c '[ "$(cat "$1")" = "$2/keygate/saml/corp/acs" ] &&
	grep -q "Destination=\"$2/keygate/saml/corp/acs\"" "$3"' _ "$work/r.action" "$public" "$work/r.xml"

# the same Response, posted by someone the gateway does not trust, with
# the same forged headers: the origin is the request's own, and the
# Destination is not it
n0=$(backend_count "$work")
l0=$(wc -l <"$work/main/error.log")
st=$(curl -s -b "$work/jar" -o /dev/null -D "$work/u.h" -w '%{http_code}' \
	-H 'X-Forwarded-Proto: https' -H 'X-Forwarded-Host: gw.example.test' \
	--data @"$work/r.form" "$base/keygate/saml/corp/acs")
check "posted by an untrusted sender it is refused with 400" test "$st" = 400
check "for its Destination, in one log line" bash -c '
	[ "$(tail -n +$(($1 + 1)) "$2" | grep -c "REJECT proto=saml reason=saml_destination idp=corp")" = 1 ]' \
	_ "$l0" "$work/main/error.log"
check "and no session is made" bash -c '! grep -qi "^Set-Cookie: keygate_session=[A-Za-z0-9]" "$1"' _ "$work/u.h"

# through the balancer it signs in
st=$(curl -s "${lb[@]}" -b "$work/jar" -c "$work/jar" -o /dev/null -D "$work/t.h" -w '%{http_code}' \
	--data @"$work/r.form" "$base/keygate/saml/corp/acs")
check "through the balancer the ACS accepts it and signs in" bash -c '[ "$1" = 302 ] &&
	grep -qiE "^Set-Cookie: keygate_session=[A-Za-z0-9_-]{43}" "$2" && grep -qi "^Location: /app/x" "$2"' \
	_ "$st" "$work/t.h"
check "the backend gets the user" test "$(backend_user "$work/jar")" = demo
check "the login is logged for the forwarded client" \
	grep -q "\[client 203.0.113.7.*AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=corp" "$work/main/error.log"
check "nothing reached the backend before the login" test "$(backend_count "$work")" = "$((n0 + 1))"
check "apache2 logged no crash" no_crash "$work/main"
