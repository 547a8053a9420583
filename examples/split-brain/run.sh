#!/usr/bin/env bash
# The draft's scenario 5 (Topology B), twice: PCC1 delegates LSP1 to PCE1,
# PCC3 delegates LSP2 to PCE2, both report to both PCEs, 20 ms between PCCs
# and PCEs, the two LSPs configured at the same time in one disjoint group.
# Without state-sync the PCEs chase each other (the updates never stop);
# with it (PCE1 priority 200) PCE1 computes both and they settle at once.
# Documented state: many updates without, at most 2 per LSP with.
# --tls: everything over PCEPS (RFC 8253): the PCCs' sessions over TLS
# (required), the PCEs' state-sync session over mutual TLS, certificates
# from a throw-away CA (pki-lab).
#   examples/split-brain/run.sh [--check] [--tls] [SECONDS]   (default 5)
. "$(dirname "$0")/../lib.sh"
CHECK=0; [ "${1:-}" = --check ] && { CHECK=1; shift; }
TLS=0; [ "${1:-}" = --tls ] && { TLS=1; shift; }
RUN=${1:-5}
SIM_TLS=()
if [ $TLS = 1 ]; then
  "$PKI" "$WORK/pki" pce1=127.0.0.81 pce2=127.0.0.82
  SIM_TLS=(--tls-ca "$WORK/pki/ca.crt")
fi
tls_section() { # PCE number
  printf '[tls]\ncertificate = "%s"\nkey = "%s"\nca = "%s"\npccs = "required"\n' \
    "$WORK/pki/pce$1.crt" "$WORK/pki/pce$1.key" "$WORK/pki/ca.crt"
}
run() { # mode
  local extra1="" extra2=""
  if [ "$1" = with ]; then
    extra1=$'[state_sync]\npriority = 200\n[[state_sync.peers]]\naddress = "127.0.0.82"\nport = 4291\npriority = 100'
    extra2=$'[state_sync]\npriority = 100\n[[state_sync.peers]]\naddress = "127.0.0.81"\nport = 4291\npriority = 200'
  fi
  if [ $TLS = 1 ]; then
    extra1="$(tls_section 1)"$'\n'"$extra1"
    extra2="$(tls_section 2)"$'\n'"$extra2"
  fi
  for i in 1 2; do
    local extra=extra$i
    cat > "$WORK/$1-pce$i.toml" <<TOML
[pce]
address = "127.0.0.8$i"
port = 4291
api = "127.0.0.1:929$((i + 1))"
topology = "$ROOT/examples/topologies/draft-topology-b.json"
${!extra}
TOML
    "$PCE" serve --config "$WORK/$1-pce$i.toml" 2>"$WORK/$1-pce$i.log" & PIDS+=($!)
    local pid$i=$!
  done
  wait_api http://127.0.0.1:9292/health 'd["status"] == "ok"'
  wait_api http://127.0.0.1:9293/health 'd["status"] == "ok"'
  [ "$1" = with ] && wait_api http://127.0.0.1:9292/peers 'd["mesh_complete"] and d["peers"][0]["synchronized"]'
  # Over PCEPS the state-sync session is mutual TLS.
  [ "$1" = with ] && [ $TLS = 1 ] && wait_api http://127.0.0.1:9292/sessions 'any(s["tls"] and "client certificate" in s["tls"] for s in d)'
  for p in 1 3; do
    local first second
    if [ $p = 1 ]; then first=127.0.0.81; second=127.0.0.82; else first=127.0.0.82; second=127.0.0.81; fi
    cat > "$WORK/$1-pcc$p.json" <<JSON
{"events": [{"at_ms": 300, "action": "add_lsp", "name": "lsp", "source": "10.0.0.$p", "destination": "10.0.0.$((p + 1))",
             "disjoint_group": 1, "group_source": "192.0.2.100"}]}
JSON
    "$SIM" --pce $first:4291 --pce $second:4291 --source-base 127.6$((p + 3)).0.1 --lsps 0 --latency-ms 20 "${SIM_TLS[@]}" \
      --scenario "$WORK/$1-pcc$p.json" --seconds "$RUN" --record "$WORK/$1-pcc$p.record.json" >/dev/null 2>&1 &
    eval "sim$p=\$!"
  done
  if [ "$1" = with ]; then
    # PCE2 sub-delegates LSP2 to PCE1 (the draft's §3.5); `pce lsps` shows
    # it from both sides.
    wait_api http://127.0.0.1:9293/lsps 'any(l["sub_delegated_to"] == "127.0.0.81" for l in d)'
    "$PCE" lsps --api http://127.0.0.1:9293 | tee "$WORK/pce2-lsps.txt" | grep -q " to 127.0.0.81 " ||
      { echo "split-brain: pce lsps on PCE2 does not show the sub-delegation" >&2; cat "$WORK/pce2-lsps.txt" >&2; [ $CHECK = 1 ] && exit 1; }
    "$PCE" lsps --api http://127.0.0.1:9292 | tee "$WORK/pce1-lsps.txt" | grep -q " by 127.0.0.82 " ||
      { echo "split-brain: pce lsps on PCE1 does not show the sub-delegation" >&2; cat "$WORK/pce1-lsps.txt" >&2; [ $CHECK = 1 ] && exit 1; }
  fi
  wait "$sim1" "$sim3"
  local u1 u3
  u1=$(python3 -c "import json; print(len(json.load(open('$WORK/$1-pcc1.record.json'))['pccs'][0]['updates']))")
  u3=$(python3 -c "import json; print(len(json.load(open('$WORK/$1-pcc3.record.json'))['pccs'][0]['updates']))")
  if [ $TLS = 1 ]; then
    # Every PCC session of this run was PCEPS (required): count them.
    local n
    n=$(curl -sf http://127.0.0.1:9292/metrics | awk '/^pce_tls_sessions_established_total /{print $2}')
    echo "$1 state-sync: PCE1 established $n TLS sessions"
    [ "${n:-0}" -ge 2 ] || { echo "split-brain: expected PCEPS sessions" >&2; [ $CHECK = 1 ] && exit 1; }
  fi
  echo "$1 state-sync: LSP1 got $u1 updates, LSP2 got $u3 in ${RUN}s"
  kill "${PIDS[@]}" 2>/dev/null || true
  wait "${PIDS[@]}" 2>/dev/null || true
  PIDS=()
  eval "U1_$1=$u1; U3_$1=$u3"
}
run without
run with
if [ "$U1_without" -gt 20 ] && [ "$U3_without" -gt 20 ] && [ "$U1_with" -le 2 ] && [ "$U3_with" -le 2 ]; then
  echo "split-brain: without state-sync the paths flap; with it they settle. QED"
else
  echo "split-brain: unexpected counts" >&2
  [ $CHECK = 1 ] && exit 1
fi
