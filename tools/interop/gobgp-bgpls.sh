#!/usr/bin/env bash
# GoBGP (a real BGP speaker) originates BGP-LS for the draft's Topology A
# toward `pce serve`, in a private network namespace, every packet
# captured.
#
#   tools/interop/gobgp-bgpls.sh PCE_BINARY OUTDIR [TIMEOUT_SECONDS]
#
# gobgpd (127.0.0.1, AS 65000, passive) is fed through its gRPC API with
# the routes `pce bgp-ls-originate` prints (tools/interop/gobgp-feed.py);
# it decodes them with its own codec and sends its own encoding. pce serve
# (127.0.0.2, [bgp_ls], active) starts on a two-node file topology. Steps,
# each waited for as a condition (polling with a deadline):
#   1. the TED becomes Topology A: every node by name, every link in both
#      directions with the file's IGP and TE metrics;
#   2. GoBGP withdraws one link (both directions): it leaves the TED;
#   3. GoBGP announces it again: it is back.
# OUTDIR/bgp.pcapng holds the BGP session for the caller to decode.
# Exit status: 0 when every step happened, 1 otherwise (the failing step
# is printed); 2 for a missing prerequisite.
# Needs root (ip netns), the Debian packages gobgpd,
# golang-github-osrg-gobgp-dev (the API's protos), tshark, curl,
# python3-venv, and a Python venv with grpcio, grpcio-tools, protobuf
# (made in $GOBGP_VENV, default /tmp/gobgp-venv, if missing).
set -euo pipefail

NAME=gobgpbgpls
NEEDS="gobgpd gobgp tshark curl ip python3"
CAPTURE_PORT=179
CAPTURE=bgp.pcapng
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/interop/lib.sh
. "$HERE/lib.sh"
VENV=${GOBGP_VENV:-/tmp/gobgp-venv}
PROTOS=/usr/share/gocode/src/github.com/osrg/gobgp/api
[ -d "$PROTOS" ] || { echo "$NAME: missing $PROTOS (golang-github-osrg-gobgp-dev)" >&2; exit 2; }
if ! "$VENV/bin/python" -c 'import grpc, grpc_tools, google.protobuf' 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q grpcio grpcio-tools protobuf ||
    { echo "$NAME: cannot make the Python venv $VENV" >&2; exit 2; }
fi
start_netns

cat > "$OUT/gobgpd.toml" <<CONF
[global.config]
  as = 65000
  router-id = "127.0.0.1"
  port = 179
  local-address-list = ["127.0.0.1"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.2"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "127.0.0.1"
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ls"
CONF
$X gobgpd -f "$OUT/gobgpd.toml" -p --api-hosts 127.0.0.1:50051 --pprof-disable -l info >"$OUT/gobgpd.log" 2>&1 &
PIDS+=($!)
wait_for "gobgpd's API answers" $X gobgp -u 127.0.0.1 -p 50051 global

TOPO="$ROOT/examples/topologies/draft-topology-a.json"
"$PCE" bgp-ls-originate "$TOPO" > "$OUT/routes.txt"
cat > "$OUT/two.json" <<'JSON'
{"nodes": [{"name": "X", "router_id": "192.0.2.1"}, {"name": "Y", "router_id": "192.0.2.2"}],
 "links": [{"a": "X", "b": "Y", "igp_metric": 1}]}
JSON
cat > "$OUT/pce.toml" <<CONF
[pce]
address = "127.0.0.1"
api = "127.0.0.1:9189"
topology = "$OUT/two.json"
[bgp_ls]
local_as = 65000
router_id = "127.0.0.2"
settle_ms = 100
[[bgp_ls.peers]]
address = "127.0.0.1"
asn = 65000
CONF
$X "$PCE" serve --config "$OUT/pce.toml" >"$OUT/pce.log" 2>&1 &
PIDS+=($!)
API=http://127.0.0.1:9189
wait_for "pce serve answers" get "$API" /health
wait_for "the BGP-LS session is up" grep -q "BGP-LS session established" "$OUT/pce.log"
$X "$VENV/bin/python" "$ROOT/tools/interop/gobgp-feed.py" add "$OUT/routes.txt"

# The TED as the API shows it, against the file: every node, every
# directed link with its metrics; $1 links left out (the first link).
ted_is() {
  get "$API" /topology | python3 -c '
import json, sys
skip = int(sys.argv[2])
f = json.load(open(sys.argv[1]))
t = json.load(sys.stdin)
links = f["links"][skip:]
want = sorted((l[x], l[y], l["igp_metric"], l.get("te_metric") or l["igp_metric"])
              for l in links for x, y in (("a", "b"), ("b", "a")))
got = sorted((l["from"], l["to"], l["igp_metric"], l["te_metric"]) for l in t["links"])
names = sorted(n["name"] for n in f["nodes"]) == sorted(n["name"] for n in t["nodes"])
sys.exit(0 if names and got == want else 1)' "$TOPO" "$1"
}
wait_for "the TED is Topology A, learned from GoBGP" ted_is 0
first=$(grep -n -m1 '^0002' "$OUT/routes.txt" | cut -d: -f1)
from=$((first - 1))
to=$((first))
$X "$VENV/bin/python" "$ROOT/tools/interop/gobgp-feed.py" withdraw "$OUT/routes.txt" $from $to
wait_for "GoBGP withdrew the first link: it left the TED" ted_is 1
sed -n "$((from + 1)),$((to + 1))p" "$OUT/routes.txt" > "$OUT/link.txt"
$X "$VENV/bin/python" "$ROOT/tools/interop/gobgp-feed.py" add "$OUT/link.txt"
wait_for "GoBGP announced it again: it is back" ted_is 0
flush_capture
echo "$NAME: every step happened"
