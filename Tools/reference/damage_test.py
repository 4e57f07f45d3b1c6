"""Damaged-file run: 1000 files made from a PNG, a JPEG, a WebP, a HEIC and u2netp.onnx by byte flips, truncations
and spliced chunks, each run through the built binary with a 15 s limit. Fails when any run dies of a signal, hangs,
or exits 0 with an output that is not a readable PNG. Standard library only.

Usage: damage_test.py BINARY WORKDIR [COUNT]"""
import concurrent.futures
import random
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

binary, work = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
root = Path(__file__).resolve().parents[2]
formats = root / "Tests/MattingTests/Fixtures/formats"
sources = {
    "png": formats / "astronaut.png",
    "jpeg": formats / "adobe.jpg",
    "webp": formats / "astronaut-lossy.webp",
    "heic": formats / "astronaut.heic",
    "onnx": root / "Weights/u2netp.onnx",
}
data = {k: p.read_bytes() for k, p in sources.items()}
rng = random.Random(17)


def damage(blob: bytes, kind: str) -> bytes:
    b = bytearray(blob)
    if kind == "flip":
        # Most damage near the start, where headers and tables live; some anywhere.
        for _ in range(rng.randint(1, 16)):
            at = rng.randrange(min(len(b), 4096)) if rng.random() < 0.7 else rng.randrange(len(b))
            b[at] ^= 1 << rng.randrange(8) if rng.random() < 0.7 else rng.randrange(1, 256)
        return bytes(b)
    if kind == "truncate":
        return bytes(b[: rng.randrange(len(b))])
    # splice: a chunk of this file or another copied over, inserted into, or cut out of this one
    donor = data[rng.choice(list(data))] if rng.random() < 0.3 else blob
    n = rng.randint(1, 2048)
    src = rng.randrange(max(1, len(donor) - n))
    piece = donor[src:src + n]
    at = rng.randrange(len(b))
    mode = rng.randrange(3)
    if mode == 0:
        b[at:at + len(piece)] = piece
    elif mode == 1:
        b[at:at] = piece
    else:
        del b[at:at + n]
    return bytes(b)


def readable_png(path: Path) -> bool:
    """Signature, chunk CRCs, IHDR, and IDAT inflating to exactly the rows IHDR declares."""
    try:
        b = path.read_bytes()
        if b[:8] != b"\x89PNG\r\n\x1a\n":
            return False
        at, idat, ihdr = 8, b"", None
        while at + 12 <= len(b):
            n, kind = struct.unpack(">I4s", b[at:at + 8])
            body = b[at + 8:at + 8 + n]
            if len(body) != n or struct.unpack(">I", b[at + 8 + n:at + 12 + n])[0] != zlib.crc32(kind + body):
                return False
            if kind == b"IHDR":
                ihdr = struct.unpack(">IIBBBBB", body)
            elif kind == b"IDAT":
                idat += body
            elif kind == b"IEND":
                break
            at += 12 + n
        if not ihdr:
            return False
        w, h, depth, colour = ihdr[:4]
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
        return len(zlib.decompress(idat)) == h * (1 + (w * channels * depth + 7) // 8)
    except Exception:
        return False


work.mkdir(parents=True, exist_ok=True)
jobs = []
per = {"png": 0.2, "jpeg": 0.2, "webp": 0.2, "heic": 0.2, "onnx": 0.2}
for name, share in per.items():
    for i in range(int(count * share)):
        kind = ("flip", "truncate", "splice")[i % 3]
        path = work / f"{name}-{i:04d}-{kind}.{ 'onnx' if name == 'onnx' else name}"
        path.write_bytes(damage(data[name], kind))
        jobs.append((name, kind, path))


def run(job):
    name, kind, path = job
    out = path.with_suffix(path.suffix + ".out.png")
    if name == "onnx":
        args = [str(binary), "inspect", str(path)]
    else:
        args = [str(binary), str(path), "-o", str(out), "--quiet", "--threads", "1"]
    t0 = time.time()
    try:
        p = subprocess.run(args, capture_output=True, timeout=15)
        status = p.returncode
        err = p.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
    except subprocess.TimeoutExpired:
        return job, "hang", time.time() - t0, ""
    seconds = time.time() - t0
    if status < 0:
        return job, f"signal {-status}", seconds, err[0]
    if status == 0 and name != "onnx" and not readable_png(out):
        return job, "exit 0, unreadable output", seconds, ""
    return job, f"exit {status}", seconds, err[0]


results = []
t0 = time.time()
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    results = list(pool.map(run, jobs))
bad = [r for r in results if not r[1].startswith("exit") or r[1].startswith("exit 0, unreadable")]
summary = {}
for (name, kind, _), outcome, _, _ in results:
    summary.setdefault(name, {}).setdefault(outcome, 0)
    summary[name][outcome] += 1
print(f"{len(results)} damaged files in {time.time() - t0:.0f} s; slowest run {max(r[2] for r in results):.1f} s")
for name, outcomes in summary.items():
    print(f"  {name:5s} " + ", ".join(f"{k}: {v}" for k, v in sorted(outcomes.items())))
for (name, kind, path), outcome, seconds, err in bad:
    print(f"FAIL {path.name}: {outcome} ({seconds:.1f} s) {err}")
print("crash signals: %d, hangs: %d, exit 0 with unreadable output: %d" % (
    sum(r[1].startswith("signal") for r in results), sum(r[1] == "hang" for r in results),
    sum(r[1] == "exit 0, unreadable output" for r in results)))
sys.exit(1 if bad else 0)
