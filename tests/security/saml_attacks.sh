#!/usr/bin/env bash
# security.md 1 and 5 through the real stack: apache2 + mod_keygate, Redis,
# the echo backend and the pysaml2 IdP. Every case starts from a valid
# Response the IdP signed for a live login of a fresh browser, applies one
# mutation (tests/fixtures/idp/mutate.py; "harness-signed" cases are signed
# again with the IdP's key so that only the intended check can fail) and
# posts it to the ACS. A refusal must hold the 0.1 invariants: 400 (0.2)
# and no redirect, no session cookie, no session in Redis, nothing
# forwarded, the reason logged for that request (the one token of the check
# that refuses it: the most specific check speaks first); no crash and no
# outbound connection overall. A second gateway, short, keeps login states
# for 30 s only (KeygateLoginStateTimeout). The cases tests/integration/gateway_saml.sh already has
# (unsigned, audience, recipient, expired, unsolicited, InResponseTo never
# issued, tampered attribute, DTD, replay) are not repeated.
# usage: saml_attacks.sh BUILD_DIR
set -u
build=$(realpath "$1")
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; [ -n "${KG_KEEP:-}" ] || rm -rf "$work"' EXIT
py=/usr/bin/python3
. "$KG_TOP/tests/integration/saml.bash"
# a second trusted IdP, B, as provider other (security.md 1.13)
saml_requirements
saml_setup
saml_mappers "$work/mappers.json"
saml_gateway "$work/main" "$web" "$work/mappers.json" "KeygateSAMLNameIDFormat unspecified
KeygateSAMLProvider other $work/idpb-metadata.xml
KeygateLoginProvider corp" ||
	{ echo "not ok - apache2 starts"; exit 1; }
web2=$(free_port)
short="http://127.0.0.1:$web2"
saml_gateway "$work/short" "$web2" "$work/mappers.json" "KeygateSAMLNameIDFormat unspecified
KeygateLoginStateTimeout 30" || { echo "not ok - apache2 (short) starts"; exit 1; }
saml_idp_start || { echo "not ok - the IdP starts"; exit 1; }
# a listener that counts connections: an external reference, entity, DTD
# or XInclude that the gateway followed would show here
canary_port=$(free_port)
$py "$KG_TOP/tests/fixtures/canary.py" "$canary_port" >"$work/canary.log" 2>&1 &
KG_PIDS="${KG_PIDS:-} $!"
for _ in $(seq 100); do grep -q '^canary ready' "$work/canary.log" && break; sleep 0.05; done
canary="http://127.0.0.1:$canary_port"

# attack CASE REASONS: the mutated Response is refused for REASONS.
attack() {
	answer "$1" "$1"
	reject "$1" "$work/jar-$1" "$work/a-$1" "$2"
}

# allowed CASE USER: the mutated Response still signs in, as USER.
allowed() {
	answer "$1" "$1"
	accept "$1" "$work/jar-$1" "$work/a-$1" "$2"
}

# --- the valid baseline -------------------------------------------------
allowed ok demo
check "the baseline came with one signed assertion" \
	grep -q 'Signature' "$work/a-ok.xml"

# a login at short that the browser finishes only after its 30 s (the
# rest of the suite runs meanwhile; see late_request at the end)
gw_base=$short login_answer late ok
late_started=$SECONDS

# --- an AuthnRequest answers one login ------------------------------------
# The browser's login-state cookie is captured, the login completes, then
# a second, fresh Response (another assertion ID) the IdP made for the
# same AuthnRequest is posted with the captured cookie sent again.
one_login_per_request() {
	local u
	u=$(saml_start "$work/jar-once" "$base/app/")
	cp "$work/jar-once" "$work/jar-once-captured"
	idp_answer "$u" ok "$work/once-1"
	idp_answer "$u" ok "$work/once-2"
	check "once: the login-state cookie is captured" grep -q keygate_login_ "$work/jar-once-captured"
	check "once: the IdP answered the same request twice, with two assertions" $py -c '
import re, sys
a, b = (open(f).read() for f in sys.argv[1:3])
irt = lambda x: re.search(r"InResponseTo=\"([^\"]+)\"", x).group(1)
aid = lambda x: re.search(r"<(?:\w+:)?Assertion\b[^>]*\bID=\"([^\"]+)\"", x).group(1)
sys.exit(0 if irt(a) == irt(b) and aid(a) != aid(b) else 1)' "$work/once-1.xml" "$work/once-2.xml"
	accept "once: the first Response" "$work/jar-once" "$work/once-1" demo
	cp "$work/jar-once-captured" "$work/jar-once-again"
	reject "once: a second Response for the same AuthnRequest, login-state cookie sent again" \
		"$work/jar-once-again" "$work/once-2" saml_inresponseto
	check "once: the log says the request was answered before" bash -c \
		"grep -q 'reason=saml_inresponseto idp=corp .*the AuthnRequest was answered before' '$work/main/error.log'"
	cp "$work/jar-once-captured" "$work/jar-once-again"
	reject "once: the first Response again, login-state cookie sent again" \
		"$work/jar-once-again" "$work/once-1" saml_replay
	reject "once: the first Response from a browser without the cookie" \
		"$work/jar-once-none" "$work/once-1" saml_replay
}
one_login_per_request

