#!/usr/bin/env bash
# The Debian packages, as an operator gets them: `make deb` builds them
# (lintian-checked), this suite extracts both into a throwaway root and
# serves a real OIDC login with nothing but the installed files: the
# module and its .load/.conf from the package, the keygate command from
# the package, a redis-server, the test OpenID provider and the echo
# backend. It also checks what the packages hold (man pages, docs,
# examples, changelog) and that a2enmod's files name the installed module.
# usage: package.sh BUILD_DIR (BUILD_DIR is unused: the packages are the
# build; KG_DEB_DIR, default build/deb, is where `make deb` put them)
set -u
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$KG_TOP/tests/integration/redis.bash"
. "$KG_TOP/tests/integration/gateway.bash"
work=$(mktemp -d)
trap 'stop_all; rm -rf "$work"' EXIT
debs=${KG_DEB_DIR:-$KG_TOP/build/deb}
[ -x /usr/sbin/apache2 ] || skip_all "apache2 is not installed"
[ -d "$KG_TOP/tests/fixtures/op/node_modules" ] || skip_all "npm packages not installed (make deps)"
mod_deb=$(ls "$debs"/libapache2-mod-keygate_*.deb 2>/dev/null | head -1)
cli_deb=$(ls "$debs"/keygate_*.deb 2>/dev/null | head -1)
if [ -z "$mod_deb" ] || [ -z "$cli_deb" ]; then
	echo "not ok - make deb built both packages in $debs"
	exit 1
fi
echo "ok - make deb built both packages ($(basename "$mod_deb"), $(basename "$cli_deb"))"

root="$work/root"
mkdir -p "$root"
dpkg-deb -x "$mod_deb" "$root"
dpkg-deb -x "$cli_deb" "$root"
modpath=$(apxs -q LIBEXECDIR)/mod_keygate.so
check "the module is installed where apxs says ($modpath)" test -f "$root$modpath"
check "a2enmod's keygate.load is installed" test -f "$root/etc/apache2/mods-available/keygate.load"
check "keygate.load loads the installed module" \
	grep -q "^LoadModule keygate_module $modpath\$" "$root/etc/apache2/mods-available/keygate.load"
check "keygate.conf is installed" test -f "$root/etc/apache2/mods-available/keygate.conf"
check "the keygate command is installed" test -x "$root/usr/bin/keygate"
check "keygate(8) is installed" test -f "$root/usr/share/man/man8/keygate.8.gz"
check "mod_keygate(8) is installed" test -f "$root/usr/share/man/man8/mod_keygate.8.gz"
ndir=$(zcat "$root/usr/share/man/man8/mod_keygate.8.gz" | grep -c '^\.B Keygate')
nbin=$("$root/usr/bin/keygate" directives | grep -c '^Keygate')
check "mod_keygate(8) documents every directive ($ndir of $nbin)" test "$ndir" = "$nbin"
check "man renders mod_keygate(8) without a warning" \
	test -z "$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/man8/mod_keygate.8.gz" 2>&1 >/dev/null)"
check "the admin guide is installed" sh -c "ls '$root'/usr/share/doc/libapache2-mod-keygate/configuration.md* >/dev/null"
check "the examples are installed" test -f "$root/usr/share/doc/libapache2-mod-keygate/examples/keygate.conf"
check "a changelog is installed" test -f "$root/usr/share/doc/libapache2-mod-keygate/changelog.gz"
check "the package's postinst enables the module with a2enmod (dh_apache2)" \
	sh -c "dpkg-deb -I '$mod_deb' postinst | grep -q apache2_invoke"
ver=$("$root/usr/bin/keygate" --version)
check "the installed keygate runs ($ver)" test -n "$ver"

# --- a login served by the installed files --------------------------------
redis_port=$(free_port) web=$(free_port) back=$(free_port) op_port=$(free_port)
base="http://127.0.0.1:$web"
redis_start "$work/redis" "$redis_port"
backend_start "$work" "$back"
op_start "$work" "$op_port" keygate pkg-secret "$base/keygate/oidc/callback" ||
	{ echo "not ok - the provider starts"; exit 1; }
head -c 48 /dev/urandom | base64 >"$work/secret"
echo pkg-secret >"$work/client-secret"
cp "$root/usr/share/doc/libapache2-mod-keygate/examples/demo-mappers.json" "$work/mappers.json" 2>/dev/null ||
	zcat "$root/usr/share/doc/libapache2-mod-keygate/examples/demo-mappers.json.gz" >"$work/mappers.json"
mods=/usr/lib/apache2/modules
mkdir -p "$work/web"
# the installed .load, with the module path moved into the throwaway root
sed "s|$modpath|$root$modpath|" "$root/etc/apache2/mods-available/keygate.load" >"$work/web/keygate.load"
# the Keygate lines in a file of their own, which the keygate command
# reads too (--config)
cat >"$work/keygate.conf" <<CONF
KeygateRedis 127.0.0.1:$redis_port
KeygateSessionSecret file:$work/secret
KeygateCookieSecure Off
KeygateBaseURL $base
KeygateMappers $work/mappers.json
KeygateOIDCProvider demo-oidc http://127.0.0.1:$op_port
KeygateOIDCClientID keygate
KeygateOIDCClientSecret file:$work/client-secret
CONF
cat >"$work/web/httpd.conf" <<CONF
ServerRoot "$work/web"
ServerName 127.0.0.1
Listen 127.0.0.1:$web
PidFile "$work/web/httpd.pid"
ErrorLog "$work/web/error.log"
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
Include "$work/web/keygate.load"
Include "$root/etc/apache2/mods-available/keygate.conf"
Include "$work/keygate.conf"
<Location /app>
  AuthType keygate
  Require valid-user
  ProxyPass http://127.0.0.1:$back/app
</Location>
CONF
chmod 755 "$work" "$work/web" "$root"
if ! /usr/sbin/apache2 -f "$work/web/httpd.conf" -t >"$work/configtest" 2>&1; then
	echo "not ok - apachectl configtest accepts the installed files"
	sed 's/^/# /' "$work/configtest"
	exit 1
fi
echo "ok - apachectl configtest accepts the installed files"
httpd_start "$work/web" "$root${modpath%/*}" || { echo "not ok - apache2 starts with the installed module"; exit 1; }
echo "ok - apache2 starts with the installed module"
final=$(browser_login "$work/jar" "$base/app/hello" "$base")
check "the login lands back on the page ($final)" test "$final" = "$base/app/hello"
check "the backend greets the user the mappers made" grep -q 'Hello, demo' "$work/jar.page"
curl -s -b "$work/jar" -H 'Accept: application/json' "$base/app/who" >"$work/who.json"
check "the backend gets domino-username from the installed module" python3 -c '
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["headers"].get("domino-username") == ["demo"] else 1)' "$work/who.json"
check "the installed keygate lists the session" \
	sh -c "'$root/usr/bin/keygate' sessions count --config '$work/keygate.conf' | grep -qE '^[1-9]'"
check "no crash in the error log" sh -c "! grep -qiE 'exit signal|segfault' '$work/web/error.log'"
