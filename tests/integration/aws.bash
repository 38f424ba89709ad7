# keygate integration tests: the AWS stack (sourced, not run, after
# redis.bash and gateway.bash, with build and KG_TOP set): Redis, the echo
# backend, the pysaml2 IdP whose Responses also speak to AWS
# (tests/fixtures/idp/aws_idp.py), the fake STS, a JWKS for bearer tokens,
# and gateways A and B (mode a: STS at login) and C (mode b, bearer
# tokens), sharing one Redis. Sets work, py, a, b, c, sts, idp,
# redis_port and the helpers sign_in, sts_log, count_calls, token. Before sourcing, a suite may set
#   KG_AWS_SUITE      its name, for the SKIP line
#   KG_AWS_LOCATIONS  more <Location> blocks for gateways A and B
#   KG_AWS_LOCATIONS_C  more <Location> blocks for gateway C
#   KG_AWS_DIRECTIVES  more server-wide Keygate* lines for every gateway
#   KG_AWS_MAPPERS    JSON in the mapper file's shape whose
#                     identityProviders and identityProviderMappers are
#                     added to the file's
# A and B also take bearer tokens from the same issuer as C (iss, keys,
# signer.pem).
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
skip_all() { echo "ok - ${KG_AWS_SUITE:-aws credentials} # SKIP $1"; exit 0; }
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
$py -c 'import saml2, botocore' 2>/dev/null || skip_all "python3-pysaml2 or python3-botocore is not installed (make deps)"
[ -x /usr/bin/xmlsec1 ] || skip_all "xmlsec1 is not installed (make deps)"

redis_port=$(free_port) web_a=$(free_port) web_b=$(free_port) back=$(free_port) idp_port=$(free_port)
a="http://127.0.0.1:$web_a" b="http://127.0.0.1:$web_b" idp="http://127.0.0.1:$idp_port"
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"

mkdir -p "$work/idp"
for who in idp/idp sp; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keygate-test-$(basename $who)" \
		-keyout "$work/$who.key" -out "$work/$who.crt" 2>/dev/null
done
chmod 644 "$work/sp.key"
$py "$KG_TOP/tests/fixtures/idp/idp.py" metadata "$work/idp" "$idp" >"$work/idp-metadata.xml"

ds1="arn:aws:iam::111111111111:role/DataSci" p1="arn:aws:iam::111111111111:saml-provider/corp"
ds2="arn:aws:iam::222222222222:role/DataSci" p2="arn:aws:iam::222222222222:saml-provider/corp"
an="arn:aws:iam::111111111111:role/Analyst" nope="arn:aws:iam::111111111111:role/Nope"
cat >"$work/idp/aws.json" <<EOF
{"roles": ["$ds1,$p1", "$p2,$ds2", "$an,$p1", "$nope,$p1"], "session_name": "demo"}
EOF
cat >"$work/sts.json" <<EOF
{"region": "us-west-2",
 "roles": {"$ds1": {"max": 3600, "provider": "$p1", "self_trust": true},
           "$ds2": {"max": 3600, "provider": "$p2", "self_trust": true},
           "$an": {"max": 43200, "provider": "$p1", "self_trust": true}},
 "providers": {"$p1": {"issuer": "$idp/metadata", "cert": "$work/idp/idp.crt"},
               "$p2": {"issuer": "$idp/metadata", "cert": "$work/idp/idp.crt"}}}
EOF
$py "$KG_TOP/tests/fixtures/fake_sts.py" "$work/sts.port" "$work/sts.json" 2>"$work/sts.err" &
KG_PIDS="${KG_PIDS:-} $!"
for _ in $(seq 100); do [ -s "$work/sts.port" ] && break; sleep 0.1; done
[ -s "$work/sts.port" ] || { echo "not ok - the fake STS starts"; cat "$work/sts.err" >&2; exit 1; }
sts="http://127.0.0.1:$(cat "$work/sts.port")"

cat >"$work/mappers.json" <<'JSON'
{"identityProviders": [{"alias": "corp", "providerId": "saml", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": [
  {"name": "Username", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-username-idp-mapper",
   "config": {"syncMode": "INHERIT", "template": "${ATTRIBUTE.uid}", "target": "LOCAL"}},
  {"name": "AWS roles", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "attribute.name": "https://aws.amazon.com/SAML/Attributes/Role", "user.attribute": "aws-roles"}},
  {"name": "AWS session name", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "attribute.name": "https://aws.amazon.com/SAML/Attributes/RoleSessionName", "user.attribute": "aws-role-session-name"}}]}
JSON
head -c 48 /dev/urandom | base64 >"$work/secret"
mkdir -p "$work/homes" && chmod 777 "$work/homes"

