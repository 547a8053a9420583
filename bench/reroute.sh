#!/usr/bin/env bash
# Daemon benchmark of topology events (issue 16), release builds over
# loopback, `pce serve` and `pcc-sim` on the same cores:
#   50,000 delegated LSPs (100 Mb/s each, random end points) from 2,000
#   simulated PCCs on the generated 2,000-node carrier topology; then
#   1. the busiest link fails (PATCH /topology/links, after a dry run that
#      says how many LSPs it moves): the core's time for the event, the
#      time until the API answers (every PCUpd handed to its session), and
#      until the last acknowledgement is counted by the core;
#   2. the link comes back (reoptimize_on_restore: every LSP recomputed);
#   3. POST /reoptimize, ROUNDS times: the full reoptimization.
# With [pce] threads = 1 and 2 (the speed-up), fresh processes each. The
# baseline in the same run is the library doing the same work
# (bench/src/bin/place-file.rs: Placement::place and ::reroute on the same
# topology and end points, 1 and 2 threads).
#
#   bench/reroute.sh [ROUNDS]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
. bench/lib.sh
cargo build -q --release -p pce-bench --bin topo-gen --bin place-file
trap 'set +e; pkill -f "$T/pce serve --config $DIR" 2>/dev/null; pkill -f "pcc-sim --pce 127.0.0.1:4196" 2>/dev/null; rm -rf "$DIR"' EXIT
$T/topo-gen 2000 8000 42 "$DIR/topo.json" 50000 "$DIR/pairs.txt"
API=http://127.0.0.1:9196

# Library baseline.
for threads in 1 2; do
  $T/place-file "$DIR/topo.json" "$DIR/pairs.txt" $threads
done

# One event through the API, timed from the client: the answer, then the
# acknowledgements the core counts (polled every millisecond).
cat > "$DIR/event.py" <<'PY'
import http.client, json, sys, time
method, path, body, expect = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
c = http.client.HTTPConnection("127.0.0.1", 9196)
def get(p):
    c.request("GET", p); return json.loads(c.getresponse().read())
acked0 = get("/counters")["updates_acked"]
t0 = time.monotonic()
c.request(method, path, body=body or None, headers={"content-type": "application/json"})
r = json.loads(c.getresponse().read())
answered = time.monotonic() - t0
target = acked0 + r["updated"]
while get("/counters")["updates_acked"] < target:
    if time.monotonic() - t0 > 120: sys.exit("acknowledgements missing")
    time.sleep(0.001)
acked = time.monotonic() - t0
assert expect == "" or r["recomputed"] == int(expect), (r["recomputed"], expect)
print("recomputed=%d updated=%d core_ms=%.1f answer_ms=%.1f last_ack_ms=%.1f"
      % (r["recomputed"], r["updated"], r.get("core_us", 0) / 1e3, answered * 1e3, acked * 1e3))
PY


for threads in 1 2; do
  cat > "$DIR/pce.toml" <<EOF
[pce]
port = 4196
api = "127.0.0.1:9196"
topology = "$DIR/topo.json"
threads = $threads
update_timeout = 255
EOF
  $T/pce serve --config "$DIR/pce.toml" 2>"$DIR/pce-$threads.log" & PCE=$!
  until curl -sf $API/health >/dev/null; do sleep 0.05; done
  $T/pcc-sim --pce 127.0.0.1:4196 --pccs 2000 --lsps 25 --delegate --bandwidth-bps 100000000 \
    --endpoints-file "$DIR/pairs.txt" --source-base 127.40.0.1 --seconds 3600 >/dev/null 2>&1 & SIM=$!
  settled 9196 50000
  read -r A B < <(curl -sf $API/topology | python3 -c '
import json, sys
t = json.load(sys.stdin)
l = max(t["links"], key=lambda l: l["reserved_bps"])
print(l["from"], l["to"])')
  N=$(curl -sf -XPATCH "$API/topology/links/$A/$B?dry_run=true" -H 'content-type: application/json' \
      -d '{"up": false}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["recomputed"])')
  echo "threads=$threads busiest link $A-$B carries $N LSPs"
  echo "threads=$threads link down:   $(python3 "$DIR/event.py" PATCH "/topology/links/$A/$B" '{"up": false}' "$N")"
  echo "threads=$threads link up:     $(python3 "$DIR/event.py" PATCH "/topology/links/$A/$B" '{"up": true}' 50000)"
  for r in $(seq 1 "$ROUNDS"); do
    echo "threads=$threads reoptimize: $(python3 "$DIR/event.py" POST /reoptimize '' 50000)"
  done
  kill $SIM $PCE; wait $SIM $PCE 2>/dev/null || true
done
