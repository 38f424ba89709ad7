#!/usr/bin/env bash
# User deactivation and background AWS refresh end to end, on the AWS
# stack (aws.bash: Redis, the pysaml2 IdP, the fake STS, gateways A and B
# in mode a and C in mode b, all on one Redis):
#  - a credentials file stays fresh across a refresh window with no
#    browser traffic, refreshed once across the three gateways;
#  - the admin API under /keygate/admin/ is refused without a Require
#    rule, for a non-admin and for cross-site calls, and works for the
#    admin (a bearer token mapped to SysAdmin);
#  - the background refresh counts as use (the idle deadline moves);
#  - deactivating a user (API or CLI, USER in any case) ends their
#    sessions, login (sso) and bearer-token (api) alike, on both replicas
#    within about a second, removes their credentials file, refuses their
#    logins with the page and their bearer tokens, until they are
#    reactivated (CLI or API); a token whose API session it ended stays
#    refused; killing a session by id, and all of a user's;
#  - every call, read, change or refusal, is an AUDIT line with event,
#    actor and target.
# usage: gateway_users.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
KG_AWS_SUITE="user deactivation"
# bearer tokens make API sessions (flow api), which deactivation ends too
KG_AWS_DIRECTIVES="KeygateSessionLimit api user 10"
KG_AWS_LOCATIONS="<Location /keygate/admin/>
  AuthType keygate
  AuthzSendForbiddenOnFailure On
  Require keygate-role SysAdmin
</Location>"
# C: only users/ has a <Location>, whose rule any signed-in user passes
KG_AWS_LOCATIONS_C="<Location /keygate/admin/users/>
  AuthType keygate
  Require valid-user
</Location>"
KG_AWS_MAPPERS='{"identityProviders": [{"alias": "bearer", "providerId": "oidc", "config": {"syncMode": "FORCE"}}],
 "identityProviderMappers": [{"name": "Admins", "identityProviderAlias": "bearer",
  "identityProviderMapper": "oidc-role-idp-mapper",
  "config": {"syncMode": "INHERIT", "claim": "groups", "claim.value": "admins", "role": "SysAdmin"}}]}'
. "$KG_TOP/tests/integration/aws.bash"

rcli() { redis-cli -p "$redis_port" "$@"; }
f="$work/homes/demo/.aws/credentials"
file_key() { sed -n 's/^aws_access_key_id = //p' "$f" 2>/dev/null | head -1; }
# status URL [JAR]
status() { curl -s -o /dev/null -w '%{http_code}' ${2:+-b "$2"} "$1"; }
# api METHOD URL TOKEN [CURL ARGS...]: prints the status; the body goes
# to $work/api.json
api() {
	local m=$1 u=$2 t=$3
	shift 3
	curl -s -o "$work/api.json" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $t" "$@" "$u"
}
json='Content-Type: application/json'
token admin admins >"$work/token-admin"
token demo >"$work/token-demo"
token bob >"$work/token-bob"
admin=$(cat "$work/token-admin") demo_t=$(cat "$work/token-demo") bob_t=$(cat "$work/token-bob")
# the CLI reads the gateway's own Keygate* lines
grep '^Keygate' "$work/a/httpd.conf" >"$work/cli.conf"
# both_refuse JAR: waits until the session of JAR is refused on A and B;
# prints the milliseconds it took (or "never" after 5 s)
both_refuse() {
	local t0 now
	t0=$(date +%s%3N)
	while :; do
		now=$(date +%s%3N)
		if [ "$(status "$a/app/" "$1")" != 200 ] && [ "$(status "$b/app/" "$1")" != 200 ]; then
			echo $((now - t0))
			return
		fi
		[ $((now - t0)) -gt 5000 ] && { echo never; return; }
		sleep 0.05
	done
}

