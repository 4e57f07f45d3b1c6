"""Edge quality and cost of matte refinement, against rembg's alpha matting (run through Tools/bench-matting.sh).

Renders synthetic 1200x1500 portraits whose alpha and foreground are known exactly: a head and shoulders with
anti-aliased hair strands (drawn 4x supersampled, box-reduced), over a plain wall, a busy photo and a grey close
to the hair colour. The coarse matte is what a 320-pixel network would hand over: the true alpha box-reduced to
320x320 and bilinearly enlarged back. Every method gets the photo and that matte:

  coarse             the matte as it is, the photo's colours (a plain cutout)
  rembg -a           rembg.bg.alpha_matting_cutout (trimap 240/10/erode 10, pymatting closed-form + ML foreground)
  pymatting fg       pymatting.estimate_foreground_ml on the coarse matte (colour decontamination alone)
  u2net-run ...      `u2net-run refine PHOTO --mask MATTE -o OUT.png` with the options shown

Metrics (alpha in [0, 1], colours in 8-bit levels):
  SAD     sum of |alpha - true alpha| / 1000
  MSEband mean squared alpha error over the edge band (true 0 < alpha < 1, dilated by 5 px), x 1000
  Grad    sum of (|grad alpha| - |grad true alpha|)^2 / 1000, Gaussian derivatives with sigma 1.4
  FGerr   mean |F - true F| over the band's pixels, weighted by the true alpha (F = the output's colours)
  s, MB   wall seconds and peak RSS of the method's process (rembg and pymatting: the call alone, after imports)
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PHOTOS = os.path.join(ROOT, "Tests", "MattingTests", "Fixtures", "photos")
W, H, SS = 1200, 1500, 4


def smooth_noise(rng, h, w, cells, amplitude):
    """Low-frequency noise: a coarse random grid enlarged bicubically."""
    grid = rng.uniform(-amplitude, amplitude, (cells, cells)).astype(np.float32)
    return np.asarray(Image.fromarray(grid, mode="F").resize((w, h), Image.Resampling.BICUBIC))


def render_portrait(rng):
    """True alpha (H x W, float) and foreground (H x W x 3, float in [0, 1])."""
    hw, hh = W * SS, H * SS
    body = Image.new("L", (hw, hh), 0)
    d = ImageDraw.Draw(body)
    s = SS
    d.ellipse([(600 - 540) * s, 1180 * s, (600 + 540) * s, 1900 * s], fill=255)        # shoulders
    d.rectangle([(600 - 110) * s, 900 * s, (600 + 110) * s, 1300 * s], fill=255)       # neck
    d.ellipse([(600 - 235) * s, 330 * s, (600 + 235) * s, 1010 * s], fill=255)         # face
    hair = Image.new("L", (hw, hh), 0)
    d = ImageDraw.Draw(hair)
    d.ellipse([(600 - 275) * s, 260 * s, (600 + 275) * s, 860 * s], fill=255)          # hair mass
    d.rectangle([(600 - 275) * s, 560 * s, (600 + 275) * s, 1150 * s], fill=0)
    d.ellipse([(600 - 275) * s, 300 * s, (600 - 180) * s, 1150 * s], fill=255)         # locks at the sides
    d.ellipse([(600 + 180) * s, 300 * s, (600 + 275) * s, 1150 * s], fill=255)
    # Strands: curves leaving the hair's outline, outwards and down, 0.25-0.75 px wide.
    for _ in range(700):
        t = rng.uniform(-np.pi * 0.95, np.pi * 0.05) if rng.uniform() < 0.8 else rng.uniform(-np.pi, 0)
        cx, cy = 600 + 265 * np.cos(t), 560 + 290 * np.sin(t)
        if cy > 560:
            cx = 600 + np.sign(np.cos(t)) * rng.uniform(230, 272)
            cy = rng.uniform(560, 1100)
        length = rng.uniform(60, 320)
        direction = np.array([np.cos(t) * 0.8, np.sin(t) * 0.5 + 0.9])
        direction /= np.linalg.norm(direction)
        curl = rng.uniform(-0.012, 0.012)
        width = int(rng.integers(1, 4))
        pts = []
        x, y = cx, cy
        for k in range(int(length / 4)):
            pts.append((x * s, y * s))
            angle = curl * 4
            direction = np.array([direction[0] * np.cos(angle) - direction[1] * np.sin(angle),
                                  direction[0] * np.sin(angle) + direction[1] * np.cos(angle)])
            x, y = x + 4 * direction[0], y + 4 * direction[1]
        d.line(pts, fill=255, width=width)
    def reduce(img):
        a = np.asarray(img, dtype=np.float32) / 255
        return a.reshape(H, SS, W, SS).mean(axis=(1, 3))
    b, h = reduce(body), reduce(hair)
    alpha = 1 - (1 - b) * (1 - h)
    yy = np.arange(H, dtype=np.float32)[:, None] * np.ones((1, W), np.float32)
    skin = np.stack([0.80 + 0 * yy, 0.62 + 0 * yy, 0.50 + 0 * yy], -1)
    cloth = np.stack([0.16 + 0 * yy, 0.22 + 0 * yy, 0.42 + 0 * yy], -1)
    clothing = np.clip((yy - 1150) / 40, 0, 1)[..., None]
    body_colour = skin * (1 - clothing) + cloth * clothing
    body_colour = body_colour * (1 + smooth_noise(rng, H, W, 24, 0.12)[..., None])
    hair_colour = np.stack([0.36 + 0 * yy, 0.26 + 0 * yy, 0.19 + 0 * yy], -1)
    hair_colour = hair_colour * (1 + smooth_noise(rng, H, W, 60, 0.25)[..., None])
    eps = 1e-6
    fg = (h[..., None] * hair_colour + ((1 - h) * b)[..., None] * body_colour) / np.maximum(alpha, eps)[..., None]
    fg = np.clip(fg, 0, 1)
    fg[alpha <= 0] = 0
    return alpha.astype(np.float32), fg.astype(np.float32)


def backgrounds(rng):
    yy = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    wall = np.ones((H, W, 3), np.float32) * np.array([0.86, 0.82, 0.72], np.float32) * (0.9 + 0.1 * yy)
    photo = Image.open(os.path.join(PHOTOS, "coffee.png")).convert("RGB")
    scale = max(W / photo.width, H / photo.height)
    photo = photo.resize((round(photo.width * scale) + 1, round(photo.height * scale) + 1), Image.Resampling.LANCZOS)
    x0, y0 = (photo.width - W) // 2, (photo.height - H) // 2
    busy = np.asarray(photo.crop((x0, y0, x0 + W, y0 + H)), np.float32) / 255
    grey = np.ones((H, W, 3), np.float32) * 0.33 * (1 + smooth_noise(rng, H, W, 8, 0.05)[..., None])
    return [("wall", wall), ("busy", busy), ("grey", np.clip(grey, 0, 1))]


def write_scenes(work):
    rng = np.random.default_rng(2026)
    alpha, fg = render_portrait(rng)
    scenes = []
    for name, bg in backgrounds(rng):
        image = np.clip(alpha[..., None] * fg + (1 - alpha[..., None]) * bg, 0, 1)
        image8 = (image * 255 + 0.5).astype(np.uint8)
        a8 = Image.fromarray((alpha * 255 + 0.5).astype(np.uint8))
        coarse = a8.resize((320, 320), Image.Resampling.BOX).resize((W, H), Image.Resampling.BILINEAR)
        paths = {k: os.path.join(work, f"{name}-{k}") for k in ["image.png", "coarse.png"]}
        Image.fromarray(image8).save(paths["image.png"])
        coarse.save(paths["coarse.png"])
        scenes.append((name, paths, alpha, fg))
    return scenes


def edge_band(alpha):
    from scipy.ndimage import binary_dilation
    return binary_dilation((alpha > 0) & (alpha < 1), iterations=5)


def gradient_magnitude(a):
    from scipy.ndimage import gaussian_filter
    gx = gaussian_filter(a, 1.4, order=(0, 1))
    gy = gaussian_filter(a, 1.4, order=(1, 0))
    return np.sqrt(gx * gx + gy * gy)


def metrics(alpha, fg, true_alpha, true_fg, band):
    sad = np.abs(alpha - true_alpha).sum() / 1000
    mse = ((alpha - true_alpha)[band] ** 2).mean() * 1000
    grad = ((gradient_magnitude(alpha) - gradient_magnitude(true_alpha)) ** 2).sum() / 1000
    w = true_alpha[band]
    fgerr = (np.abs(fg[band] - true_fg[band]).mean(axis=-1) * w).sum() / w.sum() * 255
    return sad, mse, grad, fgerr


def read_rgba(path):
    rgba = np.asarray(Image.open(path).convert("RGBA"), np.float32) / 255
    return rgba[..., 3], rgba[..., :3]


def measure(cmd):
    """Runs `cmd`; returns (seconds, peak MB). A child may print `seconds=S` for the time of its call alone.
    Peak RSS comes from /usr/bin/time: a child forked from this (large) process would otherwise inherit its
    peak across exec."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] + cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr}")
        peak_kb = float(rss.read().split()[-1])
    for line in proc.stdout.splitlines():
        if line.startswith("seconds="):
            wall = float(line.split("=")[1])
    return wall, peak_kb / 1024


