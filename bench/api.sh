#!/usr/bin/env bash
# Macro benchmark of the management API as the database grows: the same
# queries against a PCE holding 1,000 LSPs (50 PCCs) and one holding
# 200,000 (10,000 PCCs), release builds, loopback. Each holds delegated
# LSPs in disjoint pairs (pcc-sim --disjoint-pairs). Per query, the median
# of REPS requests (curl's time_total, the client's view):
#   - the first page of GET /lsps (1,000 LSPs), and a page from the middle
#     (after a cursor);
#   - a name (GET /lsps?name=), first (it builds the indexes) and warm;
#   - the members of association ID 1 (a page of 100), and their count
#     (100 LSPs of 1,000; 20,000 of 200,000: a count costs what it counts);
#   - a page of GET /associations (100 groups);
#   - GET /metrics;
# and the event stream: the time for the events of one more PCC's
# 20,000-LSP synchronization to reach a GET /events client (curl),
# as a delivery rate. The ratio 200,000 / 1,000 says whether each scales.
#
#   bench/api.sh [REPS]      (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-20}
source bench/lib.sh
trap 'set +e; pkill -f "$T/pce serve --config $DIR" 2>/dev/null; pkill -f "$T/pcc-sim --pce 127.0.0.1:4491" 2>/dev/null; rm -rf "$DIR"' EXIT
cat > "$DIR/pce.toml" <<EOF
[pce]
port = 4491
api = "127.0.0.1:9491"
max_connections = 12000
EOF
API=http://127.0.0.1:9491

# The median time_total of REPS GETs, in ms.
timed() {
  for _ in $(seq 1 "$REPS"); do curl -sf -o /dev/null -w '%{time_total}\n' "$API$1"; done |
    median | awk '{printf "%.2f", $1 * 1000}'
}
lsps() { curl -sf "$API/health" | sed 's/.*"lsps":\([0-9]*\).*/\1/'; }

run() { # PCCS: one PCE, its queries; results in $DIR/<name>.<PCCS>
  local pccs=$1 n=$(($1 * 20))
  $T/pce serve --config "$DIR/pce.toml" 2>/dev/null & local pce=$!
  wait_port 4491
  $T/pcc-sim --pce 127.0.0.1:4491 --pccs "$pccs" --lsps 20 --delegate --disjoint-pairs \
    --seconds 3600 --source-base 127.50.0.1 >/dev/null 2>&1 &
  while [ "$(lsps)" != "$n" ]; do sleep 0.1; done
  # Then until the PCE is idle (its paths sent and acknowledged): less
  # than 20 ms of CPU in a second.
  local c0 c1
  c1=$(awk '{print $14 + $15}' /proc/$pce/stat)
  while :; do
    sleep 1; c0=$c1; c1=$(awk '{print $14 + $15}' /proc/$pce/stat)
    [ $((c1 - c0)) -lt 2 ] && break
  done
  # The cursor of the middle PCC's first LSP.
  local off=$((1 + pccs / 2))
  local mid="127.50.$((off / 256)).$((off % 256))/1"
  echo "$(timed /lsps)" > "$DIR/page.$pccs"
  echo "$(timed "/lsps?after=$mid&limit=100")" > "$DIR/middle.$pccs"
  curl -sf -o /dev/null -w '%{time_total}\n' "$API/lsps?name=pcc7-lsp3" | awk '{printf "%.2f\n", $1 * 1000}' > "$DIR/build.$pccs"
  echo "$(timed '/lsps?name=pcc7-lsp3')" > "$DIR/name.$pccs"
  echo "$(timed '/lsps?association=1&limit=100')" > "$DIR/assoc.$pccs"
  echo "$(timed '/lsps/count?association=1')" > "$DIR/assoccount.$pccs"
  echo "$(timed '/associations?limit=100')" > "$DIR/groups.$pccs"
  echo "$(timed /metrics)" > "$DIR/metrics.$pccs"
  # Events: a client from now on; one more PCC syncs 20,000 LSPs.
  curl -sfN "$API/events" > "$DIR/events.$pccs.log" & local sse=$!
  sleep 0.5
  local t0 t1
  t0=$(date +%s%N)
  $T/pcc-sim --pce 127.0.0.1:4491 --pccs 1 --lsps 20000 --delegate --measure-sync \
    --source-base 127.59.0.1 2>/dev/null | sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' > "$DIR/sync.$pccs" & local extra=$!
  while [ "$(grep -c '^event: lsp_added' "$DIR/events.$pccs.log")" -lt 20000 ]; do sleep 0.01; done
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 )) > "$DIR/events.$pccs"
  echo "$(grep -c '^event: reset' "$DIR/events.$pccs.log")" > "$DIR/resets.$pccs"
  wait $extra || true
  kill $sse; wait $sse 2>/dev/null || true
  grep VmHWM /proc/$pce/status | awk '{print $2}' > "$DIR/rss.$pccs"
  kill $pce; wait $pce 2>/dev/null || true
  pkill -f "$T/pcc-sim --pce 127.0.0.1:4491" || true
  sleep 1
}

run 50
run 10000
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); $REPS requests per query (median)"
printf "%-44s %12s %12s %8s\n" "query" "1,000 LSPs" "200,000" "ratio"
for q in "page:GET /lsps (first page, 1,000)" "middle:GET /lsps?after=&limit=100 (mid-list)" \
  "build:GET /lsps?name= (first: builds the indexes)" "name:GET /lsps?name=" \
  "assoc:GET /lsps?association=1&limit=100" "assoccount:GET /lsps/count?association=1 (100 / 20,000)" \
  "groups:GET /associations?limit=100" "metrics:GET /metrics" \
  "events:events of a 20,000-LSP sync delivered" ; do
  k=${q%%:*}; label=${q#*:}
  a=$(cat "$DIR/$k.50"); b=$(cat "$DIR/$k.10000")
  printf "%-44s %9s ms %9s ms %8.2f\n" "$label" "$a" "$b" "$(echo "$b / $a" | bc -l)"
done
printf "%-44s %9s ms %9s ms %8.2f\n" "the 20,000-LSP sync itself (pcc-sim)" "$(cat "$DIR/sync.50")" "$(cat "$DIR/sync.10000")" \
  "$(echo "$(cat "$DIR/sync.10000") / $(cat "$DIR/sync.50")" | bc -l)"
printf "event delivery rate: %.0f /s (1,000) and %.0f /s (200,000); resets: %s and %s\n" \
  "$(echo "20000000 / $(cat "$DIR/events.50")" | bc -l)" "$(echo "20000000 / $(cat "$DIR/events.10000")" | bc -l)" \
  "$(cat "$DIR/resets.50")" "$(cat "$DIR/resets.10000")"
printf "peak RSS: %d MiB (1,000 + 20,000 LSPs) and %d MiB (200,000 + 20,000)\n" \
  "$(( $(cat "$DIR/rss.50") / 1024 ))" "$(( $(cat "$DIR/rss.10000") / 1024 ))"
