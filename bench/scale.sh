#!/usr/bin/env bash
# Macro benchmark of the PCEP front-end and the stateful core, over
# loopback, with release builds:
#   1. sync of 100,000 LSPs from 2,000 PCCs (pcc-sim --measure-sync);
#   2. sync of 65,535 LSPs from one PCC;
#   3. report-to-update latency under open-loop load (10,000/s, 10,000
#      delegated LSPs on 100 PCCs);
#   4. peak memory per LSP (VmHWM of pce before and after 2.).
# 1 and 2 run `pcep-sink` (decode-only baseline, bench/src/bin/pcep-sink.rs)
# beside `pce serve` in the same run, alternating, fresh processes each
# round; the report gives medians and the ratio pce/sink.
#
#   bench/scale.sh [ROUNDS]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
cargo build -q --release -p pce-engine --bin pce -p pce-tools --bin pcc-sim -p pce-bench --bin pcep-sink
T=target/release
DIR=$(mktemp -d)
trap 'set +e; pkill -f "$T/pce serve --config $DIR" 2>/dev/null; pkill -f "$T/pcep-sink" 2>/dev/null; rm -rf "$DIR"' EXIT
cat > "$DIR/pce.toml" <<EOF
[pce]
port = 4191
api = "127.0.0.1:9191"
EOF

wait_port() { for _ in $(seq 1 500); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.01; done; return 1; }
ms() { sed -n 's/.* in \([0-9.]*\) ms.*/\1/p'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: > "$DIR/pce2000"; : > "$DIR/sink2000"; : > "$DIR/pce1"; : > "$DIR/sink1"; : > "$DIR/mem"
for r in $(seq 1 "$ROUNDS"); do
  # Baseline: decode-only sink.
  $T/pcep-sink 127.0.0.1:4190 & SINK=$!
  wait_port 4190
  $T/pcc-sim --pce 127.0.0.1:4190 --pccs 2000 --lsps 50 --measure-sync --source-base 127.30.0.1 | ms >> "$DIR/sink2000"
  $T/pcc-sim --pce 127.0.0.1:4190 --pccs 1 --lsps 65535 --measure-sync --source-base 127.31.0.1 | ms >> "$DIR/sink1"
  kill $SINK; wait $SINK 2>/dev/null || true
  # The PCE.
  $T/pce serve --config "$DIR/pce.toml" 2>/dev/null & PCE=$!
  wait_port 4191
  $T/pcc-sim --pce 127.0.0.1:4191 --pccs 2000 --lsps 50 --measure-sync --source-base 127.32.0.1 | ms >> "$DIR/pce2000"
  a=$(awk '/VmHWM/ {print $2}' /proc/$PCE/status)
  $T/pcc-sim --pce 127.0.0.1:4191 --pccs 1 --lsps 65535 --measure-sync --source-base 127.33.0.1 | ms >> "$DIR/pce1"
  b=$(awk '/VmHWM/ {print $2}' /proc/$PCE/status)
  echo "$a $b" >> "$DIR/mem"
  kill $PCE; wait $PCE 2>/dev/null || true
done

p2=$(median < "$DIR/pce2000"); s2=$(median < "$DIR/sink2000")
p1=$(median < "$DIR/pce1"); s1=$(median < "$DIR/sink1")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "rounds: $ROUNDS (medians; all values in ms: $(paste -sd' ' "$DIR/pce2000") | sink $(paste -sd' ' "$DIR/sink2000"))"
printf "sync 100,000 LSPs / 2,000 PCCs: pce %.1f ms, decode-only sink %.1f ms, ratio %.2f\n" "$p2" "$s2" "$(echo "$p2 / $s2" | bc -l)"
printf "sync 65,535 LSPs / 1 PCC:      pce %.1f ms, decode-only sink %.1f ms, ratio %.2f\n" "$p1" "$s1" "$(echo "$p1 / $s1" | bc -l)"
awk '{ d = ($2 - $1) * 1024 / 65535; print d }' "$DIR/mem" | median | xargs printf "memory: peak RSS growth per LSP (65,535-LSP sync into a running PCE): %.0f B (median)\n"
awk '{ print $1 * 1024 / 100000 }' "$DIR/mem" | median | xargs printf "memory: peak RSS after 100,000 LSPs / 2,000 sessions, per LSP (sessions included): %.0f B (median)\n"

# Latency under open-loop load.
$T/pce serve --config "$DIR/pce.toml" 2>/dev/null & PCE=$!
wait_port 4191
$T/pcc-sim --pce 127.0.0.1:4191 --pccs 100 --lsps 100 --delegate --load 10000 --seconds 10 --source-base 127.34.0.1 2>/dev/null | grep '^load'
kill $PCE; wait $PCE 2>/dev/null || true