def child(kind, image_path, mask_path, out_path):
    image = Image.open(image_path).convert("RGB")
    mask = Image.open(mask_path).convert("L")
    if kind == "rembg":
        from rembg.bg import alpha_matting_cutout
        t0 = time.perf_counter()
        cutout = alpha_matting_cutout(image, mask, 240, 10, 10)
        print(f"seconds={time.perf_counter() - t0}")
        cutout.save(out_path)
    else:
        from pymatting import estimate_foreground_ml
        img = np.asarray(image) / 255.0
        a = np.asarray(mask) / 255.0
        t0 = time.perf_counter()
        f = estimate_foreground_ml(img, a)
        print(f"seconds={time.perf_counter() - t0}")
        rgba = np.concatenate([f, a[..., None]], -1)
        Image.fromarray(np.clip(rgba * 255, 0, 255).astype(np.uint8)).save(out_path)


OURS = [
    ("u2net-run --refine guided", ["--refine", "guided"]),
    ("u2net-run --decontaminate", ["--decontaminate"]),
    ("u2net-run --refine closed-form --decontaminate", ["--refine", "closed-form", "--decontaminate"]),
]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:6])
        return
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/u2net-run")
    p.add_argument("--rounds", type=int, default=1, help="timing rounds per method (medians)")
    p.add_argument("--scenes", default="wall,busy,grey")
    p.add_argument("--no-rembg", action="store_true", help="skip rembg -a and pymatting (slow)")
    p.add_argument("--keep", help="write the scenes and outputs to this folder")
    p.add_argument("--crop", help="write a before/after crop of the busy scene's hair, flattened onto white, to this PNG")
    args = p.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="bench-matting-")
    os.makedirs(work, exist_ok=True)
    wanted = args.scenes.split(",")
    for name, paths, true_alpha, true_fg in write_scenes(work):
        if name not in wanted:
            continue
        band = edge_band(true_alpha)
        print(f"\nscene '{name}' ({W}x{H}, edge band {band.sum()} px)")
        print(f"  {'method':48s} {'SAD':>7s} {'MSEband':>8s} {'Grad':>8s} {'FGerr':>6s} {'s':>6s} {'MB':>6s}")
        image = np.asarray(Image.open(paths["image.png"]), np.float32) / 255
        coarse = np.asarray(Image.open(paths["coarse.png"]), np.float32) / 255
        rows = [("coarse matte, photo colours", (coarse, image), None)]
        methods = []
        if not args.no_rembg:
            methods += [("rembg -a (pymatting cf + ml)", [sys.executable, __file__, "--child", "rembg"]),
                        ("pymatting fg (ml) on the coarse matte", [sys.executable, __file__, "--child", "pymatting"])]
        methods += [(label, [args.binary, "refine"] + opts) for label, opts in OURS]
        for label, cmd in methods:
            out = os.path.join(work, f"{name}-{label.split()[0]}-{len(rows)}.png")
            if cmd[0] == args.binary:
                full = cmd[:2] + [paths["image.png"], "--mask", paths["coarse.png"], "-o", out] + cmd[2:]
            else:
                full = cmd + [paths["image.png"], paths["coarse.png"], out]
            runs = [measure(full) for _ in range(args.rounds)]
            cost = (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs))
            rows.append((label, read_rgba(out), cost))
        for label, (alpha, fg), cost in rows:
            sad, mse, grad, fgerr = metrics(alpha, fg, true_alpha, true_fg, band)
            c = f"{cost[0]:6.2f} {cost[1]:6.0f}" if cost else f"{'':6s} {'':6s}"
            print(f"  {label:48s} {sad:7.2f} {mse:8.3f} {grad:8.2f} {fgerr:6.2f} {c}", flush=True)
        if args.crop and name == "busy":
            panels = [("truth", (true_alpha, true_fg))] + [(label, out) for label, out, _ in rows
                                                            if label.startswith(("coarse", "rembg", "u2net-run --refine closed"))]
            write_crop(args.crop, panels)


def write_crop(path, panels):
    """Panels of the hair at the head's upper left, each flattened onto white, labelled underneath."""
    from PIL import ImageFont
    x0, y0, size = 290, 230, 300
    tiles = []
    for label, (alpha, fg) in panels:
        a = alpha[y0:y0 + size, x0:x0 + size, None]
        flat = a * fg[y0:y0 + size, x0:x0 + size] + (1 - a)
        tile = Image.new("RGB", (size, size + 24), "white")
        tile.paste(Image.fromarray((np.clip(flat, 0, 1) * 255 + 0.5).astype(np.uint8)), (0, 0))
        short = {"truth": "truth", "coarse": "network matte (320 px)", "rembg": "rembg -a",
                 "u2net-run": "u2net-run closed-form"}[label.split()[0]]
        ImageDraw.Draw(tile).text((6, size + 6), short, fill="black", font=ImageFont.load_default())
        tiles.append(tile)
    sheet = Image.new("RGB", (len(tiles) * (size + 6) - 6, size + 24), "white")
    for i, t in enumerate(tiles):
        sheet.paste(t, (i * (size + 6), 0))
    sheet.save(path, optimize=True)


if __name__ == "__main__":
    main()
