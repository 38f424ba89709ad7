#!/usr/bin/env bash
# keygate integration: gateway/proto/aws/sts.c against the fake STS
# (tests/fixtures/fake_sts.py, which checks what STS checks and answers in
# STS's XML shapes): AssumeRoleWithSAML success, a role whose maximum is
# lower (retried once at 3600), throttling then success, 500 and a reset
# connection then success, a slow answer past the timeout, throttling
# that never ends, a 4xx surfaced with its code, an oversize assertion
# skipped without a call; AssumeRole refresh signed with the temporary
# credentials (verified by botocore inside the fake), the 1-hour cap, a
# wrong secret refused, clock skew corrected from the Date header; and
# no key, secret, token or assertion in the log lines.
# usage: sts.sh BUILD_DIR
set -u
build=$(cd "${1:-build/asan}" && pwd)
cd "$(dirname "$0")/../.."
driver="$build/tests/integration/sts_driver"
py=/usr/bin/python3

if [ ! -x "$driver" ]; then
	echo "not ok - sts_driver is built ($driver)"
	exit 1
fi
if ! $py -c 'import botocore.auth' 2>/dev/null; then
	echo "not ok - Debian's python3-botocore is installed (scripts/deps.sh)"
	exit 1
fi

tmp=$(mktemp -d)
sts_pid=
trap '[ -n "$sts_pid" ] && kill "$sts_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT

acct=123456789012
provider="arn:aws:iam::$acct:saml-provider/KeygateIdP"
dev="arn:aws:iam::$acct:role/Dev"
short="arn:aws:iam::$acct:role/Short"
other="arn:aws:iam::$acct:role/NotGranted"
cat >"$tmp/config.json" <<EOF
{"region": "us-west-2", "roles": {
  "$dev": {"max": 43200, "provider": "$provider", "self_trust": true},
  "$short": {"max": 3600, "provider": "$provider", "self_trust": false},
  "$other": {"max": 3600, "provider": "$provider", "self_trust": true}}}
EOF

$py tests/fixtures/fake_sts.py "$tmp/port" "$tmp/config.json" 2>"$tmp/fake.err" &
sts_pid=$!
for _ in $(seq 1 100); do
	[ -s "$tmp/port" ] && break
	sleep 0.1
done
if [ ! -s "$tmp/port" ]; then
	echo "not ok - the fake STS starts"
	sed 's/^/# /' "$tmp/fake.err"
	exit 1
fi
echo "ok - the fake STS starts"
ep="http://127.0.0.1:$(cat "$tmp/port")/"

# assertion FILE [PAD_BYTES]: the base64 of an (unsigned) SAML Response
# granting Dev and Short (provider first in one value, role first in the
# other, as IdPs do both), issued now; PAD_BYTES of filler make it big;
# a third argument "dev" leaves out Short
assertion() {
	$py - "$1" "${2:-0}" "$provider" "$dev" "$short" "${3:-}" <<'EOF'
import base64, datetime, sys
out, pad, provider, dev, short, only_dev = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
now = datetime.datetime.now(datetime.timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="{fmt(now)}" Destination="https://signin.aws.amazon.com/saml"><saml:Issuer>https://idp.example.test/saml</saml:Issuer><saml:Assertion ID="_a1" Version="2.0" IssueInstant="{fmt(now)}"><saml:Issuer>https://idp.example.test/saml</saml:Issuer><saml:Subject><saml:NameID>alice@example.com</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{fmt(now + datetime.timedelta(minutes=5))}" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject><saml:AttributeStatement><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{provider},{dev}</saml:AttributeValue>{"" if only_dev else f"<saml:AttributeValue>{short}, {provider}</saml:AttributeValue>"}</saml:Attribute><saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>alice@example.com</saml:AttributeValue></saml:Attribute></saml:AttributeStatement><!--{"x" * pad}--></saml:Assertion></samlp:Response>"""
b64 = base64.b64encode(xml.encode()).decode()
# as some IdPs send it: wrapped at 76 characters
open(out, "w").write("\n".join(b64[i:i + 76] for i in range(0, len(b64), 76)) + "\n")
EOF
}

fault() {
	curl -sf -X POST --data "$1" "${ep}_fault" >/dev/null
}

# run NAME EXPECTED_REGEX DRIVER_ARGS...: one TAP line; the driver's
# summary must match the regex
n=0
run() {
	local name=$1 want=$2
	shift 2
	n=$((n + 1))
	"$driver" "$@" >"$tmp/out.$n" 2>"$tmp/err.$n"
	cat "$tmp/err.$n" >>"$tmp/all.err"
	if grep -qE "$want" "$tmp/out.$n"; then
		echo "ok - $name"
	else
		echo "not ok - $name"
		echo "#   want: $want"
		sed 's/^/#   got:  /' "$tmp/out.$n"
		sed 's/^/#   log:  /' "$tmp/err.$n" | head -5
	fi
}

# check NAME COMMAND...: one TAP line for a command's success
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then echo "ok - $name"; else echo "not ok - $name"; fi
}

