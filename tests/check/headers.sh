#!/usr/bin/env bash
# Every header compiles on its own (it includes what it uses).
set -u
cd "$(dirname "$0")/../.."
flags=$(pkg-config --cflags apr-1 apr-util-1 libxml-2.0 openssl libpcre2-8 hiredis \
	lasso glib-2.0 liboauth2 cjose libcurl)
bad=""
for h in $(git ls-files --cached --others --exclude-standard \
	'gateway/*.h' 'conf/*.h' 'mappers/*.h' 'sessions/*.h' 'policy/*.h'); do
	[ -f "$h" ] || continue
	case "$h" in gateway/httpd/*) continue ;; esac
	if ! printf '#include "%s"\n' "$h" |
		cc -std=c11 -D_GNU_SOURCE -Wall -Werror -I. $flags -fsyntax-only -x c - 2>/dev/null; then
		bad+=" $h"
	fi
done
if [ -z "$bad" ]; then
	echo "ok - every header compiles alone"
else
	echo "not ok - every header compiles alone:$bad"
fi
