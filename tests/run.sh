#!/usr/bin/env bash
# keygate test runner: runs every suite and prints one closing line
# "N passed, N failed, N skipped". Exits non-zero when anything failed.
#
# Every suite speaks TAP-ish lines on stdout:
#   ok - NAME            a passing check
#   not ok - NAME        a failing check
#   ok - NAME # SKIP why a check that cannot run here, with the reason
# cmocka binaries print that with CMOCKA_MESSAGE_OUTPUT=TAP. A suite that
# exits non-zero without printing a "not ok" line counts as one failure.
#
# usage: tests/run.sh SANITIZER_BUILD_DIR RELEASE_BUILD_DIR
# env:   KG_SUITES  an extended regular expression: only the suites whose
#        name (unit/test_json, check/layers, integration/gateway_core.sh,
#        ...) matches it run; `make unit` and `make suite S=...` set it.
set -u
asan=${1:-build/asan}
release=${2:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export CMOCKA_MESSAGE_OUTPUT=TAP
export KEYGATE_BUILD="$top/$asan" KEYGATE_RELEASE="$top/$release"

passed=0 failed=0 skipped=0 ran=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

# run_suite NAME CMD...: runs one suite, echoes its lines, counts them.
run_suite() {
	local name=$1
	shift
	if [ -n "${KG_SUITES:-}" ] && ! [[ $name =~ $KG_SUITES ]]; then
		return 0
	fi
	ran=$((ran + 1))
	local out="$log/$(echo "$name" | tr '/ ' '__').out" status
	printf '# suite %s\n' "$name"
	"$@" >"$out" 2>"$out.err"
	status=$?
	local p f s
	# cmocka prints a skipped test as "not ok N # SKIP": a skip, not a
	# failure
	p=$(grep -cE '^ok( [0-9]+)? ' "$out")
	s=$(grep -cE '^(not )?ok( [0-9]+)? .*# (SKIP|skip)' "$out")
	f=$(grep -E '^not ok( [0-9]+)? ' "$out" | grep -cvE '# (SKIP|skip)')
	p=$((p + s - $(grep -cE '^ok( [0-9]+)? .*# (SKIP|skip)' "$out")))
	grep -E '^(not )?ok|^#' "$out" | sed "s|^|  [$name] |"
	if [ "$f" -gt 0 ] || [ "$status" -ne 0 ]; then
		sed 's/^/    | /' "$out.err" | tail -40
	fi
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "  [$name] not ok - suite exited with status $status"
		f=1
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "  [$name] not ok - suite ran no checks"
		f=1
	fi
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

for t in "$asan"/tests/unit/test_*; do
	[ -x "$t" ] && run_suite "unit/$(basename "$t")" "$t"
done
run_suite "golden" tests/golden/run.sh "$asan/keygate"
for t in "$asan"/tests/fuzz/*_replay; do
	n=$(basename "$t" _replay)
	run_suite "fuzz-replay/$n" "$t" "tests/fuzz/corpus/${n#fuzz_}"
done
for t in tests/check/*.sh; do
	run_suite "check/$(basename "$t" .sh)" bash "$t" "$asan" "$release"
done
for t in tests/security/*.sh tests/integration/*.sh tests/image/*.sh; do
	[ -f "$t" ] || continue
	run_suite "${t#tests/}" bash "$t" "$asan"
done

if [ "$ran" -eq 0 ]; then
	echo "  not ok - no suite matches KG_SUITES=${KG_SUITES:-}"
	failed=$((failed + 1))
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" -eq 0 ]