# --- the background refresh: fresh files with no browser traffic -------
jar="$work/jar1"
t_login=$(date +%s)
check "demo signs in at A" test "$(sign_in "$jar")" = 302
check "the session works on A and B" bash -c "test $(status "$a/app/" "$jar") = 200 && test $(status "$b/app/" "$jar") = 200"
key0=$(file_key)
check "the credentials file is written at login" test -n "$key0"
before=$(count_calls AssumeRole)
check "the session is in the background refresh's due list" test "$(rcli ZCARD keygate:due:aws)" = 1
sid0=$(rcli ZRANGE keygate:due:aws 0 0)
deadline0=$(rcli PEXPIRETIME "keygate:s:$sid0")
# due 10 s after login (window 890 s on 900 s keys); no request is sent
while [ $(($(date +%s) - t_login)) -lt 17 ]; do sleep 0.5; done
key1=$(file_key)
check "with no request, the credentials file was refreshed after its due time" \
	bash -c "test -n '$key1' && test '$key1' != '$key0'"
deadline1=$(rcli PEXPIRETIME "keygate:s:$sid0")
check "the refresh counts as use: the idle deadline moved with it ($(((deadline1 - deadline0) / 1000)) s later)" \
	test "$deadline0" -gt 0 -a "$((deadline1 - deadline0))" -ge 5000
check "the refresh ran once for each of the 3 roles across the 3 gateways" \
	test $(($(count_calls AssumeRole) - before)) = 3
curl -s "$sts/_issued" >"$work/issued.json"
check "the file holds the chained keys STS issued in the refresh" $py -c '
import json, re, sys
issued = json.load(open(sys.argv[2]))
keys = re.findall(r"aws_access_key_id = (\S+)", open(sys.argv[1]).read())
sys.exit(0 if keys and all(issued[k]["chained"] for k in keys) else 1)' "$f" "$work/issued.json"
check "the file stays 0600" test "$(stat -c %a "$f")" = 600
check "the next refresh is due later (in the due list, not now)" bash -c \
	"test \"\$(redis-cli -p $redis_port ZRANGEBYSCORE keygate:due:aws -inf $(date +%s%3N))\" = ''"
sleep 4
check "no second refresh happened in the same window" test $(($(count_calls AssumeRole) - before)) = 3

# --- the admin API: refused unless a Require rule admits the caller -----
check "the API without a <Location> for it is 403" \
	test "$(api GET "$c/keygate/admin/sessions" "$admin")" = 403
check "the API under Require valid-user alone (no keygate rule) is 403" \
	test "$(api GET "$c/keygate/admin/users/demo" "$admin")" = 403
check "both refusals are logged with their reasons" bash -c \
	"grep -q 'KG-0725 AUDIT event=\"Admin API Refused\" actor=- target=- method=GET reason=not_authenticated via=api' '$work/c/error.log' &&
	 grep -q 'KG-0725 AUDIT event=\"Admin API Refused\" actor=admin target=- method=GET reason=no_keygate_rule via=api' '$work/c/error.log'"
check "a non-admin's token is 403" test "$(api GET "$a/keygate/admin/users/demo" "$bob_t")" = 403
check "... and an audit line names the non-admin" bash -c \
	"for i in \$(seq 20); do grep -q 'KG-0725 AUDIT event=\"Admin API Refused\" actor=bob target=- method=GET reason=require_denied via=api' '$work/a/error.log' && exit 0; sleep 0.1; done; exit 1"
check "no token: the API asks to authenticate (401 or a login redirect)" bash -c \
	"s=\$(curl -s -o /dev/null -w '%{http_code}' '$a/keygate/admin/users/demo'); test \$s = 401 || test \$s = 302"
check "the admin reads the user: active, one session" bash -c \
	"test \$(curl -s -o '$work/u.json' -w '%{http_code}' -H 'Authorization: Bearer $admin' '$a/keygate/admin/users/demo') = 200 &&
	 $py -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"active\"] is True and len(d[\"sessions\"])==1 and d[\"sessions\"][0][\"aws\"] else 1)' '$work/u.json'"
