#!/usr/bin/env bash
# Installs every Debian 12 package that keygate's build, tests and local
# stack need; with --bench, also the benchmarks' wrk and peer modules.
# Idempotent: it runs apt-get update and install only when a package is
# missing, so it is cheap to call before every make target.
set -euo pipefail

packages=(
	build-essential pkg-config clang clang-format libclang-rt-14-dev valgrind
	libapr1-dev libaprutil1-dev libxml2-dev libssl-dev libpcre2-dev
	libhiredis-dev libcmocka-dev
	redis-server apache2 apache2-dev liblasso3-dev libxmlsec1-dev liboauth2-dev
	libjansson-dev libcjose-dev libcurl4-openssl-dev python3 curl
	ca-certificates nodejs
	chromium wrk python3-pysaml2 xmlsec1 python3-botocore
	debhelper dpkg-dev lintian man-db buildah debootstrap
	prometheus
)
# npm comes with nodejs from some sources, as its own package in Debian
command -v npm >/dev/null 2>&1 || packages+=(npm)
# --deb (make deb, scripts/install.sh): only what building the packages
# needs, so a machine that only installs keygate gets no test stack
if [ "${1:-}" = --deb ]; then
	packages=(
		build-essential pkg-config debhelper dpkg-dev lintian
		apache2-dev libapr1-dev libaprutil1-dev libxml2-dev libssl-dev
		libpcre2-dev libhiredis-dev liblasso3-dev libxmlsec1-dev liboauth2-dev
		libjansson-dev libcjose-dev libcurl4-openssl-dev libglib2.0-dev
	)
fi
# --bench (make bench): also the load generator and the peer modules the
# gateway benchmarks compare against (tests/bench/gateway.sh, saml_acs.sh); make check
# does not need them.
if [ "${1:-}" = --bench ]; then
	packages+=(wrk libapache2-mod-auth-openidc libapache2-mod-oauth2 libapache2-mod-auth-mellon)
fi

# The OpenID provider the integration tests start (tests/fixtures/op),
# playwright-core, which drives Debian's chromium in the browser test
# (tests/fixtures/browser; it never downloads a browser), and ws, the
# WebSocket echo backend and client (tests/fixtures/ws, also behind
# make run's /ws/), each installed from its lock file when its
# node_modules is missing.
op_modules() {
	local dir
	for dir in op browser ws; do
		if [ ! -d "$(dirname "$0")/../tests/fixtures/$dir/node_modules" ]; then
			echo "deps: npm ci --prefix tests/fixtures/$dir"
			npm ci --prefix "$(dirname "$0")/../tests/fixtures/$dir" \
				--no-audit --no-fund
		fi
	done
}

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages present"
	[ "${1:-}" = --deb ] || op_modules
	exit 0
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	--no-install-recommends "${missing[@]}"
# the system apache2, redis and prometheus services are never used (the
# prometheus package is here for promtool): tests start their
# own servers with their own configuration
[ "${1:-}" = --deb ] && exit 0
for svc in apache2 redis-server prometheus; do
	$sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
op_modules
