#!/usr/bin/env bash
# The core exports only kg_ symbols, so it can share an httpd with
# mod_auth_openidc and the libraries they both link.
# usage: symbols.sh BUILD_DIR [RELEASE_DIR]
set -u
cd "$(dirname "$0")/../.."
for build in "$@"; do
	lib="$build/libkeygate.a"
	if [ ! -f "$lib" ]; then
		echo "not ok - $lib exists"
		continue
	fi
	stray=$(nm -g --defined-only "$lib" 2>/dev/null |
		awk 'NF==3 {print $3}' | sed 's/^__odr_asan\.//' |
		grep -v '^kg_' | sort -u)
	if [ -z "$stray" ]; then
		echo "ok - $lib defines only kg_ global symbols"
	else
		echo "not ok - $lib defines only kg_ global symbols"
		echo "$stray" | head -20 | sed 's/^/# /'
	fi
	so="$build/mod_keygate.so"
	if [ -f "$so" ]; then
		exported=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^__odr_asan' |
			grep -vE '^(_init|_fini|__bss_start|_edata|_end)$' | sort -u)
		if [ "$exported" = "keygate_module" ]; then
			echo "ok - $so exports only keygate_module"
		else
			echo "not ok - $so exports only keygate_module"
			echo "$exported" | head -20 | sed 's/^/# /'
		fi
	fi
done
