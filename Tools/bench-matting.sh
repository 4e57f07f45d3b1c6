#!/usr/bin/env bash
# Edge quality and cost of `u2net-run refine` against rembg's alpha matting (pymatting), on synthetic
# portraits with known alpha and foreground. rembg and pymatting live in their own git-ignored venv.
#   Tools/bench-matting.sh [--rounds K] [--scenes wall,busy,grey] [--no-rembg] [--keep DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv-rembg
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "rembg[cli]==2.0.86" onnxruntime==1.32.0 pymatting==1.1.16 scipy
swift build -c release --product u2net-run >&2
exec "$venv/bin/python" Tools/reference/bench_matting.py --binary .build/release/u2net-run "$@"
