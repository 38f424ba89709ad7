#!/usr/bin/env bash
# SAML IdP metadata refreshed from a URL (KeygateSAMLMetadataRefresh),
# end to end: apache2 + mod_keygate, the pysaml2 IdP serving its signed
# metadata (tests/fixtures/idp), Redis. The refreshed metadata moves the
# IdP's SSO service to /sso2/redirect: the gateway swaps it in without a
# restart when it is signed by the pinned certificate, and keeps the last
# good metadata (logging why) when it is unsigned, signed by another key,
# names another IdP, or cannot be fetched. The gateway's first fetches
# happen before the IdP is up (they fail: the file's metadata stays); the
# ones an interval (10 s) later see the IdP.
# usage: gateway_saml_refresh.sh BUILD_DIR
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
md="$idp/metadata.xml?sso=/sso2/redirect"
pin="$work/idp/idp.crt"
extra="KeygateSAMLMetadataRefresh corp $md $pin 10
KeygateLoginProvider corp"
for c in unsigned foreign other; do
	extra="$extra
KeygateSAMLProvider $c $work/idp-metadata.xml
KeygateSAMLMetadataRefresh $c $md&kg_case=$c $pin 10"
done
extra="$extra
KeygateSAMLProvider down $work/idp-metadata.xml
KeygateSAMLMetadataRefresh down http://127.0.0.1:$(free_port)/metadata.xml $pin 10"
saml_gateway "$work/main" "$web" "$work/mappers.json" "$extra" ||
	{ echo "not ok - apache2 starts"; exit 1; }
check "before the IdP is up, the refresh fails and the file's metadata stays" bash -c \
	"test \"\$(curl -s -o /dev/null -w '%{redirect_url}' '$base/keygate/saml/corp/login' | sed 's/?.*//')\" = '$idp/sso/redirect' &&
	 grep -q 'KG-0541 saml metadata refresh failed idp=corp: ' '$work/main/error.log'"
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }
sleep 10.5

# sso_of ALIAS: the IdP URL a login at ALIAS goes to, without its query.
sso_of() {
	curl -s -o /dev/null -w '%{redirect_url}' "$base/keygate/saml/$1/login" | sed 's/?.*//'
}

check "the metadata at the URL, signed by the pinned certificate, is swapped in (the new SSO URL is used)" \
	test "$(sso_of corp)" = "$idp/sso2/redirect"
check "the refresh is logged" grep -q 'KG-0540 saml metadata refreshed idp=corp' "$work/main/error.log"
u=$(saml_start "$work/jar" "$base/app/")
idp_answer "$u" ok "$work/r"
st=$(post_acs "$work/jar" "$work/r")
check "a login through the refreshed metadata works end to end" bash -c \
	"case '$u' in '$idp'/sso2/redirect\?*) test '$st' = 302;; *) exit 1;; esac"
check "the backend gets the user" test "$(backend_user "$work/jar")" = demo

for c in unsigned:'the metadata is not signed' \
	foreign:'does not verify with the pinned certificate' \
	other:'names another IdP' \
	down:'saml metadata refresh failed idp=down'; do
	alias=${c%%:*} why=${c#*:}
	check "$alias metadata: the last good one stays (the old SSO URL)" \
		test "$(sso_of "$alias")" = "$idp/sso/redirect"
	check "$alias metadata: the failure is logged with why" bash -c \
		"grep 'KG-0541 saml metadata refresh failed idp=$alias: ' '$work/main/error.log' | grep -q '$why'"
done
# (a second httpd process, if one starts now, fetches once on its own)
n=$(grep -c 'KG-0541 saml metadata refresh failed idp=unsigned' "$work/main/error.log")
for _ in 1 2 3 4 5 6; do sso_of unsigned >/dev/null; done
check "a refresh is not due again before its interval" \
	test "$(grep -c 'KG-0541 saml metadata refresh failed idp=unsigned' "$work/main/error.log")" -le $((n + 1))
printf 'KeygateBaseURL %s\nKeygateSAMLProvider corp %s\nKeygateSAMLSPKey %s\nKeygateSAMLSPCert %s\nKeygateSAMLMetadataRefresh corp %s %s\n' \
	"$base" "$work/idp-metadata.xml" "$work/sp.key" "$work/sp.crt" "$md" "$work/sp.key" >"$work/bad-pin.conf"
"$build/keygate" saml metadata --alias corp --config "$work/bad-pin.conf" >/dev/null 2>"$work/bad-pin.err"
check "a pinned file that holds no certificate fails at start, saying so" bash -c \
	"test $? = 1 && grep -q 'KeygateSAMLMetadataRefresh corp: .* holds no PEM certificate' '$work/bad-pin.err'"
no_crash "$work/main" || echo "not ok - apache2 did not crash"
