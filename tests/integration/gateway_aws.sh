#!/usr/bin/env bash
# AWS credential propagation end to end: two gateways (apache2 +
# mod_keygate) sharing one Redis, a real SAML IdP (pysaml2, tests/fixtures/
# idp/aws_idp.py) whose Responses also speak to AWS, and the fake STS
# (tests/fixtures/fake_sts.py) checking what STS checks, the IdP's
# signature and AWS's Recipient and Audience among them. A person signs
# in; STS is called for every role (one throttled first, one refused);
# the credentials come back as a file and as credential_process JSON that
# botocore reads; they are refreshed once across both gateways; a failed
# refresh keeps the old keys; nothing secret reaches the logs.
# usage: gateway_aws.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
. "$KG_TOP/tests/integration/aws.bash"

# --- login: every role assumed with the login Response ----------------
curl -s -o /dev/null -X POST --data '{"throttle": 1}' "$sts/_fault"
mkdir -p "$work/elsewhere" "$work/homes/demo" && chmod 777 "$work/elsewhere" "$work/homes/demo"
ln -s "$work/elsewhere" "$work/homes/demo/.aws"
jar="$work/jar1"
t_login=$(date +%s)
check "the login with AWS roles succeeds" test "$(sign_in "$jar")" = 302
check "STS was throttled once and the call retried" bash -c \
	"curl -s '$sts/_log' | grep -c '\"fault\": \"throttle\"' | grep -qx 1"
check "AssumeRoleWithSAML was called for each of the 4 roles (unsigned)" bash -c \
	"curl -s '$sts/_log' | $py -c 'import sys, json; r=[json.loads(l) for l in sys.stdin]; s=[x for x in r if x[\"action\"]==\"AssumeRoleWithSAML\" and not x[\"fault\"]]; sys.exit(0 if len(s)==4 and not any(x[\"signed\"] for x in s) and all(x[\"duration\"]==\"900\" for x in s) else 1)'"
curl -s -b "$jar" "$a/keygate/session" >"$work/session.json"
check "the session shows 3 roles issued and the refused one with STS's reason" $py -c '
import json, sys
aws = json.load(open(sys.argv[1]))["aws"]
st = {r["profile"]: (r["status"], r.get("error", "")) for r in aws}
ok = (st["DataSci-111111111111"][0] == st["DataSci-222222222222"][0] == st["Analyst"][0] == "ok"
      and st["Nope"][0] == "failed" and st["Nope"][1].startswith("AccessDenied"))
sys.exit(0 if ok else 1)' "$work/session.json"
check "the session JSON holds no key, secret or token" bash -c \
	"! grep -qiE 'ASIA|secret|token' '$work/session.json'"
check "the login audit line counts issued and failed roles" \
	grep -q 'AUDIT event="AWS Credentials Issued" outcome=partial actor=demo target=demo issued=3 failed=1' "$work/a/error.log"

# a planted symbolic link never redirects the credentials file
check "a symbolic link planted as the user's .aws directory is not followed" bash -c \
	"test -z \"\$(ls -A '$work/elsewhere')\" && grep -q 'KG-0612 aws credentials file .*not written' '$work/a/error.log'"
rm "$work/homes/demo/.aws"

# --- a failed refresh keeps the old keys ------------------------------
# (due 10 s after issue: window 890 s on 900 s credentials)
until_due() { while [ $(($(date +%s) - $1)) -lt 12 ]; do sleep 0.5; done; }
key_before=$(curl -s -b "$jar" "$a/keygate/aws/credentials?format=process" | $py -c 'import json, sys; print(json.load(sys.stdin)["AccessKeyId"])')
# two attempts for each of the 3 roles (a refresh retries once)
curl -s -o /dev/null -X POST --data '{"error500": 6}' "$sts/_fault"
until_due "$t_login"
curl -s -b "$jar" -o /dev/null "$a/app/"
# the request or a gateway's background refresh does it: wait for the
# three roles' failures to be logged
for _ in $(seq 60); do
	[ "$(cat "$work"/[abc]/error.log | grep -c 'KG-0611 .*aws refresh failed user=demo')" -ge 3 ] && break
	sleep 0.25
