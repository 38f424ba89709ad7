# keygate integration tests: what the browser suites share (sourced, not
# run). The suite sets $work and $KG_TOP; the browser script's JSON is
# $work/browser.json.

# browser_requirements: skips the suite (one "ok # SKIP" line) when node,
# chromium or playwright-core is missing. Needs a skip function.
browser_requirements() {
	node -e 0 2>/dev/null || skip "node cannot run"
	/usr/bin/chromium --version >/dev/null 2>&1 ||
		skip "chromium cannot run (apt package chromium, make deps)"
	[ -d "$KG_TOP/tests/fixtures/browser/node_modules/playwright-core" ] ||
		skip "playwright-core not installed (make deps)"
}

# browser_run SCRIPT SHOT ARGS...: runs tests/fixtures/browser/SCRIPT
# with ARGS, the screenshot path $shots/SHOT (shots: build/screenshots)
# and a fresh profile; its JSON into $work/browser.json, its exit status
# into browser_rc. Skips the suite when chromium cannot start.
shots="$KG_TOP/build/screenshots"
browser_run() {
	local script=$1 shot=$2
	shift 2
	mkdir -p "$shots"
	rm -f "$shots/$shot" "$shots/$shot.fail.png"
	timeout 90 node "$KG_TOP/tests/fixtures/browser/$script" "$@" "$shots/$shot" \
		"$work/profile" >"$work/browser.json" 2>"$work/browser.err"
	browser_rc=$?
	[ $browser_rc = 77 ] && skip "chromium cannot be launched here: $(head -c 300 "$work/browser.json")"
	[ $browser_rc = 0 ] || sed 's/^/# /' "$work/browser.json" "$work/browser.err" | head -c 3000 >&2
}

# field EXPR: python's value of EXPR for the browser's JSON d.
field() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if v is not None else "")' \
		"$work/browser.json" "$1" 2>/dev/null
}

# j PYTHON-BOOLEAN-EXPR: true when it holds for the browser's JSON d.
j() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$work/browser.json" "$1" 2>/dev/null
}

# png_ok FILE: prints the size of FILE when it is a PNG of a real page
# (not blank), at least 800x600.
png_ok() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
w, h = struct.unpack(">II", data[16:24])
assert w >= 800 and h >= 600, (w, h)
# decode the IDAT stream and require more than one colour
pos, idat = 8, b""
while pos < len(data):
    n, = struct.unpack(">I", data[pos:pos + 4])
    if data[pos + 4:pos + 8] == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
assert len(set(raw[i] for i in range(0, len(raw), 7))) > 4, "a blank image"
print(w, h)
PY
}
