#!/usr/bin/env bash
# Fuzz every libFuzzer target of protocol/fuzz for SECONDS each (default
# 20: what CI runs), starting from the committed seeds
# (protocol/fuzz/seeds/<target>, made by `make-fuzz-seeds`) and the corpus
# earlier runs grew (protocol/fuzz/corpus/<target>, not committed).
#
#   tools/fuzz.sh [SECONDS] [TARGET ...]
#   JOBS=2 tools/fuzz.sh 1800            # a campaign: two processes per target
#
# Needs a nightly toolchain (cargo-fuzz builds with -Z flags): without one
# it says so and exits 0, so the default test command never depends on
# nightly. cargo-fuzz itself is installed from crates.io when missing.
# Targets are built without a sanitizer (-s none): the project forbids
# unsafe code, and the sanitizer's slowdown buys fewer executions than it
# finds. Prints each target's executions, and a crash's input path; exits 1
# on a crash (the input is kept in protocol/fuzz/artifacts/<target>).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(decode_message framer session bgp core_input)
jobs="${JOBS:-1}"

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz: no nightly toolchain here (rustup toolchain install nightly): fuzzing skipped"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked --quiet
fi

cargo run -q -p pce-tools --bin make-fuzz-seeds protocol/fuzz/seeds

cd protocol/fuzz
echo "== building the fuzz targets"
cargo +nightly fuzz build -O -s none
total=0
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log=$(mktemp)
  parallel=()
  [ "$jobs" -le 1 ] || parallel=(-jobs="$jobs" -workers="$jobs")
  set +e
  cargo +nightly fuzz run -O -s none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -print_final_stats=1 "${parallel[@]}" \
    >"$log" 2>&1
  rc=$?
  set -e
  # With -jobs, each worker writes fuzz-N.log; sum their final stats.
  shopt -s nullglob
  logs=("$log" fuzz-*.log)
  shopt -u nullglob
  runs=$(awk -F: '/stat::number_of_executed_units/ { s += $NF } END { print s + 0 }' "${logs[@]}")
  rm -f fuzz-*.log
  total=$((total + runs))
  if [ "$rc" -ne 0 ]; then
    failed=1
    echo "fuzz $t: FAILED after $runs executions"
    grep -E "panicked|Test unit written|SUMMARY|ERROR" "$log" | head -20
  else
    echo "fuzz $t: $runs executions in ${seconds} s, no crash ($(ls "corpus/$t" | wc -l) corpus entries)"
  fi
  rm -f "$log"
done
echo "fuzz: $total executions in all"
exit "$failed"
