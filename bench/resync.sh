#!/usr/bin/env bash
# Macro benchmark of RFC 8232 sync avoidance in the daemon: 2,000 PCCs with
# 50 LSPs each (100,000 LSPs) synchronize with `pce serve`, close their
# sessions and reconnect at once; the second synchronization is timed (close
# to the last PCRep of a probe sent after it), with pcc-sim following
# RFC 8232 (S, D, F, T: the PCE's Open carries the version it holds, the
# synchronization is skipped) and without (RFC 8231: every LSP again). Both
# run in each round against a fresh PCE, in alternating order.
#
#   bench/resync.sh [ROUNDS]      (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
. bench/lib.sh
cat > "$DIR/pce.toml" <<TOML
[pce]
port = 4192
api = "127.0.0.1:9192"
TOML
resync_ms() { sed -n 's/^resync: .* in \([0-9.]*\) ms.*/\1/p'; }

: > "$DIR/on"; : > "$DIR/off"
run() { # $1: on|off, $2: source base
  local flag=""
  [ "$1" = on ] && flag=--sync-optimizations
  $T/pcc-sim --pce 127.0.0.1:4192 --pccs 2000 --lsps 50 --measure-sync --reconnect $flag \
    --source-base "$2" | tee -a "$DIR/log" | resync_ms >> "$DIR/$1"
}
for r in $(seq 1 "$ROUNDS"); do
  $T/pce serve --config "$DIR/pce.toml" 2>/dev/null & PCE=$!
  wait_port 4192
  if [ $((r % 2)) = 1 ]; then run off 127.50.0.1; run on 127.51.0.1
  else run on 127.51.0.1; run off 127.50.0.1; fi
  kill $PCE; wait $PCE 2>/dev/null || true
done
on=$(median < "$DIR/on"); off=$(median < "$DIR/off")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "rounds: $ROUNDS (ms: RFC 8232 on $(paste -sd' ' "$DIR/on") | off $(paste -sd' ' "$DIR/off"))"
grep '^resync' "$DIR/log" | sed 's/ in [0-9.]* ms//' | sort | uniq -c
printf "reconnect 2,000 PCCs / 100,000 LSPs: RFC 8232 sync avoidance %.1f ms, full sync %.1f ms, ratio %.2f\n" \
  "$on" "$off" "$(echo "$on / $off" | bc -l)"
