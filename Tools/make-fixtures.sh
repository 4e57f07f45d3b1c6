#!/usr/bin/env bash
# Regenerates the engine's reference fixtures with ONNX Runtime, in a git-ignored virtual environment.
#   Tests/NNRuntimeTests/Fixtures/ops/<case>/      tiny one-op graphs, their inputs and ONNX Runtime's outputs
#                                                  (make_fixtures.py, then make_transformer_fixtures.py)
#   Tests/NNRuntimeTests/Fixtures/u2netp/<photo>/  u2netp's resized input photo and its 7 outputs
# Needs Weights/u2netp.onnx (Tools/fetch-weights.sh) and ../shared/testimages.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  numpy==2.4.6 onnx==1.23.2 onnxruntime==1.32.0 pillow==13.0.0
Tools/fetch-weights.sh
"$venv/bin/python" Tools/reference/make_fixtures.py "$@"
# The transformer kernels' cases, with a seed of their own, into the same ops/ folder.
cd Tools/reference && exec "../../$venv/bin/python" make_transformer_fixtures.py
