#!/usr/bin/env bash
# The style keeps itself: every tracked C file is as clang-format (with
# the repo's .clang-format) would write it. Tables that read better
# aligned by hand are fenced with "clang-format off/on" comments.
# `make format` rewrites the files; this check only reads them.
set -u
cd "$(dirname "$0")/../.."
if ! command -v clang-format >/dev/null; then
	echo "not ok - clang-format is installed (scripts/deps.sh installs it)"
	exit 0
fi
files=$(git ls-files '*.c' '*.h')
[ -n "$files" ] || {
	echo "not ok - there are C files to check"
	exit 0
}
drift=""
for f in $files; do
	[ -f "$f" ] || continue
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || drift+="$f"$'\n'
done
n=$(printf '%s' "$files" | wc -l)
if [ -z "$drift" ]; then
	echo "ok - all $((n + 1)) C files are formatted (.clang-format)"
else
	echo "not ok - all C files are formatted (.clang-format; make format fixes them)"
	printf '%s' "$drift" | head -20 | sed 's/^/# drifts: /'
fi
