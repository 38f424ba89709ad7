#!/usr/bin/env bash
# Several identity providers in one gateway (issue #11, "Providers" and
# "Configuration checks"): apache2 + mod_keygate with a SAML IdP (the
# pysaml2 fixture, alias corp) and two OpenID providers (two
# oidc-provider instances, aliases contractors and partners, each with its
# own client and secret), Redis and the echo backend. A person (curl with
# a cookie jar) signs in through each provider by its alias path; a
# callback on the other provider's path is refused; refresh and
# back-channel logout reach the right provider; a provider's own session
# limit and the browser flow's limit refuse through apache2; a gateway
# with no KeygateMappers signs users in under the provider's username;
# configtest names the offending line of bad provider settings; each
# provider's logins are in the login histogram under its own name; the
# error pages for a provider that is down, a replayed SAML answer and
# Redis down (an admin's template) carry a reference their log line names.
# usage: gateway_idps.sh BUILD_DIR
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
command -v node >/dev/null || skip_all "node is not installed"
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip_all "npm packages not installed (make deps)"
saml_setup # redis, backend, keys; sets redis_port web back idp_port base idp
op1_port=$(free_port) op2_port=$(free_port)
iss1="http://127.0.0.1:$op1_port" iss2="http://127.0.0.1:$op2_port"
mkdir -p "$work/op1" "$work/op2"
# contractors is the first OIDC provider: it keeps PREFIX oidc/callback and
# oidc/backchannel; partners has its own paths and short access tokens
op_start "$work/op1" "$op1_port" keygate keygate-test-secret "$base/keygate/oidc/callback" \
	OP_BACKCHANNEL_URI="$base/keygate/oidc/backchannel" ||
	{ echo "not ok - the first provider starts"; exit 1; }
op_start "$work/op2" "$op2_port" keygate-partners partners-secret "$base/keygate/oidc/partners/callback" \
	OP_BACKCHANNEL_URI="$base/keygate/oidc/partners/backchannel" OP_ACCESS_TTL=63 ||
	{ echo "not ok - the second provider starts"; exit 1; }
echo keygate-test-secret >"$work/op1.secret"
echo partners-secret >"$work/op2.secret"

# corp: username from uid; contractors: "${CLAIM.preferred_username}.${ALIAS}";
# partners: no mapper (its username as it comes); ghost: no such provider.
# partners asks for no email scope: both providers know demo@example.com,
# and one email under two providers' users is refused (email_collision)
cat >"$work/mappers.json" <<'JSON'
{"identityProviderMappers": [
  {"name": "Username", "identityProviderAlias": "corp",
   "identityProviderMapper": "saml-username-idp-mapper",
   "config": {"syncMode": "INHERIT", "template": "${ATTRIBUTE.uid}", "target": "LOCAL"}},
  {"name": "Username", "identityProviderAlias": "contractors",
   "identityProviderMapper": "oidc-username-idp-mapper",
   "config": {"syncMode": "INHERIT", "template": "${CLAIM.preferred_username}.${ALIAS}"}},
  {"name": "Orphan", "identityProviderAlias": "ghost",
   "identityProviderMapper": "hardcoded-role-idp-mapper",
   "config": {"syncMode": "INHERIT", "role": "SysAdmin"}}]}
JSON

# the providers, as an admin writes them
providers="KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/sp.key
KeygateSAMLSPCert $work/sp.crt
KeygateSAMLNameIDFormat email
KeygateOIDCScope openid profile email
KeygateOIDCProvider contractors $iss1
KeygateOIDCClientID keygate
KeygateOIDCClientSecret file:$work/op1.secret
KeygateOIDCProvider partners $iss2
KeygateOIDCClientID keygate-partners
KeygateOIDCClientSecret file:$work/op2.secret
KeygateOIDCClientAuth basic
KeygateOIDCScope openid profile
KeygateOIDCRefreshMargin 60
KeygateProviderDisplay partners \"Partner login\" 1"

