#!/usr/bin/env bash
# Macro benchmark of `pce serve` under the overloads of issue 17, each
# beside its unloaded baseline in the same round, against a fresh PCE:
#
# * head end: one PCC synchronizes 100,000 LSPs. Baseline: not delegated
#   (sync, then a PCReq answered after it). Loaded: delegated, every path
#   computed and sent by PCUpd (paced: update_window in flight); timed to
#   the last of the 100,000 updates. Peak RSS of the PCE for each.
# * idle connections: the PCE runs under `ulimit -n 1024`; 20,000 TCP
#   connections are opened to its PCEP port and held (most are refused at
#   max_connections or wait in the backlog), then closed. A PCC's sync of
#   100 LSPs is timed before (baseline) and after; the PCE must still be
#   there, and its peak RSS is reported.
#
#   bench/overload.sh [ROUNDS]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
. bench/lib.sh
cat > "$DIR/pce.toml" <<TOML
[pce]
port = 4194
api = "127.0.0.1:9194"
TOML
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
hwm() { awk '/VmHWM/ {printf "%.0f\n", $2/1024}' "/proc/$1/status"; }
start_pce() { # $1: ulimit -n (or "unlimited" for the default)
  if [ "$1" = default ]; then $T/pce serve --config "$DIR/pce.toml" 2>/dev/null &
  else bash -c "ulimit -n $1 && exec $T/pce serve --config $DIR/pce.toml" 2>/dev/null & fi
  PCE=$!
  wait_port 4194
}
stop_pce() { kill "$PCE"; wait "$PCE" 2>/dev/null || true; }
sync_ms() { sed -n 's/^sync: .* in \([0-9.]*\) ms.*/\1/p'; }

: > "$DIR/he_base"; : > "$DIR/he_load"; : > "$DIR/he_base_rss"; : > "$DIR/he_load_rss"
: > "$DIR/idle_base"; : > "$DIR/idle_after"; : > "$DIR/idle_storm"; : > "$DIR/idle_rss"
for r in $(seq 1 "$ROUNDS"); do
  # Head end, baseline: 100,000 LSPs synchronized, not delegated.
  start_pce default
  $T/pcc-sim --pce 127.0.0.1:4194 --pccs 1 --lsps 100000 --measure-sync \
    --source-base 127.60.0.1 --timeout 600 | sync_ms >> "$DIR/he_base"
  hwm "$PCE" >> "$DIR/he_base_rss"
  stop_pce
  # Head end, loaded: delegated, every LSP gets its path by PCUpd.
  start_pce default
  t=$(date +%s%N)
  $T/pcc-sim --pce 127.0.0.1:4194 --pccs 1 --lsps 100000 --delegate \
    --endpoints 10.0.0.1:10.0.0.4,10.0.0.2:10.0.0.3 --expect-updates 100000 \
    --source-base 127.61.0.1 --timeout 600 >/dev/null
  ms "$t" >> "$DIR/he_load"
  hwm "$PCE" >> "$DIR/he_load_rss"
  stop_pce

  # 20,000 idle connections at a descriptor limit of 1,024.
  start_pce 1024
  $T/pcc-sim --pce 127.0.0.1:4194 --pccs 1 --lsps 100 --measure-sync \
    --source-base 127.62.0.1 | sync_ms >> "$DIR/idle_base"
  t=$(date +%s%N)
  # Two holders of 10,000 each (a process may not hold 20,000 here).
  : > "$DIR/storm"
  holders=()
  for half in 1 2; do python3 - 4194 10000 <<'PY' >> "$DIR/storm" &
import resource, socket, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (min(n + 100, hard), hard))
held = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    held.append(s)
# Until every handshake is done or refused (writable), at most 30 s.
import select
poller = select.poll()
for s in held:
    poller.register(s, select.POLLOUT)
pending = len(held)
deadline = time.time() + 30
while pending and time.time() < deadline:
    for fd, _ in poller.poll(1000):
        poller.unregister(fd)
        pending -= 1
print(len(held) - pending)
for s in held:
    s.close()
PY
    holders+=($!)
  done
  wait "${holders[@]}"
  ms "$t" >> "$DIR/idle_storm"
  kill -0 "$PCE"   # still there
  $T/pcc-sim --pce 127.0.0.1:4194 --pccs 1 --lsps 100 --measure-sync \
    --source-base 127.63.0.1 --timeout 60 | sync_ms >> "$DIR/idle_after"
  hwm "$PCE" >> "$DIR/idle_rss"
  stop_pce
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "rounds: $ROUNDS"
printf "head end, 100,000 LSPs from one PCC: sync only %.0f ms (peak RSS %s MiB); delegated, all 100,000 updates received %.0f ms (peak RSS %s MiB); ratio %.2f\n" \
  "$(median < "$DIR/he_base")" "$(median < "$DIR/he_base_rss")" \
  "$(median < "$DIR/he_load")" "$(median < "$DIR/he_load_rss")" \
  "$(echo "$(median < "$DIR/he_load") / $(median < "$DIR/he_base")" | bc -l)"
printf "20,000 connections ($(awk '{s+=$1} END {print s}' "$DIR/storm") completed handshakes) at ulimit -n 1024: opened and closed in %.0f ms; the PCE stayed up; a PCC's sync of 100 LSPs %.1f ms before, %.1f ms after (ratio %.2f); peak RSS %s MiB\n" \
  "$(median < "$DIR/idle_storm")" "$(median < "$DIR/idle_base")" "$(median < "$DIR/idle_after")" \
  "$(echo "$(median < "$DIR/idle_after") / $(median < "$DIR/idle_base")" | bc -l)" \
  "$(median < "$DIR/idle_rss")"
echo "raw: head end base $(paste -sd' ' "$DIR/he_base") | load $(paste -sd' ' "$DIR/he_load") | idle before $(paste -sd' ' "$DIR/idle_base") | after $(paste -sd' ' "$DIR/idle_after")"
