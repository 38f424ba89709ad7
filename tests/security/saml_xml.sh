#!/usr/bin/env bash
# security.md §5 (parser and DoS) against the SAML extraction that the ACS
# and `keygate map` share: XXE, external DTDs, parameter entities,
# XInclude, schemaLocation, entity bombs, deep nesting, huge attribute
# counts, oversize input. Each case must be refused with exit 1 and one
# clear line, read no file, open no connection, and finish (a 20 s guard
# catches a hang; it is not a performance target).
# usage: saml_xml.sh BUILD_DIR
set -u
keygate=$(realpath "$1/keygate")
work=$(mktemp -d)
listener_pid=""
cleanup() {
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

# A canary file an XXE would read, and a loopback listener an external
# DTD, entity or XInclude would connect to.
echo "CANARY-$RANDOM-SECRET" >canary.txt
canary=$(cat canary.txt)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$port" >hits.log 2>/dev/null <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    print("HIT", flush=True)
    c.close()
PY
listener_pid=$!

cat >mappers.json <<'JSON'
{"identityProviderMappers": [{"name": "Email", "identityProviderAlias": "idp",
 "identityProviderMapper": "saml-user-attribute-idp-mapper",
 "config": {"attribute.name": "mail", "user.attribute": "email"}}]}
JSON

head='<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:Assertion><saml2:Subject><saml2:NameID>'
tail='</saml2:NameID></saml2:Subject></saml2:Assertion></samlp:Response>'

# refused NAME WANT_REGEX: runs keygate map on case.xml; it must exit 1
# with one stderr line matching WANT_REGEX, and leak nothing.
refused() {
	local name=$1 want=$2 rc lines
	timeout 20 "$keygate" map --mappers mappers.json --alias idp \
		--saml-response case.xml >out.txt 2>err.txt
	rc=$?
	lines=$(wc -l <err.txt)
	if [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ] && grep -qE "$want" err.txt &&
		! grep -q "$canary" out.txt err.txt && [ ! -s out.txt ]; then
		echo "ok - $name is refused: $(cut -c1-90 err.txt)"
	else
		echo "not ok - $name is refused (exit $rc, $lines stderr lines)"
		head -3 err.txt out.txt | sed 's/^/# /'
	fi
}

cat >case.xml <<XML
<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file://$work/canary.txt">]>
$head&x;$tail
XML
refused "XXE file entity" "DTD"

cat >case.xml <<XML
<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:$port/x">]>
$head&x;$tail
XML
refused "XXE network entity" "DTD"

cat >case.xml <<XML
<?xml version="1.0"?>
<!DOCTYPE r PUBLIC "-//A//B" "http://127.0.0.1:$port/x.dtd">
$head x $tail
XML
refused "external DTD" "DTD"

cat >case.xml <<XML
<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:$port/oob.dtd"> %p;]>
$head x $tail
XML
refused "parameter entity" "DTD"

{
	echo '<?xml version="1.0"?><!DOCTYPE lolz ['
	echo '<!ENTITY lol "lol">'
	prev=lol
	for i in 1 2 3 4 5 6 7 8 9; do
		echo "<!ENTITY lol$i \"$(printf "&$prev;%.0s" 1 2 3 4 5 6 7 8 9 10)\">"
		prev=lol$i
	done
	echo "]>$head&lol9;$tail"
} >case.xml
refused "billion laughs" "DTD"

{
	printf '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:Assertion><saml2:Subject>'
	for _ in $(seq 10000); do printf '<a>'; done
	for _ in $(seq 10000); do printf '</a>'; done
	printf '</saml2:Subject></saml2:Assertion></samlp:Response>'
} >case.xml
refused "10,000-deep nesting" "not well-formed"

python3 - >case.xml <<'PY'
print('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
      'xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:Assertion>'
      '<saml2:Subject><saml2:NameID>a</saml2:NameID></saml2:Subject><saml2:AttributeStatement>')
print('<saml2:Attribute Name="a" xmlns="urn:oasis:names:tc:SAML:2.0:assertion">' + '<AttributeValue/>' * 100001 + '</saml2:Attribute>')
print('</saml2:AttributeStatement></saml2:Assertion></samlp:Response>')
PY
refused "100,001 attribute values" "more than 100000 attribute values"

head -c 6000000 /dev/zero | tr '\0' 'A' >case.xml
refused "6 MB of base64" "larger than"

printf '%s\n' "$head x $tail" "$head y $tail" | tr -d '\n' |
	sed 's|</samlp:Response><samlp:Response[^>]*>||' >case.xml
refused "two assertions" "exactly one Assertion|not well-formed"

printf '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:EncryptedAssertion/></samlp:Response>' >case.xml
refused "encrypted assertion without the SP key" "encrypted"

printf '\xff\xfe<x/>' >case.xml
refused "binary garbage" "neither XML nor base64"

# XInclude and schemaLocation are never processed, and a Response that
# carries one is refused as the ACS refuses it (saml_dtd), anywhere in
# it: nothing is fetched and the canary never appears.
xi='xmlns:xi="http://www.w3.org/2001/XInclude"'
cat >case.xml <<XML
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" $xi><saml2:Assertion><saml2:Subject><saml2:NameID>jdoe</saml2:NameID></saml2:Subject><saml2:AttributeStatement><saml2:Attribute Name="mail"><saml2:AttributeValue><xi:include href="file://$work/canary.txt" parse="text"/></saml2:AttributeValue><saml2:AttributeValue><xi:include href="http://127.0.0.1:$port/x" parse="text"/></saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></samlp:Response>
XML
refused "XInclude in an AttributeValue" "has an XInclude element; refused"

cat >case.xml <<XML
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:Assertion><saml2:Subject><saml2:NameID>jdoe</saml2:NameID></saml2:Subject></saml2:Assertion><xi:fallback xmlns:xi="http://www.w3.org/2003/XInclude"/></samlp:Response>
XML
refused "an element of the 2003 XInclude draft" "has an XInclude element; refused"

cat >case.xml <<XML
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x http://127.0.0.1:$port/x.xsd"><saml2:Assertion><saml2:Subject><saml2:NameID>jdoe</saml2:NameID></saml2:Subject></saml2:Assertion></samlp:Response>
XML
refused "xsi:schemaLocation on the Response" "has an xsi:schemaLocation attribute; refused"

cat >case.xml <<XML
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><saml2:Assertion><saml2:Subject><saml2:NameID xmlns:s="http://www.w3.org/2001/XMLSchema-instance" s:noNamespaceSchemaLocation="http://127.0.0.1:$port/y.xsd">jdoe</saml2:NameID></saml2:Subject></saml2:Assertion></samlp:Response>
XML
refused "xsi:noNamespaceSchemaLocation on the NameID" "has an xsi:schemaLocation attribute; refused"

# the namespaces alone are fine: an xsi:type, a declared but unused xi:
cat >case.xml <<XML
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" $xi><saml2:Assertion><saml2:Subject><saml2:NameID>jdoe</saml2:NameID></saml2:Subject><saml2:AttributeStatement><saml2:Attribute Name="mail"><saml2:AttributeValue xsi:type="xs:string">jdoe@example.com</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></samlp:Response>
XML
timeout 20 "$keygate" map --mappers mappers.json --alias idp --saml-response case.xml >out.txt 2>err.txt
rc=$?
if [ "$rc" -eq 0 ] && grep -q '"username":"jdoe"' out.txt; then
	echo "ok - xsi:type and an unused XInclude namespace declaration are fine"
else
	echo "not ok - xsi:type and an unused XInclude namespace declaration are fine (exit $rc)"
	head -3 out.txt err.txt | sed 's/^/# /'
fi

sleep 0.2
if ! grep -q HIT hits.log; then
	echo "ok - no case opened a network connection"
else
	echo "not ok - no case opened a network connection ($(grep -c HIT hits.log) hits)"
fi