# gw NAME LINES: (re)starts the gateway on $web from $work/NAME with the
# providers and LINES; the previous one is stopped first.
current=""
gw() {
	local dir="$work/$1"
	[ -n "$current" ] && kill "$(cat "$work/$current/httpd.pid")" && sleep 0.7
	current=$1
	mkdir -p "$dir"
	httpd_config "$dir" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateSessionTouchInterval 1
$providers
$2" "<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>"
	httpd_start "$dir" "$build"
}

# configtest FILE: apache2 -t on a config; its output, on one line, in
# FILE.out (httpd puts "Syntax error on line N of FILE:" and the message
# on two lines).
configtest() {
	apache "$build" -t -f "$1" 2>&1 | tr '\n' ' ' >"$1.out"
}

# --- configtest: what is wrong names its line ---------------------------
mkdir -p "$work/bad"
bad() { # bad NAME LINES: a config of the main stack plus LINES
	httpd_config "$work/bad" "$web" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateBaseURL $base
KeygateMappers $work/mappers.json
$providers
$2" ""
	cp "$work/bad/httpd.conf" "$work/bad/$1.conf"
}
line_of() { grep -n -- "$2" "$1" | tail -1 | cut -d: -f1; }
bad dup "KeygateOIDCProvider corp https://elsewhere.example"
configtest "$work/bad/dup.conf"
check "configtest refuses an alias used twice (SAML then OIDC)" \
	bash -c "! grep -q 'Syntax OK' '$work/bad/dup.conf.out'"
check "and names the line of the second and where the first was" \
	grep -q "line $(line_of "$work/bad/dup.conf" 'KeygateOIDCProvider corp') of $work/bad/dup.conf.*names an identity provider already defined at $work/bad/dup.conf:$(line_of "$work/bad/dup.conf" 'KeygateSAMLProvider corp')" "$work/bad/dup.conf.out"
bad dup2 "KeygateOIDCProvider partners https://elsewhere.example"
configtest "$work/bad/dup2.conf"
check "configtest refuses an OIDC alias used twice" \
	grep -q "line $(line_of "$work/bad/dup2.conf" 'KeygateOIDCProvider partners https://elsewhere') of .*already defined at $work/bad/dup2.conf:" "$work/bad/dup2.conf.out"
bad login "KeygateLoginProvider nobody"
configtest "$work/bad/login.conf"
check "configtest names the line of a KeygateLoginProvider that names no provider" \
	grep -q "$work/bad/login.conf:$(line_of "$work/bad/login.conf" 'KeygateLoginProvider'): KeygateLoginProvider [\\]*\"nobody[\\]*\" names no KeygateSAMLProvider or KeygateOIDCProvider" "$work/bad/login.conf.out"
bad domain "KeygateProviderEmailDomains nobody corp.example"
configtest "$work/bad/domain.conf"
check "configtest names the line of a domain mapping that names no provider" \
	grep -q "line $(line_of "$work/bad/domain.conf" 'EmailDomains') of .*names no KeygateSAMLProvider or KeygateOIDCProvider" "$work/bad/domain.conf.out"
bad domain2 "KeygateProviderEmailDomains corp corp.example
KeygateProviderEmailDomains partners CORP.example"
configtest "$work/bad/domain2.conf"
check "configtest refuses a domain claimed by two providers" \
	grep -q "line $(line_of "$work/bad/domain2.conf" 'EmailDomains partners') of .*is already a domain of provider corp" "$work/bad/domain2.conf.out"
bad noclient "KeygateOIDCProvider third https://third.example"
configtest "$work/bad/noclient.conf"
check "configtest names the line of an OIDC provider without a client ID" \
	grep -q "$work/bad/noclient.conf:$(line_of "$work/bad/noclient.conf" 'KeygateOIDCProvider third'): KeygateOIDCProvider third needs KeygateOIDCClientID" "$work/bad/noclient.conf.out"
