#!/usr/bin/env bash
# Whole-process comparison with rembg 2.0.86 (its own git-ignored venv): one 1.5 MP photo to a transparent
# PNG, and a folder of six such photos; wall time and peak RSS, alternating the two tools.
#   Tools/bench-pipeline.sh [--rounds K]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv-rembg
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "rembg[cli]==2.0.86" onnxruntime==1.32.0
Tools/fetch-weights.sh
swift build -c release --product u2net-run >&2
export U2NET_HOME="$PWD/Weights"
exec "$venv/bin/python" Tools/reference/bench_pipeline.py --binary .build/release/u2net-run "$@"
