#!/usr/bin/env bash
# Install the PyPI package topohub (SNDlib, Topology Zoo, CAIDA and other
# real topologies as JSON) and convert a few into this project's topology
# format under bench/target/topohub/. Nothing of topohub is committed.
#
#   bench/setup-topohub.sh [NAME ...]      default: sndlib/germany50 sndlib/nobel-eu
#                                          sndlib/janos-us, the largest topozoo and caida graphs
set -euo pipefail
cd "$(dirname "$0")"
OUT=target/topohub
mkdir -p "$OUT"
python3 -c 'import topohub' 2>/dev/null || python3 -m pip install --quiet topohub
DATA=$(python3 -c 'import os, topohub; print(os.path.join(os.path.dirname(topohub.__file__), "data"))')
python3 topohub-convert.py "$DATA" "$OUT" "$@"
ls -1 "$OUT"