# --- 1.1-1.8 XML signature wrapping ------------------------------------
# The signatures' shape is checked first, so a wrapping that abuses a
# signature is refused as that signature (saml_sig_ref: its Reference
# points at another element than its parent, or a copy hides inside it);
# then a second Assertion anywhere (saml_assertion_count) or an ID seen
# twice (saml_parse).
attack xsw1 saml_sig_ref         # the Response's Reference names the hidden clone
attack xsw2 saml_sig_ref         # ... the sibling clone
attack xsw3 saml_assertion_count # an unsigned Assertion before the signed one
attack xsw4 saml_assertion_count # the signed one nested in an unsigned one
attack xsw5 saml_sig_ref         # the signature stays on the renamed Assertion
attack xsw6 saml_sig_ref         # ... with the pristine copy inside it
attack xsw7 saml_parse           # a same-ID copy in Extensions
attack xsw8 saml_sig_ref         # the pristine copy in a ds:Object

# --- 1.9 several assertions (CVE-2021-28091), duplicate IDs --------------
attack two-assertions-unsigned-second saml_assertion_count
attack three-assertions-unsigned-middle saml_assertion_count
attack two-signed-assertions saml_assertion_count
attack duplicate-ids saml_parse

# --- 1.13 issuers ----------------------------------------------------------
attack assertion-issuer-other saml_issuer
attack assertion-issuer-missing saml_issuer
attack issuer-format-unspecified saml_issuer
attack response-issuer-other saml_issuer
attack assertion-from-idp-b saml_issuer # IdP B's own (trusted) key, its own Issuer
attack response-from-idp-b saml_issuer

# --- 1.14 signature stripping ---------------------------------------------
attack response-signed-assertion-stripped saml_sig_missing
attack both-signatures-stripped saml_sig_missing
attack signaturevalue-removed saml_sig_invalid
attack assertion-signed-twice saml_sig_ref
attack signaturevalue-empty saml_sig_invalid
allowed both-signed-response-stripped demo

# --- 1.15 a key the IdP's metadata does not hold ----------------------------
# (the signature verifies with the key the message carries, not with the
# metadata's: saml_sig_untrusted_key; a change after signing is
# saml_sig_invalid, 1.16)
attack attacker-key-cert-in-keyinfo saml_sig_untrusted_key
attack attacker-key-rsakeyvalue saml_sig_untrusted_key

# --- 1.16 changes after signing --------------------------------------------
attack tamper-nameid saml_sig_invalid
attack tamper-add-attribute saml_sig_invalid
attack tamper-notonorafter saml_sig_invalid
attack tamper-whitespace-nameid saml_sig_invalid
attack tamper-signed-destination saml_sig_invalid
attack tamper-signed-inresponseto saml_sig_invalid

# --- 1.17 what the unsigned envelope may add ----------------------------------
attack advice-assertion saml_assertion_count
envelope_extra() {
	local st
	answer envelope-attribute-statement envelope-attribute-statement
	st=$(post_acs "$work/jar-envelope-attribute-statement" "$work/a-envelope-attribute-statement")
	if [ "$st" = 302 ]; then
		check "envelope-attribute-statement: only the signed assertion's identity counts" \
			test "$(backend_user "$work/jar-envelope-attribute-statement")" = demo
	else
		check "envelope-attribute-statement: refused with 400" test "$st" = 400
	fi
}
envelope_extra

# --- 1.18 comments in identity text (Duo 2018) ----------------------------------
allowed comment-in-uid admin.evil

# --- 1.20 replay after logout, 1.21 InResponseTo ----------------------------------
replay_after_logout() {
	local jar="$work/jar-ok"
	curl -s -o /dev/null -b "$jar" -c "$jar" "$base/keygate/logout"
	saml_start "$jar" "$base/app/" >/dev/null
	reject "replay after logout" "$jar" "$work/a-ok" saml_replay
}
replay_after_logout
attack scd-inresponseto-differs saml_inresponseto
stale_request() {
	login_answer stale ok
	# the login state outlives nothing: its cookie is gone, as after expiry
	sed -i '/keygate_login_/d' "$work/jar-stale"
	reject "stale request (login state gone)" "$work/jar-stale" "$work/r-stale" saml_inresponseto
}
stale_request