bad good "KeygateLoginProvider partners
KeygateProviderEmailDomains corp corp.example"
configtest "$work/bad/good.conf"
check "a good config passes configtest" grep -q "Syntax OK" "$work/bad/good.conf.out"
check "configtest warns about a mapper alias that names no provider, at its line" \
	grep -q "KG-0560 mapper alias names no provider at=$work/mappers.json:$(line_of "$work/mappers.json" ghost):[0-9]* alias=ghost" "$work/bad/good.conf.out"
check "configtest warns that corp's and contractors' buttons read the same (neither has a display text)" \
	grep -q "KG-0450 sign-in buttons read the same at=$work/bad/good.conf:$(line_of "$work/bad/good.conf" 'KeygateOIDCProvider contractors') alias=contractors other=corp" "$work/bad/good.conf.out"
check "and not about partners (its own text)" bash -c "! grep -q 'KG-0450.*alias=partners' '$work/bad/good.conf.out'"
check "and about none of the configured aliases" \
	bash -c "! grep -E 'identityProviderAlias \"(corp|contractors|partners)\" is no' '$work/bad/good.conf.out'"

# --- the main gateway, and the IdP that knows its SP ----------------------
gw main "KeygateMappers $work/mappers.json
KeygateLoginProvider partners
KeygateMetricsAllow 127.0.0.1" || { echo "not ok - apache2 starts"; exit 1; }
curl -s -o "$work/idp/sp-$web-corp.xml" "$base/keygate/saml/corp/metadata"
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }

# login_oidc JAR ALIAS: a browser login through OIDC provider ALIAS's path
login_oidc() {
	browser_login "$1" "$base/keygate/oidc/$2/login?return_to=/app/" "$base" >/dev/null
}
# login_saml JAR: a browser login through the SAML provider corp; prints
# the ACS status
login_saml() {
	local u
	u=$(saml_start "$1" "$base/keygate/saml/corp/login?return_to=/app/")
	idp_answer "$u" ok "$1.r"
	post_acs "$1" "$1.r"
}
status_of() { # status_of JAR: the status of /app for JAR's session
	curl -s -o /dev/null -w '%{http_code}' -b "$1" -H 'Accept: application/json' "$base/app/x"
}
idp_of() { # idp_of JAR: the idp of JAR's session
	curl -s -b "$1" "$base/keygate/session" | $py -c 'import json,sys; print(json.load(sys.stdin).get("idp"))' 2>/dev/null
}

# --- a login through each provider, by its alias -------------------------
login_oidc "$work/jc" contractors
check "contractors: the login through its path signs in" test "$(status_of "$work/jc")" = 200
check "contractors: its own mappers name the user" test "$(backend_user "$work/jc")" = demo.contractors
check "contractors: the session is from contractors" test "$(idp_of "$work/jc")" = contractors
check "contractors: the redirect_uri is the first provider's PREFIX oidc/callback" \
	grep -q "^Location: $base/keygate/oidc/callback?" "$work/jc.headers"
login_oidc "$work/jp" partners
check "partners: the login through its path signs in" test "$(status_of "$work/jp")" = 200
check "partners: with no mapper for it, the user is its preferred_username" test "$(backend_user "$work/jp")" = demo
check "partners: the session is from partners" test "$(idp_of "$work/jp")" = partners
check "partners: its callback is PREFIX oidc/partners/callback" \
	grep -q "^Location: $base/keygate/oidc/partners/callback?" "$work/jp.headers"
check "partners: its client authenticated at its own token endpoint" \
	grep -q "AUDIT event=\"User Log In\" outcome=success actor=demo target=demo idp=partners protocol=oidc" "$work/main/error.log"
st=$(login_saml "$work/js")
check "corp: the SAML login through its path signs in" test "$st" = 302
check "corp: its mappers name the user" test "$(backend_user "$work/js")" = demo
check "corp: the session is from corp" test "$(idp_of "$work/js")" = corp
curl -s -o "$work/metrics.txt" "$base/keygate/metrics"
check "each provider's login is in the login histogram under its own name" bash -c \
	"grep -qx 'keygate_login_duration_seconds_count{provider=\"$iss1\",protocol=\"oidc\"} 1' '$work/metrics.txt' &&
	 grep -qx 'keygate_login_duration_seconds_count{provider=\"$iss2\",protocol=\"oidc\"} 1' '$work/metrics.txt' &&
	 grep -qx 'keygate_login_duration_seconds_count{provider=\"corp\",protocol=\"saml\"} 1' '$work/metrics.txt'"
