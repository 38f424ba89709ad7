#!/usr/bin/env bash
# Malformed admin and login input to `keygate map` and `check-mappers`:
# each is refused with exit 1 and exactly one stderr line naming the file
# and position, and nothing on stdout.
# usage: cli_inputs.sh BUILD_DIR
set -u
keygate=$(realpath "$1/keygate")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

cat >mappers.json <<'JSON'
{"identityProviders": [{"alias": "oidc", "providerId": "oidc"}],
 "identityProviderMappers": [{"name": "Dept", "identityProviderAlias": "oidc",
 "identityProviderMapper": "oidc-user-attribute-idp-mapper",
 "config": {"claim": "org.dept", "user.attribute": "department"}}]}
JSON
echo '{"sub": "u1", "preferred_username": "jdoe"}' >claims.json

# refused NAME WANT_REGEX ARGS...: exit 1, one stderr line, empty stdout
refused() {
	local name=$1 want=$2 rc
	shift 2
	timeout 20 "$keygate" "$@" >out.txt 2>err.txt
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$(wc -l <err.txt)" -eq 1 ] &&
		grep -qE "$want" err.txt && [ ! -s out.txt ]; then
		echo "ok - $name: $(cut -c1-100 err.txt)"
	else
		echo "not ok - $name (exit $rc)"
		head -3 err.txt out.txt | sed 's/^/# /'
	fi
}
map() { refused "$1" "$2" map --mappers mappers.json --alias oidc "${@:3}"; }

printf '{"sub": "u1",\n  "x": [1, 2,]}' >bad.json
map "claims with a syntax error" '^keygate: bad.json:2:14: ' --claims bad.json

python3 -c 'print("[" * 100000 + "]" * 100000)' >deep.json
map "claims nested 100,000 deep" '^keygate: deep.json:1:65: nesting too deep' --claims deep.json

printf '{"sub": "u\xc3\x28"}' >utf8.json
map "claims with invalid UTF-8" '^keygate: utf8.json:1:11: invalid UTF-8' --claims utf8.json

printf '{"sub": "a\\u0000b"}' >nul.json
map "claims with an escaped NUL" 'NUL character' --claims nul.json

printf '{"sub": "a", "sub": "b"}' >dup.json
map "claims with a duplicate key" '^keygate: dup.json:1:14: duplicate key' --claims dup.json

head -c 5000000 /dev/zero | tr '\0' ' ' >big.json
map "a 5 MB claims file" 'larger than' --claims big.json

echo '["not", "an", "object"]' >array.json
map "claims that are not an object" 'expected a JSON object' --claims array.json

echo '{"username": 7}' >user.json
map "a stored user with a wrong type" '^keygate: user.json:1:14: username must be a string' \
	--claims claims.json --user user.json

map "a missing claims file" 'nope.json' --claims nope.json

python3 - >many.json <<'PY'
import json
print(json.dumps({"sub": "u1", **{"c%d" % i: "v" for i in range(10000)}}))
PY
if "$keygate" map --mappers mappers.json --alias oidc --claims many.json >out.txt 2>err.txt &&
	grep -q '"username":"oidc.u1"' out.txt; then
	echo "ok - claims with 10,000 members map"
else
	echo "not ok - claims with 10,000 members map"
	head -3 err.txt | sed 's/^/# /'
fi

printf '{"identityProviderMappers": [\n {"name": "A", "identityProviderAlias": "x", "identityProviderMapper": "saml-xpath-attribute-idp-mapper"},\n {"name": "B", "identityProviderAlias": "x", "identityProviderMapper": "oidc-advanced-group-idp-mapper"}]}' >unimpl.json
"$keygate" check-mappers unimpl.json >out.txt 2>err.txt
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^unimpl.json:2:72: mapper "A": mapper type "saml-xpath-attribute-idp-mapper" is not implemented' err.txt &&
	grep -q '^unimpl.json:3:72: mapper "B": mapper type "oidc-advanced-group-idp-mapper" is not implemented' err.txt; then
	echo "ok - check-mappers lists every unimplemented mapper type at once"
else
	echo "not ok - check-mappers lists every unimplemented mapper type at once (exit $rc)"
	sed 's/^/# /' err.txt
fi

"$keygate" map --bogus >out.txt 2>err.txt
[ $? -eq 2 ] && echo "ok - an unknown option is a usage error (exit 2)" ||
	echo "not ok - an unknown option is a usage error (exit 2)"
