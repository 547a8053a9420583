#!/usr/bin/env bash
# Macro benchmark of PCEPS (RFC 8253) against plain TCP, release builds over
# loopback, fresh processes per measurement, TLS and plain alternating in
# each round (the baseline is always in the same run):
#   1. sync of 100,000 LSPs from 2,000 PCCs (pcc-sim --measure-sync: from
#      its start, connections, StartTLS and TLS handshakes included, until
#      the PCE has handled every report), over PCEPS and over TCP;
#   2. replication of those 100,000 LSPs to a state-sync peer (from the
#      peer's process start until its API counts 100,000 LSPs), over mutual
#      TLS and over TCP.
# Goal (issue 18): PCEPS at most 1.5x plain. The sync is also given as the
# daemon's CPU time: pcc-sim's 2,000 TLS clients run on the same two cores.
#
#   bench/pceps.sh [ROUNDS]     (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
. bench/lib.sh
cargo build -q --release -p pce-tools --bin pki-lab
A=127.0.0.31 B=127.0.0.30   # B has the lower identity: it opens the session
$T/pki-lab "$DIR/pki" a=$A b=$B
tls() { # name
  printf '[tls]\ncertificate = "%s"\nkey = "%s"\nca = "%s"\npccs = "optional"\n' \
    "$DIR/pki/$1.crt" "$DIR/pki/$1.key" "$DIR/pki/ca.crt"
}
conf() { # address api_port priority peer peer_priority tls-name|""
  printf '[pce]\naddress = "%s"\nport = 4195\napi = "127.0.0.1:%s"\n' "$1" "$2"
  [ -n "$6" ] && tls "$6"
  printf '[state_sync]\npriority = %s\n[[state_sync.peers]]\naddress = "%s"\nport = 4195\npriority = %s\n' "$3" "$4" "$5"
}
for mode in plain tls; do
  name_a=""; name_b=""
  [ $mode = tls ] && { name_a=a; name_b=b; }
  conf $A 9295 200 $B 100 "$name_a" > "$DIR/a-$mode.toml"
  conf $B 9296 100 $A 200 "$name_b" > "$DIR/b-$mode.toml"
done
wait_at() { for _ in $(seq 1 1000); do (exec 3<>/dev/tcp/$1/$2) 2>/dev/null && return 0; sleep 0.005; done; return 1; }
lsps() { curl -sf "http://127.0.0.1:$1/health" | sed -n 's/.*"lsps":\([0-9]*\).*/\1/p'; }
now_ms() { date +%s%3N; }
for mode in plain tls; do : > "$DIR/sync-$mode"; : > "$DIR/repl-$mode"; : > "$DIR/cpu-$mode"; done
for r in $(seq 1 "$ROUNDS"); do
  for mode in plain tls; do
    sim_tls=()
    [ $mode = tls ] && sim_tls=(--tls-ca "$DIR/pki/ca.crt")
    $T/pce serve --config "$DIR/a-$mode.toml" 2>/dev/null & PA=$!
    wait_at $A 4195
    $T/pcc-sim --pce $A:4195 --pccs 2000 --lsps 50 --measure-sync --source-base 127.40.0.1 "${sim_tls[@]}" |
      sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' >> "$DIR/sync-$mode"
    # The daemon's own CPU time for it (the simulator's 2,000 TLS clients
    # share the two cores: on a network each router has its own CPU).
    awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' /proc/$PA/stat >> "$DIR/cpu-$mode"
    kill $PA; wait $PA 2>/dev/null || true
    # Replication: the PCCs stay connected to A (a peer takes reports only
    # for PCCs announced to it, that is connected to A).
    $T/pce serve --config "$DIR/a-$mode.toml" 2>/dev/null & PA=$!
    wait_at $A 4195
    $T/pcc-sim --pce $A:4195 --pccs 2000 --lsps 50 --seconds 600 --source-base 127.40.0.1 "${sim_tls[@]}" >/dev/null 2>&1 & PS=$!
    until curl -sf http://127.0.0.1:9295/health | grep -q '"lsps":100000,"sessions":2000,'; do sleep 0.01; done
    t0=$(now_ms)
    $T/pce serve --config "$DIR/b-$mode.toml" 2>/dev/null & PB=$!
    until [ "$(lsps 9296 || echo 0)" = 100000 ]; do sleep 0.002; done
    echo $(( $(now_ms) - t0 )) >> "$DIR/repl-$mode"
    if [ $mode = tls ]; then
      # The measurement is only valid if it was TLS.
      n=$(curl -sf http://127.0.0.1:9295/metrics | awk '/^pce_tls_sessions_established_total /{print $2}')
      [ "$n" -ge 2001 ] || { echo "expected 2,001 TLS sessions on A, got $n" >&2; exit 1; }
    fi
    kill $PS; wait $PS 2>/dev/null || true
    kill $PA $PB; wait $PA $PB 2>/dev/null || true
  done
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
for what in sync cpu repl; do
  p=$(median < "$DIR/$what-plain"); t=$(median < "$DIR/$what-tls")
  case $what in
    sync) label="sync of 100,000 LSPs from 2,000 PCCs (wall, simulator on the same cores)" ;;
    cpu) label="the same sync: pce serve's CPU time (process start included)" ;;
    repl) label="replication of 100,000 LSPs to a state-sync peer" ;;
  esac
  printf "%s: PCEPS %s ms (%s), TCP %s ms (%s); ratio %.2f\n" "$label" \
    "$t" "$(paste -sd' ' "$DIR/$what-tls")" "$p" "$(paste -sd' ' "$DIR/$what-plain")" "$(echo "$t / $p" | bc -l)"
done
