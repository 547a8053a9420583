# Shared by the interop scripts (sourced): prerequisites, the network
# namespace with its capture, waiting on conditions, clean-up, and zebra.
# Expects NAME set by the caller, and its arguments: the pce binary, the
# output directory, and an optional timeout in seconds (default 60); sets
# PCE OUT TIMEOUT ROOT from them. A caller without FRR sets NEEDS (the
# programs it needs), and CAPTURE_PORT and CAPTURE (the TCP port captured,
# the capture's file name; default PCEP, pcep.pcapng), or CAPTURE_FILTER
# (a capture filter, for more than one port).

PCE=$(realpath "$1")
OUT=$(realpath -m "$2")
TIMEOUT=${3:-60}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

[ "$(id -u)" = 0 ] || { echo "$NAME: needs root (ip netns)" >&2; exit 2; }
CAPTURE_PORT=${CAPTURE_PORT:-4189}
CAPTURE=${CAPTURE:-pcep.pcapng}
CAPTURE_FILTER=${CAPTURE_FILTER:-tcp port $CAPTURE_PORT}
for b in ${NEEDS:-/usr/lib/frr/zebra /usr/lib/frr/pathd tshark vtysh ip curl}; do
  command -v "$b" >/dev/null || { echo "$NAME: missing $b" >&2; exit 2; }
done
mkdir -p "$OUT/run"
chmod 755 "$OUT"
RUN="$OUT/run"
NS="$NAME$$"
X="ip netns exec $NS"
PIDS=()

