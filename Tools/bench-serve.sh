#!/usr/bin/env bash
# `u2net-run serve` against `rembg s` (rembg 2.0.86 in its own git-ignored venv) on loopback: throughput and
# p50/p99 at 1, 2, 4, 8 concurrent clients, RSS over a 1000-request soak, and the command line's batch on the
# same photos. Build and load each hold the machine's shared lock (/tmp/u2net-build.lock).
#   Tools/bench-serve.sh [--levels 1,2,4,8] [--per-level 40] [--soak 1000] [--rembg-soak 200] [--no-rembg]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv-rembg
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "rembg[cli]==2.0.86" onnxruntime==1.32.0
Tools/fetch-weights.sh
flock /tmp/u2net-build.lock swift build -c release --product u2net-run >&2
exec flock /tmp/u2net-build.lock "$venv/bin/python" Tools/reference/bench_serve.py --binary .build/release/u2net-run "$@"
