#!/usr/bin/env bash
# The dependency rule (DESIGN.md): a file includes its own folder's headers
# and lower layers only; siblings never include each other; each foreign
# library is named in one file. Prints one TAP line per rule.
set -u
cd "$(dirname "$0")/../.."

layer_of() {
	case "$1" in
	gateway/base/*) echo 0 ;;
	conf/*) echo 1 ;;
	mappers/* | sessions/* | policy/*) echo 2 ;;
	gateway/proto/*) echo 3 ;;
	gateway/httpd/* | gateway/cli/*) echo 5 ;;
	gateway/*) echo 4 ;;
	*) echo 9 ;;
	esac
}

bad=""
for f in $(git ls-files --cached --others --exclude-standard \
	'gateway/*.[ch]' 'conf/*.[ch]' 'mappers/*.[ch]' 'sessions/*.[ch]' \
	'policy/*.[ch]'); do
	[ -f "$f" ] || continue
	mine=$(layer_of "$f")
	dir=$(dirname "$f")
	while read -r inc; do
		[ -f "$inc" ] || inc="$dir/$inc"
		[ -f "$inc" ] || continue
		theirs=$(layer_of "$inc")
		if [ "$(dirname "$inc")" = "$dir" ]; then continue; fi
		if [ "$theirs" -gt "$mine" ] ||
			{ [ "$theirs" -eq "$mine" ] && [ "$mine" -ne 5 ]; }; then
			bad+="$f includes $inc (layer $theirs from layer $mine)"$'\n'
		fi
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
if [ -z "$bad" ]; then
	echo "ok - includes follow the layer order"
else
	echo "not ok - includes follow the layer order"
	echo "$bad" | sed '/^$/d; s/^/# /'
fi

# only_in PATTERN ALLOWED-FILES... : a foreign header family in one place
only_in() {
	local what=$1 pattern=$2
	shift 2
	local hits
	hits=$(grep -rlE "^#include <($pattern)" gateway conf mappers sessions policy 2>/dev/null |
		sort | grep -vxF "$(printf '%s\n' "$@")")
	if [ -z "$hits" ]; then
		echo "ok - $what is included only in $*"
	else
		echo "not ok - $what is included only in $*"
		echo "$hits" | sed 's/^/# also in: /'
	fi
}
only_in hiredis 'hiredis/' sessions/redis.c
only_in lasso 'lasso/' gateway/proto/saml.c
only_in liboauth2 'oauth2/' gateway/proto/oidc_http.c
only_in cjose 'cjose/' gateway/proto/jwt_keys.c
only_in jansson 'jansson' gateway/proto/oidc_http.c
only_in pcre2 'pcre2' gateway/base/regex.c
only_in libcurl 'curl/' gateway/proto/sts_http.c

httpd_hits=$(grep -rlE '^#include <(httpd\.h|http_[a-z_]*\.h|ap_[a-z_]*\.h|mod_[a-z_]*\.h|util_[a-z_]*\.h)' \
	gateway conf mappers sessions policy 2>/dev/null | grep -v '^gateway/httpd/')
rr_hits=$(grep -rlw 'request_rec' gateway conf mappers sessions policy 2>/dev/null | grep -v '^gateway/httpd/')
if [ -z "$httpd_hits$rr_hits" ]; then
	echo "ok - only gateway/httpd names httpd headers or request_rec"
else
	echo "not ok - only gateway/httpd names httpd headers or request_rec"
	echo "$httpd_hits $rr_hits" | tr ' ' '\n' | sed '/^$/d; s/^/# /'
fi

# APR's formatter knows neither %zu nor %lld and crashes on them, while
# the compiler's format check accepts both: keygate formats with the C
# library (kg_psprintf, kg_buf_addf, snprintf) only.
apr_fmt=$(grep -rnE '\bapr_(psprintf|pvsprintf|snprintf|vsnprintf)\(' \
	gateway conf mappers sessions policy tests/unit tests/integration tests/bench 2>/dev/null)
if [ -z "$apr_fmt" ]; then
	echo "ok - no code formats with APR's printf"
else
	echo "not ok - no code formats with APR's printf"
	echo "$apr_fmt" | head -5 | sed 's/^/# /'
fi
