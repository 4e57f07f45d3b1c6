"""Writes the format fixtures: the astronaut photo (256×256) as PNG, WebP (lossy, lossless, with alpha), HEIC,
AVIF and TIFF (8-bit RGB LZW, RGBA deflate, grey PackBits, 16-bit RGB uncompressed, 16-bit grey), and a 64×64
version of it with the Adobe RGB (1998)-compatible profile embedded in each container (JPEG, PNG, WebP, HEIC,
AVIF, TIFF). Usage: make_format_fixtures.py ICC_FILE OUT_DIR"""
import struct
import sys
from pathlib import Path

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

icc_path, out = sys.argv[1], Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
icc = Path(icc_path).read_bytes()
root = Path(__file__).resolve().parents[2]
photo = Image.open(root / "Tests/MattingTests/Fixtures/photos/astronaut.png").convert("RGB").resize((256, 256), Image.LANCZOS)
photo.info.pop("icc_profile", None)

photo.save(out / "astronaut.png")
photo.save(out / "astronaut-lossy.webp", quality=90, method=4)
photo.save(out / "astronaut-lossless.webp", lossless=True)
pillow_heif.from_pillow(photo).save(out / "astronaut.heic", quality=90)
photo.save(out / "astronaut.avif", quality=90)
photo.save(out / "astronaut-rgb8-lzw.tif", compression="tiff_lzw")
photo.convert("L").save(out / "astronaut-gray8-packbits.tif", compression="packbits")
photo.convert("L").save(out / "astronaut-gray8.png")

# A cutout-like RGBA photo: the left quarter fully transparent, a soft ramp after it.
alpha = Image.new("L", photo.size)
alpha.putdata([0 if x < 64 else min(255, (x - 64) * 4) for y in range(256) for x in range(256)])
rgba = photo.copy()
rgba.putalpha(alpha)
rgba.save(out / "astronaut-alpha.png")
rgba.save(out / "astronaut-alpha.webp", lossless=True, exact=True)
rgba.save(out / "astronaut-rgba8-deflate.tif", compression="tiff_deflate")


def tiff16(path, width, height, samples, channels):
    """A baseline little-endian TIFF, uncompressed 16-bit samples (Pillow cannot write 16-bit RGB)."""
    data = struct.pack(f"<{len(samples)}H", *samples)
    entries = []
    extra = b""
    base = 8
    n_tags = 11 if channels == 3 else 10
    ifd_size = 2 + 12 * n_tags + 4
    extra_at = base + ifd_size
    def entry(tag, typ, count, value):
        entries.append(struct.pack("<HHI", tag, typ, count) + value)
    bps_offset = None
    if channels == 3:
        bps_offset = extra_at
        extra += struct.pack("<3H", 16, 16, 16)
    data_at = extra_at + len(extra)
    entry(256, 4, 1, struct.pack("<I", width))
    entry(257, 4, 1, struct.pack("<I", height))
    entry(258, 3, channels, struct.pack("<I", bps_offset) if channels == 3 else struct.pack("<HH", 16, 0))
    entry(259, 3, 1, struct.pack("<HH", 1, 0))
    entry(262, 3, 1, struct.pack("<HH", 2 if channels == 3 else 1, 0))
    entry(273, 4, 1, struct.pack("<I", data_at))
    entry(277, 3, 1, struct.pack("<HH", channels, 0))
    entry(278, 4, 1, struct.pack("<I", height))
    entry(279, 4, 1, struct.pack("<I", len(data)))
    entry(284, 3, 1, struct.pack("<HH", 1, 0))
    if channels == 3:
        entry(339, 3, channels, struct.pack("<I", extra_at + 6))  # SampleFormat = unsigned
        extra += struct.pack("<3H", 1, 1, 1)
        data_at = extra_at + len(extra)
        entries[5] = struct.pack("<HHI", 273, 4, 1) + struct.pack("<I", data_at)
    assert len(entries) == n_tags
    ifd = struct.pack("<H", n_tags) + b"".join(entries) + struct.pack("<I", 0)
    path.write_bytes(b"II*\x00" + struct.pack("<I", base) + ifd + extra + data)


rgb = photo.tobytes()
tiff16(out / "astronaut-rgb16.tif", 256, 256, [v * 257 for v in rgb], 3)
tiff16(out / "astronaut-gray16.tif", 256, 256, [v * 257 for v in photo.convert("L").tobytes()], 1)

# The Adobe RGB set: 64×64, the profile in every container.
small = photo.resize((64, 64), Image.LANCZOS)
small.save(out / "adobe.jpg", quality=90, icc_profile=icc)
small.save(out / "adobe.png", icc_profile=icc)
small.save(out / "adobe.webp", quality=90, icc_profile=icc)
small.save(out / "adobe.avif", quality=90, icc_profile=icc)
small.save(out / "adobe.tif", icc_profile=icc)
pillow_heif.from_pillow(small).save(out / "adobe.heic", quality=90, icc_profile=icc)
# A JPEG whose profile spans three APP2 segments (a valid profile padded past 128 KB; readers must join them).
big = bytearray(icc) + bytes(140_000)
big[0:4] = struct.pack(">I", len(big))
small.save(out / "big-profile.jpg", quality=90, icc_profile=bytes(big))

# Orientation: a 64×32 image, green left strip, saved with EXIF orientation 6; pillow-heif stores it as the
# container's irot (and resets the EXIF tag to 1). Read upright, it is 32×64 with the strip at the top.
turned = Image.new("RGB", (64, 32), (200, 30, 30))
turned.paste((20, 200, 20), (0, 0, 16, 32))
exif = Image.Exif()
exif[0x0112] = 6
pillow_heif.from_pillow(turned).save(out / "rotated-exif6.heic", quality=90, exif=exif.tobytes())
for p in sorted(out.iterdir()):
    print(f"{p.stat().st_size:8d} {p.name}")
