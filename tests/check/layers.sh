#!/usr/bin/env bash
# The dependency rule (DESIGN.md): folder ranks for includes and calls,
# no cycles, one place per foreign library. See layers.py.
# usage: layers.sh BUILD_DIR [RELEASE_DIR]
exec python3 "$(dirname "$0")/layers.py" "${1:-build/asan}"