done
curl -s -b "$jar" "$a/keygate/session" >"$work/session2.json"
check "a refresh STS fails keeps the roles usable, with the reason shown" $py -c '
import json, sys
aws = json.load(open(sys.argv[1]))["aws"]
ok = [r for r in aws if r["status"] == "ok"]
sys.exit(0 if len(ok) == 3 and all(r.get("error", "").startswith("InternalFailure") for r in ok) else 1)' "$work/session2.json"
# (by whichever gateway's background refresh or request got there first)
check "the failed refresh is logged" bash -c "cat '$work'/[abc]/error.log | grep -q 'KG-0611 .*aws refresh failed user=demo'"
check "the old keys are still served" bash -c "test -n '$key_before' && curl -s -b '$jar' '$a/keygate/aws/credentials' | grep -qF '$key_before'"
curl -s -o /dev/null -X POST --data '{"error500": 0}' "$sts/_fault"

# --- the credentials, as a file and as credential_process -------------
code=$(curl -s -b "$jar" -o "$work/credentials" -D "$work/cred.h" -w '%{http_code}' "$b/keygate/aws/credentials")
check "gateway B serves the credentials of a session made on A" test "$code" = 200
check "the credentials are sent with Cache-Control: no-store and nosniff" bash -c \
	"grep -qi '^Cache-Control: no-store' '$work/cred.h' && grep -qi '^X-Content-Type-Options: nosniff' '$work/cred.h'"
check "one profile per issued role, [default] first, none for the refused role" bash -c \
	"test \"\$(grep '^\\[' '$work/credentials' | tr '\\n' ' ')\" = '[default] [DataSci-111111111111] [DataSci-222222222222] [Analyst] '"
curl -s "$sts/_issued" >"$work/issued.json"
check "botocore reads every profile of the file and gets exactly the keys STS issued" $py -c '
import json, sys, botocore.session
issued = json.load(open(sys.argv[2]))
want = {"default": sys.argv[3], "DataSci-111111111111": sys.argv[3], "DataSci-222222222222": sys.argv[4], "Analyst": sys.argv[5]}
for profile, role in want.items():
    s = botocore.session.Session(profile=profile)
    s.set_config_variable("credentials_file", sys.argv[1])
    s.set_config_variable("config_file", "/nonexistent")
    c = s.get_credentials().get_frozen_credentials()
    i = issued[c.access_key]
    if (i["role"], i["secret"], i["token"]) != (role, c.secret_key, c.token):
        sys.exit("profile %s does not hold what STS issued for %s" % (profile, role))
' "$work/credentials" "$work/issued.json" "$ds1" "$ds2" "$an"
# the SDK runs keygate's CLI, which asks the gateway with the session
# cookie (a workload would use --token-file)
awk -F'\t' '$6 == "keygate_session" {print $6 "=" $7}' "$jar" >"$work/cookie"
printf '[profile analyst]\ncredential_process = %s aws credential-process --url %s/keygate/aws/credentials --cookie-file %s --profile Analyst\n' \
	"$build/keygate" "$a" "$work/cookie" >"$work/aws-config"
check "botocore's credential_process runs keygate aws credential-process and gets the Analyst keys, with their Expiration" $py -c '
import json, sys, botocore.session
s = botocore.session.Session(profile="analyst")
s.set_config_variable("config_file", sys.argv[1])
s.set_config_variable("credentials_file", "/nonexistent")
c = s.get_credentials()
i = json.load(open(sys.argv[2]))[c.get_frozen_credentials().access_key]
sys.exit(0 if i["role"] == sys.argv[3] and i["secret"] == c.get_frozen_credentials().secret_key
         and c.method == "custom-process" and c._expiry_time is not None else 1)' "$work/aws-config" "$work/issued.json" "$an"
check "keygate aws credential-process fails (1) for a profile the caller does not have" bash -c \
	"'$build/keygate' aws credential-process --url '$a/keygate/aws/credentials' --cookie-file '$work/cookie' --profile Nope >'$work/cp.out' 2>'$work/cp.err'; test \$? = 1 && test ! -s '$work/cp.out' && grep -q 'answered 404' '$work/cp.err'"
