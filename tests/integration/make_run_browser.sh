#!/usr/bin/env bash
# `make run` as a newcomer meets it (issue #11, "Done when"): starts
# scripts/run.sh (the gateway, Redis, the dev OpenID provider and the dev
# SAML IdP) on a free port, then Debian's chromium (playwright-core,
# tests/fixtures/browser/run.mjs) opens it: the sign-in page lists both
# providers, the SAML button signs the demo user in, sign out, "Sign in
# again" and the OIDC button sign the same person in (one email at both
# providers), and the email field picks the SAML provider. SIGTERM then
# stops the whole stack. Screenshots: build/screenshots/run-*.png.
# usage: make_run_browser.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d -t keygate-run-test.XXXXXX)
run_pid=""
trap '[ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null; stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
skip() { echo "ok - make run in a browser # SKIP $1"; exit 0; }
skip_all() { skip "$1"; }
. "$KG_TOP/tests/integration/browser.bash"
. "$KG_TOP/tests/integration/saml.bash"
browser_requirements
saml_requirements
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip "npm packages not installed (make deps)"

port=$(free_port)
base="http://127.0.0.1:$port"
run_stack "$build" "$port" "$work/run.log"
check "scripts/run.sh starts the stack and says so" grep -q 'keygate is running' "$work/run.log"
grep -q 'keygate is running' "$work/run.log" || { sed 's/^/# /' "$work/run.log" >&2; exit 1; }
stack=$(sed -n 's|^  Logs: \(/tmp/keygate-run\.[A-Za-z0-9]*\)/error.log.*|\1|p' "$work/run.log")

browser_run run.mjs run "$base"
check "chromium runs the newcomer's tour to the end (exit $browser_rc, steps: $(field "','.join(d.get('steps', []))"))" \
	test "$browser_rc" = 0
check "the start page is the sign-in page" \
	j "d['signin']['url'] == '$base/keygate/login?return_to=%2F'"
check "it offers both protocols: Demo OpenID Connect, then Demo SAML" \
	j "[(b['id'], b['text'], b['protocol']) for b in d['signin']['buttons']] == [('provider-demo-oidc', 'Demo OpenID Connect', 'oidc'), ('provider-demo-saml', 'Demo SAML', 'saml')]"
check "and the email field" j "d['signin']['email'] == 1"
check "the SAML button signs the demo user in" \
	j "d['saml']['h1'] == 'Hello, demo' and d['saml']['url'] == '$base/' and d['saml']['idp'] == 'demo-saml'"
check "sign out lands on the signed-out page" j "d['signed_out_h1'] == 'You are signed out'"
check "then the OIDC button signs the same person in" \
	j "d['oidc']['h1'] == 'Hello, demo' and d['oidc']['idp'] == 'demo-oidc'"
check "an address @example.com goes to the SAML provider" \
	j "d['email']['url'] == '$base/domain' and d['email']['idp'] == 'demo-saml'"
check "the browser saw no 5xx" j "all(r['status'] < 500 for r in d['responses'])"
check "both logins are audit lines on the terminal" bash -c \
	"grep -q 'KG-0500 AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=demo-saml protocol=saml' '$work/run.log' &&
	 grep -q 'KG-0500 AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=demo-oidc protocol=oidc' '$work/run.log'"
check "no login was refused" bash -c "! grep -q 'outcome=denied' '$work/run.log'"
for shot in signin saml oidc; do
	size=$(png_ok "$shots/run-$shot.png" 2>/dev/null)
	check "screenshot build/screenshots/run-$shot.png is a PNG of the page (${size:-missing})" test -n "$size"
done

# SIGTERM (what Ctrl-C does) stops everything
check "SIGTERM stops scripts/run.sh" stop_stack
run_pid=""
check "and the gateway with it (nothing listens on $port)" \
	bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
check "and removes its folder (${stack:-unknown})" bash -c "test -n '$stack' && ! test -e '$stack'"