# --- 1.23 Destination ------------------------------------------------------------
for c in other-sp https trailing-slash path-case query empty missing; do
	attack "destination-$c" saml_destination
done

# --- 1.24 Recipient, Audience, SubjectConfirmation ----------------------------------
attack recipient-missing saml_recipient
attack subjectconfirmation-holder-of-key saml_recipient
attack subjectconfirmation-sender-vouches saml_recipient
attack subjectconfirmationdata-missing saml_recipient
attack audience-restriction-missing saml_audience
attack audience-second-restriction-other saml_audience
attack conditions-missing saml_audience

# --- 1.25 times (skew 60 s) -----------------------------------------------------------
attack conditions-expired saml_time
attack conditions-notbefore-future saml_time
allowed conditions-notbefore-within-skew demo
attack conditions-notbefore-beyond-skew saml_time
attack scd-notonorafter-missing saml_time
attack scd-notbefore-future saml_time
attack session-notonorafter-past saml_time
for c in no-dash no-zone year-10000 leap-second feb-31; do
	attack "time-malformed-$c" saml_time
done
attack issueinstant-hour-old saml_time
# xs:dateTime allows any number of fraction digits
allowed time-nine-digit-fraction demo
# the session ends no later than SessionNotOnOrAfter (120 s here)
allowed session-notonorafter-soon demo
check "session-notonorafter-soon: the session expires by SessionNotOnOrAfter" \
	$py -c 'import json, sys, time
d = json.loads(sys.argv[1])
sys.exit(0 if 0 < d["expires"] <= time.time() + 125 else 1)' \
	"$(curl -s -b "$work/jar-session-notonorafter-soon" "$base/keygate/session")"

# --- 1.26 Status ---------------------------------------------------------------------
attack status-responder-nested-success saml_status
attack status-code-missing saml_status
attack status-success-no-assertion saml_assertion_count

# --- 1.27 encryption mixed with plain ----------------------------------------------------
attack encrypted-unsigned-forged saml_sig_missing
attack encrypted-plus-plain saml_assertion_count
attack encrypted-unsigned-in-signed-response saml_sig_missing
attack encrypted-rsa-1_5 saml_decrypt
attack encrypted-unknown-method saml_decrypt

# --- 1.29 algorithms and references -----------------------------------------------------
attack alg-rsa-sha1 saml_alg
attack alg-digest-sha1 saml_alg
attack ref-uri-empty saml_sig_ref
attack ref-uri-external saml_sig_ref
attack ref-uri-file saml_sig_ref
attack ref-uri-xpointer saml_sig_ref
attack ref-two-references saml_sig_ref
attack ref-xpath-transform saml_sig_ref
attack signature-not-child saml_sig_ref

# --- 5. parser and size ------------------------------------------------------------------
attack xxe-file saml_dtd
attack xxe-network saml_dtd
attack external-dtd saml_dtd
attack parameter-entity saml_dtd
attack billion-laughs saml_dtd
attack xinclude saml_dtd
attack xinclude-2003 saml_dtd
attack schema-location saml_dtd # refused, and not fetched: see the canary check
attack no-namespace-schema-location saml_dtd
attack deep-nesting saml_parse
attack not-xml saml_parse

# too_large NAME FORM [CURL_ARGS...]: a body over the gateway's cap is
# refused with 413 before any parsing: no session, nothing forwarded.
too_large() {
	local name=$1 form=$2 n0 s0 l0 st
	shift 2
	n0=$(backend_count "$work") s0=$(sessions_in_redis) l0=$(log_lines)
	st=$(curl -s -b "$work/jar-many-attribute-values" -o /dev/null -D "$work/big.h" \
		-w '%{http_code}' "$@" --data-binary @"$form" "$acs")
	set -- "$name"
	check "$1: refused with 413" test "$st" = 413
	check "$1: no session cookie" bash -c "! grep -qi '^Set-Cookie: keygate_session=[A-Za-z0-9]' '$work/big.h'"
	check "$1: no session in Redis" test "$(sessions_in_redis)" = "$s0"
	check "$1: nothing forwarded" test "$(backend_count "$work")" = "$n0"
	check "$1: the reason is logged (body_too_large)" bash -c \
		"tail -n +$((l0 + 1)) '$work/main/error.log' | grep -q 'REJECT proto=parser reason=body_too_large'"
}
answer many-attribute-values many-attribute-values
too_large "100,001 attribute values" "$work/a-many-attribute-values.form"
head -c 3000000 /dev/zero | tr '\0' 'A' | sed 's/^/SAMLResponse=/' >"$work/big.form"
too_large "a 3 MB SAMLResponse" "$work/big.form"
too_large "a 3 MB SAMLResponse, chunked" "$work/big.form" -H 'Transfer-Encoding: chunked'

