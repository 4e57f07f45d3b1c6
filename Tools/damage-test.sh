#!/usr/bin/env bash
# 1000 damaged files (byte flips, truncations, spliced chunks) made from a PNG, a JPEG, a WebP, a HEIC and u2netp.onnx,
# each run through the release binary (`u2net-run FILE -o out.png`, `u2net-run inspect FILE.onnx`) with a 15 s limit:
# no crash signal, no hang, never exit 0 with an unreadable output. Files go to a temporary folder, removed after.
#   Tools/damage-test.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
flock /tmp/u2net-build.lock swift build -c release --product u2net-run >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flock -s /tmp/u2net-bench.lock nice -n 19 python3 Tools/reference/damage_test.py .build/release/u2net-run "$work" "${1:-1000}"
