#!/usr/bin/env bash
# Log formats: every kg_log_emit format fits gateway/base/log.c's
# formatter. See logfmt.py.
# usage: logfmt.sh [BUILD_DIR] [RELEASE_DIR]   (both unused: sources only)
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/check/logfmt.py
