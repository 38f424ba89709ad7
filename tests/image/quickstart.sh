#!/usr/bin/env bash
# The quick start's step 1 on a fresh Debian 12 (issue #14): a minimal
# Debian 12 root from debootstrap (the buildah image localhost/keygate-base:12
# that tests/image/check.sh makes, reused when it exists and kept), a
# clean `git archive` of HEAD unpacked into it, and step 1's command, read
# from docs/quickstart.md, run inside with chroot (/proc mounted; apt
# reaches the mirror). A chroot has no systemd, and no service may start
# on the host's ports: policy-rc.d refuses starts, as in any build root.
# Checks that the command succeeds, that both packages are installed,
# that the module is enabled and loads (apache2ctl -M, configtest), and
# that the keygate command runs. Prints TAP; takes 5 to 20 minutes, so it
# is not part of make check: run it by hand (root):
#     KG_QUICKSTART=1 bash tests/image/quickstart.sh
#     (KG_QS_KEEP=1 keeps the root; tests/run.sh skips it otherwise)
set -u
KG_TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$KG_TOP"
. tests/image/base.bash
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
bad() { echo "not ok - $1"; failed=$((failed + 1)); }
expect() { # expect NAME COMMAND...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$name"; else bad "$name"; fi
}
base_img=localhost/keygate-base:12
work=$(mktemp -d)
ctr="" root=""
cleanup() {
	[ -n "$root" ] && umount "$root/proc" 2>/dev/null
	if [ -z "${KG_QS_KEEP:-}" ]; then
		[ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1
	else
		echo "# kept: the root is $root (buildah container $ctr)"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
finish() {
	echo "# $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if [ -z "${KG_QUICKSTART:-}" ]; then
	echo "ok - quick start step 1 in a Debian 12 chroot # SKIP takes minutes: KG_QUICKSTART=1 runs it"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - quick start step 1 in a Debian 12 chroot # SKIP needs root"
	exit 0
fi
for t in buildah debootstrap git; do
	command -v $t >/dev/null || { bad "$t is installed (scripts/deps.sh)"; finish; }
done

# --- the base: Debian 12 minbase, cached as a buildah image ----------------
image_base "$base_img" "$work" || { bad "debootstrap makes a Debian 12 root"; finish; }
ok "a fresh Debian 12 root ($base_img, debootstrap minbase)"
ctr=$(buildah from "$base_img") && root=$(buildah mount "$ctr") ||
	{ bad "buildah gives a writable copy of the base"; finish; }

# --- the source, as a user gets it ----------------------------------------
mkdir -p "$root/root/keygate"
git archive --format=tar HEAD | tar -xf - -C "$root/root/keygate" ||
	{ bad "git archive HEAD unpacks into the root"; finish; }
ok "a clean git archive of HEAD in /root/keygate"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc" || { bad "/proc is mounted in the root"; finish; }

# --- step 1, as docs/quickstart.md writes it ---------------------------------
cmd=$(awk '/^## 1\./ {s = 1} s && /^```sh/ {getline; print; exit}' docs/quickstart.md)
echo "# step 1: $cmd"
[ -n "$cmd" ] || { bad "docs/quickstart.md has step 1's command"; finish; }
t0=$(date +%s)
chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LANG=C.UTF-8 /bin/sh -c "cd /root/keygate && $cmd" >"$work/step1.log" 2>&1
rc=$?
echo "# step 1 took $(($(date +%s) - t0)) s and exited $rc; its last lines:"
tail -8 "$work/step1.log" | sed 's/^/#   /'
cp "$work/step1.log" "${KG_QS_LOG:-/tmp/keygate-quickstart-step1.log}" 2>/dev/null
if [ "$rc" -eq 0 ]; then ok "step 1's command succeeds as root on a fresh Debian 12"; else bad "step 1's command succeeds as root on a fresh Debian 12 (exit $rc)"; fi
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
for p in libapache2-mod-keygate keygate; do
	expect "the package $p is installed" sh -c "chroot '$root' dpkg-query -W -f='\${Status}' $p | grep -q 'install ok installed'"
done
expect "the module is enabled (mods-enabled/keygate.load)" test -e "$root/etc/apache2/mods-enabled/keygate.load"
expect "apache2 loads it (apache2ctl -M lists keygate_module)" sh -c "chroot '$root' apache2ctl -M 2>/dev/null | grep -q keygate_module"
expect "apache2ctl configtest passes with it enabled" sh -c "chroot '$root' apache2ctl configtest 2>&1 | grep -q 'Syntax OK'"
expect "the keygate command runs (keygate --version)" in_root keygate --version
expect "redis-server came with it (Recommends)" test -x "$root/usr/bin/redis-server"
finish
