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