check "keygate aws credential-process refuses a plain-http URL to another host (2)" bash -c \
	"'$build/keygate' aws credential-process --url http://example.com/keygate/aws/credentials --cookie-file '$work/cookie' 2>/dev/null; test \$? = 2"
check "an unknown profile gets 404" test "$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$a/keygate/aws/credentials?format=process&profile=Nope")" = 404
check "a bad format gets 400" test "$(curl -s -b "$jar" -o /dev/null -w '%{http_code}' "$a/keygate/aws/credentials?format=xml")" = 400
check "without a session the credentials are 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$a/keygate/aws/credentials")" = 401
f="$work/homes/demo/.aws/credentials"
check "the credentials file is written for the workspace, mode 0600" test "$(stat -c %a "$f" 2>/dev/null)" = 600
check "the written file holds the served profiles" diff <(grep -v '^#' "$f") <(grep -v '^#' "$work/credentials")

# --- a refresh across two gateways runs once ---------------------------
jar2="$work/jar2"
before=$(count_calls AssumeRole)
t_login2=$(date +%s)
check "a second login succeeds" test "$(sign_in "$jar2")" = 302
until_due "$t_login2"
pids=""
for i in 1 2 3 4 5 6; do
	curl -s -b "$jar2" -o /dev/null "$a/app/" & pids="$pids $!"
	curl -s -b "$jar2" -o /dev/null "$b/app/" & pids="$pids $!"
done
wait $pids
after=$(count_calls AssumeRole)
check "the due credentials were refreshed once for each of the 3 roles, by one gateway" test $((after - before)) = 3
check "each refresh was SigV4-signed with the session token, at most 1 hour" bash -c \
	"curl -s '$sts/_log' | $py -c 'import sys, json; r=[json.loads(l) for l in sys.stdin if json.loads(l)[\"action\"]==\"AssumeRole\" and not json.loads(l)[\"fault\"]]; sys.exit(0 if r and all(x[\"signed\"] and int(x[\"duration\"])<=3600 for x in r) else 1)'"
curl -s -b "$jar2" -o "$work/creds2-after" "$b/keygate/aws/credentials"
curl -s "$sts/_issued" >"$work/issued2.json"
check "the refreshed keys are the chained ones STS issued" $py -c '
import json, re, sys
issued = json.load(open(sys.argv[2]))
keys = re.findall(r"aws_access_key_id = (\S+)", open(sys.argv[1]).read())
sys.exit(0 if keys and all(issued[k]["chained"] for k in keys) else 1)' "$work/creds2-after" "$work/issued2.json"

# --- mode b: the IdP's AWS application posts its own Response ---------
aws_response() { $py "$KG_TOP/tests/fixtures/idp/aws_idp.py" aws-response "$work/idp" "$idp" "$a/keygate/saml/corp/metadata" "$@"; }
post_aws() { # JAR RESPONSE_FILE URL: prints the status
	curl -s -b "$1" -c "$1" -o "$1.aws" -D "$1.aws.h" -w '%{http_code}' \
		--data-urlencode "SAMLResponse@$2" --data-urlencode "RelayState=/app/x" "$3"
}
aws_response >"$work/aws.b64"
before=$(count_calls AssumeRoleWithSAML)
st=$(post_aws "$jar2" "$work/aws.b64" "$c/keygate/aws/saml/corp")
check "mode b: the AWS application's Response for the signed-in user is taken" bash -c \
	"test '$st' = 302 && grep -qi '^Location: /app/x' '$jar2.aws.h'"
check "mode b: every role was assumed with that Response" test $(($(count_calls AssumeRoleWithSAML) - before)) = 4
check "mode b: the session shows the new credentials" bash -c \
	"curl -s -b '$jar2' '$c/keygate/session' | grep -q '\"status\":\"ok\"'"
