#!/usr/bin/env bash
# One SAML login in a real browser: Debian's chromium, driven by
# playwright-core (tests/fixtures/browser/saml_login.mjs), opens a
# protected page behind apache2 + mod_keygate, is sent to the pysaml2 IdP
# with a signed AuthnRequest, comes back through the IdP's auto-posting
# form to the ACS and lands on the echo backend's page that greets the
# user. A screenshot of that page goes to build/screenshots/saml-login.png.
# usage: gateway_saml_browser.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d -t keygate-saml-browser.XXXXXX)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
skip() { echo "ok - SAML browser login # SKIP $1"; exit 0; }
. "$KG_TOP/tests/integration/browser.bash"
. "$KG_TOP/tests/integration/saml.bash"
browser_requirements
saml_main_stack

start="$base/app/projects?tab=1"
n0=$(backend_count "$work")
browser_run saml_login.mjs saml-login.png "$start" "$base" "$idp"
check "chromium signs in over SAML and reaches the end of the scenario (exit $browser_rc)" test "$browser_rc" = 0

check "the browser went to the IdP with a signed AuthnRequest" \
	j "any(r['url'].startswith('$idp/sso/redirect?SAMLRequest=') and 'Signature=' in r['url'] for r in d['responses'])"
check "the IdP's page posted the Response to the ACS, which redirected" \
	j "any(r['url'] == '$acs' and r['method'] == 'POST' and r['status'] == 302 for r in d['responses'])"
check "the login ends on the page asked for ($(field "d.get('url')"))" j "d.get('url') == '$start'"
check "the page greets the demo user" j "d.get('h1') == 'Hello, demo'"
check "the backend page shows the identity headers (user and role)" \
	j "d['headers'].get('domino-username') == 'demo' and d['headers'].get('domino-roles') == 'SysAdmin'"
check "the session cookie is HttpOnly and SameSite=Lax; no login-state cookie is left" \
	j "([(c['httpOnly'], c['sameSite']) for c in d['cookies'] if c['name'] == 'keygate_session'] == [(True, 'Lax')]
	   and not any(c['name'].startswith('keygate_login_') for c in d['cookies']))"
check "the browser was kept on loopback and saw no 5xx" \
	j "not d['blocked'] and all(r['status'] < 500 for r in d['responses'])"
check "the backend answered the page" test "$(($(backend_count "$work") - n0))" -ge 1
check "the login is an audit event" grep -q 'AUDIT event="User Log In" outcome=success actor=demo target=demo idp=corp protocol=saml' "$work/main/error.log"
size=$(png_ok "$shots/saml-login.png" 2>/dev/null)
check "the screenshot build/screenshots/saml-login.png is a PNG of the page (${size:-missing})" test -n "$size"
check "apache2 did not crash and no sanitizer report was written" no_crash "$work/main"