check "the read is an audit line with actor and target" \
	grep -q 'KG-0750 AUDIT event="Admin API Read" actor=admin target=demo call=user sessions=1 via=api' "$work/a/error.log"
check "a POST without a JSON content type is refused (CSRF)" \
	test "$(api POST "$a/keygate/admin/users/demo/deactivate" "$admin" -H 'Content-Type: text/plain' --data x)" = 403
check "a POST from another origin is refused (CSRF)" \
	test "$(api POST "$a/keygate/admin/users/demo/deactivate" "$admin" -H "$json" -H 'Origin: http://evil.example' --data '{}')" = 403
check "a cross-site fetch is refused (CSRF)" \
	test "$(api POST "$a/keygate/admin/users/demo/deactivate" "$admin" -H "$json" -H 'Sec-Fetch-Site: cross-site' --data '{}')" = 403
check "the CSRF refusals are logged" bash -c \
	"grep -q 'KG-0725 AUDIT event=\"Admin API Refused\" actor=admin target=demo method=POST reason=csrf_content_type via=api' '$work/a/error.log' && grep -q 'reason=csrf_origin' '$work/a/error.log'"
check "GET on a state-changing call is 405" test "$(api GET "$a/keygate/admin/users/demo/deactivate" "$admin")" = 405
check "the user is still active after the refused calls" bash -c \
	"test $(status "$a/app/" "$jar") = 200"

# --- deactivation through the API ---------------------------------------
# the admin writes the name as the IdP shows it: keygate stores it in
# lower case, and so deactivates demo
code=$(api POST "$a/keygate/admin/users/Demo/deactivate" "$admin" -H "$json" -H "Origin: $a" --data '{}')
ms=$(both_refuse "$jar")
check "the admin deactivates Demo, that is demo (200, one session ended)" bash -c \
	"test $code = 200 && $py -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"active\"] is False and d[\"sessionsEnded\"]==1 and d[\"sessions\"]==[] else 1)' '$work/api.json'"
check "both replicas refuse the session within 1 s (took ${ms} ms)" bash -c "test '$ms' != never && test '$ms' -le 1000"
check "the audit line names event, actor and target" \
	grep -q 'AUDIT event="User Deactivated" actor=admin target=demo via=api sessions_ended=1' "$work/a/error.log"
check "the credentials file is removed" test ! -e "$f"
check "the session left the background refresh's list" bash -c \
	"for i in \$(seq 30); do [ \"\$(redis-cli -p $redis_port ZCARD keygate:due:aws)\" = 0 ] && exit 0; sleep 0.2; done; exit 1"
calls=$(count_calls AssumeRole) saml_calls=$(count_calls AssumeRoleWithSAML)
check "a new login is refused with the page (403)" test "$(sign_in "$work/jar2")" = 403
check "the page says the account is deactivated" grep -q 'Your account has been deactivated' "$work/jar2.body"
check "the refused login is an audit line" grep -q 'KG-0721 AUDIT event="User Log In" outcome=denied actor=demo target=demo idp=corp reason=deactivated' "$work/a/error.log"
check "the refused login called no STS" test "$(count_calls AssumeRoleWithSAML)" = "$saml_calls"
check "demo's bearer token is refused on A (401)" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $demo_t" "$a/app/")" = 401
check "and on B (401)" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $demo_t" "$b/app/")" = 401
check "no STS refresh for the deactivated user" test "$(count_calls AssumeRole)" = "$calls"

# --- reactivation through the CLI --------------------------------------
"$build/keygate" users reactivate --config "$work/cli.conf" demo >"$work/cli.out" 2>"$work/cli.err"
check "keygate users reactivate succeeds" grep -qx 'reactivated demo' "$work/cli.out"
check "the CLI's audit line names the OS user as actor" \
	grep -q "KG-0723 AUDIT event=\"User Reactivated\" actor=$(id -un) target=demo via=cli" "$work/cli.err"
