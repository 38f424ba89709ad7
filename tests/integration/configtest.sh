#!/usr/bin/env bash
# Misconfigurations that a working setup never has fail `apachectl -t`
# (apache2 -t -f CONFIG) and `keygate check-config CONFIG` alike, each
# naming the FILE:LINE of the offending directive (not the server's first
# Keygate line); setups that work but are likely wrong pass with a
# KG-0005 warning at their line (issue #14).
# usage: configtest.sh BUILD_DIR
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
keygate="$build/keygate"
[ -x "$keygate" ] || { echo "not ok - the keygate CLI is built"; exit 1; }

# keys: the SP's, another key that is not its certificate's, app tokens
new_cert "$work/sp" keygate-test-sp
new_cert "$work/other" keygate-other
new_cert "$work/app" keygate-app
mkdir -p "$work/idp"
new_cert "$work/idp/idp" keygate-test-idp
$py "$KG_TOP/tests/fixtures/idp/idp.py" metadata "$work/idp" "http://127.0.0.1:9/idp" \
	>"$work/idp-metadata.xml"
head -c 48 /dev/urandom | base64 >"$work/secret"
chmod -R a+rX "$work"
common="KeygateRedis 127.0.0.1:9
KeygateSessionSecret file:$work/secret"
saml="KeygateBaseURL https://gw.example.test
KeygateSAMLProvider corp $work/idp-metadata.xml
KeygateSAMLSPCert $work/sp.crt"
admin='<Location /admin>
  AuthType keygate
  Require keygate-role SysAdmin
</Location>'
n=0

