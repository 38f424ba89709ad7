#!/usr/bin/env bash
# security.md 1 and 5 through the real stack: apache2 + mod_keygate, Redis,
# the echo backend and the pysaml2 IdP. Every case starts from a valid
# Response the IdP signed for a live login of a fresh browser, applies one
# mutation (tests/fixtures/idp/mutate.py; "harness-signed" cases are signed
# again with the IdP's key so that only the intended check can fail) and
# posts it to the ACS. A refusal must hold the 0.1 invariants: a 4xx and no
# redirect, no session cookie, no session in Redis, nothing forwarded, the
# reason logged for that request; no crash and no outbound connection
# overall. The cases tests/integration/gateway_saml.sh already has
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
saml_main_stack "KeygateSAMLProvider other $work/idpb-metadata.xml"
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

# --- 1.1-1.8 XML signature wrapping ------------------------------------
# lasso has no separate token for a Reference that points elsewhere; the
# DOM scan refuses the wrapped shape first (a second Assertion anywhere:
# saml_assertion_count; an ID seen twice: saml_parse).
wrap='saml_assertion_count|saml_parse|saml_sig_invalid|saml_sig_ref'
for n in 1 2 3 4 5 6 7 8; do
	attack "xsw$n" "$wrap"
done

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
attack assertion-from-idp-b 'saml_issuer|saml_sig_untrusted_key'
attack response-from-idp-b 'saml_issuer|saml_sig_untrusted_key'

# --- 1.14 signature stripping ---------------------------------------------
attack response-signed-assertion-stripped saml_sig_missing
attack both-signatures-stripped saml_sig_missing
attack signaturevalue-removed 'saml_sig_invalid|saml_sig_missing|saml_parse'
attack signaturevalue-empty 'saml_sig_invalid|saml_parse'
allowed both-signed-response-stripped demo

# --- 1.15 a key the IdP's metadata does not hold ----------------------------
attack attacker-key-cert-in-keyinfo 'saml_sig_invalid|saml_sig_untrusted_key'
attack attacker-key-rsakeyvalue 'saml_sig_invalid|saml_sig_untrusted_key'

# --- 1.16 changes after signing --------------------------------------------
attack tamper-nameid saml_sig_invalid
attack tamper-add-attribute saml_sig_invalid
attack tamper-notonorafter saml_sig_invalid
attack tamper-whitespace-nameid saml_sig_invalid
attack tamper-signed-destination saml_sig_invalid
attack tamper-signed-inresponseto saml_sig_invalid

# --- 1.17 what the unsigned envelope may add ----------------------------------
attack advice-assertion 'saml_assertion_count|saml_sig_invalid'
envelope_extra() {
	local st
	answer envelope-attribute-statement envelope-attribute-statement
	st=$(post_acs "$work/jar-envelope-attribute-statement" "$work/a-envelope-attribute-statement")
	if [ "$st" = 302 ]; then
		check "envelope-attribute-statement: only the signed assertion's identity counts" \
			test "$(backend_user "$work/jar-envelope-attribute-statement")" = demo
	else
		check "envelope-attribute-statement: refused with 4xx" bash -c "case '$st' in 4??) exit 0;; *) exit 1;; esac"
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
attack alg-rsa-sha1 'saml_alg|saml_sig_invalid'
attack alg-digest-sha1 'saml_alg|saml_sig_invalid'
attack ref-uri-empty 'saml_sig_ref|saml_sig_invalid'
attack ref-uri-external 'saml_sig_ref|saml_sig_invalid'
attack ref-uri-file 'saml_sig_ref|saml_sig_invalid'
attack ref-uri-xpointer 'saml_sig_ref|saml_sig_invalid'
attack ref-two-references 'saml_sig_ref|saml_sig_invalid'
attack ref-xpath-transform 'saml_sig_ref|saml_sig_invalid'
attack signature-not-child 'saml_sig_ref|saml_sig_missing'

# --- 5. parser and size ------------------------------------------------------------------
attack xxe-file saml_dtd
attack xxe-network saml_dtd
attack external-dtd saml_dtd
attack parameter-entity saml_dtd
attack billion-laughs saml_dtd
attack xinclude 'saml_sig_invalid|saml_parse'
allowed schema-location demo # not fetched: see the canary check
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

sleep 0.2
check "no case made an outbound connection" bash -c "! grep -q HIT '$work/canary.log'"
check "apache2 did not crash and sanitizers are quiet" no_crash "$work/main"
check "no assertion, cookie or session id in the log" bash -c \
	"! grep -qE 'SAMLResponse=|<[a-z0-9]*:?Assertion|keygate_session=' '$work/main/error.log'"
