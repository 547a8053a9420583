#!/usr/bin/env bash
# The plan report's pictures in the README (examples/plan/*.svg): a
# 56-node network (topo-gen 60 150, seed 7: links of 10, 40 and 100 Gb/s), 400 LSPs of 0.1
# to 0.6 Gb/s between random pairs, a full N-1 (every link and node) planned
# offline by `pce plan --topology --lsps --html`; the report drawn by
# headless Chromium and its figures cut out as SVG files.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p pce-engine --bin pce -p pce-bench --bin topo-gen
T=target/release
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
"$T/topo-gen" 60 150 7 "$DIR/topology.json" 400 "$DIR/pairs.txt"
# The LSP file: one LSP per pair, headed at its source, in POST /lsps's
# form; bandwidth from the pair's line number (the same every run).
python3 - "$DIR" <<'PY'
import json, sys
d = sys.argv[1]
lsps = []
for i, line in enumerate(open(f"{d}/pairs.txt")):
    head, tail = line.strip().split(":")
    lsps.append({"pcc": head, "name": f"lsp-{i}", "source": head, "destination": tail,
                 "setup": "rsvp", "bandwidth_bps": (1 + (i * 5) % 6) * 1e8})
json.dump(lsps, open(f"{d}/lsps.json", "w"))
PY
"$T/pce" plan --topology "$DIR/topology.json" --lsps "$DIR/lsps.json" \
  --every links,nodes --upgrade-above 0.9 --html "$DIR/report.html"
chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=20000 \
  --dump-dom "file://$DIR/report.html" 2>/dev/null > "$DIR/dom.html"
python3 - "$DIR/dom.html" examples/plan <<'PY'
import re, sys
dom, out = open(sys.argv[1]).read(), sys.argv[2]
for name in ["topology", "histogram", "worst", "unplaceable"]:
    m = re.search(r'<svg id="%s"(.*?)</svg>' % name, dom, re.S)
    if not m:
        sys.exit(f"no figure {name} in the report")
    svg = '<svg xmlns="http://www.w3.org/2000/svg" id="%s"%s</svg>\n' % (name, m.group(1))
    # The page's background, which its stylesheet gave.
    svg = svg.replace(">", '><rect width="100%" height="100%" fill="#fafbfc"/>', 1)
    open(f"{out}/report-{name}.svg", "w").write(svg)
    print(f"{out}/report-{name}.svg: {len(svg)} bytes")
PY
