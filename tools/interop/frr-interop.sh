#!/usr/bin/env bash
# FRRouting's pathd (a real PCC) against `pce serve`, in a private network
# namespace, with every packet captured.
#
#   tools/interop/frr-interop.sh PCE_BINARY OUTDIR [TIMEOUT_SECONDS]
#   FRR_TED=bgp-ls tools/interop/frr-interop.sh ...
#   PCE_MD5=KEY FRR_MD5=KEY tools/interop/frr-interop.sh ...
#   PCE_MD5=KEY FRR_MD5=OTHER EXPECT=refused tools/interop/frr-interop.sh ...
#
# PCE_MD5 gives the PCE a TCP-MD5 key (RFC 2385) for pathd's address,
# FRR_MD5 gives pathd one (tcp-md5-auth). With EXPECT=refused the keys
# differ: the script checks that the kernel drops pathd's segments (the
# PCE's pce_tcp_md5_drops_total{reason="failure"} grows) and that no
# session comes up, then stops.
#
# With FRR_TED=bgp-ls the PCE starts on a two-node file and learns the
# topology (examples/topologies/frr-interop.json) over BGP-LS from GoBGP
# (gobgpd at 127.0.0.3, the routes `pce bgp-ls-originate` prints); pathd
# starts once the TED is that topology.
#
# Steps, each waited for as a condition (polling with a deadline, never a
# fixed sleep):
#   1. the PCEP session from pathd (127.0.0.2) is Up (management API);
#   2. pathd's LSPs are synchronized: its explicit and dynamic candidate
#      paths are in the LSP database;
#   3. the dynamic candidate path was delegated; the operator asks for the
#      minimum hop count (PATCH through the API), the PCE computes another
#      path and sends it by PCUpd, and pathd's report acknowledges it
#      (updates >= 1, nothing pending, the reported path is the computed one);
#   4. an LSP initiated through the management API is reported by pathd
#      (C=1, PLSP-ID learned).
# Then FRR's own view (vtysh) is saved, everything is stopped, and
# OUTDIR/pcep.pcapng holds the whole PCEP exchange for the caller to decode.
# Exit status: 0 when every step happened, 1 otherwise (the failing step is
# printed); 2 for a missing prerequisite (root, frr, tshark).
# Needs root (ip netns) and the Debian packages frr and tshark
# (tools/test.sh installs them).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
NAME=frrinterop
TED=${FRR_TED:-file}
if [ "$TED" = bgp-ls ]; then
  NEEDS="/usr/lib/frr/zebra /usr/lib/frr/pathd tshark vtysh ip curl gobgpd gobgp python3"
  CAPTURE_FILTER="tcp port 4189 or tcp port 179"
fi
# shellcheck source=tools/interop/lib.sh
. "$HERE/lib.sh"
API="http://127.0.0.1:9189"
TOPO="$ROOT/examples/topologies/frr-interop.json"

if [ "$TED" = bgp-ls ]; then
  gobgp_venv
  cat > "$OUT/two.json" <<'JSON'
{"nodes": [{"name": "X", "router_id": "198.51.100.1"}, {"name": "Y", "router_id": "198.51.100.2"}],
 "links": [{"a": "X", "b": "Y", "igp_metric": 1}]}
JSON
  cat > "$OUT/pce.toml" <<EOF
[pce]
address = "127.0.0.1"
port = 4189
api = "127.0.0.1:9189"
topology = "$OUT/two.json"
[bgp_ls]
local_as = 65000
router_id = "127.0.0.4"
settle_ms = 100
[[bgp_ls.peers]]
address = "127.0.0.3"
asn = 65000
EOF
else
  cat > "$OUT/pce.toml" <<EOF
[pce]
address = "127.0.0.1"
port = 4189
api = "127.0.0.1:9189"
topology = "$TOPO"
keepalive = 30
dead_timer = 120
EOF
fi
if [ -n "${PCE_MD5:-}" ]; then
  printf '[[tcp_md5]]\npeer = "127.0.0.2"\nkey = "%s"\n' "$PCE_MD5" >> "$OUT/pce.toml"
fi

