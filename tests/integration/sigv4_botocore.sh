#!/usr/bin/env bash
# keygate integration: the SigV4 signer (gateway/proto/aws/sigv4.c) agrees
# with botocore's SigV4Auth on random requests: methods, paths with odd
# characters and dot segments, queries with repeated keys, empty values
# and keys without "=", headers with odd spacing, repeated headers and
# headers neither signs, bodies, with and without a session token.
# botocore signs through its own canonical_request / string_to_sign /
# signature / _inject_signature_to_request at a frozen time; keygate
# signs through tests/integration/sigv4_driver.c. Every Authorization
# value must be identical.
#
# Debian's python3-botocore (/usr/bin/python3) is required; the image's
# pip botocore (a newer release), when present, is a second opinion.
# SIGV4_SEED and SIGV4_COUNT override the seed (printed) and the count.
# usage: sigv4_botocore.sh BUILD_DIR
set -u
build=$(cd "${1:-build/asan}" && pwd)
cd "$(dirname "$0")/../.."
driver="$build/tests/integration/sigv4_driver"
seed=${SIGV4_SEED:-$(date +%s)}
count=${SIGV4_COUNT:-400}

if [ ! -x "$driver" ]; then
	echo "not ok - sigv4_driver is built ($driver)"
	exit 1
fi
if ! /usr/bin/python3 -c 'import botocore.auth' 2>/dev/null; then
	echo "not ok - Debian's python3-botocore is installed (scripts/deps.sh)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/agree.py" <<'EOF'
import json, random, sys
from urllib.parse import quote

import botocore
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

mode, seed, count, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rnd = random.Random(seed)

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
PATH_RAW = UNRESERVED + "!$&'()*+,;=:@"
ODD = " \t\"#%<>?[\\]^`{|}/\x7f" + "é€漢😀" + "!$&'()*+,;=:@"
HEADER_NAMES = ["X-Custom", "x-custom", "My-Header1", "my-header2", "Content-Type",
                "X-Amz-Meta-Odd", "X-Amz-Target", "Accept", "If-Match", "X-Trace",
                "User-Agent", "Expect", "X-Amzn-Trace-Id"]
VALUE_CHARS = UNRESERVED + "!#$%&'()*+,/:;<=>?@[]^_`{|}~\"\\"

def rstr(alphabet, lo, hi):
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(lo, hi)))

def segment():
    kind = rnd.random()
    if kind < 0.08:
        return rnd.choice([".", ".."])
    if kind < 0.14:
        return ""
    raw = rstr(PATH_RAW, 0, 6)
    odd = quote(rstr(ODD, 1, 3), safe="")   # as a client sends them
    return "".join(rnd.sample([raw, odd], 2)) if kind < 0.6 else raw

def make_path():
    if rnd.random() < 0.1:
        return "/"
    p = "/" + "/".join(segment() for _ in range(rnd.randint(1, 5)))
    return p + ("/" if rnd.random() < 0.3 else "")

def make_query():
    if rnd.random() < 0.25:
        return ""
    keys = [rstr(UNRESERVED + ODD, 1, 6) for _ in range(3)]
    pairs = []
    for _ in range(rnd.randint(1, 7)):
        k = quote(rnd.choice(keys), safe="-_.~")            # repeated keys
        r = rnd.random()
        if r < 0.15:
            pairs.append(k)                                  # no "="
        elif r < 0.3:
            pairs.append(k + "=")                            # empty value
        else:
            pairs.append(k + "=" + quote(rstr(UNRESERVED + ODD, 0, 8), safe="-_.~"))
    return "&".join(pairs)

def make_value():
    v = rstr(VALUE_CHARS + "  \t", 0, 12)
    pad = lambda: rnd.choice(["", " ", "  ", "\t", " \t "])
    return pad() + v + pad()

