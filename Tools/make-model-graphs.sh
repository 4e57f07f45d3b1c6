#!/usr/bin/env bash
# Architecture-faithful ONNX graphs with random weights, and ONNX Runtime's outputs, timings and peak RSS on them:
# a deformable-convolution block alone (ONNX DeformConv and deform_conv2d_onnx_exporter's encoding, same weights),
# IS-Net (DIS's ISNetDIS) and a BiRefNet-lite-style graph (Swin-T backbone + CNN decoder with deformable blocks).
#   Tools/make-model-graphs.sh [GRAPH…]   full size into Tools/.model-graphs/ (git-ignored): GRAPH.onnx,
#                                         GRAPH.input_0.npy, GRAPH.output_K.npy, and a table of ORT's times
#                                         (2 intra-op threads, median of 5 after warm-up) and peak RSS
#                                         GRAPHs: deform isnet birefnet (default: all)
#   Tools/make-model-graphs.sh --fixtures the reduced variants (< 2 MB each) into Tests/NNRuntimeTests/Fixtures/
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check onnx==1.23.2 onnxruntime==1.32.0 numpy
py="$venv/bin/python"
ref=Tools/reference
if [ "${1:-}" = "--fixtures" ]; then
  fx=Tests/NNRuntimeTests/Fixtures
  "$py" $ref/make_deform_block.py $fx --fixture --name deform3 --kernel 3 --channels 16 --size 24,20
  "$py" $ref/make_deform_block.py $fx --fixture --name deform7 --kernel 7 --channels 8 --size 16,16
  "$py" $ref/make_deform_block.py $fx --fixture --name deform-strided --kernel 3 --channels 16 --size 21,20 \
    --stride 2 --dilation 2 --groups 2 --offset-groups 2 --pad 2
  "$py" $ref/make_deform_near_misses.py $fx
  "$py" $ref/make_isnet.py $fx/isnet-small --fixture
  "$py" $ref/make_birefnet.py $fx --fixture
  du -sh $fx/deform* $fx/isnet* $fx/birefnet* $fx/swin* 2>/dev/null || true
  exit 0
fi
out=Tools/.model-graphs
mkdir -p "$out"
graphs=("$@")
[ ${#graphs[@]} -eq 0 ] && graphs=(deform isnet birefnet)
# Timings and memory are measured with nothing else running (the machine's build and bench locks).
measure() { flock /tmp/u2net-build.lock flock -x /tmp/u2net-bench.lock "$@"; }
for g in "${graphs[@]}"; do
  case "$g" in
    deform)
      measure "$py" $ref/make_deform_block.py "$out" --kernel 3 --channels 64 --size 256,256
      measure "$py" $ref/make_deform_block.py "$out" --kernel 7 --channels 64 --size 128,128 ;;
    isnet) measure "$py" $ref/make_isnet.py "$out" ;;
    birefnet) measure "$py" $ref/make_birefnet.py "$out" ;;
    *) echo "unknown graph $g (deform, isnet, birefnet)" >&2; exit 2 ;;
  esac
done
