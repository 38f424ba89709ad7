# keygate integration tests: the SAML stack and its login steps (sourced,
# not run). Builds on redis.bash and gateway.bash. The suite sets $work
# (its temp folder), $build and $py (/usr/bin/python3, which has pysaml2)
# before calling these. Everything runs on 127.0.0.1 at free ports and is
# stopped by pid in the suite's trap (stop_all).

# saml_requirements: skips the whole suite when a part is missing.
saml_requirements() {
	[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
	$py -c 'import saml2, cryptography' 2>/dev/null ||
		skip_all "python3-pysaml2 is not installed (make deps)"
	[ -x /usr/bin/xmlsec1 ] || skip_all "xmlsec1 is not installed (make deps)"
}

# new_cert DIR/NAME CN: a self-signed RSA key and certificate.
new_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" \
		-keyout "$1.key" -out "$1.crt" 2>/dev/null
}

# saml_setup: ports, Redis, the echo backend, and keys: the IdP's in
# $work/idp (with an attacker's, att.*, whose certificate copies the IdP's
# subject, and a second IdP's, idpb.*), the gateway's SP key in $work/sp.*;
# the IdPs' metadata in $work/idp-metadata.xml and idpb-metadata.xml.
# Sets redis_port web back idp_port base idp acs.
saml_setup() {
	redis_port=$(free_port) web=$(free_port) back=$(free_port) idp_port=$(free_port)
	base="http://127.0.0.1:$web"
	idp="http://127.0.0.1:$idp_port"
	acs="$base/keygate/saml/corp/acs"
	redis_start "$work/redis" "$redis_port"
	backend_start "$work" "$back"
	mkdir -p "$work/idp"
	new_cert "$work/idp/idp" keygate-test-idp
	new_cert "$work/idp/att" keygate-test-idp
	new_cert "$work/sp" keygate-test-sp
	chmod 644 "$work/sp.key"
	cp "$work/sp.crt" "$work/idp/sp.crt"
	$py "$KG_TOP/tests/fixtures/idp/idp.py" metadata "$work/idp" "$idp" >"$work/idp-metadata.xml"
	# a second IdP (never started): its key signs cross-IdP cases
	mkdir -p "$work/idpb"
	new_cert "$work/idpb/idp" keygate-test-idp-b
	cp "$work/idpb/idp.key" "$work/idp/idpb.key"
	cp "$work/idpb/idp.crt" "$work/idp/idpb.crt"
	$py "$KG_TOP/tests/fixtures/idp/idp.py" metadata "$work/idpb" "http://127.0.0.1:9/idpb" \
		>"$work/idpb-metadata.xml"
	echo "http://127.0.0.1:9/idpb/metadata" >"$work/idp/idpb.entity"
	head -c 48 /dev/urandom | base64 >"$work/secret"
}

