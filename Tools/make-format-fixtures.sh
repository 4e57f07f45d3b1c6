#!/usr/bin/env bash
# The WebP, HEIC, AVIF and TIFF fixtures of the format tests, written by Pillow (+ pillow-heif for HEIC) from
# the astronaut photo, into Tests/MattingTests/Fixtures/formats/. A git-ignored venv holds the writers; the
# tests only read the committed files.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv-formats
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q "pillow>=11.3" "pillow-heif>=0.18"
icc=/usr/share/color/icc/compatibleWithAdobeRGB1998.icc
[ -f "$icc" ] || { echo "need $icc (apt-get install icc-profiles-free)" >&2; exit 1; }
exec "$venv/bin/python" Tools/reference/make_format_fixtures.py "$icc" Tests/MattingTests/Fixtures/formats
