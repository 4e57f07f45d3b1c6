#!/usr/bin/env bash
# Regenerates the pipeline's reference fixtures with rembg 2.0.86 and Pillow, in a git-ignored venv.
#   Tests/MattingTests/Fixtures/rembg/<photo>.png     `rembg i -m u2netp -om` masks of the test photos
#   Tests/MattingTests/Fixtures/lanczos/*              Pillow Lanczos resizes (exactness checks)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv-rembg
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "rembg[cli]==2.0.86" onnxruntime==1.32.0
Tools/fetch-weights.sh
# rembg finds u2netp.onnx (same md5 as its own) in U2NET_HOME and downloads nothing.
export U2NET_HOME="$PWD/Weights"
exec "$venv/bin/python" Tools/reference/make_pipeline_fixtures.py