pathd_conf PCE1 initiated <<'POLICIES'
  segment-list SL1
   index 10 mpls label 16005
   index 20 mpls label 16004
  !
  policy color 1 endpoint 192.0.2.4
   name explicit1
   candidate-path preference 100 name CP1 explicit segment-list SL1
  !
  policy color 2 endpoint 192.0.2.2
   name dynamic1
   candidate-path preference 100 name DYN dynamic
  !
POLICIES
api() { get "$API" "$1"; }

start_netns
if [ "$TED" = bgp-ls ]; then start_gobgpd 127.0.0.3 127.0.0.4; fi

$X "$PCE" serve --config "$OUT/pce.toml" >"$OUT/pce.log" 2>&1 &
PIDS+=($!)
wait_for "pce serve answers on its API" api /health

# The TED is the file's topology: every node, every directed link up.
ted_is_the_file() {
  api /topology | python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))
t = json.load(sys.stdin)
want = sorted((l[x], l[y], l["igp_metric"]) for l in f["links"] for x, y in (("a", "b"), ("b", "a")))
got = sorted((l["from"], l["to"], l["igp_metric"]) for l in t["links"] if l["up"])
sys.exit(0 if got == want and len(t["nodes"]) == len(f["nodes"]) else 1)' "$TOPO"
}
if [ "$TED" = bgp-ls ]; then
  wait_for "the BGP-LS session is up" grep -q "BGP-LS session established" "$OUT/pce.log"
  "$PCE" bgp-ls-originate "$TOPO" > "$OUT/routes.txt"
  feed add "$OUT/routes.txt"
fi
wait_for "the TED is $(basename "$TOPO") (from the $TED)" ted_is_the_file

start_zebra
start_pathd

session_up() { api /sessions | check 'any(s["peer"].startswith("127.0.0.2:") and s["state"] == "Up" for s in d)'; }
synced() { api "/lsps?pcc=127.0.0.2" | check 'len(d) >= 2'; }
delegated() { api "/lsps?pcc=127.0.0.2&delegated=true" | check 'any(l["name"] == "dynamic1-DYN" for l in d)'; }
delegated_updated() {
  api "/lsps?pcc=127.0.0.2&delegated=true" |
    check 'any(l["name"] == "dynamic1-DYN" and l["updates"] >= 1 and l["pending_srp"] is None and l["reported_path"] == l["computed_path"] for l in d)'
}
initiated() { api "/lsps?pcc=127.0.0.2&initiated=true" | check 'any(l["name"] == "init-frr" for l in d)'; }

md5_failures() {
  api /metrics | python3 -c '
import sys
for l in sys.stdin:
    if l.startswith("pce_tcp_md5_drops_total{reason=\"failure\"} "):
        sys.exit(0 if int(l.split()[1]) >= int(sys.argv[1]) else 1)
sys.exit(1)' "$1"
}

rc=0
if [ "${EXPECT:-up}" = refused ]; then
  # The kernel's count is the namespace's: count from what it shows now.
  before=$(api /metrics | sed -n 's/^pce_tcp_md5_drops_total{reason="failure"} //p')
  {
    wait_for "pathd's segments dropped for a wrong TCP-MD5 key" md5_failures $((before + 1)) &&
    ! session_up && echo "no PCEP session with pathd: refused"
  } || rc=1
  api /counters >"$OUT/counters.json" || true
  finish $rc
fi
{
  wait_for "PCEP session with FRR pathd is Up" session_up &&
  wait_for "FRR's LSPs synchronized" synced &&
  wait_for "dynamic candidate path delegated" delegated &&
  $X curl -sf -XPATCH "$API/lsps/127.0.0.2/dynamic1-DYN" -H 'content-type: application/json' \
    -d '{"objective":"hops"}' >"$OUT/patch.json" &&
  wait_for "dynamic candidate path updated by PCUpd, acknowledged by FRR" delegated_updated &&
  $X curl -sf -XPOST "$API/lsps" -H 'content-type: application/json' \
    -d '{"pcc":"127.0.0.2","name":"init-frr","source":"192.0.2.1","destination":"192.0.2.4","setup":"sr","color":3}' \
    >"$OUT/initiate.json" &&
  wait_for "PCE-initiated LSP created on FRR and reported" initiated
} || rc=1

api "/lsps" >"$OUT/lsps.json" || true
api "/counters" >"$OUT/counters.json" || true
finish $rc
