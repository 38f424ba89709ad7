#!/usr/bin/env bash
# keygate benchmark: the login path at 1,000, 100,000 and 1,000,000 live
# sessions (realm limit on): Redis commands per lookup, create (with and
# without eviction) and `keygate sessions list --limit 100`, used_memory
# per session, and the times. The same script as make check's
# tests/integration/sessions_growth.sh (which stops at 100,000), on the
# release build. Not part of make check (1,000,000 sessions take about
# 700 MB of Redis and a minute to load).
# usage: tests/bench/growth.sh [BUILD_DIR]
set -u
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
echo "== sessions at scale: 1k, 100k, 1M live sessions"
KG_GROWTH_SIZES="1000 100000 1000000" KEYGATE_RELEASE="$build" \
	bash "$here/../integration/sessions_growth.sh" "$build"
