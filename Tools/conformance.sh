#!/usr/bin/env bash
# ONNX's own conformance suite against `u2net-run check`: writes the suite from the pinned onnx package
# (node tests from its generators, the stored pytorch-converted / pytorch-operator / simple cases, and the
# light networks with the runner's deterministic input) into Tools/.conformance, runs every case, and prints
# a table per op plus totals.
#   Tools/conformance.sh [--regenerate] [--ort] [--only PATTERN] [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check onnx==1.23.2 onnxruntime==1.32.0 numpy
swift build -c release --product u2net-run >&2
exec "$venv/bin/python" Tools/reference/conformance.py --binary .build/release/u2net-run "$@"
