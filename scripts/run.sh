#!/usr/bin/env bash
# `make run`: starts what keygate has today on this machine.
#
# The httpd module (mod_keygate) and its local stack (redis, apache2, an
# OIDC provider and a SAML IdP) arrive with the gateway issue. Until then
# this runs the mapper engine on the bundled example login, which is the
# capability that exists, and says so plainly.
set -euo pipefail
build=${1:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
example=docs/examples
cat <<MSG
keygate: the gateway module (mod_keygate) is not built yet: it arrives with
the gateway issue. What exists today is the mapper engine and its dry run.

$ $build/keygate check-mappers $example/mappers.json
MSG
"$build/keygate" check-mappers "$example/mappers.json"
echo
echo "\$ $build/keygate map --mappers $example/mappers.json --alias corp-saml \\"
echo "      --saml-response $example/response.xml --config $example/keygate.conf --pretty"
"$build/keygate" map --mappers "$example/mappers.json" --alias corp-saml \
	--saml-response "$example/response.xml" --config "$example/keygate.conf" --pretty
