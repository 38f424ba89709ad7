#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (clang, ASan+UBSan), then
# merges any new coverage into the committed corpus, so `make check`
# replays it from then on. A crash or leak leaves its input in
# build/fuzz/crashes and the whole log in build/fuzz/logs/NAME.log; the
# run goes on with the next target and fails at the end, naming every
# target that failed. Each target's executions (libFuzzer's
# stat::number_of_executed_units) are printed, and summed up at the end.
# usage: tests/fuzz/run-libfuzzer.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make --no-print-directory FUZZ=1 fuzzers
mkdir -p build/fuzz/crashes build/fuzz/logs
failed=()
summary=()
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	corpus=tests/fuzz/corpus/${name#fuzz_}
	bin=build/fuzz/tests/fuzz/${name}_fuzzer
	log=build/fuzz/logs/${name}.log
	dict=tests/fuzz/${name#fuzz_}.dict
	dict_opt=()
	[ -f "$dict" ] && dict_opt=(-dict="$dict")
	work=$(mktemp -d)
	echo "== $name for ${seconds}s"
	rc=0
	"$bin" "$work" "$corpus" \
		-max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/crashes/"$name"- "${dict_opt[@]}" \
		-print_final_stats=1 >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -1)
	execs=${execs:-?}
	if [ "$rc" -ne 0 ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' \
			"$log" | head -8 || tail -20 "$log"
		echo "!! $name failed (exit $rc) after $execs executions; log: $log"
		failed+=("$name")
		summary+=("$(printf '%-26s %12s  FAILED' "$name" "$execs")")
	else
		grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs)' "$log" |
			tail -1 || true
		echo "   $name: $execs executions"
		summary+=("$(printf '%-26s %12s' "$name" "$execs")")
	fi
	# keep what the run found (even up to a crash) for `make check`
	"$bin" -merge=1 "$corpus" "$work" "${dict_opt[@]}" \
		>>"$log" 2>&1 || echo "!! $name: merging the new inputs failed"
	grep -E '^MERGE-OUTER: [0-9]+ new files' "$log" | tail -1 || true
	rm -rf "$work"
done
echo "== executions per target (${seconds}s each)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
	echo "FAILED: ${failed[*]}"
	exit 1
fi
