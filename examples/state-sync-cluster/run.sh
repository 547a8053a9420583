#!/usr/bin/env bash
# Two PCEs with state-sync (PCE1 127.0.0.71, priority 200; PCE2 127.0.0.72,
# priority 100) on Topology A. PCC1 talks to PCE1 only, PCC3 to PCE2 only;
# their LSPs are in one link-disjoint group.
# Documented state: the mesh is complete and synchronized; PCE1 computes
# both LSPs (PCE2 sub-delegates LSP2 and relays PCE1's updates); LSP1 takes
# R1-R2-PCC2 and LSP2 R3-R4-PCC4.
#   examples/state-sync-cluster/run.sh [--check]
. "$(dirname "$0")/../lib.sh"
conf() { # me api priority peer peer-priority
cat <<TOML
[pce]
address = "$1"
port = 4290
api = "127.0.0.1:$2"
topology = "$ROOT/examples/topologies/draft-topology-a.json"
[state_sync]
priority = $3
[[state_sync.peers]]
address = "$4"
port = 4290
priority = $5
TOML
}
conf 127.0.0.71 9290 200 127.0.0.72 100 > "$WORK/pce1.toml"
conf 127.0.0.72 9291 100 127.0.0.71 200 > "$WORK/pce2.toml"
"$PCE" serve --config "$WORK/pce1.toml" 2>"$WORK/pce1.log" & PIDS+=($!)
"$PCE" serve --config "$WORK/pce2.toml" 2>"$WORK/pce2.log" & PIDS+=($!)
wait_api http://127.0.0.1:9290/peers 'd["mesh_complete"] and all(p["synchronized"] for p in d["peers"])'
"$SIM" --pce 127.0.0.71:4290 --source-base 127.62.0.1 --endpoints 10.0.0.1:10.0.0.2 --delegate \
  --group 1 --group-source 192.0.2.100 --seconds 3600 >/dev/null 2>&1 & PIDS+=($!)
"$SIM" --pce 127.0.0.72:4290 --source-base 127.63.0.1 --endpoints 10.0.0.3:10.0.0.4 --delegate \
  --group 1 --group-source 192.0.2.100 --seconds 3600 >/dev/null 2>&1 & PIDS+=($!)
wait_api http://127.0.0.1:9290/lsps 'sorted(tuple(l["reported_path"]) for l in d) == [("10.0.0.5", "10.0.0.6", "10.0.0.2"), ("10.0.0.7", "10.0.0.8", "10.0.0.4")] and all(l["computing_pce"] == "127.0.0.71" and l["pending_srp"] is None for l in d)'
wait_api http://127.0.0.1:9291/counters 'd["relayed_updates"] >= 1'
"$PCE" peers --api http://127.0.0.1:9291
"$PCE" lsps --api http://127.0.0.1:9291
echo "state-sync-cluster: PCE1 computes both LSPs, disjoint; PCE2 relays. APIs: 127.0.0.1:9290 (PCE1), 127.0.0.1:9291 (PCE2)"
[ "${1:-}" = --check ] && exit 0
wait "${PIDS[0]}"