# refused NAME SERVER_LINES LOCATIONS BAD_REGEX WANT [FILE]: both checks
# fail, naming FILE (default the main config) at the line of the first
# line of FILE matching BAD_REGEX, with a message containing WANT.
refused() {
	local name=$1 server=$2 locations=$3 bad=$4 want=$5 file=${6:-}
	local dir="$work/c$((n += 1))" out rc line
	mkdir -p "$dir"
	httpd_config "$dir" 9 "$build" "$common
$server" "$locations"
	[ -n "$file" ] || file="$dir/httpd.conf"
	file=${file//@DIR@/$dir}
	line=$(grep -n -m1 -E "$bad" "$file" | cut -d: -f1)
	out=$(apache "$build" -f "$dir/httpd.conf" -t 2>&1)
	rc=$?
	if [ -n "$line" ] && [ "$rc" -ne 0 ] &&
		grep -qF "KG-0001 configuration from \"$file:$line: " <<<"$out" &&
		sed 's/\\*"/"/g' <<<"$out" | grep -qF -- "$want"; then
		echo "ok - apachectl -t refuses $name at $(basename "$file"):$line"
	else
		echo "not ok - apachectl -t refuses $name at $(basename "$file"):${line:-?} (exit $rc)"
		sed 's/^/# /' <<<"$out"
	fi
	out=$("$keygate" check-config "$dir/httpd.conf" 2>&1)
	rc=$?
	if [ -n "$line" ] && [ "$rc" -eq 1 ] &&
		grep -qE "^$file:$line:[0-9]+: " <<<"$out" &&
		grep -qF -- "$want" <<<"$out"; then
		echo "ok - keygate check-config refuses $name at $(basename "$file"):$line:COL"
	else
		echo "not ok - keygate check-config refuses $name at $(basename "$file"):${line:-?} (exit $rc)"
		sed 's/^/# /' <<<"$out"
	fi
}

refused "an SP key that is not its certificate's" "$saml
KeygateSAMLSPKey $work/other.key" "" '^KeygateSAMLSPKey ' \
	"does not match KeygateSAMLSPCert"
refused "Require keygate-role naming a role KeygateRoles lacks" \
	"KeygateRoles Practitioner SysAdmin" "$admin
<Location /ops>
  AuthType keygate
  Require keygate-role Practitioner Operator
</Location>" 'Require keygate-role Practitioner Operator' \
	'Require keygate-role "Operator" is not one of KeygateRoles'
refused "a __Host- cookie without Secure" "KeygateCookieName __Host-keygate
KeygateRoles Practitioner SysAdmin
KeygateCookieSecure Off" "" '^KeygateCookieSecure Off' \
	"the cookie name __Host-keygate"
refused "SameSite=None without Secure" "KeygateCookieSecure Off
KeygateCookieSameSite None" "" '^KeygateCookieSameSite None' \
	"KeygateCookieSameSite None needs Secure"
refused "a __Host- cookie with an http:// base URL" "KeygateBaseURL http://gw.example.test
KeygateCookieName __Host-keygate" "" '^KeygateCookieName' \
	"KeygateCookieName __Host-keygate needs Secure"
refused "an http:// base URL with Secure cookies" "KeygateCookieSecure On
KeygateMetricsAllow 127.0.0.1
KeygateBaseURL http://gw.example.test" "" '^KeygateBaseURL' \
	"browsers never send a Secure cookie over http"
refused "SSO idle longer than SSO max (Domino's rule)" "KeygateSessionIdleTimeout 7200
KeygateSessionMaxLifetime 3600" "" '^KeygateSessionIdleTimeout' \
	"access-token lifespan < SSO Session Idle <= SSO Session Max"
refused "an access-token lifespan not shorter than SSO idle (Domino's rule)" \
	"KeygateAppJWTKey $work/app.key
KeygateAppJWTCert $work/app.crt
KeygateAppJWTIssuer https://gw.example.test/auth/realms/DominoRealm
KeygateAppJWTLifetime 1800" "" '^KeygateAppJWTLifetime' \
	"KeygateAppJWTLifetime 1800s (set at"
refused "a touch interval not shorter than the idle timeout" \
	"KeygateRoles Practitioner SysAdmin
KeygateSessionIdleTimeout 45" "" '^KeygateSessionIdleTimeout' \
	"KeygateSessionTouchInterval 60s (the default) is not shorter"
refused "a default role KeygateRoles lacks" "KeygateDefaultRole Practitioner
KeygateRoles SysAdmin Reader" "" '^KeygateDefaultRole' \
	'KeygateDefaultRole "Practitioner" is not one of KeygateRoles'
refused "a missing SP key file" "$saml
KeygateSAMLSPKey $work/nothere.key" "" '^KeygateSAMLSPKey' \
	"KeygateSAMLSPKey: $work/nothere.key"
# a bad line in an Included file is named in that file
mkdir -p "$work/c$((n + 1))/conf.d"
echo "KeygateCookieSecure Off" >"$work/c$((n + 1))/conf.d/cookie.conf"
refused "a bad line in an Included file" "KeygateCookieName __Secure-kg
Include conf.d/*.conf" "" '^KeygateCookieSecure' "the cookie name __Secure-kg" \
	"@DIR@/conf.d/cookie.conf"
# a virtual host without Keygate directives uses the main server's roles
refused "Require keygate-role in a virtual host checked against the main server's roles" \
	"KeygateRoles Practitioner SysAdmin" "<VirtualHost 127.0.0.1:9>
  ServerName vh.example.test
  <Location /x>
    AuthType keygate
    Require keygate-role Auditor
  </Location>
</VirtualHost>" 'Require keygate-role Auditor' 'Require keygate-role "Auditor"'

# --- setups that work: pass, with a warning where one is due ------------
dir="$work/good"
mkdir -p "$dir"
httpd_config "$dir" 9 "$build" "$common
$saml
KeygateSAMLSPKey $work/sp.key
KeygateCookieName __Host-keygate
KeygateCookieSameSite None
KeygateAppJWTKey $work/app.key
KeygateAppJWTCert $work/app.crt
KeygateAppJWTLifetime 300
KeygateSessionIdleTimeout 1800
KeygateSessionMaxLifetime 1800" "$admin"
out=$(apache "$build" -f "$dir/httpd.conf" -t 2>&1)
check "apachectl -t passes a good configuration" \
	bash -c '[ "$1" -eq 0 ] && grep -q "Syntax OK" <<<"$2" && ! grep -q KG-0005 <<<"$2"' _ "$?" "$out"
out=$("$keygate" check-config "$dir/httpd.conf" 2>&1)
check "keygate check-config passes it too" \
	bash -c '[ "$1" -eq 0 ] && grep -q "Keygate configuration OK (1 server" <<<"$2"' _ "$?" "$out"

dir="$work/warn"
mkdir -p "$dir"
httpd_config "$dir" 9 "$build" "$common
KeygateBaseURL http://127.0.0.1:8080" "$admin"
line=$(grep -n '^KeygateBaseURL' "$dir/httpd.conf" | cut -d: -f1)
out=$(apache "$build" -f "$dir/httpd.conf" -t 2>&1)
check "apachectl -t passes an http:// base URL with a KG-0005 warning at its line" \
	bash -c '[ "$1" -eq 0 ] && grep -q "Syntax OK" <<<"$2" &&
		grep -qF "KG-0005 configuration warning at \"$3: KeygateBaseURL http://127.0.0.1:8080 is http://" <<<"$2"' \
	_ "$?" "$out" "$dir/httpd.conf:$line"
out=$("$keygate" check-config "$dir/httpd.conf" 2>&1)
check "keygate check-config passes it with the warning at FILE:LINE:COL" \
	bash -c '[ "$1" -eq 0 ] && grep -qE "^$3:[0-9]+: warning: KeygateBaseURL" <<<"$2"' \
	_ "$?" "$out" "$dir/httpd.conf:$line"

# --- <IfModule>, <IfDefine>, Define and ${VAR}, as apache2 reads them -------
# both tools on one file; a bad Keygate line sits in each section that
# apache2 skips, so reading it would fail
dir="$work/cond"
mkdir -p "$dir"
httpd_config "$dir" 9 "$build" "$common
Define KG_COOKIE from-define
KeygateCookieName \${KG_COOKIE}
<IfModule mod_ssl.c>
KeygateCookieSameSite Sometimes
</IfModule>
<IfModule !ssl_module>
<IfModule keygate_module>
<IfModule mod_proxy.c>
KeygateRedis \${KG_TEST_REDIS}
</IfModule>
</IfModule>
</IfModule>
<IfDefine KG_BAD>
KeygateNoSuchThing 1
</IfDefine>
<IfDefine !KG_BAD>
<IfModule mod_version.c>
KeygateSessionIdleTimeout 600
</IfModule>
</IfDefine>" "$admin"
bad_line=$(grep -n '^KeygateNoSuchThing' "$dir/httpd.conf" | cut -d: -f1)
# same_verdict NAME ARGS...: apache2 -t and check-config agree (both pass)
out_a=$(KG_TEST_REDIS=127.0.0.1:9 apache "$build" -f "$dir/httpd.conf" -t 2>&1)
rc_a=$?
out_k=$(KG_TEST_REDIS=127.0.0.1:9 "$keygate" check-config "$dir/httpd.conf" 2>&1)
rc_k=$?
check "apache2 -t skips a false <IfModule mod_ssl.c> (mod_ssl not loaded) and reads \${VAR} from Define and the environment (exit $rc_a)" \
	bash -c '[ "$1" -eq 0 ] && grep -q "Syntax OK" <<<"$2"' _ "$rc_a" "$out_a"
check "keygate check-config agrees: the skipped sections are not read (exit $rc_k)" \
	bash -c '[ "$1" -eq 0 ] && grep -q "Keygate configuration OK" <<<"$2" && ! grep -q warning <<<"$2"' _ "$rc_k" "$out_k"
out_a=$(KG_TEST_REDIS=127.0.0.1:9 apache "$build" -f "$dir/httpd.conf" -t -D KG_BAD 2>&1)
rc_a=$?
out_k=$(KG_TEST_REDIS=127.0.0.1:9 "$keygate" check-config -D KG_BAD "$dir/httpd.conf" 2>&1)
rc_k=$?
check "with -D KG_BAD apache2 -t reads <IfDefine KG_BAD> and fails at its line" \
	bash -c '[ "$1" -ne 0 ] && grep -q "line $3 of" <<<"$2"' _ "$rc_a" "$out_a" "$bad_line"
check "keygate check-config -D KG_BAD fails there too, at FILE:LINE:COL" \
	bash -c '[ "$1" -eq 1 ] && grep -qF "$3:$4:1: " <<<"$2" && grep -q "unknown directive" <<<"$2"' \
	_ "$rc_k" "$out_k" "$dir/httpd.conf" "$bad_line"
var_line=$(grep -n 'KG_TEST_REDIS' "$dir/httpd.conf" | cut -d: -f1)
out_a=$(unset KG_TEST_REDIS; apache "$build" -f "$dir/httpd.conf" -t 2>&1)
out_k=$(env -u KG_TEST_REDIS "$keygate" check-config "$dir/httpd.conf" 2>&1)
check "an undefined \${VAR}: apache2 warns (AH00111) and goes on" \
	grep -q 'AH00111: Config variable ${KG_TEST_REDIS} is not defined' <<<"$out_a"
check "keygate check-config warns at FILE:LINE:COL" \
	grep -qF "$dir/httpd.conf:$var_line:14: warning: Config variable \${KG_TEST_REDIS} is not defined" <<<"$out_k"
# a part of a Debian layout: sites-enabled/x.conf runs with the modules
# of mods-enabled, which check-config reads beside or above the file
mkdir -p "$work/deb/mods-enabled" "$work/deb/sites-enabled"
echo "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so" >"$work/deb/mods-enabled/ssl.load"
printf '%s\n' "$common" '<IfModule mod_ssl.c>' 'KeygateCookieSameSite Sometimes' '</IfModule>' \
	>"$work/deb/sites-enabled/x.conf"
out_k=$("$keygate" check-config "$work/deb/sites-enabled/x.conf" 2>&1)
check "a site file is read with mods-enabled's modules (<IfModule mod_ssl.c> holds)" \
	grep -qF "$work/deb/sites-enabled/x.conf:4:23: KeygateCookieSameSite" <<<"$out_k"
rm "$work/deb/mods-enabled/ssl.load"
check "and without mod_ssl enabled the section is skipped" \
	"$keygate" check-config "$work/deb/sites-enabled/x.conf"
if [ -r /etc/apache2/apache2.conf ] && [ -r /etc/apache2/envvars ]; then
	out_k=$("$keygate" check-config /etc/apache2/apache2.conf 2>&1)
	check "Debian's own apache2.conf reads with its envvars (no undefined \${APACHE_...})" \
		bash -c '! grep -q "APACHE_.*is not defined" <<<"$1"' _ "$out_k"
fi

check "keygate check-config without a file is a usage error (exit 2)" \
	bash -c '"$1" check-config >/dev/null 2>&1; [ $? -eq 2 ]' _ "$keygate"
check "apache2 -t left no sanitizer report" bash -c '! ls "$1"/san/report.* >/dev/null 2>&1' _ "$work"
