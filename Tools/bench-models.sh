#!/usr/bin/env bash
# u2net-run against ONNX Runtime on the full-size random-weight graphs of Tools/make-model-graphs.sh, in the same run,
# alternating: per graph and round, ONNX Runtime in its own process (2 intra-op threads, 1 inter-op thread), then
# `u2net-run bench --model GRAPH --threads 2`; medians over rounds of each round's median, the ratio ours/ORT and each
# process's peak RSS. A graph our engine refuses is reported with its error line.
#   Tools/bench-models.sh [--graphs isnet-1024 birefnet-1024 …] [--runs 5] [--rounds 3] [--threads 2]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check onnx==1.23.2 onnxruntime==1.32.0 numpy
[ -f Tools/.model-graphs/isnet-1024.onnx ] || Tools/make-model-graphs.sh >&2
flock /tmp/u2net-build.lock swift build -c release --product u2net-run >&2
exec flock /tmp/u2net-build.lock flock -x /tmp/u2net-bench.lock \
  "$venv/bin/python" Tools/reference/bench_models.py --binary .build/release/u2net-run --dir Tools/.model-graphs "$@"
