#!/bin/sh
# Quick start step 1 (docs/quickstart.md): from a fresh Debian 12 machine
# to keygate installed as packages, the module enabled, apache2 and
# redis-server running. Run it in a checkout or an unpacked source
# archive, as root or as a user who may sudo:
#     sh scripts/install.sh
# It installs make and the packages the build needs (scripts/deps.sh
# --deb), builds the packages (make deb), installs them with apt (the
# module is enabled on install), and enables and starts the services.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then
	sudo=
else
	sudo=sudo
fi
if ! command -v make >/dev/null 2>&1; then
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq make
fi
make deb
# apache2 and redis-server by name too, so a system set not to install
# recommended packages still gets a server to enable the module in
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y apache2 redis-server \
	./build/deb/libapache2-mod-keygate_*.deb ./build/deb/keygate_*_amd64.deb
if [ -d /run/systemd/system ]; then
	$sudo systemctl enable --now apache2 redis-server
else
	# a container or chroot: no systemd to start services here
	echo "install: systemd is not running; start apache2 and redis-server" \
		"the way this system starts services"
fi
$sudo apache2ctl -M 2>/dev/null | grep -q keygate_module &&
	echo "install: keygate is installed and mod_keygate is enabled"
