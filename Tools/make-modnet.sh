#!/usr/bin/env bash
# A MODNet-architecture ONNX graph with random weights (Tools/reference/make_modnet.py) and ONNX Runtime's
# outputs on two non-square inputs; then u2net-run runs the same inputs and compares.
#   Tools/make-modnet.sh            full width: Tools/.modnet/modnet.onnx (git-ignored, ~26 MB), checked
#   Tools/make-modnet.sh --fixture  the width-reduced variant (< 2 MB) into Tests/NNRuntimeTests/Fixtures/modnet
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check onnx==1.23.2 onnxruntime==1.32.0 numpy
if [ "${1:-}" = "--fixture" ]; then
  out=Tests/NNRuntimeTests/Fixtures/modnet
  mkdir -p "$out"
  "$venv/bin/python" Tools/reference/make_modnet.py "$out/model.onnx" --width 0.25 --hr 8 --inputs 160,224 96,128 --outputs "$out"
  exit 0
fi
out=Tools/.modnet
mkdir -p "$out"
"$venv/bin/python" Tools/reference/make_modnet.py "$out/modnet.onnx" --outputs "$out"
swift build -c release --product u2net-run >&2
for k in 0 1; do
  .build/release/u2net-run infer --model "$out/modnet.onnx" --input "$out/input_$k.npy" --output "$out/ours_$k.npy"
  echo "input $k:"
  .build/release/u2net-run compare "$out/ours_$k.npy" "$out/output_$k.npy" --max-abs 1e-3 --mean-abs 1e-4 | head -3
done