check "mode b: the same Response again is a replay (400)" test "$(post_aws "$jar2" "$work/aws.b64" "$c/keygate/aws/saml/corp")" = 400
check "mode b: the replay is logged with its reason" grep -q 'REJECT proto=saml-aws reason=saml_replay' "$work/c/error.log"
aws_response other-user >"$work/aws-other.b64"
check "mode b: a Response for another user is refused (403)" test "$(post_aws "$jar2" "$work/aws-other.b64" "$c/keygate/aws/saml/corp")" = 403
check "mode b: the NameID mismatch is logged" grep -q 'reason=aws_nameid_mismatch' "$work/c/error.log"
aws_response unsigned >"$work/aws-unsigned.b64"
check "mode b: an unsigned Response is refused (400, as every SAML refusal)" test "$(post_aws "$jar2" "$work/aws-unsigned.b64" "$c/keygate/aws/saml/corp")" = 400
check "mode b: the unsigned Response is logged with its reason" grep -q 'REJECT proto=saml-aws reason=saml_sig_missing' "$work/c/error.log"
aws_response >"$work/aws2.b64"
st=$(post_aws "$work/nojar" "$work/aws2.b64" "$c/keygate/aws/saml/corp")
check "mode b: without a session cookie the form is posted again from keygate's origin" bash -c \
	"test '$st' = 200 && grep -q 'name=\"kg_repost\"' '$work/nojar.aws'"
check "mode b: a repost without a session is 401" test "$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode "SAMLResponse@$work/aws2.b64" --data kg_repost=1 "$c/keygate/aws/saml/corp")" = 401
check "mode b: the AWS Response never signs anyone in at the ACS" bash -c \
	"test \"\$(curl -s -o /dev/null -w '%{http_code}' --data-urlencode 'SAMLResponse@$work/aws2.b64' '$c/keygate/saml/corp/acs')\" = 400"
check "mode a gateways have no mode b endpoint (404)" test "$(post_aws "$jar2" "$work/aws2.b64" "$a/keygate/aws/saml/corp")" = 404
check "without mode a, a login Response whose Recipient is AWS is refused" bash -c \
	"test \"\$(curl -s -o /dev/null -w '%{http_code}' --data @'$jar.form' '$c/keygate/saml/corp/acs')\" = 400"

# --- a workload's bearer token gets its user's credentials -------------
token demo >"$work/token-demo"
code=$(curl -s -o "$work/bearer-creds" -w '%{http_code}' -H "Authorization: Bearer $(cat "$work/token-demo")" "$c/keygate/aws/credentials")
check "a bearer token of the user gets the credentials of the user's session" bash -c \
	"test '$code' = 200 && grep -q '^\[Analyst\]' '$work/bearer-creds'"
check "keygate aws credential-process works with --token-file" bash -c \
	"'$build/keygate' aws credential-process --url '$c/keygate/aws/credentials' --token-file '$work/token-demo' --profile Analyst | $py -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if d[\"Version\"] == 1 and d[\"AccessKeyId\"].startswith(\"ASIA\") else 1)'"
token nobody >"$work/token-nobody"
check "a bearer token of a user without a session with AWS credentials gets 401" test \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cat "$work/token-nobody")" "$c/keygate/aws/credentials")" = 401
check "a tampered bearer token gets 401" test \
	"$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $($mint tamper "$(cat "$work/token-demo")")" "$c/keygate/aws/credentials")" = 401

# --- logout takes the credentials file away ---------------------------
had=$(test -s "$work/homes/demo/.aws/credentials" && echo yes)
curl -s -o /dev/null -b "$jar2" "$a/keygate/logout"
check "logout removes the user's credentials file" bash -c \
	"test '$had' = yes && test ! -e '$work/homes/demo/.aws/credentials'"

# --- nothing secret in any log ----------------------------------------
curl -s "$sts/_issued" >"$work/issued3.json"
check "no key secret, session token or assertion in the gateways' logs" $py -c '
import json, sys
issued = json.load(open(sys.argv[1]))
logs = "".join(open(f).read() for f in sys.argv[2:])
bad = [k for k, v in issued.items() if v["secret"] in logs or v["token"][:40] in logs]
sys.exit(1 if bad or "SAMLResponse" in logs or "PHNhbWw" in logs else 0)' "$work/issued3.json" "$work/a/error.log" "$work/b/error.log" "$work/c/error.log"
check "gateway A ran without a crash or sanitizer report" no_crash "$work/a"
check "gateway B ran without a crash or sanitizer report" no_crash "$work/b"
check "gateway C ran without a crash or sanitizer report" no_crash "$work/c"
