#!/usr/bin/env bash
# The pages a person meets, in a real browser (Debian's chromium through
# playwright-core, tests/fixtures/browser/pages.mjs), on one apache2 +
# mod_keygate with three providers: the pysaml2 SAML IdP (alias corp,
# email domain corp.example) and two oidc-provider instances (aliases
# contractors, and partners with email domain partners.example): the sign-in
# page and its buttons, a login through each, kc_idp_hint and idp=
# skipping the page, the email-domain rule, the notice for an unknown
# hint, the signed-out, error, access-denied and session-limit pages
# (screenshots in build/screenshots/pages-*.png), and a form POST kept
# across the login and replayed, but not when it came from another
# origin. Then, with curl: JSON bodies for API clients, and every
# open-redirect payload against the sign-in page's return path and both
# hint parameters.
# usage: gateway_pages_browser.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d -t keygate-pages.XXXXXX)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
skip() { echo "ok - the pages in a browser # SKIP $1"; exit 0; }
. "$KG_TOP/tests/integration/browser.bash"
. "$KG_TOP/tests/integration/saml.bash"
browser_requirements
saml_requirements
saml_setup
op_port=$(free_port) op2_port=$(free_port) forms_port=$(free_port)
issuer="http://127.0.0.1:$op_port"
issuer2="http://127.0.0.1:$op2_port"
cross="http://127.0.0.1:$forms_port"

# the mapper file: corp as saml.bash has it, contractors from the claims
# (the gate attribute from the groups claim: demo has domino-users, any
# other user of the provider has no groups)
saml_mappers "$work/saml-mappers.json"
$py - "$work/saml-mappers.json" "$work/mappers.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for alias in ("contractors", "partners"):
    d["identityProviders"].append({"alias": alias, "providerId": "oidc", "config": {"syncMode": "FORCE"}})
    d["identityProviderMappers"].append(
        {"name": "Gate", "identityProviderAlias": alias,
         "identityProviderMapper": "oidc-user-attribute-idp-mapper",
         "config": {"syncMode": "INHERIT", "claim": "groups", "user.attribute": "accessforDomino"}})
json.dump(d, open(sys.argv[2], "w"))
PY

# the form page, served at $cross/form.html and (through the gateway,
# without a login) at $base/forms/form.html; it posts to $base/app/form
mkdir -p "$work/forms"
cat >"$work/forms/form.html" <<HTML
<!doctype html><html lang="en"><meta charset="utf-8"><title>A Domino form</title>
<form method="post" action="$base/app/form">
<label for="note">Note</label><textarea id="note" name="note"></textarea>
<input type="hidden" name="n" value="1"><input type="hidden" name="n" value="2">
<button type="submit">Save</button></form></html>
HTML
(cd "$work/forms" && exec $py -m http.server --bind 127.0.0.1 "$forms_port") >"$work/forms.log" 2>&1 &
KG_PIDS="${KG_PIDS:-} $!"
wait_port "$forms_port" || { echo "not ok - the form server starts"; exit 1; }

secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
printf '%s' "$secret" >"$work/client-secret"
op_start "$work" "$op_port" keygate "$secret" "$base/keygate/oidc/callback" \
	OP_POST_LOGOUT_URI="$base/keygate/signed-out" ||
	{ echo "not ok - the OpenID provider starts"; cat "$work/op.log" >&2; exit 1; }
mkdir -p "$work/op2"
op_start "$work/op2" "$op2_port" keygate2 "$secret" "$base/keygate/oidc/partners/callback" \
	OP_POST_LOGOUT_URI="$base/keygate/signed-out" ||
	{ echo "not ok - the second OpenID provider starts"; cat "$work/op2/op.log" >&2; exit 1; }

mkdir -p "$work/main"
httpd_config "$work/main" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateEmailCollision link
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateAccessGate domino-users
KeygateAccessGateMissing Deny
KeygateAccessGateMessage \"Ask the Domino admins for access (<b>ticket</b>).\"
KeygateSessionLimit sso user 1 deny-new
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLNameIDFormat unspecified
KeygateOIDCProvider contractors $issuer
KeygateOIDCClientID keygate
KeygateOIDCClientSecret file:$work/client-secret
KeygateOIDCScope openid profile email groups
KeygateOIDCProvider partners $issuer2
KeygateOIDCClientID keygate2
KeygateOIDCClientSecret file:$work/client-secret
KeygateOIDCScope openid profile email groups
KeygateProviderDisplay partners \"Partner OIDC\" 3
KeygateProviderEmailDomains partners partners.example
KeygateProviderDisplay corp \"Corporate SSO\" 1
KeygateProviderDisplay contractors \"\" 2
KeygateProviderEmailDomains corp corp.example
KeygatePreservePost On" "<Location />
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/
</Location>
<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>
<Location /forms/>
  AuthType None
  Require all granted
  ProxyPass http://127.0.0.1:$forms_port/