def make_case():
    scheme = rnd.choice(["https", "http"])
    host = rnd.choice(["sts.us-west-2.amazonaws.com", "example.amazonaws.com",
                       "127.0.0.1", "localhost"])
    port = rnd.choice([None, None, 443, 80, 8443, 4566])
    netloc = host + (":%d" % port if port else "")
    default = {"https": 443, "http": 80}[scheme]
    host_header = host + (":%d" % port if port and port != default else "")
    path = make_path()
    query = make_query()
    method = rnd.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"])
    headers = []
    if rnd.random() < 0.3:
        headers.append(["Host", host_header])
    for _ in range(rnd.randint(0, 6)):
        name = rnd.choice(HEADER_NAMES)
        headers.append([name, make_value()])
        if rnd.random() < 0.2:                               # repeated, other case
            headers.append([name.swapcase(), make_value()])
    body = b""
    if method in ("POST", "PUT", "PATCH") and rnd.random() < 0.8:
        if rnd.random() < 0.5:
            body = ("Action=AssumeRole&Version=2011-06-15&RoleArn=" +
                    quote("arn:aws:iam::123456789012:role/" + rstr(UNRESERVED, 1, 20), safe="")).encode()
        else:
            body = bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 400)))
    token = None
    if rnd.random() < 0.5:
        token = rstr(UNRESERVED + "/+=", 20, 600)
    return {
        "url": "%s://%s%s%s" % (scheme, netloc, path, "?" + query if query else ""),
        "method": method, "path": path, "query": query or None,
        "headers": headers, "host_header": host_header,
        "body_hex": body.hex(),
        "time": rnd.randint(1420070400, 2051222400),
        "region": rnd.choice(["us-east-1", "us-west-2", "eu-central-1", "cn-north-1"]),
        "service": rnd.choice(["sts", "service", "execute-api", "ec2"]),
        "ak": "ASIA" + rstr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16),
        "sk": rstr(UNRESERVED + "/+", 40, 40),
        "token": token,
    }

def botocore_sign(c):
    import datetime
    req = AWSRequest(method=c["method"], url=c["url"], data=bytes.fromhex(c["body_hex"]))
    for n, v in c["headers"]:
        req.headers[n] = v                                   # appends repeats
    auth = SigV4Auth(Credentials(c["ak"], c["sk"], c["token"]), c["service"], c["region"])
    ts = datetime.datetime.fromtimestamp(c["time"], datetime.timezone.utc)
    req.context["timestamp"] = ts.strftime("%Y%m%dT%H%M%SZ")
    auth._modify_request_before_signing(req)
    creq = auth.canonical_request(req)
    sig = auth.signature(auth.string_to_sign(req, creq), req)
    auth._inject_signature_to_request(req, sig)
    return req.headers["Authorization"], creq

if mode == "gen":
    cases = [make_case() for _ in range(count)]
    for c in cases:                                          # keygate needs Host
        if not any(n.lower() == "host" for n, _ in c["headers"]):
            c["driver_headers"] = [["Host", c["host_header"]]] + c["headers"]
        else:
            c["driver_headers"] = c["headers"]
    json.dump(cases, open(path, "w"))
    drv = [dict(c, headers=c["driver_headers"]) for c in cases]
    json.dump(drv, open(path + ".driver", "w"))
else:
    cases = json.load(open(path))
    mine = open(sys.argv[5]).read().split("\n")
    bad = 0
    for i, c in enumerate(cases):
        theirs, creq = botocore_sign(c)
        if mine[i] != theirs:
            bad += 1
            if bad <= 3:
                print("# case %d: %s %s" % (i, c["method"], c["url"]))
                print("#   keygate:  %s" % mine[i])
                print("#   botocore: %s" % theirs)
                print("#   botocore canonical request: %r" % creq)
    label = "botocore %s (%s)" % (botocore.__version__, sys.executable)
    if bad:
        print("not ok - %d of %d random requests: keygate and %s sign alike (seed %d)" % (bad, len(cases), label, seed))
    else:
        print("ok - %d random requests: keygate and %s sign alike (seed %d)" % (len(cases), label, seed))
EOF

/usr/bin/python3 "$tmp/agree.py" gen "$seed" "$count" "$tmp/cases.json" || {
	echo "not ok - random requests generated"
	exit 1
}
"$driver" <"$tmp/cases.json.driver" >"$tmp/keygate.out" 2>"$tmp/driver.err" || {
	echo "not ok - sigv4_driver signs the requests"
	sed 's/^/# /' "$tmp/driver.err"
	exit 1
}
lines=$(wc -l <"$tmp/keygate.out")
errors=$(grep -c '^error:' "$tmp/keygate.out")
if [ "$lines" -eq "$count" ] && [ "$errors" -eq 0 ]; then
	echo "ok - keygate signs all $count random requests"
else
	echo "not ok - keygate signs all $count random requests ($lines lines, $errors errors)"
	grep '^error:' "$tmp/keygate.out" | head -3 | sed 's/^/# /'
fi
/usr/bin/python3 "$tmp/agree.py" check "$seed" "$count" "$tmp/cases.json" "$tmp/keygate.out"
# a second opinion: the newer botocore of the image's pip, when present
for py in $(type -ap python3); do
	[ "$py" = /usr/bin/python3 ] && continue
	if "$py" -c 'import botocore.auth' 2>/dev/null; then
		"$py" "$tmp/agree.py" check "$seed" "$count" "$tmp/cases.json" "$tmp/keygate.out"
		break
	fi
done
