#!/usr/bin/env bash
# Writes docs/idphoto-before-after.jpg for the README: a test portrait, and the us-passport and schengen photos
# `u2net-run idphoto` makes of it, side by side at the same height (Pillow, in the git-ignored Tools/.venv-faces).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=Tools/.venv-faces
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check pillow==13.0.0
Tools/fetch-weights.sh
flock /tmp/u2net-build.lock swift build -c release --product u2net-run >&2
photo=Tests/EndToEndTests/Fixtures/idphoto/astronaut.png
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
.build/release/u2net-run idphoto "$photo" --document us-passport -o "$tmp/us.jpg" >/dev/null || true
.build/release/u2net-run idphoto "$photo" --document schengen -o "$tmp/schengen.jpg" >/dev/null || true
mkdir -p docs
"$venv/bin/python" - "$photo" "$tmp/us.jpg" "$tmp/schengen.jpg" docs/idphoto-before-after.jpg <<'PY'
import sys
from PIL import Image, ImageDraw
paths, out = sys.argv[1:4], sys.argv[4]
height = 360
tiles = []
for p in paths:
    im = Image.open(p).convert("RGB")
    tiles.append(im.resize((round(im.width * height / im.height), height), Image.LANCZOS))
labels = ["photo", "us-passport 600x600", "schengen 413x531"]
gap = 16
sheet = Image.new("RGB", (sum(t.width for t in tiles) + gap * (len(tiles) + 1), height + 2 * gap + 18), (90, 90, 90))
x = gap
draw = ImageDraw.Draw(sheet)
for t, label in zip(tiles, labels):
    sheet.paste(t, (x, gap))
    draw.text((x, height + gap + 4), label, fill=(255, 255, 255))
    x += t.width + gap
sheet.save(out, quality=88)
PY
echo "wrote docs/idphoto-before-after.jpg" >&2
