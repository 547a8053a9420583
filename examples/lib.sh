# Shared by the examples (sourced): binaries, clean-up, waiting on the API.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# PCE_BIN_DIR: where pce and pcc-sim are (default: a release build).
if [ -z "${PCE_BIN_DIR:-}" ]; then
  (cd "$ROOT" && cargo build -q --release -p pce-engine --bin pce -p pce-tools --bin pcc-sim --bin pki-lab)
  PCE_BIN_DIR="$ROOT/target/release"
fi
PCE="$PCE_BIN_DIR/pce"
SIM="$PCE_BIN_DIR/pcc-sim"
PKI="$PCE_BIN_DIR/pki-lab"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# wait_api URL PYTHON-CONDITION-ON-d [SECONDS]
wait_api() {
  local deadline=$((SECONDS + ${3:-30}))
  until curl -sf "$1" 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "timed out waiting for: $1 ($2)" >&2; return 1; }
    sleep 0.1
  done
}
