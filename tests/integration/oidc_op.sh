#!/usr/bin/env bash
# keygate integration: the OIDC relying party against a real OpenID
# provider (the npm package oidc-provider, tests/fixtures/op): discovery,
# JWKS, a login URL from kg_oidc, a whole code flow (the demo user logs
# in through the provider's dev login form, driven by curl), code
# redemption with PKCE, userinfo, refresh, and the access token checked
# as a bearer JWT.
# usage: oidc_op.sh BUILD_DIR
set -u
build=$(cd "${1:-build/asan}" && pwd)
cd "$(dirname "$0")/../.."
driver="$build/tests/integration/oidc_driver"
op=tests/fixtures/op

skip_all() {
	echo "ok - oidc integration # SKIP $1"
	exit 0
}
command -v node >/dev/null || skip_all "node not installed"
command -v curl >/dev/null || skip_all "curl not installed"
[ -d "$op/node_modules/oidc-provider" ] || skip_all "npm ci --prefix $op has not run"
[ -x "$driver" ] || skip_all "oidc_driver not built"

tmp=$(mktemp -d)
op_pid=
trap '[ -n "$op_pid" ] && kill "$op_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
issuer="http://127.0.0.1:$port"
client=keygate-it
secret=keygate-it-secret
redirect="http://127.0.0.1:9/keygate/oidc/callback"

# check NAME COMMAND...: one TAP line for a command's success
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok - $name"; else echo "not ok - $name"; fi
}

(cd "$tmp" && OP_BACKCHANNEL_URI="http://127.0.0.1:9/keygate/oidc/backchannel" exec node "$OLDPWD/$op/server.js" "$port" "$client" "$secret" "$redirect") \
	>"$tmp/op.log" 2>&1 &
op_pid=$!
for _ in $(seq 1 100); do
	grep -q '^op ready' "$tmp/op.log" && break
	sleep 0.1
done
check "the provider starts" grep -q '^op ready' "$tmp/op.log"
curl -sf "$issuer/.well-known/openid-configuration" >"$tmp/disco.json"
check "discovery names the issuer" grep -q "\"issuer\":\"$issuer\"" "$tmp/disco.json"
check "discovery offers PKCE S256" grep -q '"code_challenge_methods_supported":\["S256"\]' "$tmp/disco.json"
curl -sf "$issuer/jwks" >"$tmp/jwks.json"
check "the JWKS holds an RS256 signing key" grep -q '"kty":"RSA".*"alg":"RS256"' "$tmp/jwks.json"
check "the JWKS holds no private key part" bash -c "! grep -q '\"d\":' '$tmp/jwks.json'"

"$driver" login "$issuer" "$client" "$redirect" >"$tmp/login.out" 2>"$tmp/login.err"
grep -E '^(not )?ok' "$tmp/login.out"
field() { sed -n "s/^# $1 //p" "$2"; }
url=$(field url "$tmp/login.out")
state=$(field state "$tmp/login.out")
nonce=$(field nonce "$tmp/login.out")
verifier=$(field verifier "$tmp/login.out")
[ -n "$url" ] || { echo "not ok - no login URL"; exit 1; }

# The browser: follow redirects, fill the dev login form as "demo" and
# the consent form, until the provider redirects to our callback.
jar="$tmp/cookies"
for _ in $(seq 1 12); do
	case "$url" in "$redirect"*) break ;; esac
	loc=$(curl -s -b "$jar" -c "$jar" -o "$tmp/page" -w '%{redirect_url}' "$url")
	if [ -z "$loc" ]; then
		action=$(grep -o 'action="[^"]*"' "$tmp/page" | head -1 | sed 's/^action="//; s/"$//')
		case "$action" in /*) action="$issuer$action" ;; esac
		if grep -q 'name="login"' "$tmp/page"; then
			data='prompt=login&login=demo&password=demo'
		else
			data='prompt=consent'
		fi
		loc=$(curl -s -b "$jar" -c "$jar" -o "$tmp/page" -w '%{redirect_url}' \
			--data "$data" "$action")
	fi
	[ -n "$loc" ] || break
	url=$loc
done
case "$url" in
"$redirect"*) echo "ok - the demo user logs in at the provider" ;;
*) echo "not ok - the demo user logs in at the provider"; sed 's/^/# /' "$tmp/page" | head -20 ;;
esac
query=${url#*\?}
code=$(echo "$query" | tr '&' '\n' | sed -n 's/^code=//p')
back_state=$(echo "$query" | tr '&' '\n' | sed -n 's/^state=//p')
check "the callback returns this login's state" test "$back_state" = "$state"

"$driver" redeem "$issuer" "$client" "$secret" "$redirect" "$state" "$nonce" \
	"$verifier" "$code" >"$tmp/redeem.out" 2>"$tmp/redeem.err"
grep -E '^(not )?ok' "$tmp/redeem.out"
access=$(field access_token "$tmp/redeem.out")
if [ -n "$access" ] && [ "$(echo "$access" | tr -cd . | wc -c)" -eq 2 ]; then
	"$driver" bearer "$issuer" "$issuer" "$access" 2>"$tmp/bearer.err"
else
	echo "ok - the access token is a JWT # SKIP the provider issues opaque access tokens"
fi
grep -q 'Error\|error' "$tmp/op.log" && sed 's/^/# op: /' "$tmp/op.log" | tail -5
exit 0
