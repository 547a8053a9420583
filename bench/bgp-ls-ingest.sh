#!/usr/bin/env bash
# Daemon benchmark of BGP-LS ingestion (issue 16), release builds over
# loopback: `bgp-ls-send` (bench/src/bin/bgp-ls-send.rs) originates the
# generated carrier topology (NODES nodes, LINKS links: one Node NLRI and
# one Prefix NLRI per node, one Link NLRI per direction) to one receiver,
# as fast as it reads:
#   * `pce serve` ([bgp_ls], default settle_ms): the time from the first
#     UPDATE written until the TED in the core is the whole topology
#     (pce_ted_nodes / pce_ted_links in /metrics, polled every 50 ms), and
#     until a path across it is computed (POST /compute);
#   * the baseline in the same run: gobgpd receiving the same feed, until
#     its Adj-RIB-In has accepted every NLRI (`gobgp neighbor`).
# NLRIs per second = NLRIs / that time. Needs gobgpd and gobgp.
#
#   bench/bgp-ls-ingest.sh [NODES LINKS]     (default 50000 500000)
set -euo pipefail
cd "$(dirname "$0")/.."
NODES=${1:-50000}
LINKS=${2:-500000}
cargo build -q --release -p pce-engine --bin pce -p pce-bench --bin bgp-ls-send
T=target/release
DIR=$(mktemp -d)
trap 'set +e; pkill -f "$T/pce serve --config $DIR"; pkill -f "gobgpd -f $DIR"; pkill -f "$T/bgp-ls-send"; rm -rf "$DIR"; true' EXIT

# Start the sender on PORT and wait until it is ready (its UPDATEs encoded).
sender() {
  $T/bgp-ls-send "$NODES" "$LINKS" 42 "127.0.0.1:$1" > "$DIR/send-$1.log" &
  until grep -q '^ready' "$DIR/send-$1.log" 2>/dev/null; do sleep 0.2; done
  sed -n 's/^ready //p' "$DIR/send-$1.log"
}

# Wait until CHECK (a shell command) holds; print seconds since the
# sender's first byte.
since_start() {
  local log=$1; shift
  until "$@" >/dev/null 2>&1; do sleep 0.05; done
  local now; now=$(date +%s%N)
  until grep -q '^sent' "$log"; do sleep 0.05; done
  local start; start=$(sed -n 's/.*start_ns=\([0-9]*\).*/\1/p' "$log")
  echo "scale=3; ($now - $start) / 1000000000" | bc
}

# --- pce serve.
sender 17901 >/dev/null
NLRIS=$(sed -n 's/.*nlris=\([0-9]*\).*/\1/p' "$DIR/send-17901.log")
cat > "$DIR/pce.toml" <<EOF
[pce]
port = 4199
api = "127.0.0.1:9199"
[bgp_ls]
local_as = 65000
router_id = "127.0.0.2"
[[bgp_ls.peers]]
address = "127.0.0.1"
asn = 65000
port = 17901
EOF
GOT_NODES=$(sed -n 's/.*nodes=\([0-9]*\).*/\1/p' "$DIR/send-17901.log")
GOT_LINKS=$(sed -n 's/.*links=\([0-9]*\).*/\1/p' "$DIR/send-17901.log")
NO_COLOR=1 $T/pce serve --config "$DIR/pce.toml" 2>"$DIR/pce.log" &
ted_complete() {
  curl -sf http://127.0.0.1:9199/metrics | grep -q "^pce_ted_links{state=\"up\"} $((2 * GOT_LINKS))\$"
}
pce_s=$(since_start "$DIR/send-17901.log" ted_complete)
path_s=$(since_start "$DIR/send-17901.log" curl -sf -XPOST http://127.0.0.1:9199/compute \
  -H 'content-type: application/json' -d '{"source": "n0", "destination": "n'$((GOT_NODES - 1))'"}')
rss=$(awk '/VmHWM/ {print $2}' /proc/"$(pgrep -f "$T/pce serve --config $DIR")"/status)
write_pce=$(sed -n 's/.*write_ms=\([0-9.]*\).*/\1/p' "$DIR/send-17901.log")
# The core's time for each TED it was given (what every session waited).
core_ms=$(sed -n 's/.*topology change applied.*core_ms=\([0-9.]*\).*/\1/p' "$DIR/pce.log" | paste -sd, -)
# Off the core, per TED: from the LS database, built, prepared (ms).
off_core=$(sed -n 's/.*the TED is the topology now.*ted_ms=\([0-9.]*\) build_ms=\([0-9.]*\) prepare_ms=\([0-9.]*\).*/\1+\2+\3/p' "$DIR/pce.log" | paste -sd, -)
pkill -f "$T/pce serve --config $DIR"; pkill -f "$T/bgp-ls-send" || true

# --- gobgpd, the same feed.
sender 17902 >/dev/null
cat > "$DIR/gobgpd.toml" <<EOF
[global.config]
  as = 65000
  router-id = "127.0.0.3"
  port = -1
[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.1"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "127.0.0.3"
    remote-port = 17902
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ls"
EOF
gobgpd -f "$DIR/gobgpd.toml" --api-hosts 127.0.0.3:50052 --pprof-disable -l warn >"$DIR/gobgpd.log" 2>&1 &
accepted() { gobgp -u 127.0.0.3 -p 50052 neighbor 127.0.0.1 | sed -n 's/.*Accepted: *\([0-9]*\).*/\1/p'; }
# Until every NLRI is accepted, or GOBGP_DEADLINE seconds (default 180:
# gobgpd's memory grows by gigabytes at this size).
DEADLINE=$((SECONDS + ${GOBGP_DEADLINE:-180}))
rib_complete() { [ "$(accepted)" = "$NLRIS" ] || [ $SECONDS -ge $DEADLINE ]; }
gobgp_s=$(since_start "$DIR/send-17902.log" rib_complete)
got=$(accepted)
grss=$(awk '/VmHWM/ {print $2}' /proc/"$(pgrep -f "gobgpd -f $DIR")"/status)
write_gobgp=$(sed -n 's/.*write_ms=\([0-9.]*\).*/\1/p' "$DIR/send-17902.log")

echo "topology: $GOT_NODES nodes, $GOT_LINKS links, $NLRIS NLRIs"
echo "pce serve: TED complete in ${pce_s} s ($(echo "$NLRIS / $pce_s" | bc) NLRIs/s), first path at ${path_s} s, sender wrote for ${write_pce} ms, peak RSS $((rss / 1024)) MiB, core ms per TED change: ${core_ms} (off the core: ${off_core})"
echo "gobgpd:    $got of $NLRIS NLRIs accepted in ${gobgp_s} s ($(echo "$got / $gobgp_s" | bc) NLRIs/s), sender wrote for ${write_gobgp} ms, peak RSS $((grss / 1024)) MiB"
echo "NLRIs/s, pce over gobgpd: $(echo "scale=1; ($NLRIS / $pce_s) / ($got / $gobgp_s)" | bc)"
