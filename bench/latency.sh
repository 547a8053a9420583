#!/usr/bin/env bash
# Report-to-update latency under open-loop load (issue 17, item 6): the
# load step of bench/scale.sh (10,000 delegated LSPs on 100 PCCs, 10,000
# perturbations/s for 10 s, `pce serve` and `pcc-sim` on the same cores),
# ROUNDS runs against one PCE started once (pcc-sim waits for the sync to
# settle and counts only the load's updates).
#
# With BASELINE=<commit>, the PCE of that commit is built in a worktree
# under target/ and measured in the same run, alternating with this one,
# each against its own PCE, with this commit's pcc-sim (same client).
#
#   bench/latency.sh [ROUNDS]                  (default 3)
#   BASELINE=3a83809 bench/latency.sh 3
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
. bench/lib.sh
printf '[pce]\nport = 4191\napi = "127.0.0.1:9191"\n' > "$DIR/this.toml"
builds=(this)
if [ -n "${BASELINE:-}" ]; then
  WT=target/baseline-$BASELINE
  [ -d "$WT" ] || git worktree add -f "$WT" "$BASELINE" >/dev/null
  (cd "$WT" && cargo build -q --release -p pce-engine --bin pce)
  printf '[pce]\nport = 4192\napi = "127.0.0.1:9192"\n' > "$DIR/base.toml"
  builds+=(base)
fi
$T/pce serve --config "$DIR/this.toml" 2>/dev/null & THIS=$!
wait_port 4191
if [ -n "${BASELINE:-}" ]; then
  "$WT/target/release/pce" serve --config "$DIR/base.toml" 2>/dev/null & BASE=$!
  wait_port 4192
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for b in "${builds[@]}"; do
    port=4191; [ $b = base ] && port=4192
    printf '%s round %s: ' "$b" "$r"
    $T/pcc-sim --pce 127.0.0.1:$port --pccs 100 --lsps 100 --delegate --load 10000 --seconds 10 \
      --source-base 127.$((50 + r)).$((port - 4190)).1 2>/dev/null | grep '^load' | sed 's/.*latency us: //'
  done
done
kill $THIS ${BASE:-}; wait 2>/dev/null || true
