#!/usr/bin/env bash
# The HTML report in a real browser: the Longhu year replayed through a real
# broker and two workers, `hotline-report --format html --compare`, then the
# page opened in headless Chromium (Debian's chromium package). Checks that
# the file fetches nothing, that every chart is in the DOM Chromium built with
# its data points (and that the monthly received points add up to the year),
# that the unit bars come busiest first, that the open-ticket aging chart and
# the late-ticket table are there, that the Chinese labels are there, and that
# a screenshot shows the charts' colours. Keeps the screenshot (and the page) in the build tree for people
# to look at. Skips only when Chromium cannot be installed or started.
source "$(dirname "$0")/lib.sh"

# ---- a browser and a CJK font (scripts/deps test installs both, as root)
if ! command -v chromium >/dev/null || ! fc-list :lang=zh family 2>/dev/null | grep -q .; then
    "$HOTLINE_SRC/scripts/deps" test >"$T_DIR/deps.log" 2>&1 || true
fi
if ! command -v chromium >/dev/null; then
    echo "SKIP: chromium is not installed and could not be (scripts/deps test: $(tail -1 "$T_DIR/deps.log"))"
    exit 0
fi
fc-list :lang=zh family | grep -q . || t_fail "no CJK font: Chinese would render as boxes (install fonts-noto-cjk)"
t_ok "CJK font: $(fc-match 'Noto Sans CJK SC' family)"

export HOME=$T_DIR XDG_CONFIG_HOME=$T_DIR/xdg XDG_CACHE_HOME=$T_DIR/xdg
# browser ARGS...: headless Chromium, no network, a fresh profile each time.
browser() {
    timeout -k 5 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --host-resolver-rules="MAP * ~NOTFOUND" --hide-scrollbars \
        --user-data-dir="$(mktemp -d "$T_DIR/profile.XXXXXX")" "$@" 2>>"$T_DIR/chromium.log"
}
if ! browser --dump-dom about:blank | grep -q "<body"; then
    echo "SKIP: chromium does not start headless: $(grep -v dbus "$T_DIR/chromium.log" | tail -2)"
    exit 0
fi

# ---- a store: the 2022 year through a broker and two workers
port=$(t_port); ep=tcp://127.0.0.1:$port
t_broker broker "$ep" "$T_DIR/year.db" --clock virtual
bp=$BROKER_PID
t_worker w1 "$ep" --all-services; w1=$WORKER_PID
t_worker w2 "$ep" --all-services; w2=$WORKER_PID
"$HOTLINE_BIN/hotline-sim" --connect "$ep" --scenario longhu-2022 -q --timeout 900 2>>"$T_DIR/sim.log" ||
    t_fail "hotline-sim failed"
t_stop "$w1"; t_stop "$w2"; t_stop "$bp"

html=$T_DIR/report.html
"$HOTLINE_BIN/hotline-report" --db "$T_DIR/year.db" --compare longhu-2022 --format html --output "$html" ||
    t_fail "hotline-report --format html failed"
t_ok "wrote $(wc -c <"$html") bytes of HTML"
if grep -Eno 'https?://[^"< ]*' "$html" | head -3 | grep .; then t_fail "the page names URLs (above)"; fi
grep -qi '<script\|<link\|<img\|<iframe\|url(' "$html" && t_fail "the page loads or runs something"
t_ok "self-contained: no URL, script, link, image or url()"
"$HOTLINE_BIN/hotline-report" --db "$T_DIR/year.db" --by unit --format json >"$T_DIR/unit.json" ||
    t_fail "hotline-report --by unit failed"

