#!/usr/bin/env bash
# GoBGP (a real BGP speaker) originates BGP-LS for the draft's Topology A
# toward `pce serve`, in a private network namespace, every packet
# captured.
#
#   tools/interop/gobgp-bgpls.sh PCE_BINARY OUTDIR [TIMEOUT_SECONDS [TOPOLOGY.json]]
#
# gobgpd (127.0.0.1, AS 65000, passive) is fed through its gRPC API with
# the routes `pce bgp-ls-originate` prints (tools/interop/gobgp-feed.py);
# it decodes them with its own codec and sends its own encoding. pce serve
# (127.0.0.2, [bgp_ls], active) starts on a two-node file topology. Steps,
# each waited for as a condition (polling with a deadline):
#   1. the TED becomes Topology A: every node by name, every link in both
#      directions with the file's IGP and TE metrics;
#   2. pcc-sim (next to PCE_BINARY) delegates two LSPs: PCC1 to PCC4 (over
#      R1-R3 in Topology A) and PCC2 to PCC3 (over R2-R4-R3); each gets its
#      path by PCUpd and acknowledges it;
#   3. GoBGP withdraws R1-R3 (both directions): it goes down in the TED,
#      the LSP over it gets a new path by PCUpd (acknowledged), the other
#      LSP gets none;
#   4. GoBGP announces it again: it is up, and the reoptimization brings
#      the first LSP back over it;
#   5. with TOPOLOGY.json (a generated topology of a few hundred nodes):
#      GoBGP withdraws Topology A and originates it instead (its BGP-LS
#      attributes passed through unchanged: GoBGP's codec drops the delay
#      TLV); once the TED
#      is that topology, paths computed on it (POST /compute: IGP, TE,
#      delay, SR with node SIDs, bandwidth, affinity) are the same as those
#      of a second `pce serve` that reads the file.
# OUTDIR/bgp.pcapng holds the BGP session and the PCEP sessions for the
# caller to decode.
# Exit status: 0 when every step happened, 1 otherwise (the failing step
# is printed); 2 for a missing prerequisite.
# Needs root (ip netns), the Debian packages gobgpd,
# golang-github-osrg-gobgp-dev (the API's protos), tshark, curl,
# python3-venv, and a Python venv with grpcio, grpcio-tools, protobuf
# (made in $GOBGP_VENV, default /tmp/gobgp-venv, if missing).
set -euo pipefail

NAME=gobgpbgpls
NEEDS="gobgpd gobgp tshark curl ip python3"
CAPTURE_FILTER="tcp port 179 or tcp port 4189"
CAPTURE=bgp.pcapng
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/interop/lib.sh
. "$HERE/lib.sh"
gobgp_venv
start_netns
start_gobgpd 127.0.0.1 127.0.0.2

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
feed add "$OUT/routes.txt"

# The TED as the API shows it, against the file: every node, every
# directed link up with its metrics; the link $1 (A-B), if given, down.
ted_is() {
  get "$API" /topology | python3 -c '
import json, sys
down = set(sys.argv[2].split("-")) if len(sys.argv) > 2 else set()
f = json.load(open(sys.argv[1]))
t = json.load(sys.stdin)
links = [l for l in f["links"] if {l["a"], l["b"]} != down]
want = sorted((l[x], l[y], l["igp_metric"], l.get("te_metric") or l["igp_metric"])
              for l in links for x, y in (("a", "b"), ("b", "a")))
got = sorted((l["from"], l["to"], l["igp_metric"], l["te_metric"]) for l in t["links"] if l["up"])
names = sorted(n["name"] for n in f["nodes"]) == sorted(n["name"] for n in t["nodes"])
sys.exit(0 if names and got == want else 1)' "$TOPO" "$@"
}
wait_for "the TED is Topology A, learned from GoBGP" ted_is

# The LSPs: by source, "hops updates" once acknowledged; $1 the expected
# text (PCC1: 10.0.0.1, R1 .5, R2 .6, R3 .7, R4 .8).
lsps_are() {
  get "$API" /lsps | python3 -c '
import json, sys
l = json.load(sys.stdin)
done = all(x["delegated"] and x["pending_srp"] is None and x["computed_path"] for x in l)
got = " ".join(sorted("%s:%s:%d" % (x["source"], ",".join(x["computed_path"] or []), x["updates"]) for x in l))
sys.exit(0 if done and got == sys.argv[1] else 1)' "$1"
}
PCC_SIM=$(dirname "$PCE")/pcc-sim
$X "$PCC_SIM" --pce 127.0.0.1:4189 --source-base 127.4.0.1 --lsps 2 --delegate \
  --endpoints 10.0.0.1:10.0.0.4,10.0.0.2:10.0.0.3 --seconds 300 >"$OUT/pcc-sim.log" 2>&1 &
