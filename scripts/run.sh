#!/usr/bin/env bash
# `make run`: the gateway with its local stack, from a temp folder, on
# 127.0.0.1:
#   redis-server, a dev OpenID provider (oidc-provider) with a demo user,
#   a dev SAML IdP (pysaml2, tests/fixtures/idp) that signs the demo user
#   in at once, so the sign-in page offers both protocols (the demo user
#   has one email at both providers: KeygateEmailCollision link makes
#   them one Domino user, so either button signs in after the other),
#   a demo backend that shows the identity headers it receives, a
#   WebSocket echo backend, and apache2 with mod_keygate on PORT (default
#   8080), with Domino's path rules (docs/domino.md): /healthz answers
#   without a login, /ws/ is a WebSocket echo for signed-in users, and
#   /models/ passes the caller's own Authorization to the backend; the
#   admin API (PREFIX admin/) is open to the SysAdmin role, which the demo
#   user has.
# Ctrl-C stops everything. usage: scripts/run.sh BUILD_DIR
set -u
build=$(realpath "${1:-build/release}")
port=${PORT:-8080}
KG_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d /tmp/keygate-run.XXXXXX)
cleanup() {
	echo
	echo "keygate: stopping the stack"
	stop_all
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	echo "keygate: port $port is taken; run PORT=8081 make run" >&2
	exit 1
fi
redis_port=$(free_port) back=$(free_port) op_port=$(free_port) wsp=$(free_port)
idp_port=$(free_port)
idp="http://127.0.0.1:$idp_port"
base="http://127.0.0.1:$port"
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
node "$KG_TOP/tests/fixtures/ws/server.mjs" "$wsp" "$work/ws.count" 10 >"$work/ws.log" 2>&1 &
KG_PIDS="$KG_PIDS $!"
wait_port "$wsp" ||
	{ echo "keygate: the WebSocket backend did not start:" >&2; cat "$work/ws.log" >&2; exit 1; }
client_secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
op_start "$work" "$op_port" keygate "$client_secret" \
	"$base/keygate/oidc/callback" OP_POST_LOGOUT_URI="$base/keygate/signed-out" >/dev/null ||
	{ echo "keygate: the OpenID provider did not start:" >&2; cat "$work/op.log" >&2; exit 1; }
head -c 48 /dev/urandom | base64 >"$work/session-secret"
printf '%s' "$client_secret" >"$work/client-secret"
cp "$KG_TOP/docs/examples/demo-mappers.json" "$work/mappers.json"
# the SAML IdP's and the gateway's keys, and the IdP's metadata
mkdir -p "$work/idp"
for who in idp/idp sp; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=keygate-dev-$(basename $who)" \
		-keyout "$work/$who.key" -out "$work/$who.crt" 2>/dev/null
done
chmod 644 "$work/sp.key"
/usr/bin/python3 "$KG_TOP/tests/fixtures/idp/idp.py" metadata "$work/idp" "$idp" >"$work/idp-metadata.xml" ||
	{ echo "keygate: the SAML IdP needs python3-saml2 and xmlsec1 (make deps)" >&2; exit 1; }
# the app-token key (its certificate is made from it: x5c in the JWKS)
openssl genrsa -out "$work/app.key" 2048 2>/dev/null

httpd_config "$work" "$port" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/session-secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateExternalOrgs On
KeygateEmailCollision link
KeygateOIDCProvider demo-oidc http://127.0.0.1:$op_port
KeygateOIDCClientID keygate
KeygateOIDCClientSecret file:$work/client-secret
KeygateOIDCScope openid profile email groups
KeygateProviderDisplay demo-oidc \"Demo OpenID Connect\" 1
KeygateSAMLProvider demo-saml $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLNameIDFormat unspecified
KeygateProviderDisplay demo-saml \"Demo SAML\" 2
KeygateProviderEmailDomains demo-saml example.com
KeygatePreservePost On
KeygateAppJWTKey $work/app.key" "<Location />
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require valid-user
  KeygateIdentityHeader domino-email email
  KeygateIdentityHeader domino-roles roles
  KeygateIdentityHeader domino-organizations organizations
  ProxyPass http://127.0.0.1:$back/ upgrade=websocket
</Location>
<Location /healthz>
  Require all granted
  ProxyPass http://127.0.0.1:$back/healthz
</Location>
<Location /ws/>
  ProxyPass http://127.0.0.1:$wsp/ws/ upgrade=websocket
</Location>
<Location /apps/>
  KeygateAppJWT On
  KeygateIdentityHeader domino-idpbroker idpbroker
  ProxyPass http://127.0.0.1:$back/apps/
</Location>
<Location /models/>
  KeygateBearerCheck Off
  KeygateUnauthAction pass
  ProxyPass http://127.0.0.1:$back/models/
</Location>
<Location /keygate/>
  ProxyPass !
</Location>
<Location /keygate/admin/>
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require keygate-role SysAdmin
</Location>"
sed -i 's/^LogLevel .*/LogLevel warn keygate:notice/' "$work/httpd.conf"
if ! httpd_start "$work" "$build"; then
	echo "keygate: apache2 did not start" >&2
	exit 1
fi
# the IdP trusts the gateway's SP metadata, read once it serves it
curl -s -o "$work/idp/sp.xml" "$base/keygate/saml/demo-saml/metadata"
(cd "$work/idp" && exec /usr/bin/python3 "$KG_TOP/tests/fixtures/idp/idp.py" serve \
	"$work/idp" "$idp" "$idp_port") >"$work/idp.log" 2>&1 &
KG_PIDS="$KG_PIDS $!"
for _ in $(seq 100); do
	grep -q '^idp ready' "$work/idp.log" && break
	sleep 0.1
done
grep -q '^idp ready' "$work/idp.log" ||
	{ echo "keygate: the SAML IdP did not start:" >&2; cat "$work/idp.log" >&2; exit 1; }

cat <<MSG

  keygate is running.

    Open           $base/
                   The sign-in page offers both providers:
                   Demo OpenID Connect: sign in as demo (any password)
                   Demo SAML: the dev IdP signs demo in at once
                   (or type any address @example.com)
    Skip the page  $base/keygate/login?kc_idp_hint=demo-saml
    Your session   $base/keygate/session
    Sign out       $base/keygate/logout
    Health         $base/keygate/health   (Redis)
    Load balancer  $base/healthz          (no login)
    WebSocket      $base/ws/              (an echo, once signed in)
    An app         $base/apps/x           (the app token in Authorization)
    Realm          $base/auth/realms/DominoRealm
                   $base/auth/realms/DominoRealm/.well-known/openid-configuration
                   $base/auth/realms/DominoRealm/protocol/openid-connect/certs
    Admin API      $base/keygate/admin/users/demo
                   $base/keygate/admin/sessions
                   (Require keygate-role SysAdmin: the demo user has it)
    Model endpoint curl -u tok:tok $base/models/m1/latest/model
                   (your Authorization reaches the backend untouched)

  The page behind the gateway shows the identity headers it received.
  Logs: $work/error.log   Stop: Ctrl-C

MSG
tail -n0 -f "$work/error.log" | grep --line-buffered -E 'AUDIT|KG-0[0-9]{3} (REJECT|STRIP)' &
KG_PIDS="$KG_PIDS $!"
while kill -0 "$(cat "$work/httpd.pid")" 2>/dev/null; do
	sleep 1
done
