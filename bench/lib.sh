# Shared by the macro benchmarks (sourced after `cd` to the repository):
# the release binaries, a scratch directory removed at exit with any
# `pce serve` started on a configuration in it, and two helpers.
cargo build -q --release -p pce-engine --bin pce -p pce-tools --bin pcc-sim
T=target/release
DIR=$(mktemp -d)
trap 'set +e; pkill -f "$T/pce serve --config $DIR" 2>/dev/null; rm -rf "$DIR"' EXIT
# Wait until 127.0.0.1:$1 accepts connections (at most 5 s).
wait_port() { for _ in $(seq 1 500); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.01; done; return 1; }
# The median of the numbers on standard input, one per line.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# Wait until the PCE whose API is on 127.0.0.1:$1 holds $2 LSPs with
# every update acknowledged, the same over half a second (at most 300 s).
settled() {
  python3 - "$1" "$2" <<'PY'
import http.client, json, sys, time
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=600)
want = int(sys.argv[2])
def get(p):
    c.request("GET", p); return json.loads(c.getresponse().read())
deadline = time.monotonic() + 300
last = None
while time.monotonic() < deadline:
    h, k = get("/health"), get("/counters")
    now = (h["lsps"], k["updates_sent"], k["updates_acked"])
    if h["lsps"] == want and now[1] == now[2] and now == last:
        sys.exit(0)
    last = now
    time.sleep(0.5)
sys.exit("not settled: %s" % (last,))
PY
}