# base64 with junk in it
login_answer junk ok
printf 'SAMLResponse=%s&RelayState=%s' '%21%21not*base64%24%24' \
	"$(sed -n 's/.*RelayState=\([^&]*\).*/\1/p' "$work/r-junk.form")" >"$work/r-junk.form"
reject "base64 with junk" "$work/jar-junk" "$work/r-junk" saml_parse

# --- KeygateLoginStateTimeout ---------------------------------------------------
late_request() {
	local left=$((32 - (SECONDS - late_started)))
	[ "$left" -gt 0 ] && sleep "$left"
	# the browser would drop the cookie at its Max-Age; this one sends it
	# anyway, so the gateway's own clock must refuse it
	awk -F '\t' -v OFS='\t' '/keygate_login_/ { $5 = 0 } 1' "$work/jar-late" >"$work/jar-late.kept"
	mv "$work/jar-late.kept" "$work/jar-late"
	check "the late login still sends its login-state cookie" grep -q keygate_login_ "$work/jar-late"
	gw=$work/short reject "a Response for a request older than KeygateLoginStateTimeout (30 s)" \
		"$work/jar-late" "$work/r-late" saml_inresponseto
	check "the log says the login took too long" bash -c \
		"grep -q 'reason=saml_inresponseto idp=corp .*InResponseTo is not a request of this browser: the login took too long (KeygateLoginStateTimeout 30s)' '$work/short/error.log'"
	gw_base=$short login_answer prompt ok
	gw_base=$short accept "a Response within KeygateLoginStateTimeout" "$work/jar-prompt" "$work/r-prompt" demo
}
late_request
state_timeout_floor() {
	local line
	mkdir -p "$work/floor"
	httpd_config "$work/floor" "$(free_port)" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateLoginStateTimeout 29" ""
	line=$(grep -n '^KeygateLoginStateTimeout 29' "$work/floor/httpd.conf" | cut -d: -f1)
	apache "$build" -t -f "$work/floor/httpd.conf" >"$work/floor/t.out" 2>&1
	check "KeygateLoginStateTimeout below 30 stops the start" test $? -ne 0
	check "... naming FILE:LINE and the floor" bash -c \
		"grep -q 'line $line of $work/floor/httpd.conf' '$work/floor/t.out' &&
		 grep -q 'KeygateLoginStateTimeout: \"29\" must be a whole number from 30 to 86400' '$work/floor/t.out'"
}
state_timeout_floor
# an SP key that is not the certificate's stops the start, naming the
# KeygateSAMLSPKey line (the IdP would trust a key keygate does not hold)
sp_key_mismatch() {
	local line port
	port=$(free_port)
	mkdir -p "$work/mismatch"
	httpd_config "$work/mismatch" "$port" "$build" "KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateBaseURL http://127.0.0.1:$port
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPKey $work/idp/att.key
KeygateSAMLSPCert $work/sp.crt" ""
	line=$(grep -n '^KeygateSAMLSPKey' "$work/mismatch/httpd.conf" | cut -d: -f1)
	apache "$build" -t -f "$work/mismatch/httpd.conf" >"$work/mismatch/t.out" 2>&1
	check "an SP key that is not the SP certificate's fails the config test" test $? -ne 0
	apache "$build" -k start -f "$work/mismatch/httpd.conf" >>"$work/mismatch/t.out" 2>&1
	sleep 1
	check "... and apache2 does not start with it" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
	[ -s "$work/mismatch/httpd.pid" ] && KG_PIDS="${KG_PIDS:-} $(cat "$work/mismatch/httpd.pid")"
	check "... naming FILE:LINE of KeygateSAMLSPKey" bash -c \
		"cat '$work/mismatch/t.out' '$work/mismatch/error.log' 2>/dev/null |
		 grep -q '$work/mismatch/httpd.conf:$line: KeygateSAMLSPKey $work/idp/att.key does not match KeygateSAMLSPCert $work/sp.crt .*the private key does not belong to the certificate'"
}
sp_key_mismatch

# --- Redis down: the one SAML refusal that is not 400 (last: it stops Redis)
redis_down() {
	login_answer down ok
	redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
	sleep 0.3
	want_status=503 reject "Redis down: a valid Response is not a login without the replay check" \
		"$work/jar-down" "$work/r-down" cache_unavailable
}
redis_down

sleep 0.2
check "no case made an outbound connection" bash -c "! grep -q HIT '$work/canary.log'"
check "apache2 did not crash and sanitizers are quiet" no_crash "$work/main"
check "apache2 (short) did not crash" no_crash "$work/short"
check "no assertion, cookie or session id in the log" bash -c \
	"! grep -qE 'SAMLResponse=|<[a-z0-9]*:?Assertion|keygate_session=' '$work/main/error.log'"