loc=$(curl -s -o /dev/null -w '%{redirect_url}' "$base/keygate/login?return_to=/app/")
check "PREFIX login goes to KeygateLoginProvider (partners)" \
	bash -c "case '$loc' in '$iss2'/*client_id=keygate-partners*) exit 0;; *) exit 1;; esac"

# --- the state is bound to its provider --------------------------------
jm="$work/jm"
curl -s -c "$jm" -o /dev/null -D "$work/jm.h" "$base/keygate/oidc/partners/login?return_to=/app/"
state=$(sed -n 's/^Location: //Ip' "$work/jm.h" | tr -d '\r' | tr '&?' '\n\n' | sed -n 's/^state=//p')
l0=$(wc -l <"$work/main/error.log")
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$jm" "$base/keygate/oidc/callback?code=x&state=$state")
check "a partners login's state on the contractors callback is refused (400)" test "$st" = 400
check "the mix-up is logged with both aliases" bash -c \
	"tail -n +$((l0 + 1)) '$work/main/error.log' | grep -q 'REJECT proto=oidc reason=oidc_state.*went to provider partners, the callback came for contractors'"
st=$(curl -s -o /dev/null -w '%{http_code}' -b "$jm" "$base/keygate/oidc/partners/callback?code=x&state=$state&iss=$iss1")
check "an answer naming another issuer (RFC 9207 iss) is refused (400)" test "$st" = 400
st=$(curl -s -o /dev/null -w '%{http_code}' "$base/keygate/oidc/nobody/login")
check "an unknown OIDC alias is 404" test "$st" = 404

# --- refresh reaches the provider of the session -----------------------
# partners' access tokens live 63 s and its margin is 60 s
sleep 3.5
check "a partners session whose access token is due still works" test "$(status_of "$work/jp")" = 200
check "a contractors session works too" test "$(status_of "$work/jc")" = 200
check "the refresh went to partners" grep -q "session refreshed idp=partners user=demo" "$work/main/error.log"
check "no contractors session was refreshed (its tokens are not due)" \
	bash -c "! grep -q 'session refreshed idp=contractors' '$work/main/error.log'"

# --- back-channel logout reaches the right provider ----------------------
# the person signs out at partners itself (not through keygate)
op_logout "$work/jp" "$iss2"
wait_log "$work/main/error.log" "idp=partners by=sid sessions_ended"
check "partners' logout token arrives at its own back-channel path" \
	grep -q "KG-0522 AUDIT event=\"User Log Out\" outcome=success actor=oidc_provider target=- idp=partners by=sid sessions_ended=1" "$work/main/error.log"
check "the partners session is gone" test "$(status_of "$work/jp")" = 401
check "the contractors and corp sessions live on" \
	bash -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$work/jc' -H 'Accept: application/json' '$base/app/x')\" = 200 &&
		test \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$work/js' -H 'Accept: application/json' '$base/app/x')\" = 200"
st=$(curl -s -o /dev/null -w '%{http_code}' --data 'logout_token=eyJhbGciOiJub25lIn0.eyJzaWQiOiJ4In0.' "$base/keygate/oidc/partners/backchannel")
check "an unsigned logout token at partners' path is refused (400)" test "$st" = 400
check "no crash so far" no_crash "$work/main"

# --- a provider's own session limit --------------------------------------
redis-cli -p "$redis_port" flushall >/dev/null
gw limits "KeygateMappers $work/mappers.json
KeygateProviderSessionLimit contractors user 1 deny-new \"Contractors: one session at a time.\"" ||
	{ echo "not ok - apache2 restarts with a provider limit"; exit 1; }