</Location>
<Location /keygate/>
  ProxyPass !
</Location>
<Location /api>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/api
</Location>"
httpd_start "$work/main" "$build" || { echo "not ok - apache2 starts"; exit 1; }
curl -s -o "$work/idp/sp-$web-corp.xml" "$base/keygate/saml/corp/metadata"
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }

browser_run pages.mjs pages "$base" "$idp" "$issuer" "$issuer2" "$cross"
check "chromium runs every page scenario to the end (exit $browser_rc, steps: $(field "','.join(d.get('steps', []))"))" \
	test "$browser_rc" = 0

# the sign-in page
check "a protected page sends the browser to the sign-in page, return path kept" \
	j "d['pages']['signin']['url'] == '$base/keygate/login?return_to=%2Fapp%2Fprojects%3Ftab%3D1'"
check "the sign-in page is titled and landmarked (lang en, <main>, h1 Sign in)" \
	j "(lambda p: p['lang'] == 'en' and p['main'] and p['h1'] == 'Sign in' and p['title'] == 'Sign in - Domino')(d['pages']['signin'])"
check "the sign-in page lists one button per provider, in order, with display names" \
	j "[(l['id'], l['text'], l['protocol']) for l in d['pages']['signin']['links'] if l['id'].startswith('provider-')] == [('provider-corp', 'Corporate SSO', 'saml'), ('provider-contractors', 'Continue with Single Sign On', 'oidc'), ('provider-partners', 'Partner OIDC', 'oidc')]"
check "every button keeps the return path" \
	j "all(l['href'].endswith('&return_to=%2Fapp%2Fprojects%3Ftab%3D1') for l in d['pages']['signin']['links'] if l['id'].startswith('provider-'))"
check "the email field is labelled" \
	j "{'name': 'email', 'label': 'Sign in with your work email'} in d['pages']['signin']['inputs']"
check "no page runs a script (sign-in, signed-out, error, denied, limit)" \
	j "all(d['pages'][n]['scripts'] == 0 for n in ('signin', 'signed-out', 'error', 'denied', 'limit'))"

# a login through each button
check "the SAML button signs in and lands on the page asked for" \
	j "d['saml_login']['url'] == '$base/app/projects?tab=1' and d['saml_login']['h1'] == 'Hello, demo'"
check "the OIDC button signs in through the OpenID provider" \
	j "d['oidc_login']['h1'] == 'Hello, demo'"
check "the second OIDC provider's button signs in through it" \
	j "d['oidc2_login']['url'] == '$base/app/partner' and d['oidc2_login']['h1'] == 'Hello, demo'"
check "the three logins are audit events" bash -c \
	"grep -q 'AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=corp protocol=saml' '$work/main/error.log' &&
	 grep -q 'AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=contractors protocol=oidc' '$work/main/error.log' &&
	 grep -q 'AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=partners protocol=oidc' '$work/main/error.log'"

# signed out
check "logout lands on the signed-out page with 'Sign in again'" \
	j "d['pages']['signed-out']['h1'] == 'You are signed out' and any(l['text'] == 'Sign in again' for l in d['pages']['signed-out']['links'])"
check "'Sign in again' opens the sign-in page" \
	j "d['sign_in_again_url'] == '$base/keygate/login?return_to=%2F'"
check "an OIDC logout ends at the provider and comes back to the signed-out page" \
	j "d['oidc_logout_url'] == '$base/keygate/signed-out'"

# hints and the domain rule
check "kc_idp_hint=corp skips the page and keeps the return path" \
	j "d['hint_saml']['url'] == '$base/app/hint' and not d['hint_saml']['saw_page']"
check "idp=contractors skips the page and keeps the return path" \
	j "d['hint_oidc']['url'] == '$base/app/idp' and not d['hint_oidc']['saw_page']"
check "the email domain corp.example picks the SAML provider" \
	j "d['domain']['url'] == '$base/app/domain' and d['domain']['h1'] == 'Hello, demo'"
check "the email domain partners.example picks the second OpenID provider" \
	j "d['domain2']['url'] == '$base/app/domain2' and d['domain2']['h1'] == 'Hello, demo'"
check "an unknown hint shows the page with a notice" \
	j "'does not have' in d['pages']['signin-notice']['notice'] and d['pages']['signin-notice']['h1'] == 'Sign in'"
check "the unknown hint is logged (KG-0444)" \
	grep -q "KG-0444 REJECT proto=login reason=unknown_hint param=kc_idp_hint hint=nope" "$work/main/error.log"

