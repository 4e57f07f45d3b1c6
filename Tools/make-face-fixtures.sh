#!/usr/bin/env bash
# Regenerates the face models' reference fixtures with TFLite's own interpreter (ai-edge-litert), in a
# git-ignored virtual environment:
#   Tests/TFLiteFormatTests/Fixtures/faces/<photo>/  the detector's 128×128 and the mesh's 192×192 input crops (PNG)
#                                                    and the interpreter's raw outputs (.npy)
# Needs Weights/*.tflite (Tools/fetch-weights.sh) and ../shared/testimages.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv-faces
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check ai-edge-litert==2.3.0 numpy==2.4.6 pillow==13.0.0
Tools/fetch-weights.sh
exec "$venv/bin/python" Tools/reference/make_face_fixtures.py "$@"
