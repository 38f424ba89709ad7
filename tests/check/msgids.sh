#!/usr/bin/env bash
# Log message ids: docs/operations.md's table is the one registry; every
# id the code logs names one event and has one row there. See msgids.py.
# usage: msgids.sh [BUILD_DIR] [RELEASE_DIR]   (both unused: sources only)
cd "$(dirname "$0")/../.." || exit 1
exec python3 tests/check/msgids.py