cleanup() {
  set +e
  for f in "$RUN/pathd.pid" "$RUN/zebra.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

# Wait for a condition (a command that succeeds), or fail the step.
wait_for() {
  local what=$1; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "$NAME: FAILED: $what (within ${TIMEOUT}s)"
      return 1
    fi
    sleep 0.2
  done
  echo "$NAME: ok: $what"
}
# JSON on stdin satisfies a Python expression over `d`.
check() { python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; }

# pathd does not connect until zebra has both an IPv4 and an IPv6 router-id.
cat > "$RUN/zebra.conf" <<'ZEBRA'
hostname zebra
router-id 192.0.2.1
ipv6 router-id 2001:db8::1
ZEBRA

# The namespace, and the capture of every PCEP packet in it.
start_netns() {
  ip netns add "$NS"
  ip -n "$NS" link set lo up
  $X tshark -i lo -f "$CAPTURE_FILTER" -w "$OUT/$CAPTURE" >/dev/null 2>"$OUT/tshark.err" &
  PIDS+=($!)
  # The capture is running when dumpcap has created its file.
  wait_for "capture started" test -s "$OUT/$CAPTURE"
}

start_zebra() {
  chown -R frr:frr "$RUN"
  $X /usr/lib/frr/zebra -u frr -g frr -f "$RUN/zebra.conf" -z "$RUN/zserv.api" \
    -i "$RUN/zebra.pid" --vty_socket "$RUN" -P 0 --log stdout >"$OUT/zebra.log" 2>&1 &
  PIDS+=($!)
}

start_pathd() {
  chown -R frr:frr "$RUN"
  $X /usr/lib/frr/pathd -u frr -g frr -f "$RUN/pathd.conf" -z "$RUN/zserv.api" \
    -i "$RUN/pathd.pid" --vty_socket "$RUN" -P 0 -M pathd_pcep --log stdout \
    >"$OUT/pathd.log" 2>&1 &
  PIDS+=($!)
}

# pathd.conf: FRR's PCC at 127.0.0.2 with the SR policies given (stdin),
# and one PCE, NAME at 127.0.0.1:4189; "initiated" lets it create LSPs;
# with FRR_MD5 set, pathd signs the session with that TCP-MD5 key.
#   pathd_conf NAME [initiated] < POLICIES
pathd_conf() {
  local name=$1 init=""
  [ "${2:-}" = initiated ] && init="    pce-initiated"
  {
    printf 'hostname pcc1\nlog stdout debugging\ndebug pathd pcep basic\ndebug pathd pcep message\n'
    printf 'segment-routing\n traffic-eng\n'
    cat
    printf '  pcep\n   pce-config GROUP1\n    source-address ip 127.0.0.2\n    timer keep-alive 30\n   !\n'
    printf '   pce %s\n    config GROUP1\n    address ip 127.0.0.1 port 4189\n' "$name"
    if [ -n "$init" ]; then printf '%s\n' "$init"; fi
    if [ -n "${FRR_MD5:-}" ]; then printf '    tcp-md5-auth %s\n' "$FRR_MD5"; fi
    printf '   !\n   pcc\n    peer %s precedence 10\n   !\n  !\n !\n!\n' "$name"
  } > "$RUN/pathd.conf"
}

# GoBGP as a BGP-LS speaker (Debian gobgpd, golang-github-osrg-gobgp-dev
# for its API's protos): the Python venv that feeds its gRPC API (grpcio,
# grpcio-tools, protobuf; made in $GOBGP_VENV, default /tmp/gobgp-venv, if
# missing), exit 2 if it cannot be had.
gobgp_venv() {
  VENV=${GOBGP_VENV:-/tmp/gobgp-venv}
  local protos=/usr/share/gocode/src/github.com/osrg/gobgp/api
  [ -d "$protos" ] || { echo "$NAME: missing $protos (golang-github-osrg-gobgp-dev)" >&2; exit 2; }
  if ! "$VENV/bin/python" -c 'import grpc, grpc_tools, google.protobuf' 2>/dev/null; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" && "$VENV/bin/pip" install -q grpcio grpcio-tools protobuf ||
      { echo "$NAME: cannot make the Python venv $VENV" >&2; exit 2; }
  fi
}

# gobgpd at ADDR (AS 65000, its API on ADDR:50051), passive towards PEER
# (AS 65000) for the link-state family; GOBGP_API is set for feed.
#   start_gobgpd ADDR PEER
start_gobgpd() {
  local addr=$1 peer=$2
  cat > "$OUT/gobgpd.toml" <<CONF
[global.config]
  as = 65000
  router-id = "$addr"
  port = 179
  local-address-list = ["$addr"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$peer"
    peer-as = 65000
  [neighbors.transport.config]
    local-address = "$addr"
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ls"
CONF
  GOBGP_API=$addr:50051
  $X gobgpd -f "$OUT/gobgpd.toml" -p --api-hosts "$GOBGP_API" --pprof-disable -l info >"$OUT/gobgpd.log" 2>&1 &
  PIDS+=($!)
  wait_for "gobgpd's API answers" $X gobgp -u "$addr" -p 50051 global
}

# Hand gobgpd routes (tools/interop/gobgp-feed.py, its arguments).
feed() { $X "$VENV/bin/python" "$ROOT/tools/interop/gobgp-feed.py" --api "$GOBGP_API" "$@"; }

# get URL PATH: the API's JSON (inside the namespace).
get() { $X curl -sf "$1$2"; }

# dumpcap receives packets from the kernel in blocks (handed over when full
# or on a timeout), and stopping it drops a block not yet handed over: the
# last messages of a run could be missing from the file. So the last packet
# of every run is a marker, a SYN to an address where nothing listens (inside
# the capture filter), and the run ends only once the marker is in the file:
# blocks arrive in order, so every earlier packet is there too.
flush_capture() {
  $X bash -c "exec 3<>/dev/tcp/127.0.0.9/$CAPTURE_PORT" 2>/dev/null || true
  wait_for "capture holds every packet of the run" \
    eval "tshark -n -r '$OUT/$CAPTURE' -Y 'ip.dst==127.0.0.9' 2>/dev/null | grep -q ."
}

# Save FRR's view, stop everything, exit with the run's status.
finish() {
  local rc=$1
  flush_capture || rc=1
  vtysh --vty_socket "$RUN" -c 'show sr-te pcep session' -c 'show sr-te policy detail' \
    -c 'show sr-te pcep counters' >"$OUT/vtysh.txt" 2>&1 || true
  cleanup
  trap - EXIT
  exit "$rc"
}
