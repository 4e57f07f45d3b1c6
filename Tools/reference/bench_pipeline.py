"""u2net-run against rembg, whole processes (run through Tools/bench-pipeline.sh).

Makes six 1.5-megapixel JPEGs from the test photos (Pillow Lanczos upscaling), then alternates
`u2net-run PHOTO -o OUT.png` with `rembg i -m u2netp PHOTO OUT.png`, and `u2net-run DIR -o DIR2` with
`rembg p -m u2netp DIR DIR2`. Wall time and peak RSS come from each child process (wait4).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image, ImageOps

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHOTOS = os.path.join(ROOT, "Tests", "MattingTests", "Fixtures", "photos")
REMBG = os.path.join(os.path.dirname(sys.executable), "rembg")


def measure(cmd):
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode()
    if status != 0:
        raise SystemExit(f"{cmd[0]} failed: {err}")
    return wall, usage.ru_maxrss / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/u2net-run")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="bench-pipeline-")
    folder = os.path.join(work, "in")
    os.makedirs(folder)
    names = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "camera.png", "astronaut.png"]
    for i, name in enumerate(names):
        image = Image.open(os.path.join(PHOTOS, name)).convert("RGB")
        if i == 5:
            image = ImageOps.mirror(image)
        scale = (1.5e6 / (image.width * image.height)) ** 0.5
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)
        image.save(os.path.join(folder, f"photo{i}.jpg"), quality=92)
    one = os.path.join(folder, "photo0.jpg")
    w, h = Image.open(one).size

    rows = {"ours_one": [], "rembg_one": [], "ours_batch": [], "rembg_batch": []}
    for r in range(args.rounds):
        rows["ours_one"].append(measure([args.binary, one, "-o", os.path.join(work, f"ours{r}.png"), "--quiet"]))
        rows["rembg_one"].append(measure([REMBG, "i", "-m", "u2netp", one, os.path.join(work, f"rembg{r}.png")]))
        for key, cmd in [("ours_batch", [args.binary, folder, "-o", os.path.join(work, f"ours-batch{r}"), "--quiet"]),
                         ("rembg_batch", [REMBG, "p", "-m", "u2netp", folder, os.path.join(work, f"rembg-batch{r}")])]:
            os.makedirs(cmd[-2] if key == "ours_batch" else cmd[-1], exist_ok=True)
            rows[key].append(measure(cmd))
    med = {k: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)) for k, v in rows.items()}
    print(f"one {w}x{h} photo ({w * h / 1e6:.2f} MP) to a transparent PNG, {args.rounds} rounds, medians:")
    print(f"  u2net-run  {med['ours_one'][0]:6.2f} s  {med['ours_one'][1]:6.0f} MB")
    print(f"  rembg      {med['rembg_one'][0]:6.2f} s  {med['rembg_one'][1]:6.0f} MB")
    print(f"  time ratio {med['ours_one'][0] / med['rembg_one'][0]:.3f}")
    print("folder of six such photos:")
    print(f"  u2net-run  {med['ours_batch'][0]:6.2f} s  {med['ours_batch'][1]:6.0f} MB")
    print(f"  rembg p    {med['rembg_batch'][0]:6.2f} s  {med['rembg_batch'][1]:6.0f} MB")
    print(f"  time ratio {med['ours_batch'][0] / med['rembg_batch'][0]:.3f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