# the error page and its reference
ref=$(field "d['pages']['error']['reference']")
check "a stale login shows the error page with a reference ($ref)" \
	j "d['pages']['error']['h1'] == 'This sign-in has expired' and len(d['pages']['error']['reference'] or '') == 8"
check "the reference is in the log line of the refusal" \
	grep -q "KG-0440 REFUSED ref=$ref reason=oidc_state" "$work/main/error.log"

# the form POST across the login
# two POSTs to /app/form: the user's (answered by keygate's page that
# keeps it) and the replay after the login (answered by the backend)
check "the kept POST reaches the backend after the login, as a POST" \
	j "d['post_replay']['method'] == 'POST' and d['post_replay']['posts'] == [200, 200]"
check "its body is intact" \
	j "__import__('urllib.parse').parse.parse_qs(d['post_replay']['body']) == {'note': [d['post_note']], 'n': ['1', '2']}"
check "the POST was kept (KG-0442) and went through PREFIX post/replay" bash -c \
	"grep -q 'KG-0442 PRESERVE post kept in the browser path=/app/form' '$work/main/error.log' &&
	 python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if \"/keygate/post/replay?t=\" in (d[\"post_replay\"][\"replay_url\"] or \"\") else 1)' '$work/browser.json'"
check "the kept body is used once: the replay URL again sends nothing" \
	j "d['replay_again']['posts'] == 0 and d['replay_again']['url'] == '$base/'"
check "nothing of the body was in Redis (no key holds the note)" bash -c \
	"! redis-cli -p $redis_port --scan | while read -r k; do redis-cli -p $redis_port --raw dump \"\$k\"; done | grep -q 'world'"
check "a POST from another origin is not kept: after the login the page is fetched, never posted" \
	j "d['post_cross']['posts'] == [302] and not d['post_cross']['replayed'] and d['post_cross']['method'] is None"
check "the cross-origin POST is logged (KG-0443 reason=cross_site)" \
	grep -q "KG-0443 REJECT proto=post reason=cross_site path=/app/form" "$work/main/error.log"

# denied and limit
check "the gate's page shows the admin's message, escaped" \
	j "d['pages']['denied']['message'] == 'Ask the Domino admins for access (<b>ticket</b>).' and d['pages']['denied']['h1'] == 'Access denied'"
check "the denied page offers 'Sign in as someone else' and 'Sign out'" \
	j "[l['text'] for l in d['pages']['denied']['links']] == ['Sign in as someone else', 'Sign out']"
check "the session-limit page shows Keycloak's text, never the key" \
	j "d['pages']['limit']['message'] == 'There are too many sessions' and 'sessionLimitExceeded' not in d['pages']['limit']['text']"
check "the session-limit page offers 'Try again' and 'Sign out'" \
	j "[l['text'] for l in d['pages']['limit']['links']] == ['Try again', 'Sign out']"
check "both refusals are audit events" bash -c \
	"grep -q 'KG-0503 AUDIT event=\"User Log In\" outcome=denied actor=outsider target=outsider idp=contractors' '$work/main/error.log' &&
	 grep -q 'KG-0504 AUDIT event=\"User Log In\" outcome=denied actor=demo target=demo idp=corp reason=session_limit' '$work/main/error.log'"
ref=$(field "d['pages']['denied']['reference']")
check "the denied page's reference ($ref) is in its audit line" bash -c \
	"test \$(printf %s '$ref' | wc -c) = 8 && grep -q 'KG-0503 AUDIT event=\"User Log In\" outcome=denied actor=outsider .* ref=$ref' '$work/main/error.log'"
ref=$(field "d['pages']['limit']['reference']")
check "the session-limit page's reference ($ref) is in its audit line" bash -c \
	"test \$(printf %s '$ref' | wc -c) = 8 && grep -q 'KG-0504 AUDIT event=\"User Log In\" outcome=denied actor=demo .*reason=session_limit .* ref=$ref' '$work/main/error.log'"

for shot in signin signed-out signin-notice error signin-for-post denied limit; do
	size=$(png_ok "$shots/pages-$shot.png" 2>/dev/null)
	check "screenshot build/screenshots/pages-$shot.png is a PNG of the page (${size:-missing})" test -n "$size"
done
check "the browser stayed on loopback (the OpenID provider's web font aside) and saw no 5xx" \
	j "set(d['blocked']) <= {'https://fonts.googleapis.com'} and all(r['status'] < 500 for r in d['responses'])"

# API clients: JSON, never HTML
st=$(curl -s -o "$work/api.json" -D "$work/api.h" -w '%{http_code}' -H 'Accept: application/json' "$base/api/x")
check "an API client without credentials gets 401 JSON" bash -c \
	"test '$st' = 401 && grep -qi '^Content-Type: application/json' '$work/api.h'"
