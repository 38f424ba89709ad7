#!/usr/bin/env bash
# The version is one: CHANGELOG.md's newest entry, debian/changelog's and
# `keygate --version`'s agree.
# usage: changelog.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.."
md=$(sed -n 's/^## \([0-9][0-9.]*\).*/\1/p' CHANGELOG.md | head -1)
deb=$(dpkg-parsechangelog -S Version 2>/dev/null || sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
cli=$("$1/keygate" --version | awk '{print $2}')
if [ -n "$md" ] && [ "$md" = "$deb" ] && [ "$md" = "$cli" ]; then
	echo "ok - CHANGELOG.md, debian/changelog and keygate --version name $md"
else
	echo "not ok - CHANGELOG.md ($md), debian/changelog ($deb) and keygate --version ($cli) agree"
fi
