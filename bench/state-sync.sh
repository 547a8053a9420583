#!/usr/bin/env bash
# Macro benchmark of inter-PCE state synchronization, release builds over
# loopback, fresh processes per round:
#   1. replication of 100,000 LSPs to a peer: PCE A holds 100,000 LSPs from
#      2,000 simulated PCCs, connected; PCE B starts and opens its state-sync session;
#      time from B's start until B's API counts 100,000 LSPs. Baseline in the
#      same round: the sync of the same LSPs from the PCCs into A.
#   2. the relayed update's round trip PCC -> B -> A -> B -> PCC (A computes,
#      B sub-delegates and relays) under open-loop load, p50/p99; baseline in
#      the same run: the same load on A directly.
#
#   bench/state-sync.sh [ROUNDS]     (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
cargo build -q --release -p pce-engine --bin pce -p pce-tools --bin pcc-sim
T=target/release
DIR=$(mktemp -d)
trap 'set +e; pkill -f "$T/pce serve --config $DIR" 2>/dev/null; rm -rf "$DIR"' EXIT
A=127.0.0.31 B=127.0.0.30   # B has the lower identity: it opens the session
conf() { # address api_port priority peer peer_priority
  cat <<EOF
[pce]
address = "$1"
port = 4192
api = "127.0.0.1:$2"
[state_sync]
priority = $3
[[state_sync.peers]]
address = "$4"
port = 4192
priority = $5
EOF
}
conf $A 9292 200 $B 100 > "$DIR/a.toml"
conf $B 9293 100 $A 200 > "$DIR/b.toml"
wait_port() { for _ in $(seq 1 1000); do (exec 3<>/dev/tcp/$1/$2) 2>/dev/null && return 0; sleep 0.005; done; return 1; }
lsps() { curl -sf "http://127.0.0.1:$1/health" | sed -n 's/.*"lsps":\([0-9]*\).*/\1/p'; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: > "$DIR/repl"; : > "$DIR/sync"
for r in $(seq 1 "$ROUNDS"); do
  $T/pce serve --config "$DIR/a.toml" 2>/dev/null & PA=$!
  wait_port $A 4192
  $T/pcc-sim --pce $A:4192 --pccs 2000 --lsps 50 --measure-sync --source-base 127.40.0.1 |
    sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' >> "$DIR/sync"
  kill $PA; wait $PA 2>/dev/null || true
  # Replication: the PCCs stay connected to A (a peer takes reports only
  # for PCCs announced to it, that is connected to A).
  $T/pce serve --config "$DIR/a.toml" 2>/dev/null & PA=$!
  wait_port $A 4192
  $T/pcc-sim --pce $A:4192 --pccs 2000 --lsps 50 --seconds 600 --source-base 127.40.0.1 >/dev/null 2>&1 & PS=$!
  until curl -sf http://127.0.0.1:9292/health | grep -q '"lsps":100000,"sessions":2000,'; do sleep 0.01; done
  t0=$(now_ms)
  $T/pce serve --config "$DIR/b.toml" 2>/dev/null & PB=$!
  until [ "$(lsps 9293 || echo 0)" = 100000 ]; do sleep 0.002; done
  echo $(( $(now_ms) - t0 )) >> "$DIR/repl"
  kill $PS; wait $PS 2>/dev/null || true
  kill $PA $PB; wait $PA $PB 2>/dev/null || true
done
repl=$(median < "$DIR/repl"); sync=$(median < "$DIR/sync")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "rounds: $ROUNDS; replication ms: $(paste -sd' ' "$DIR/repl"); PCC sync ms: $(paste -sd' ' "$DIR/sync")"
printf "replication of 100,000 LSPs to a peer (peer start to all held): %s ms; PCC sync of the same LSPs: %s ms; ratio %.2f\n" \
  "$repl" "$sync" "$(echo "$repl / $sync" | bc -l)"

# Relayed update round trip.
$T/pce serve --config "$DIR/a.toml" 2>/dev/null & PA=$!
$T/pce serve --config "$DIR/b.toml" 2>/dev/null & PB=$!
wait_port $A 4192; wait_port $B 4192
until curl -sf http://127.0.0.1:9293/peers | grep -q '"synchronized":true'; do sleep 0.01; done
echo -n "relayed (PCC -> B -> A -> B -> PCC): "
$T/pcc-sim --pce $B:4192 --pccs 10 --lsps 100 --delegate --load 1000 --seconds 5 --source-base 127.41.0.1 2>/dev/null | grep '^load'
echo -n "direct  (PCC -> A -> PCC), baseline: "
$T/pcc-sim --pce $A:4192 --pccs 10 --lsps 100 --delegate --load 1000 --seconds 5 --source-base 127.42.0.1 2>/dev/null | grep '^load'
kill $PA $PB; wait $PA $PB 2>/dev/null || true
