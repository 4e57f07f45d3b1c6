#!/usr/bin/env bash
# Times u2net-run against ONNX Runtime, MNN and OpenVINO on the same model, input size and thread count,
# alternating them, and prints each one's median latency, peak RSS and the ratios.
#   Tools/bench-engines.sh [--model PATH] [--size N] [--threads T] [--runs R] [--rounds K] [--engines LIST]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0 MNN==3.6.1 openvino==2026.4.1
Tools/fetch-weights.sh
swift build -c release --product u2net-run >&2
exec "$venv/bin/python" Tools/reference/bench_engines.py --binary .build/release/u2net-run "$@"
