#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with Rust:
# installs what the tests need, then format, lint and test gates.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests need from Debian: tshark (the independent PCEP decoder),
# FRR (pathd, a real PCC), COIN-OR CBC (the exact oracle's MILP solver),
# curl, iproute2 and python3 (the FRR runs'
# network namespaces, and the API checks of the interop scripts and the
# examples).
missing=()
command -v tshark >/dev/null 2>&1 || missing+=(tshark)
[ -x /usr/lib/frr/pathd ] || missing+=(frr)
command -v cbc >/dev/null 2>&1 || missing+=(coinor-cbc)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# nftables: the chaos lab's loss and partitions (tests/tests/chaos.rs).
command -v nft >/dev/null 2>&1 || missing+=(nftables)
# GoBGP (a real BGP-LS speaker), its API's protos, and venv for the
# feeder's Python gRPC client (tools/interop/gobgp-bgpls.sh).
command -v gobgpd >/dev/null 2>&1 || missing+=(gobgpd)
[ -d /usr/share/gocode/src/github.com/osrg/gobgp/api ] || missing+=(golang-github-osrg-gobgp-dev)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
# Chromium: the web view's test in a real browser (tests/tests/web_view.rs).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings
echo "== the sans-IO cores build without default features"
cargo check -q -p pcep --no-default-features
cargo check -q -p pce-engine --no-default-features
echo "== fuzzing: every target for a bounded time from its committed seeds (skipped without a nightly toolchain)"
tools/fuzz.sh "${FUZZ_SECONDS:-20}"
echo "== the Debian package: built, its unit verified, installed, run, purged (as root)"
tools/package/check.sh
echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# cargo's last line is often a doc-test summary of "0 passed"; close with
# the whole suite's count so the result is unambiguous.
awk '/^test result:/ { p += $4; f += $6 } END { printf "total: %d passed, %d failed\n", p, f }' "$log"