check "its body names the error, the reason and a reference in the log" bash -c "
	ref=\$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"error\"] == \"unauthorized\" and d[\"reason\"] == \"no_credentials\"; print(d[\"reference\"])' '$work/api.json') &&
	grep -q \"KG-0440 REFUSED ref=\$ref reason=no_credentials\" '$work/main/error.log'"
st=$(curl -s -o "$work/api2.json" -D "$work/api2.h" -w '%{http_code}' -H 'Authorization: Bearer not.a.token' "$base/api/x")
check "a bad bearer token: 401, WWW-Authenticate error=invalid_token, JSON invalid_token" bash -c \
	"test '$st' = 401 && grep -qi '^WWW-Authenticate: Bearer realm=\"keygate\", error=\"invalid_token\"' '$work/api2.h' &&
	 grep -q '\"error\":\"invalid_token\"' '$work/api2.json' && ! grep -qi '<html' '$work/api2.json'"

# Keycloak's authorization endpoint: old links keep working
kc="$base/auth/realms/DominoRealm/protocol/openid-connect/auth?client_id=domino-play&response_type=code&scope=openid"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' -H 'Accept: text/html' "$kc&redirect_uri=$base/app/kc&kc_idp_hint=corp")
check "a Keycloak auth link with kc_idp_hint=corp goes straight to the SAML IdP" \
	bash -c "case '$loc' in '$idp'/sso/redirect?SAMLRequest=*) exit 0;; *) exit 1;; esac"
curl -s -o "$work/kc.page" -H 'Accept: text/html' "$kc&redirect_uri=$(python3 -c 'import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=""))' "$base/app/kc?x=1")"
check "without a hint it is the sign-in page, Keycloak's redirect_uri the return path" \
	grep -q 'id="provider-corp" data-protocol="saml" href="/keygate/login?idp=corp&amp;return_to=%2Fapp%2Fkc%3Fx%3D1"' "$work/kc.page"

# hostile hints and return paths: every payload of the open-redirect list
python3 - "$base" "$KG_TOP/../shared/vectors/open-redirect/payloads.txt" >"$work/redirects.out" <<'PY'
import sys, urllib.parse, http.client
base, payloads = sys.argv[1], sys.argv[2]
host = urllib.parse.urlsplit(base)
bad = total = 0
def get(path):
    c = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    c.request("GET", path, headers={"Accept": "text/html"})
    r = c.getresponse()
    body = r.read().decode("utf-8", "replace")
    c.close()
    return r.status, r.getheader("Location") or "", body
for line in open(payloads, encoding="utf-8", errors="replace"):
    p = urllib.parse.quote(line.rstrip("\n"), safe="")
    auth = "/auth/realms/DominoRealm/protocol/openid-connect/auth?client_id=domino-play&response_type=code&"
    for q in ("/keygate/login?return_to=" + p, "/keygate/login?kc_idp_hint=" + p,
              "/keygate/login?idp=" + p,
              "/keygate/login?kc_idp_hint=corp&return_to=" + p,
              "/keygate/login?idp=contractors&return_to=" + p,
              "/keygate/login?kc_idp_hint=partners&return_to=" + p,
              "/keygate/login?email=x%40corp.example&return_to=" + p,
              auth + "redirect_uri=" + p, auth + "kc_idp_hint=" + p,
              auth + "kc_idp_hint=corp&redirect_uri=" + p):
        total += 1
        st, loc, body = get(q)
        target = urllib.parse.urlsplit(urllib.parse.urljoin(base + "/keygate/login", loc))
        ok = True
        if st == 302:
            # only to the gateway itself or to a configured provider
            ok = (target.hostname, target.port) in ((host.hostname, host.port),) or \
                 loc.startswith(sys.argv[1].rsplit(":", 1)[0]) and \
                 (loc.split("?")[0].endswith("/sso/redirect") or "/auth?" in loc)
        elif st == 200:
            ok = "<script" not in body
        else:
            ok = False
        if not ok:
            bad += 1
            print("OFFSITE", st, q, "->", loc)
print("checked", total, "bad", bad)
PY
check "no open-redirect payload as return_to, kc_idp_hint, idp or Keycloak's redirect_uri leaves the gateway or its providers ($(tail -1 "$work/redirects.out"))" \
	grep -q "bad 0$" "$work/redirects.out"
check "refused return paths are logged (KG-0403)" \
	grep -q "KG-0403 REJECT proto=redirect reason=redirect_rejected param=return_to" "$work/main/error.log"
check "apache2 did not crash and no sanitizer report was written" no_crash "$work/main"
