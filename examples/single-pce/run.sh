#!/usr/bin/env bash
# One PCE on the draft's Topology A and four simulated PCCs (127.1.0.1-4),
# each with two delegated LSPs (PCC1->PCC2 and PCC3->PCC4 of the topology)
# in a link-disjoint group.
# Documented state: 8 LSPs, all computed by the PCE and acknowledged, every
# disjoint group computed by one PCE with link disjointness achieved.
#   examples/single-pce/run.sh           # stays up; Ctrl-C to stop
#   examples/single-pce/run.sh --check   # exits 0 once the state is reached
. "$(dirname "$0")/../lib.sh"
cat > "$WORK/pce.toml" <<TOML
[pce]
address = "127.0.0.1"
port = 4289
api = "127.0.0.1:9289"
topology = "$ROOT/examples/topologies/draft-topology-a.json"
TOML
"$PCE" serve --config "$WORK/pce.toml" 2>"$WORK/pce.log" & PIDS+=($!)
wait_api http://127.0.0.1:9289/health 'd["status"] == "ok"'
"$SIM" --pce 127.0.0.1:4289 --pccs 4 --lsps 2 --delegate --disjoint-pairs --seconds 3600 \
  --endpoints 10.0.0.1:10.0.0.2,10.0.0.3:10.0.0.4 >/dev/null 2>&1 & PIDS+=($!)
wait_api http://127.0.0.1:9289/lsps 'len(d) == 8 and all(l["delegated"] and l["pending_srp"] is None and l["reported_path"] == l["computed_path"] for l in d)'
wait_api http://127.0.0.1:9289/associations 'len(d) == 4 and all(g["computed_by_one_pce"] and g["disjointness_achieved"] == "link" for g in d)'
wait_api 'http://127.0.0.1:9289/lsps?association=1&computing_pce=127.0.0.1' 'len(d) == 8'
"$PCE" lsps --api http://127.0.0.1:9289
echo "single-pce: 8 LSPs computed and acknowledged; look around with: $PCE lsps|associations|sessions --api http://127.0.0.1:9289"
[ "${1:-}" = --check ] && exit 0
wait "${PIDS[0]}"