[ -z "${KG_AWS_MAPPERS:-}" ] || $py -c '
import json, sys
m = json.load(open(sys.argv[1]))
for k, v in json.loads(sys.argv[2]).items():
    m[k] += v
json.dump(m, open(sys.argv[1], "w"))' "$work/mappers.json" "$KG_AWS_MAPPERS"

# gateway NAME PORT [LINES] [LOCATIONS]: one replica; credentials last 15 min and are
# due 10 s after they are issued (window 890 s), so the refresh shows
# soon, yet not before the checks that need the first keys
gateway() {
	mkdir -p "$work/$1"
	httpd_config "$work/$1" "$2" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $a
KeygateMappers $work/mappers.json
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateAwsCredentials On
KeygateAwsRegion us-west-2
KeygateAwsEndpoint $sts/
KeygateAwsSessionDuration 15m
KeygateAwsRefreshWindow 890s
KeygateAwsCredentialsDir $work/homes
${3:-}" "<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>
${4:-}"
	httpd_start "$work/$1" "$build"
}
# gateway C also takes bearer tokens (a workload's), signed by a key
# made now and published as a JWKS
keys=$(free_port) iss="https://issuer.keygate.test" mint="$py $KG_TOP/tests/fixtures/mint_jwt.py"
mkdir -p "$work/keys"
openssl genrsa -out "$work/signer.pem" 2048 2>/dev/null
$mint jwks "$work/signer.pem" >"$work/keys/jwks.json"
$py -m http.server "$keys" --bind 127.0.0.1 --directory "$work/keys" >/dev/null 2>&1 &
KG_PIDS="$KG_PIDS $!"
wait_port "$keys"
bearer="KeygateBearerIssuer $iss http://127.0.0.1:$keys/jwks.json domino-api
KeygateRevocationCheckInterval 1
${KG_AWS_DIRECTIVES:-}"
gateway a "$web_a" "$bearer" "${KG_AWS_LOCATIONS:-}" || { echo "not ok - gateway A starts"; exit 1; }
gateway b "$web_b" "$bearer" "${KG_AWS_LOCATIONS:-}" || { echo "not ok - gateway B starts"; exit 1; }
web_c=$(free_port) c="http://127.0.0.1:$web_c"
gateway c "$web_c" "KeygateAwsSAMLResponse separate
$bearer" "${KG_AWS_LOCATIONS_C:-}" || { echo "not ok - gateway C (mode b) starts"; exit 1; }

curl -s -o "$work/idp/sp.xml" "$a/keygate/saml/corp/metadata"
(cd "$work/idp" && exec $py "$KG_TOP/tests/fixtures/idp/aws_idp.py" serve "$work/idp" "$idp" "$idp_port") >"$work/idp.log" 2>&1 &
KG_PIDS="${KG_PIDS:-} $!"
for _ in $(seq 100); do grep -q '^idp ready' "$work/idp.log" && break; sleep 0.1; done
grep -q '^idp ready' "$work/idp.log" || { echo "not ok - the IdP starts"; cat "$work/idp.log" >&2; exit 1; }

# sign_in JAR: the demo user signs in at gateway A through the IdP;
# prints the ACS's status. The IdP's auto-post form goes to JAR.form, the
# ACS's answer to JAR.body.
sign_in() {
	local jar=$1 to
	to=$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' "$a/keygate/saml/corp/login?return_to=/app/")
	curl -s "$to" | $py -c '
import html, re, sys, urllib.parse
f = dict((n, html.unescape(v)) for n, v in re.findall(r"name=\"(\w+)\" value=\"([^\"]*)\"", sys.stdin.read()))
print(urllib.parse.urlencode(f))' >"$jar.form"
	curl -s -b "$jar" -c "$jar" -o "$jar.body" -w '%{http_code}' --data @"$jar.form" "$a/keygate/saml/corp/acs"
}
sts_log() { curl -s "$sts/_log"; }
count_calls() { sts_log | $py -c 'import sys, json; print(sum(1 for l in sys.stdin if json.loads(l)["action"] == sys.argv[1] and not json.loads(l)["fault"]))' "$1"; }
# token USER [GROUP]: an API token of USER (in groups [GROUP]) from the
# trusted issuer
token() {
	$mint sign "$work/signer.pem" "$($py -c 'import json, sys; print(json.load(open(sys.argv[1]))["keys"][0]["kid"])' "$work/keys/jwks.json")" \
		"$($py -c 'import json, sys, time; t=int(time.time()); print(json.dumps({"iss": sys.argv[1], "aud": "domino-api", "sub": sys.argv[2], "preferred_username": sys.argv[2], "groups": sys.argv[3:], "iat": t, "exp": t + 600}))' "$iss" "$@")"
}
