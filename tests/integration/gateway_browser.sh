#!/usr/bin/env bash
# A real browser through the real login: Debian's chromium, driven by
# playwright-core (tests/fixtures/browser/login.mjs), opens a protected
# page behind apache2 + mod_keygate, signs in at the OpenID provider's own
# login and consent forms (oidc-provider, the demo user), and lands on the
# echo backend's page that greets the user and lists the identity headers
# it received. A screenshot of that page goes to build/screenshots/
# login.png. Then a second page with the same browser, and sign-out.
# usage: gateway_browser.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d -t keygate-browser.XXXXXX)
trap 'stop_all; rm -rf "$work"' EXIT
skip() { echo "ok - browser login # SKIP $1"; exit 0; }
[ -x /usr/sbin/apache2 ] || skip "apache2 is not installed"
. "$KG_TOP/tests/integration/browser.bash"
browser_requirements
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip "npm packages of the provider not installed (make deps)"

redis_port=$(free_port) web=$(free_port) back=$(free_port) op_port=$(free_port)
base="http://127.0.0.1:$web"
issuer="http://127.0.0.1:$op_port"
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
op_start "$work" "$op_port" keygate keygate-test-secret "$base/keygate/oidc/callback" \
	OP_POST_LOGOUT_URI="$base/bye" || { echo "not ok - the provider starts"; exit 1; }

cat >"$work/mappers.json" <<'JSON'
{"identityProviders": [{"alias": "corp", "providerId": "oidc", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": [
  {"name": "Email", "identityProviderAlias": "corp",
   "identityProviderMapper": "oidc-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "claim": "email", "user.attribute": "email"}},
  {"name": "Groups", "identityProviderAlias": "corp",
   "identityProviderMapper": "oidc-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "claim": "groups", "user.attribute": "domino-groups"}},
  {"name": "Admins", "identityProviderAlias": "corp",
   "identityProviderMapper": "oidc-role-idp-mapper",
   "config": {"syncMode": "INHERIT", "claim": "groups", "claim.value": "nyc-data-scientists", "role": "SysAdmin"}}]}
JSON
head -c 48 /dev/urandom | base64 >"$work/secret"
echo keygate-test-secret >"$work/client-secret"
httpd_config "$work" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateExternalOrgs On
KeygateOIDCProvider corp $issuer
KeygateOIDCClientID keygate
KeygateOIDCScope openid profile email groups
KeygateOIDCClientSecret file:$work/client-secret" "<Location /app>
  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-email email
  KeygateIdentityHeader domino-roles roles
  KeygateIdentityHeader domino-organizations organizations
  ProxyPass http://127.0.0.1:$back/app
</Location>
<Location /bye>
  ProxyPass http://127.0.0.1:$back/bye
</Location>"
httpd_start "$work" "$build" || { echo "not ok - apache2 starts"; exit 1; }

start="$base/app/projects?tab=1"
n0=$(backend_count "$work")
browser_run login.mjs login.png "$start" "$base" "$issuer"
check "chromium signs in and reaches the end of the scenario (exit $browser_rc)" test "$browser_rc" = 0

check "the protected page sent the browser to the provider's login form" \
	j "d.get('login_form_url','').startswith('$issuer/interaction/')"
check "the browser went through the consent form" \
	j "d.get('consent_url','').startswith('$issuer/interaction/')"
check "the login ends on the page asked for ($(field "d.get('final_url')"))" \
	j "d.get('final_url') == '$start'"
check "the page greets the demo user" j "d.get('h1') == 'Hello, demo'"
check "the backend page shows the identity headers (user, email, role, organizations)" \
	j "((d.get('headers') or {}).get('domino-username') == 'demo' and
	   d['headers'].get('domino-email') == 'demo@example.com' and
	   d['headers'].get('domino-roles') == 'SysAdmin' and
	   d['headers'].get('domino-organizations') == 'domino-users,nyc-data-scientists')"
check "the browser keeps the session cookie HttpOnly, SameSite=Lax, path /" \
	j "[(c['httpOnly'], c['sameSite'], c['path'], c['length']) for c in d.get('cookies', [])
	    if c['name'] == 'keygate_session'] == [(True, 'Lax', '/', 43)]"
check "page script cannot read the session cookie" \
	j "'keygate_session' not in d.get('document_cookie', 'keygate_session')"
check "no login-state cookie is left in the browser" \
	j "'cookies' in d and not any(c['name'].startswith('keygate_login_') for c in d['cookies'])"
check "a second page in the same browser needs no new login" \
	j "(d.get('second', {}).get('h1') == 'Hello, demo' and d['second']['via_issuer'] is False and
	   d['second']['url'] == '$base/app/second?x=2')"
check "sign-out ends on the local return page without the session cookie" \
	j "d.get('after_logout_url') == '$base/bye' and 'keygate_session' not in d.get('cookies_after_logout', ['keygate_session'])"
check "after sign-out the protected page asks for a login again" \
	j "d.get('relogin_url','').startswith('$issuer/interaction/')"
check "the browser was kept on loopback (blocked: $(field "sorted(set(d.get('blocked', [])))"))" \
	j "all(r['url'].startswith(('http://127.0.0.1:', 'data:')) for r in d.get('responses', [None]))"
check "no response in the browser's session was a 5xx" \
	j "d.get('responses') and all(r['status'] < 500 for r in d['responses'])"
check "the backend answered the browser's pages ($(($(backend_count "$work") - n0)) requests)" \
	test "$(($(backend_count "$work") - n0))" -ge 3
check "the login is an audit event" grep -q 'AUDIT event="User Log In" outcome=success actor=demo target=demo idp=corp protocol=oidc' "$work/error.log"

size=$(png_ok "$shots/login.png" 2>/dev/null)
check "the screenshot build/screenshots/login.png is a PNG of the page (${size:-missing})" test -n "$size"
check "the screenshot is not tracked by git" \
	bash -c "cd '$KG_TOP' && git check-ignore -q build/screenshots/login.png"

check "apache2 did not crash and no sanitizer report was written" no_crash "$work"
check "no token or cookie value in the error log" bash -c "! grep -qE 'eyJ[A-Za-z0-9_-]{10,}\.' '$work/error.log'"