login_oidc "$work/l1" contractors
check "provider limit: the first contractors session is made" test "$(status_of "$work/l1")" = 200
login_oidc "$work/l2" contractors
check "provider limit: the second is refused with 403" grep -q "^HTTP/1.1 403" "$work/l2.headers"
check "provider limit: with the provider's message" grep -q "Contractors: one session at a time." "$work/l2.page"
check "provider limit: the refusal is an audit line naming the provider's limit" \
	grep -q "KG-0504 AUDIT event=\"User Log In\" outcome=denied actor=demo.contractors target=demo.contractors idp=contractors reason=session_limit limit=user flow=provider" "$work/limits/error.log"
login_oidc "$work/l3" partners
login_oidc "$work/l4" partners
check "provider limit: partners (no own limit, no sso limit) is not limited" \
	bash -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$work/l3' -H 'Accept: application/json' '$base/app/x')\" = 200 &&
		test \"\$(curl -s -o /dev/null -w '%{http_code}' -b '$work/l4' -H 'Accept: application/json' '$base/app/x')\" = 200"

# --- the browser flow's limit ------------------------------------------
redis-cli -p "$redis_port" flushall >/dev/null
gw browser "KeygateMappers $work/mappers.json
KeygateSessionLimit browser user 1 deny-new \"One browser session.\"
KeygateSessionLimit sso user 5" ||
	{ echo "not ok - apache2 restarts with a browser-flow limit"; exit 1; }
login_oidc "$work/b1" partners
check "browser limit: the first session is made" test "$(status_of "$work/b1")" = 200
login_oidc "$work/b2" partners
check "browser limit: the second browser login is refused with 403" grep -q "^HTTP/1.1 403" "$work/b2.headers"
check "browser limit: with the browser flow's message" grep -q "One browser session." "$work/b2.page"
check "browser limit: the audit line names the browser flow" \
	grep -q "KG-0504 AUDIT event=\"User Log In\" outcome=denied actor=demo target=demo idp=partners reason=session_limit limit=user flow=browser" "$work/browser/error.log"
check "browser limit: the session it made is an sso-flow session of partners" \
	bash -c "curl -s -b '$work/b1' '$base/keygate/session' | grep -q '\"idp\":\"partners\".*\"flow\":\"sso\"'"

# --- no KeygateMappers: the provider's username ---------------------------
redis-cli -p "$redis_port" flushall >/dev/null
gw nomap "" || { echo "not ok - apache2 restarts without KeygateMappers"; exit 1; }
login_oidc "$work/n1" contractors
check "no mappers, OIDC: the login signs in (no 500)" test "$(status_of "$work/n1")" = 200
check "no mappers, OIDC: the user is preferred_username" test "$(backend_user "$work/n1")" = demo
st=$(login_saml "$work/n2")
check "no mappers, SAML: the login signs in" test "$st" = 302
u=$(backend_user "$work/n2")
check "no mappers, SAML: the user is the NameID" test "${u,,}" = jane.doe@example.com
check "no mappers: no KG-0501 and no 500" \
	bash -c "! grep -q 'KG-0501' '$work/nomap/error.log' && ! grep -q '\" 500' '$work/nomap/access.log'"

# --- the error pages a person meets, through apache2 ----------------------
# a provider that is down (nothing listens at its issuer), a SAML answer
# posted twice (the back button), Redis down: each a short page with a
# reference id that its log line names; an API client gets JSON
# (the error page is the admin's own template, KeygatePageTemplates)
redis-cli -p "$redis_port" flushall >/dev/null
dead=$(free_port)
mkdir -p "$work/pages"
cat >"$work/pages/error.html" <<'HTML'
<!doctype html><html lang="en"><title>{{title}} - ACME Domino</title>
<main><h1>{{title}}</h1><p id="message">{{message}}</p>
<p>ACME help desk, reference <code id="reference">{{reference}}</code> ({{reason}})</p>
<a href="{{signin_url}}">Sign in again</a> <a href="/">Go to the start page</a></main></html>
HTML
gw errors "KeygateMappers $work/mappers.json
KeygatePageTemplates $work/pages
KeygateOIDCProvider gone http://127.0.0.1:$dead
KeygateOIDCClientID keygate-gone
KeygateOIDCClientSecret file:$work/op1.secret" ||
	{ echo "not ok - apache2 restarts with a provider that is down"; exit 1; }
