#!/usr/bin/env bash
# FRRouting's pathd as a PCC connected only to PCE2, while PCE1 (a state-sync
# peer of PCE2) has the higher computation priority, in a private network
# namespace with every packet captured.
#
#   tools/interop/frr-state-sync.sh PCE_BINARY OUTDIR [TIMEOUT_SECONDS]
#
# PCE2 listens on 127.0.0.1 (pathd's PCE, priority 100), PCE1 on 127.0.0.5
# (priority 200); PCE2 has the lower identity and opens the state-sync
# session. Steps, each waited for as a condition:
#   1. the state-sync session is up and both sides synchronized;
#   2. pathd's session with PCE2 is up and its LSPs reach PCE1 (forwarded,
#      SPEAKER-ENTITY-ID naming pathd);
#   3. the dynamic candidate path, delegated by pathd to PCE2, is
#      sub-delegated to PCE1 (PCE1 shows delegated_by = PCE2);
#   4. the operator asks PCE1 for the minimum hop count (PATCH); PCE1
#      computes, its PCUpd goes to PCE2, PCE2 relays it to pathd, and
#      pathd's acknowledgement comes back to PCE1 through PCE2 (nothing
#      pending on PCE1, the reported path is the computed one, PCE2 counts a
#      relayed update).
# OUTDIR/pcep.pcapng holds both sessions. Exit 0 when every step happened,
# 1 otherwise (the failing step is printed), 2 for a missing prerequisite.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
NAME=frrstatesync
# shellcheck source=tools/interop/lib.sh
. "$HERE/lib.sh"
API1="http://127.0.0.5:9189"   # PCE1, computing
API2="http://127.0.0.1:9189"   # PCE2, pathd's PCE
TOPO="$ROOT/examples/topologies/frr-interop.json"

cat > "$OUT/pce1.toml" <<EOF
[pce]
address = "127.0.0.5"
api = "127.0.0.5:9189"
topology = "$TOPO"
[state_sync]
priority = 200
[[state_sync.peers]]
address = "127.0.0.1"
priority = 100
EOF
cat > "$OUT/pce2.toml" <<EOF
[pce]
address = "127.0.0.1"
api = "127.0.0.1:9189"
topology = "$TOPO"
[state_sync]
priority = 100
[[state_sync.peers]]
address = "127.0.0.5"
priority = 200
EOF

pathd_conf PCE2 <<'POLICIES'
  policy color 2 endpoint 192.0.2.2
   name dynamic1
   candidate-path preference 100 name DYN dynamic
  !
POLICIES

start_netns
$X "$PCE" serve --config "$OUT/pce1.toml" >"$OUT/pce1.log" 2>&1 &
PIDS+=($!)
$X "$PCE" serve --config "$OUT/pce2.toml" >"$OUT/pce2.log" 2>&1 &
PIDS+=($!)

mesh() { get "$API1" /peers | check 'd["mesh_complete"] and d["peers"][0]["synchronized"]' &&
         get "$API2" /peers | check 'd["mesh_complete"] and d["peers"][0]["synchronized"]'; }
pcc_up() { get "$API2" /sessions | check 'any(s["peer"].startswith("127.0.0.2:") and s["state"] == "Up" for s in d)'; }
forwarded() { get "$API1" "/lsps?pcc=127.0.0.2" | check 'any(l["name"] == "dynamic1-DYN" for l in d)'; }
subdelegated() {
  get "$API1" "/lsps?pcc=127.0.0.2" |
    check 'any(l["name"] == "dynamic1-DYN" and l["delegated_by"] == "127.0.0.1" and l["computing_pce"] == "127.0.0.5" for l in d)'
}
updated() {
  get "$API1" "/lsps?pcc=127.0.0.2" |
    check 'any(l["name"] == "dynamic1-DYN" and l["updates"] >= 1 and l["pending_srp"] is None and l["reported_path"] == l["computed_path"] for l in d)' &&
  get "$API2" /counters | check 'd["relayed_updates"] >= 1'
}

start_zebra

rc=0
{
  wait_for "state-sync session up, both sides synchronized" mesh &&
  start_pathd
  wait_for "pathd's session with PCE2 is Up" pcc_up &&
  wait_for "pathd's LSP forwarded to PCE1" forwarded &&
  wait_for "the dynamic candidate path sub-delegated to PCE1" subdelegated &&
  $X curl -sf -XPATCH "$API1/lsps/127.0.0.2/dynamic1-DYN" -H 'content-type: application/json' \
    -d '{"objective":"hops"}' >"$OUT/patch.json" &&
  wait_for "PCE1's update relayed by PCE2 to pathd and acknowledged back to PCE1" updated
} || rc=1

get "$API1" /lsps >"$OUT/pce1-lsps.json" || true
get "$API2" /lsps >"$OUT/pce2-lsps.json" || true
get "$API2" /counters >"$OUT/pce2-counters.json" || true
finish $rc
