#!/usr/bin/env bash
# dkata check --html renders in a real browser: headless Chromium screenshots the report of a known violation,
# and the PNG must show the timeline (green bars of the linearization, the blue line through them, the red bar
# of the operation that could not be placed).
set -u
DKATA=${DKATA:-build/dkata}
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "not ok html-render: chromium is not installed (scripts/install-deps installs it)"; exit 0; fi
cat >"$t/stale.log" <<'H'
INFO  jepsen.util - 0	:invoke	:write	1
INFO  jepsen.util - 1	:invoke	:read	nil
INFO  jepsen.util - 0	:ok	:write	1
INFO  jepsen.util - 1	:ok	:read	1
INFO  jepsen.util - 2	:invoke	:write	2
INFO  jepsen.util - 2	:ok	:write	2
INFO  jepsen.util - 1	:invoke	:read	nil
INFO  jepsen.util - 1	:ok	:read	1
H
"$DKATA" check --html "$t/report.html" "$t/stale.log" >/dev/null; rc=$?
[ "$rc" = 1 ] && echo "ok html-render report written for a violation" || echo "not ok html-render: exit $rc, expected 1"
timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --user-data-dir="$t/profile" --window-size=1200,500 \
  --screenshot="$t/shot.png" "file://$t/report.html" >"$t/chromium.log" 2>&1
if [ ! -s "$t/shot.png" ]; then echo "not ok html-render: no screenshot"; sed 's/^/# /' "$t/chromium.log" | tail -5; exit 0; fi
echo "ok html-render screenshot taken"
# Count pixels of the report's colours in the PNG (8-bit RGB or RGBA, as Chromium writes it).
python3 - "$t/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat, w = 8, b'', 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT': idat += body
bpp = {2: 3, 6: 4}[ctype]
raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
def count(rgb, tol=12):
    return sum(1 for r in rows for i in range(0, stride, bpp)
               if all(abs(r[i + k] - rgb[k]) <= tol for k in range(3)))
checks = {'green bars': count((0xcf, 0xe8, 0xcf)), 'red bar': count((0xf7, 0xb7, 0xb7)), 'blue line': count((0x22, 0x55, 0xcc), 40)}
for name, n in checks.items():
    print(('ok' if n > 30 else 'not ok') + ' html-render the screenshot shows the %s (%d pixels)' % (name, n))
PY