# saml_mappers FILE: the mapper file of the corp alias: username from the
# uid attribute, the access gate and SysAdmin from eduPersonAffiliation.
saml_mappers() {
	cat >"$1" <<'JSON'
{"identityProviders": [{"alias": "corp", "providerId": "saml", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": [
  {"name": "Username", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-username-idp-mapper",
   "config": {"syncMode": "INHERIT", "template": "${ATTRIBUTE.uid}", "target": "LOCAL"}},
  {"name": "Gate", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-user-attribute-idp-mapper",
   "config": {"syncMode": "INHERIT", "attribute.friendly.name": "eduPersonAffiliation", "user.attribute": "accessforDomino"}},
  {"name": "Admins", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-role-idp-mapper",
   "config": {"syncMode": "INHERIT", "attribute.friendly.name": "eduPersonAffiliation", "attribute.value": "nyc-data-scientists", "role": "SysAdmin"}}]}
JSON
}

# saml_gateway DIR PORT MAPPERS EXTRA [LOCATIONS]: starts a gateway in DIR
# on PORT with the IdP as provider corp (and any KeygateSAMLProvider lines
# in EXTRA), /app (and LOCATIONS) behind it, and the SP's metadata of each
# provider saved for the IdP as $work/idp/sp-PORT-ALIAS.xml.
saml_gateway() {
	local dir=$1 port=$2 mappers=$3 extra=$4 more=${5:-} alias
	mkdir -p "$dir"
	httpd_config "$dir" "$port" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL http://127.0.0.1:$port
KeygateMappers $mappers
KeygateAccessGate domino-users
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
$extra" "<Location /app>
  AuthType keygate
  Require valid-user
  KeygateIdentityHeader domino-roles roles
  ProxyPass http://127.0.0.1:$back/app
</Location>
$more"
	httpd_start "$dir" "$build" || return 1
	for alias in $(sed -n 's/^KeygateSAMLProvider \([^ ]*\) .*/\1/p' "$dir/httpd.conf"); do
		curl -s -o "$work/idp/sp-$port-$alias.xml" \
			"http://127.0.0.1:$port/keygate/saml/$alias/metadata"
	done
}

# saml_main_stack [EXTRA]: the usual suite: Redis, the backend, the
# gateway in $work/main (provider corp, saml_mappers, NameID format
# unspecified, EXTRA lines) and the IdP. Exits the suite with a "not ok"
# line when a part does not start.
saml_main_stack() {
	saml_requirements
	saml_setup
	saml_mappers "$work/mappers.json"
	saml_gateway "$work/main" "$web" "$work/mappers.json" "KeygateSAMLNameIDFormat unspecified
${1:-}" ||
		{ echo "not ok - apache2 starts"; exit 1; }
	saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }
}

# saml_idp_start: the IdP, once every gateway's SP metadata is saved.
saml_idp_start() {
	(cd "$work/idp" && exec $py "$KG_TOP/tests/fixtures/idp/idp.py" serve \
		"$work/idp" "$idp" "$idp_port") >"$work/idp.log" 2>&1 &
	KG_PIDS="${KG_PIDS:-} $!"
	for _ in $(seq 100); do
		grep -q '^idp ready' "$work/idp.log" && return 0
		sleep 0.1
	done
	cat "$work/idp.log" >&2
	return 1
}