assertion "$tmp/saml.b64"
run "AssumeRoleWithSAML issues credentials for the requested duration" \
	'^rc=ok status=200 code=- attempts=1 duration=7200 fallback=0 ttl=7(19[0-9]|200)$' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 7200 "$tmp/dev.creds"
check "the issued credentials are an ASIA key, a secret and a long token" \
	bash -c "head -1 '$tmp/dev.creds' | grep -qE '^ASIA[A-Z2-7]{16}$' && [ \$(sed -n 3p '$tmp/dev.creds' | wc -c) -gt 2000 ]"
run "a duration over 43200 is clamped to 43200" \
	'^rc=ok .*attempts=1 duration=43200 fallback=0' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 100000 "$tmp/x.creds"
run "a duration under 900 is raised to 900" \
	'^rc=ok .*duration=900 fallback=0 ttl=(89[0-9]|900)$' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 60 "$tmp/x.creds"
run "the role's maximum is lower: retried once at 3600" \
	'^rc=ok status=200 code=- attempts=2 duration=3600 fallback=1 ttl=3(59[0-9]|600)$' \
	saml "$ep" "$short" "$provider" "$tmp/saml.b64" 43200 "$tmp/short.creds"
check "the fallback is logged (KG-0602)" grep -q 'KG-0602 sts_duration_fallback' "$tmp/err.$n"

fault '{"throttle": 2}'
run "throttled twice, then issued on the third attempt" \
	'^rc=ok status=200 code=- attempts=3 ' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 3600 "$tmp/x.creds"
check "each retry is logged with its code (KG-0601)" \
	bash -c "[ \$(grep -c 'KG-0601 sts_retry.*status=400 code=Throttling' '$tmp/err.$n') -eq 2 ]"
fault '{"error500": 1}'
run "a 500 InternalFailure, then issued" '^rc=ok .*attempts=2 ' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 3600 "$tmp/x.creds"
fault '{"reset": 1}'
run "a reset connection, then issued" '^rc=ok .*attempts=2 ' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 3600 "$tmp/x.creds"
fault '{"slow": 1, "slow_s": 3}'
STS_TIMEOUT=1 run "an answer slower than the timeout, then issued" '^rc=ok .*attempts=2 ' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 3600 "$tmp/x.creds"
fault '{"throttle": 5}'
run "throttling that outlasts the attempts fails as a backend error" \
	'^rc=ebackend status=400 code=Throttling attempts=3 ' \
	saml "$ep" "$dev" "$provider" "$tmp/saml.b64" 3600 "$tmp/x.creds"
fault '{"throttle": 0}'
run "a role the assertion does not grant: 403 AccessDenied, not retried" \
	'^rc=edenied status=403 code=AccessDenied attempts=1 ' \
	saml "$ep" "$other" "$provider" "$tmp/saml.b64" 3600 "$tmp/x.creds"
check "the failure is logged with its code (KG-0605)" \
	grep -q 'KG-0605 sts_failed action=AssumeRoleWithSAML .*code=AccessDenied' "$tmp/err.$n"

assertion "$tmp/big.b64" 80000
calls_before=$(curl -sf "${ep}_log" | wc -l)
run "an assertion over 100,000 base64 characters is skipped without a call" \
	'^rc=einval status=0 code=assertion_too_large attempts=0 ' \
	saml "$ep" "$dev" "$provider" "$tmp/big.b64" 3600 "$tmp/x.creds"
check "the skip is logged clearly (KG-0603)" \
	grep -qE 'KG-0603 sts_assertion_too_large role=arn:aws:iam::[0-9]+:role/Dev chars=[0-9]{6} max=100000' "$tmp/err.$n"
check "STS was not called for it" \
	bash -c "[ \$(curl -sf '${ep}_log' | wc -l) -eq $calls_before ]"

run "AssumeRole refreshes with the temporary credentials (SigV4 + token, checked by botocore)" \
	'^rc=ok status=200 code=- attempts=1 duration=3600 fallback=0 ttl=3(59[0-9]|600)$' \
	refresh "$ep" "$tmp/dev.creds" "$dev" alice@example.com 3600 "$tmp/dev2.creds"
run "a refresh asked for 2 hours is capped at 1 hour (role chaining)" \
	'^rc=ok .*duration=3600 ' \
	refresh "$ep" "$tmp/dev2.creds" "$dev" alice@example.com 7200 "$tmp/dev3.creds"
run "a refresh signed with a wrong secret: 403 SignatureDoesNotMatch" \
	'^rc=eauth status=403 code=SignatureDoesNotMatch attempts=1 ' \
	refresh "$ep" "$tmp/dev.creds" "$dev" alice@example.com 3600 "$tmp/x.creds" tamper
