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

# keygate saml metadata: the SP key must belong to the SP certificate
# (else the IdP would check signatures and encrypt to a key keygate does
# not hold): refused with the FILE:LINE of KeygateSAMLSPKey
for k in sp other idp; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$k" \
		-keyout "$k.key" -out "$k.crt" 2>/dev/null
done
idp_cert=$(sed '/^-----/d' idp.crt | tr -d '\n')
cat >idp-md.xml <<XML
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example/md"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>$idp_cert</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>
XML
sp_conf() { # sp_conf KEY CERT: a config with that SP key and certificate
	printf '%s\n' "KeygateBaseURL https://domino.example.com" \
		"KeygateSAMLProvider corp $work/idp-md.xml" \
		"# the SP's key pair" "KeygateSAMLSPKey $work/$1" \
		"KeygateSAMLSPCert $work/$2" >saml.conf
}
sp_conf sp.key sp.crt
if "$keygate" saml metadata --alias corp --config saml.conf >out.txt 2>err.txt &&
	grep -q 'entityID="https://domino.example.com/keygate/saml/corp/metadata"' out.txt; then
	echo "ok - saml metadata: a key and its certificate print the SP metadata"
else
	echo "not ok - saml metadata: a key and its certificate print the SP metadata"
	head -3 err.txt | sed 's/^/# /'
fi
sp_conf other.key sp.crt
refused "saml metadata: an SP key that is not the certificate's" \
	"^keygate: saml.conf:4:1: KeygateSAMLSPKey $work/other.key does not match KeygateSAMLSPCert $work/sp.crt \(at saml.conf:5:1\): the private key does not belong to the certificate" \
	saml metadata --alias corp --config saml.conf
sp_conf sp.crt sp.crt
refused "saml metadata: a certificate given as the SP key" \
	"^keygate: saml.conf:4:1: KeygateSAMLSPKey .*: KeygateSAMLSPKey holds no PEM private key" \
	saml metadata --alias corp --config saml.conf
sp_conf sp.key other.key
refused "saml metadata: a key given as the SP certificate" \
	"^keygate: saml.conf:4:1: .*KeygateSAMLSPCert holds no PEM certificate" \
	saml metadata --alias corp --config saml.conf

"$keygate" map --bogus >out.txt 2>err.txt
[ $? -eq 2 ] && echo "ok - an unknown option is a usage error (exit 2)" ||
	echo "not ok - an unknown option is a usage error (exit 2)"
