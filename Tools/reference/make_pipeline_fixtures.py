"""rembg masks and Pillow resizes the Swift pipeline is checked against (see make-pipeline-fixtures.sh)."""
import os
import subprocess
import sys

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "Tests", "MattingTests", "Fixtures")
PHOTOS = os.path.join(FIX, "photos")
REMBG = os.path.join(os.path.dirname(sys.executable), "rembg")


def rembg_masks():
    out = os.path.join(FIX, "rembg")
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(PHOTOS)):
        if not name.endswith((".png", ".jpg")):
            continue
        target = os.path.join(out, os.path.splitext(name)[0] + ".png")
        subprocess.run([REMBG, "i", "-m", "u2netp", "-om", os.path.join(PHOTOS, name), target], check=True)
        print("rembg mask:", target)


def lanczos_cases():
    out = os.path.join(FIX, "lanczos")
    os.makedirs(out, exist_ok=True)
    # Down- and up-scaling in both directions, RGB and grey, odd sizes.
    for name, size in [("chelsea.png", (320, 320)), ("coffee.png", (97, 211)), ("camera.png", (333, 45)),
                       ("rocket.jpg", (320, 320))]:
        image = Image.open(os.path.join(PHOTOS, name))
        image = image.convert("L" if image.mode == "L" else "RGB")
        resized = image.resize(size, Image.Resampling.LANCZOS)
        resized.save(os.path.join(out, f"{os.path.splitext(name)[0]}-{size[0]}x{size[1]}.png"))
    small = Image.open(os.path.join(PHOTOS, "camera.png")).convert("L").resize((40, 30), Image.Resampling.LANCZOS)
    small.save(os.path.join(out, "camera-40x30.png"))
    small.resize((451, 300), Image.Resampling.LANCZOS).save(os.path.join(out, "camera-40x30-to-451x300.png"))
    # The decoded rocket.jpg as Pillow sees it, to check our JPEG decoding.
    Image.open(os.path.join(PHOTOS, "rocket.jpg")).convert("RGB").save(os.path.join(out, "rocket-decoded.png"))


if __name__ == "__main__":
    lanczos_cases()
    if "--lanczos-only" not in sys.argv:
        rembg_masks()