# ---- the DOM Chromium built
browser --dump-dom "file://$html" >"$T_DIR/dom.html" || t_fail "chromium --dump-dom failed"
$PY - "$T_DIR/dom.html" "$T_DIR/unit.json" <<'EOF' || t_fail "DOM checks failed"
import sys
from html.parser import HTMLParser
import json
want = {"monthly-volume": 24, "monthly-on-time": 12, "monthly-urgent": 24,
        "monthly-backlog": 12, "unit-satisfaction": 21 * 4, "open-aging": 5}
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.chart = None; self.depth = 0
        self.points = {}; self.received = 0; self.text = []; self.units = []; self.aging = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "data-chart" in a:
            self.chart, self.depth = a["data-chart"], 0; self.points.setdefault(self.chart, 0)
        elif self.chart:
            self.depth += 1
            if "data-value" in a:
                self.points[self.chart] += 1
                if self.chart == "monthly-volume" and a.get("data-series", "").startswith("受理"):
                    self.received += float(a["data-value"])
                if self.chart == "unit-satisfaction" and a.get("data-series", "").startswith("满意率（含"):
                    self.units.append(a["data-label"])
                if self.chart == "open-aging":
                    self.aging += float(a["data-value"])
    def handle_endtag(self, tag):
        if self.chart and tag == "svg" and self.depth == 0: self.chart = None
        elif self.chart: self.depth -= 1
    def handle_data(self, d): self.text.append(d)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
ok = True
for c, n in want.items():
    got = p.points.get(c)
    print(f"  chart {c}: {got} data points (want {n})")
    ok &= got == n
print(f"  monthly received points add up to {p.received:.0f} (want 26426)")
ok &= p.received == 26426
groups = json.load(open(sys.argv[2], encoding="utf-8"))
received = {g["name"]: g["received"] for g in json.load(open(sys.argv[2], encoding="utf-8"))["groups"]}
volumes = [received[u] for u in p.units]
print(f"  unit bars by received: {volumes[:4]} ...")
ok &= volumes == sorted(volumes, reverse=True) and len(volumes) == 21
print(f"  open-aging adds up to {p.aging:.0f} (want open_at_end {groups['open_at_end']})")
ok &= p.aging == groups["open_at_end"]
text = "".join(p.text)
for label in ["12345 热线工单报告", "受理新工单", "工单按时办结率", "受理与办结工单（按月）", "区城市管理和综合执法局",
              "龙腾街道办事处", "与公布数据对比", "差评", "12月", "未办结工单账龄", "超期工单"]:
    if label not in text: print(f"  missing label {label}"); ok = False
sys.exit(0 if ok else 1)
EOF
t_ok "every chart in the DOM with its data points; Chinese labels present"

# ---- a screenshot for people, checked to show the charts
shot=$(cd "$HOTLINE_BIN/.." && pwd)/report-screenshot.png
rm -f "$shot"
browser --screenshot="$shot" --window-size=1280,2400 "file://$html" >/dev/null || t_fail "chromium --screenshot failed"
[ -s "$shot" ] || t_fail "no screenshot at $shot"
$PY - "$shot" <<'EOF' || t_fail "the screenshot does not show the charts"
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(d):
    n, t = struct.unpack(">I4s", d[pos:pos + 8]); body = d[pos + 8:pos + 8 + n]; pos += 12 + n
    if t == b"IHDR": w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif t == b"IDAT": idat += body
print(f"  {len(d)} bytes, {w}x{h}")
assert (w, h) == (1280, 2400) and depth == 8 and ctype in (2, 6) and len(d) > 50000, "unexpected PNG"
bpp = 3 if ctype == 2 else 4; stride = w * bpp; raw = zlib.decompress(idat)
prev = bytearray(stride); colours = {}
for y in range(h):   # undo the PNG row filters, count colours
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    if f == 1:
        for i in range(bpp, stride): line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2: line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif f == 3:
        for i in range(stride): line[i] = (line[i] + ((line[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        k = bytes(line[x:x + 3]); colours[k] = colours.get(k, 0) + 1
    prev = line
print(f"  {len(colours)} distinct colours")
ok = len(colours) > 100
for name, hexc in [("received bars", "4e79a7"), ("closed bars", "59a14f"), ("urgent bars", "e15759"),
                   ("urgent closed bars", "f28e2b"), ("strict satisfaction bars", "8cd17d")]:
    n = colours.get(bytes.fromhex(hexc), 0)
    print(f"  {name} #{hexc}: {n} pixels")
    ok &= n > 1000
sys.exit(0 if ok else 1)
EOF
cp "$html" "$(dirname "$shot")/report.html"
t_ok "screenshot $shot (page: $(dirname "$shot")/report.html)"
