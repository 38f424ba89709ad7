#!/usr/bin/env bash
# Golden tests: each folder under tests/golden/cases/ is one case.
#   args          the keygate arguments, one per line (paths relative to
#                 the case folder)
#   expected.out  exact expected stdout
#   expected.rc   expected exit status (default 0)
#   expected.err  exact expected stderr (optional)
# Prints "ok - NAME" or "not ok - NAME" plus a diff.
# usage: tests/golden/run.sh PATH/TO/keygate
set -u
keygate=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
status=0
for dir in "$here"/cases/*/; do
	name=$(basename "$dir")
	mapfile -t args <"$dir/args"
	want_rc=0
	[ -f "$dir/expected.rc" ] && want_rc=$(cat "$dir/expected.rc")
	out=$(mktemp) err=$(mktemp)
	(cd "$dir" && "$keygate" "${args[@]}" >"$out" 2>"$err")
	rc=$?
	problem=""
	[ "$rc" -eq "$want_rc" ] || problem="exit $rc, expected $want_rc"
	if [ -z "$problem" ] && ! diff -u "$dir/expected.out" "$out" >"$out.diff"; then
		problem="stdout differs"
	fi
	if [ -z "$problem" ] && [ -f "$dir/expected.err" ] &&
		! diff -u "$dir/expected.err" "$err" >"$out.diff"; then
		problem="stderr differs"
	fi
	if [ -z "$problem" ]; then
		echo "ok - $name"
	else
		echo "not ok - $name: $problem"
		cat "$out.diff" 2>/dev/null | head -30 | sed 's/^/# /'
		sed 's/^/# stderr: /' "$err" | head -5
		status=1
	fi
	rm -f "$out" "$err" "$out.diff"
done
exit $status
