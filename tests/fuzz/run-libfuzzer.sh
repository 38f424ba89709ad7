#!/usr/bin/env bash
# Runs every libFuzzer target for SECONDS each (clang, ASan+UBSan), then
# merges any new coverage into the committed corpus, so `make check`
# replays it from then on. A crash leaves its input in build/fuzz/crashes.
# usage: tests/fuzz/run-libfuzzer.sh [SECONDS]
set -euo pipefail
seconds=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
make --no-print-directory FUZZ=1 fuzzers
mkdir -p build/fuzz/crashes
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	corpus=tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	dict=tests/fuzz/${name#fuzz_}.dict
	dict_opt=()
	[ -f "$dict" ] && dict_opt=(-dict="$dict")
	echo "== $name for ${seconds}s"
	"build/fuzz/tests/fuzz/${name}_fuzzer" "$work" "$corpus" \
		-max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
		-artifact_prefix=build/fuzz/crashes/ "${dict_opt[@]}" \
		-print_final_stats=1 2>&1 | tail -5
	"build/fuzz/tests/fuzz/${name}_fuzzer" -merge=1 "$corpus" "$work" \
		"${dict_opt[@]}" 2>&1 | tail -1
	rm -rf "$work"
done