elog="$work/errors/error.log"
# html OUT URL [CURL ARGS...]: a browser's GET; prints the status, the
# page in OUT.page
html() {
	curl -s -o "$1.page" -w '%{http_code}' -H 'Accept: text/html,application/xhtml+xml' "${@:3}" "$2"
}
ref_of() { sed -n 's|.*<code id="reference">\([^<]*\)</code>.*|\1|p' "$1.page"; }
st=$(html "$work/down" "$base/keygate/login?idp=gone&return_to=/app/")
ref=$(ref_of "$work/down")
check "provider down: the browser gets 503 and the error page ($st)" bash -c \
	"test '$st' = 503 && grep -q '<h1>The identity provider cannot be reached</h1>' '$work/down.page'"
check "provider down: the page's reference ($ref) is in its KG-0441 line" \
	grep -q "KG-0441 REFUSED ref=$ref reason=oidc_discovery method=GET path=/keygate/login" "$elog"
st=$(curl -s -o "$work/down.json" -w '%{http_code}' -H 'Accept: application/json' "$base/keygate/oidc/gone/login")
check "provider down: an API client gets 503 JSON temporarily_unavailable, never HTML" bash -c \
	"test '$st' = 503 && $py -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"error\"] == \"temporarily_unavailable\" and d[\"reason\"] == \"oidc_discovery\" and len(d[\"reference\"]) == 8' '$work/down.json'"

u=$(saml_start "$work/jr" "$base/keygate/saml/corp/login?return_to=/app/")
idp_answer "$u" ok "$work/jr.r"
st1=$(post_acs "$work/jr" "$work/jr.r")
st=$(curl -s -b "$work/jr" -o "$work/replay.page" -w '%{http_code}' -H 'Accept: text/html' \
	--data @"$work/jr.r.form" "$(cat "$work/jr.r.action")")
ref=$(ref_of "$work/replay")
check "a SAML answer posted twice: the first signs in, the second is refused ($st1, $st)" \
	bash -c "test '$st1' = 302 && test '$st' = 400"
check "and the second shows the error page with an explanation" \
	grep -q '<h1>This sign-in was already used</h1>' "$work/replay.page"
check "its reference ($ref) is in its KG-0440 line" \
	grep -q "KG-0440 REFUSED ref=$ref reason=saml_replay method=POST" "$elog"

redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
st=$(html "$work/noredis" "$base/app/x" -b "$work/jr")
ref=$(ref_of "$work/noredis")
check "Redis down: a signed-in browser gets 503 and the error page ($st)" bash -c \
	"test '$st' = 503 && grep -q '<h1>Sign-in is unavailable</h1>' '$work/noredis.page'"
check "Redis down: the page's reference ($ref) is in its KG-0441 line" \
	grep -q "KG-0441 REFUSED ref=$ref reason=cache_unavailable method=GET path=/app/x" "$elog"
check "the error pages are the admin's template, values filled in" bash -c \
	"for p in down replay noredis; do grep -q 'ACME help desk, reference <code id=\"reference\">' '$work/'\$p.page || exit 1; done &&
	 grep -q '(oidc_discovery)' '$work/down.page' && grep -q '(saml_replay)' '$work/replay.page'"
check "every error page has a way forward (Sign in again, the start page)" bash -c \
	"for p in down replay noredis; do grep -q '>Sign in again</a>' '$work/'\$p.page && grep -q 'href=\"/\">Go to the start page</a>' '$work/'\$p.page || exit 1; done"

check "no crash in any gateway" bash -c "no_crash() { ! grep -qiE 'AddressSanitizer|exit signal|runtime error' \"\$1/error.log\"; }; for d in main limits browser nomap errors; do no_crash '$work'/\$d || exit 1; done; ! ls '$work'/san/report.* >/dev/null 2>&1"
