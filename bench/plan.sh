#!/usr/bin/env bash
# Daemon benchmark of what-if analysis (issue 20), release builds over
# loopback, `pce serve` and `pcc-sim` on the same cores:
#   50,000 delegated LSPs (100 Mb/s each, random end points) from 2,000
#   simulated PCCs on the generated 2,000-node carrier topology (as
#   bench/reroute.sh); then POST /plan {"every": ["links", "nodes",
#   "srlgs"]}, full N-1, ROUNDS times: the time until the answer (measured
#   by the client), the CPU the daemon used for it, scenarios, LSPs
#   recomputed, path computations, the answer's size.
# The baseline in the same run is the library re-placing every LSP from
# nothing for a sample of failures (bench/src/bin/place-file.rs, `naive`),
# extrapolated to the same number of scenarios.
#
#   bench/plan.sh [ROUNDS] [NAIVE_SAMPLE]      (defaults 3 and 8)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SAMPLE=${2:-8}
. bench/lib.sh
cargo build -q --release -p pce-bench --bin topo-gen --bin place-file
trap 'set +e; pkill -f "$T/pce serve --config $DIR" 2>/dev/null; pkill -f "pcc-sim --pce 127.0.0.1:4197" 2>/dev/null; rm -rf "$DIR"' EXIT
$T/topo-gen 2000 8000 42 "$DIR/topo.json" 50000 "$DIR/pairs.txt"
API=http://127.0.0.1:9197

cat > "$DIR/pce.toml" <<EOT
[pce]
port = 4197
api = "127.0.0.1:9197"
topology = "$DIR/topo.json"
threads = 2
update_timeout = 255
EOT
$T/pce serve --config "$DIR/pce.toml" 2>"$DIR/pce.log" & PCE=$!
until curl -sf $API/health >/dev/null; do sleep 0.05; done
$T/pcc-sim --pce 127.0.0.1:4197 --pccs 2000 --lsps 25 --delegate --bandwidth-bps 100000000 \
  --endpoints-file "$DIR/pairs.txt" --source-base 127.41.0.1 --seconds 3600 >/dev/null 2>&1 & SIM=$!

settled 9197 50000
python3 - "$PCE" "$ROUNDS" "$DIR/last" <<'PY'
import http.client, json, sys, time
pid, rounds = sys.argv[1], int(sys.argv[2])
c = http.client.HTTPConnection("127.0.0.1", 9197, timeout=600)
def get(p):
    c.request("GET", p); return json.loads(c.getresponse().read())
def cpu():
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100.0
body = json.dumps({"every": ["links", "nodes", "srlgs"]})
for r in range(rounds):
    cpu0, t0 = cpu(), time.monotonic()
    c.request("POST", "/plan", body=body, headers={"content-type": "application/json"})
    raw = c.getresponse().read()
    wall, used = time.monotonic() - t0, cpu() - cpu0
    plan = json.loads(raw)
    s = plan["scenarios"]
    kinds = {}
    for x in s:
        kinds[x["name"].split()[0]] = kinds.get(x["name"].split()[0], 0) + 1
    print("plan round %d: scenarios=%d (%s) recomputed=%d computations=%d unplaceable=%d upgrades=%d "
          "answer_s=%.2f daemon_cpu_s=%.1f answer_mb=%.1f"
          % (r + 1, len(s), " ".join("%s=%d" % kv for kv in sorted(kinds.items())),
             sum(x["recomputed"] for x in s), sum(x["computations"] for x in s),
             sum(len(x["unplaceable"]) for x in s), len(plan["upgrades"]),
             wall, used, len(raw) / 1e6))
    open(sys.argv[3], "w").write("%d %.3f\n" % (len(s), wall))
PY
kill $SIM $PCE; wait $SIM $PCE 2>/dev/null || true

# The naive baseline: every LSP placed again per failure, on 2 threads,
# extrapolated to the plan's scenarios.
NAIVE=$($T/place-file "$DIR/topo.json" "$DIR/pairs.txt" 2 naive "$SAMPLE" | tail -1)
echo "$NAIVE"
read -r SCENARIOS LAST < "$DIR/last"
MS=$(echo "$NAIVE" | sed -E 's/.*: ([0-9.]+) ms per failure/\1/')
python3 -c "
n, ms, last = $SCENARIOS, $MS, $LAST
print('naive, extrapolated: %d scenarios x %.1f ms = %.0f s; the plan (last round) %.2f s: %.0fx' % (n, ms, n * ms / 1e3, last, n * ms / 1e3 / last))"