# saml_start JAR URL: follows the gateway's redirects from URL to the
# IdP; prints the IdP URL (with the signed AuthnRequest).
saml_start() {
	local jar=$1 url=$2 loc
	for _ in 1 2 3; do
		loc=$(curl -s -b "$jar" -c "$jar" -o /dev/null -H 'Accept: text/html' -w '%{redirect_url}' "$url")
		[ -n "$loc" ] || break
		url=$loc
		case "$url" in "$idp"/*) break ;; esac
	done
	echo "$url"
}

# idp_answer URL CASE OUT: the IdP's auto-post form for URL, made with the
# IdP's case CASE ("ok" for none); SAMLResponse and RelayState into
# OUT.form (urlencoded), the decoded Response into OUT.xml, the form's
# target into OUT.action.
idp_answer() {
	local url=$1 case=$2 out=$3
	curl -s -o "$out.html" "$url&kg_case=$case"
	$py -c '
import html, re, sys, urllib.parse, base64
t = open(sys.argv[1]).read()
f = dict((n, html.unescape(v)) for n, v in re.findall(r"name=\"(\w+)\" value=\"([^\"]*)\"", t))
open(sys.argv[2] + ".action", "w").write(html.unescape(re.search(r"action=\"([^\"]*)\"", t).group(1)))
open(sys.argv[2] + ".form", "w").write(urllib.parse.urlencode(f))
open(sys.argv[2] + ".xml", "w").write(base64.b64decode(f["SAMLResponse"]).decode())' "$out.html" "$out" 2>/dev/null
}

# post_acs JAR OUT [ACS]: posts OUT.form to the ACS (default: the form's
# target); prints the status, the headers in OUT.h.
post_acs() {
	local to=${3:-$(cat "$2.action" 2>/dev/null)}
	curl -s -b "$1" -c "$1" -o "$2.page" -D "$2.h" -w '%{http_code}' \
		--data @"$2.form" "${to:-$acs}"
}

# sessions_in_redis: how many session records Redis holds.
sessions_in_redis() {
	redis-cli -p "$redis_port" --scan --pattern 'keygate:s:*' 2>/dev/null | wc -l
}

# The gateway a step talks to: its folder and base URL (default: the
# main gateway, $work/main at $base).
gw_log() {
	echo "${gw:-$work/main}/error.log"
}

# log_lines: how many lines the gateway's error log has so far.
log_lines() {
	wc -l <"$(gw_log)"
}

# reject NAME JAR OUT REASONS: the Response in OUT.form is refused
# (security.md 0.1, 0.2): 400 (or $want_status) and no redirect, no
# session cookie, no session in Redis, nothing forwarded, and one REJECT
# line with a reason matching the regex REASONS logged for this request.
reject() {
	local name=$1 jar=$2 out=$3 reason=$4 n0 s0 l0 st got
	n0=$(backend_count "$work") s0=$(sessions_in_redis) l0=$(log_lines)
	st=$(post_acs "$jar" "$out")
	check "$name: refused with ${want_status:-400}" bash -c "test '$st' = '${want_status:-400}' || { echo 'status $st' >&2; exit 1; }"
	check "$name: no session cookie and no redirect" bash -c \
		"! grep -qiE '^(Set-Cookie: keygate_session=[A-Za-z0-9]|Location:)' '$out.h'"
	check "$name: no session in Redis" test "$(sessions_in_redis)" = "$s0"
	got=$(tail -n +$((l0 + 1)) "$(gw_log)" | grep -o 'REJECT proto=saml reason=[a-z_]* idp=[a-z]*')
	check "$name: the reason is logged ($reason)" bash -c \
		"echo '$got' | grep -qxE 'REJECT proto=saml reason=($reason) idp=corp' || { echo 'logged: $got' >&2; exit 1; }"
	check "$name: nothing forwarded" test "$(backend_count "$work")" = "$n0"
}

# accept NAME JAR OUT USER: the Response in OUT.form signs in: a redirect
# with a session cookie, and the backend then sees domino-username USER.
accept() {
	local name=$1 jar=$2 out=$3 user=$4 st
	st=$(post_acs "$jar" "$out")
	check "$name: accepted with a session" bash -c "test '$st' = 302 &&
		grep -qiE '^Set-Cookie: keygate_session=[A-Za-z0-9_-]{43}' '$out.h'"
	check "$name: the backend gets user $user" test "$(backend_user "$jar")" = "$user"
}

# backend_user JAR: the domino-username the backend gets for JAR's session.
backend_user() {
	curl -s -b "$1" -H 'Accept: application/json' "${gw_base:-$base}/app/whoami" |
		$py -c 'import json, sys; print(json.load(sys.stdin)["headers"].get("domino-username", ["-"])[0])' 2>/dev/null
}

# login_answer NAME CASE [ALIAS]: a fresh browser (jar $work/jar-NAME)
# starts a login (at a protected page, or with provider ALIAS) and gets
# the IdP's answer with case CASE in $work/r-NAME.*.
login_answer() {
	local u start="${gw_base:-$base}/app/"
	[ -n "${3:-}" ] && start="${gw_base:-$base}/keygate/saml/$3/login?return_to=/app/"
	u=$(saml_start "$work/jar-$1" "$start")
	idp_answer "$u" "$2" "$work/r-$1"
}

# answer NAME CASE [ALIAS]: a fresh login's valid Response with the
# mutation CASE of tests/fixtures/idp/mutate.py, in $work/a-NAME.*
# ($canary: the URL some cases reference).
answer() {
	login_answer "$1" ok "${3:-}"
	$py "$KG_TOP/tests/fixtures/idp/mutate.py" "$2" "$work/r-$1" "$work/a-$1" \
		"$work/idp" "${canary:-http://127.0.0.1:9}" || echo "not ok - $1: the mutation is made"
	cp "$work/r-$1.action" "$work/a-$1.action"
}

# mutated CASE REASONS: a fresh login whose Response the IdP made with its
# case CASE is refused for REASONS.
mutated() {
	login_answer "$1" "$1"
	reject "$1" "$work/jar-$1" "$work/r-$1" "$2"
}
