#!/usr/bin/env bash
# docs/configuration.md and the directive table stay in step: every
# directive keygate knows has a "### Name" section, and every section
# names a directive keygate knows.
# usage: directives.sh BUILD_DIR
set -u
cd "$(dirname "$0")/../.."
keygate="$1/keygate"
code=$("$keygate" directives --names | sort)
docs=$(sed -n 's/^### \(Keygate[A-Za-z0-9]*\).*/\1/p' docs/configuration.md | sort)
missing=$(comm -23 <(echo "$code") <(echo "$docs"))
stale=$(comm -13 <(echo "$code") <(echo "$docs"))
if [ -n "$code" ] && [ -z "$missing" ]; then
	echo "ok - every directive is documented in docs/configuration.md"
else
	echo "not ok - every directive is documented in docs/configuration.md"
	echo "$missing" | sed '/^$/d; s/^/# undocumented: /'
fi
if [ -z "$stale" ]; then
	echo "ok - docs/configuration.md documents no unknown directive"
else
	echo "not ok - docs/configuration.md documents no unknown directive"
	echo "$stale" | sed 's/^/# unknown: /'
fi