"$build/keygate" users status --config "$work/cli.conf" demo >"$work/status.out"
check "keygate users status says active, with the user's stable id" grep -qxE 'demo active sessions=0 id=[0-9a-f-]{36}' "$work/status.out"
curl -s -o "$work/u2.json" -H "Authorization: Bearer $admin" "$a/keygate/admin/users/demo"
check "the admin API shows the same stable id" $py -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["id"] and d["id"] == open(sys.argv[2]).read().split("id=")[1].strip() else 1)' "$work/u2.json" "$work/status.out"
sleep 1.2 # the bearer answer a gateway remembers (KeygateRevocationCheckInterval 1)
check "demo's bearer token works again" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $demo_t" "$a/app/")" = 200
jar3="$work/jar3"
check "demo signs in again" test "$(sign_in "$jar3")" = 302
check "the new session works on B" test "$(status "$b/app/" "$jar3")" = 200
check "the credentials file is back" test -s "$f"

# --- deactivation through the CLI, reactivation through the API ---------
curl -s -o "$work/before.json" -H "Authorization: Bearer $admin" "$a/keygate/admin/sessions?user=demo"
flows=$($py -c 'import json, sys; print(" ".join(sorted(s["flow"] for s in json.load(open(sys.argv[1]))["sessions"])))' "$work/before.json")
check "demo has a login (sso) and a bearer-token (api) session (${flows})" bash -c "grep -qw sso <<<'$flows' && grep -qw api <<<'$flows'"
"$build/keygate" users deactivate --config "$work/cli.conf" DEMO >"$work/cli2.out" 2>"$work/cli2.err"
ms=$(both_refuse "$jar3")
check "keygate users deactivate DEMO ends all of demo's sessions, sso and api" \
	grep -qx "deactivated demo; ended $(wc -w <<<"$flows") sessions" "$work/cli2.out"
check "no session of demo is left" \
	test "$(curl -s -H "Authorization: Bearer $admin" "$a/keygate/admin/sessions?user=demo")" = '{"sessions":[],"next":null}'
check "both replicas refuse the session within 1 s (took ${ms} ms)" bash -c "test '$ms' != never && test '$ms' -le 1000"
check "the CLI's deactivation is an audit line" grep -q 'KG-0722 AUDIT event="User Deactivated" actor=.* target=demo via=cli' "$work/cli2.err"
check "the CLI removed the credentials file" test ! -e "$f"
check "keygate users status says deactivated" bash -c "'$build/keygate' users status --config '$work/cli.conf' demo | grep -qE '^demo deactivated sessions=0 id='"
check "a login is refused again (403)" test "$(sign_in "$work/jar4")" = 403
code=$(api POST "$b/keygate/admin/users/demo/reactivate" "$admin" -H "$json" --data '{}')
check "the admin reactivates demo on B (200, active)" bash -c \
	"test $code = 200 && grep -q '\"active\":true' '$work/api.json'"
check "the reactivation is an audit line with the admin as actor" \
	grep -q 'AUDIT event="User Reactivated" actor=admin target=demo via=api' "$work/b/error.log"
sleep 1.2 # the bearer answer a gateway remembers (KeygateRevocationCheckInterval 1)
check "the bearer token whose API session the deactivation ended stays refused (401)" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $demo_t" "$a/app/")" = 401
token demo >"$work/token-demo2"
check "a new bearer token of demo works (200)" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$work/token-demo2")" "$a/app/")" = 200
# its API session goes, so the checks below see demo's logins only
api DELETE "$b/keygate/admin/sessions?user=demo" "$admin" >/dev/null