STS_SKEW=-3600 run "a clock an hour slow is corrected from the answer's Date" \
	'^rc=ok .*attempts=2 ' \
	refresh "$ep" "$tmp/dev.creds" "$dev" alice@example.com 3600 "$tmp/x.creds"
run "a role without self-trust refuses the refresh: 403 AccessDenied" \
	'^rc=edenied status=403 code=AccessDenied attempts=1 ' \
	refresh "$ep" "$tmp/short.creds" "$short" alice@example.com 3600 "$tmp/x.creds"
run "a bad RoleSessionName is refused before any call" \
	'^rc=einval status=0 code=bad_input attempts=0 ' \
	refresh "$ep" "$tmp/dev.creds" "$dev" "a b" 3600 "$tmp/x.creds"

curl -sf "${ep}_log" >"$tmp/calls.jsonl"
check "AssumeRoleWithSAML went unsigned, AssumeRole signed" $py - "$tmp/calls.jsonl" <<'EOF'
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])]
assert all(not c["signed"] for c in calls if c["action"] == "AssumeRoleWithSAML")
assert all(c["signed"] for c in calls if c["action"] == "AssumeRole")
EOF
check "no call sent Expect: 100-continue, every call a utf-8 form" $py - "$tmp/calls.jsonl" <<'EOF'
import json, sys
calls = [json.loads(l) for l in open(sys.argv[1])]
assert calls and all(c["expect"] is None for c in calls)
assert all(c["content_type"] == "application/x-www-form-urlencoded; charset=utf-8" for c in calls)
EOF
check "no access key, secret, token or assertion in any log line" $py - "$tmp/all.err" "$tmp"/*.creds "$tmp/saml.b64" <<'EOF'
import sys
log = open(sys.argv[1]).read()
assert "KG-0604 sts_issued" in log
secrets = []
for f in sys.argv[2:-1]:
    secrets += [l for l in open(f).read().split("\n") if l]
b64 = "".join(open(sys.argv[-1]).read().split())
secrets += [b64[i:i + 40] for i in range(0, len(b64) - 40, 400)]
leaks = [s[:8] for s in secrets if s in log]
assert not leaks, leaks
EOF

# --- a second opinion: moto_server (when the machine has it) ----------
# moto answers in STS's shapes but checks far less than the fake; the
# client must read its answers too, and where the two disagree is printed
# (measured here, not assumed).
moto=$(command -v moto_server || true)
if [ -z "$moto" ]; then
	echo "ok - the client reads moto_server's STS answers # SKIP moto_server is not installed (it comes with the image's Python, not with make deps)"
else
	moto_port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$moto" -H 127.0.0.1 -p "$moto_port" >"$tmp/moto.log" 2>&1 &
	moto_pid=$!
	trap '[ -n "$sts_pid" ] && kill "$sts_pid" 2>/dev/null; kill "$moto_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
	wait_for_moto() {
		for _ in $(seq 100); do
			curl -s -o /dev/null "http://127.0.0.1:$moto_port/" && return 0
			sleep 0.1
		done
		return 1
	}
	if wait_for_moto; then
		mep="http://127.0.0.1:$moto_port/"
		assertion "$tmp/moto-both.b64"
		"$driver" saml "$mep" "$dev" "$provider" "$tmp/moto-both.b64" 3600 "$tmp/x.creds" >"$tmp/moto-both" 2>/dev/null
		grep -q '^rc=ok' "$tmp/moto-both" ||
			echo "# moto and the fake disagree: moto fails ($(cut -d' ' -f1-3 "$tmp/moto-both")) on a Role value written 'role, provider' with a space, which the fake accepts"
		assertion "$tmp/moto-saml.b64" 0 dev
		run "moto: AssumeRoleWithSAML is read (the same client, another server)" \
			'^rc=ok status=200 code=- attempts=1 duration=3600 ' \
			saml "$mep" "$dev" "$provider" "$tmp/moto-saml.b64" 3600 "$tmp/moto.creds"
		run "moto: AssumeRole signed with those credentials is read" \
			'^rc=ok status=200 ' \
			refresh "$mep" "$tmp/moto.creds" "$dev" alice@example.com 3600 "$tmp/moto2.creds"
		# disagreements, measured: what the fake refuses and moto takes
		"$driver" refresh "$mep" "$tmp/moto.creds" "$dev" alice@example.com 3600 "$tmp/x.creds" tamper >"$tmp/moto-tamper" 2>/dev/null
		grep -q '^rc=ok' "$tmp/moto-tamper" &&
			echo "# moto and the fake disagree: moto accepts an AssumeRole with a wrong SigV4 signature (the fake answers SignatureDoesNotMatch, as STS does)"
		grep -q '^rc=ok' "$tmp/out.$((n - 1))" &&
			echo "# moto and the fake disagree: moto issued credentials for an unsigned assertion (the fake, given the provider's certificate, answers InvalidIdentityToken as STS does)"
	else
		echo "not ok - moto_server starts"
	fi
fi