PIDS+=($!)
OVER_R3="10.0.0.1:10.0.0.5,10.0.0.7,10.0.0.8,10.0.0.4"
OTHER="10.0.0.2:10.0.0.6,10.0.0.8,10.0.0.7,10.0.0.3:1"
wait_for "pcc-sim's LSPs have their paths, acknowledged" lsps_are "$OVER_R3:1 $OTHER"

# R1 (router ID digits 5) to R3 (7) and back: two lines, one after the other.
first=$(grep -n '^0002.*0100000000050101.*010000000007 ' "$OUT/routes.txt" | cut -d: -f1)
[ -n "$first" ] || { echo "$NAME: FAILED: no route for the link R1-R3"; exit 1; }
from=$((first - 1))
to=$((first))
feed withdraw "$OUT/routes.txt" $from $to
wait_for "GoBGP withdrew R1-R3: it is down in the TED" ted_is R1-R3
wait_for "the LSP over R1-R3 moved (PCUpd, acknowledged), the other did not" \
  lsps_are "10.0.0.1:10.0.0.5,10.0.0.6,10.0.0.8,10.0.0.4:2 $OTHER"
sed -n "$((from + 1)),$((to + 1))p" "$OUT/routes.txt" > "$OUT/link.txt"
feed add "$OUT/link.txt"
wait_for "GoBGP announced it again: it is up" ted_is
wait_for "the reoptimization brought the LSP back over R1-R3" lsps_are "$OVER_R3:3 $OTHER"

TOPO2=${4:-}
if [ -n "$TOPO2" ]; then
  cat > "$OUT/file.toml" <<CONF
[pce]
address = "127.0.0.1"
port = 4190
api = "127.0.0.1:9190"
topology = "$TOPO2"
CONF
  $X "$PCE" serve --config "$OUT/file.toml" >"$OUT/pce-file.log" 2>&1 &
  PIDS+=($!)
  wait_for "the PCE on the file answers" get http://127.0.0.1:9190 /health
  "$PCE" bgp-ls-originate "$TOPO2" > "$OUT/routes2.txt"
  feed withdraw "$OUT/routes.txt" 0 $(($(wc -l < "$OUT/routes.txt") - 1))
  # Raw: GoBGP's own codec would drop the delay TLV (1114), which the
  # comparison needs.
  feed --raw add "$OUT/routes2.txt"
  TOPO=$TOPO2
  wait_for "the TED is the generated topology, learned from GoBGP" ted_is
  $X python3 - "$TOPO2" <<'PY'
import http.client, json, random, sys
f = json.load(open(sys.argv[1]))
names = [n["name"] for n in f["nodes"]]
rng = random.Random(7)
asks = []
for i in range(60):
    a, b = rng.sample(names, 2)
    ask = {"source": a, "destination": b}
    kind = i % 6
    if kind == 0: ask.update(setup="rsvp", objective="igp")
    if kind == 1: ask.update(setup="rsvp", objective="te")
    if kind == 2: ask.update(setup="rsvp", objective="delay")
    if kind == 3: ask.update(setup="rsvp", bandwidth_bps=5e9)
    if kind == 4: ask.update(setup="rsvp", exclude_any=1)
    asks.append(ask)
def post(port, ask):
    c = http.client.HTTPConnection("127.0.0.1", port)
    c.request("POST", "/compute", body=json.dumps(ask), headers={"content-type": "application/json"})
    r = c.getresponse()
    return r.status, json.loads(r.read())
bad = 0
for ask in asks:
    ted, file = post(9189, ask), post(9190, ask)
    if ted != file:
        bad += 1
        print("differs:", json.dumps(ask), "\n  BGP-LS:", ted, "\n  file:  ", file)
found = sum(1 for ask in asks if post(9190, ask)[0] == 200)
print("gobgpbgpls: %d of %d paths the same from BGP-LS and from the file (%d found)" % (len(asks) - bad, len(asks), found))
sys.exit(1 if bad or found < len(asks) // 2 else 0)
PY
  echo "$NAME: ok: the same paths from BGP-LS as from the file"
fi
flush_capture
echo "$NAME: every step happened"