# --- killing one session through the API --------------------------------
jar5="$work/jar5"
check "demo signs in once more" test "$(sign_in "$jar5")" = 302
api GET "$a/keygate/admin/sessions?user=demo" "$admin" >/dev/null
sid=$($py -c 'import json,sys; s=json.load(open(sys.argv[1]))["sessions"]; print(s[0]["id"] if len(s)==1 else "")' "$work/api.json")
check "the admin lists demo's one session (8-character id, no cookie)" test "${#sid}" = 8
check "a short id prefix is refused (400)" test "$(api DELETE "$a/keygate/admin/sessions/${sid:0:4}" "$admin")" = 400
code=$(api DELETE "$a/keygate/admin/sessions/$sid" "$admin")
ms=$(both_refuse "$jar5")
check "the admin kills it (200)" test "$code" = 200
check "both replicas refuse it within 1 s (took ${ms} ms)" bash -c "test '$ms' != never && test '$ms' -le 1000"
check "the kill is an audit line" grep -q "AUDIT event=\"Session Killed\" actor=admin target=demo sess=$sid via=api" "$work/a/error.log"
check "killing the user's last session removes the credentials file" test ! -e "$f"
check "killing it again is 404" test "$(api DELETE "$a/keygate/admin/sessions/$sid" "$admin")" = 404

# --- killing every session of a user through the API -------------------
sign_in "$work/jar7" >/dev/null
sign_in "$work/jar8" >/dev/null
check "demo has two sessions, and the credentials file" bash -c \
	"test \$(curl -s -H 'Authorization: Bearer $admin' '$a/keygate/admin/sessions?user=demo' | $py -c 'import json,sys; print(len(json.load(sys.stdin)[\"sessions\"]))') = 2 && test -s '$f'"
code=$(api DELETE "$b/keygate/admin/sessions?user=demo" "$admin")
ms7=$(both_refuse "$work/jar7")
ms8=$(both_refuse "$work/jar8")
check "the admin kills all of demo's sessions at B (200, 2 ended)" bash -c \
	"test $code = 200 && grep -q '\"killed\":2,\"user\":\"demo\"' '$work/api.json'"
check "both replicas refuse both sessions within 1 s (took ${ms7} and ${ms8} ms)" bash -c \
	"test '$ms7' != never && test '$ms7' -le 1000 && test '$ms8' != never && test '$ms8' -le 1000"
check "the kill is an audit line with actor and target" \
	grep -q 'KG-0751 AUDIT event="Session Killed" actor=admin target=demo via=api sessions_ended=2' "$work/b/error.log"
check "the credentials file is removed" test ! -e "$f"
check "demo stays active: a login works" test "$(sign_in "$work/jar9")" = 302
api DELETE "$a/keygate/admin/sessions?user=demo" "$admin" >/dev/null
check "the listing is an audit line too" \
	grep -q 'KG-0750 AUDIT event="Admin API Read" actor=admin target=demo call=sessions sessions=2 via=api' "$work/a/error.log"
"$build/keygate" users deactivate --config "$work/cli.conf" nobody >/dev/null 2>"$work/nobody.err"
check "deactivating a name that never signed in says so" grep -q 'nobody has never signed in here' "$work/nobody.err"
"$build/keygate" users reactivate --config "$work/cli.conf" nobody >/dev/null 2>&1

# --- keygate sessions kill: the background refresh drops the file -------
check "demo signs in for the last time" test "$(sign_in "$work/jar6")" = 302
check "the credentials file is written" test -s "$f"
"$build/keygate" sessions kill --config "$work/cli.conf" --user demo >/dev/null 2>"$work/kill.err"
check "keygate sessions kill is an audit line with the OS user as actor" \
	grep -q "KG-0727 AUDIT event=\"Session Killed\" actor=$(id -un) target=demo via=cli sessions_ended=1" "$work/kill.err"
check "a gateway's background refresh removes the file within 5 s" bash -c \
	"for i in \$(seq 50); do [ ! -e '$f' ] && exit 0; sleep 0.1; done; exit 1"
check "the release is logged" bash -c "cat '$work'/[abc]/error.log | grep -q 'KG-0729 aws credentials file released user=demo reason=session_ended'"

check "gateway A ran without a crash or sanitizer report" no_crash "$work/a"
check "gateway B ran without a crash or sanitizer report" no_crash "$work/b"
check "gateway C ran without a crash or sanitizer report" no_crash "$work/c"
