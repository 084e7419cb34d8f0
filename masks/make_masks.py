"""Example masks for the fixture photos (white = remove), drawn with numpy and written as 8-bit gray PNGs.
Run: python3 make_masks.py
"""
import pathlib
import struct
import zlib

import numpy as np

HERE = pathlib.Path(__file__).parent


def write_png(path, gray):
    height, width = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)


def canvas(width, height):
    ys, xs = np.mgrid[0:height, 0:width]
    return np.zeros((height, width), bool), xs, ys


def ellipse(xs, ys, cx, cy, rx, ry):
    return ((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2 <= 1


def segment(xs, ys, x0, y0, x1, y1, width):
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((xs - x0) * dx + (ys - y0) * dy) / (dx * dx + dy * dy), 0, 1)
    return (xs - (x0 + t * dx)) ** 2 + (ys - (y0 + t * dy)) ** 2 <= (width / 2) ** 2


# coffee.png (600x400): the spoon, bowl and handle.
mask, xs, ys = canvas(600, 400)
mask |= ellipse(xs, ys, 366, 282, 44, 48)
mask |= segment(xs, ys, 372, 238, 411, 74, 24)
write_png(HERE / "coffee-spoon.png", (mask * 255).astype(np.uint8))

# coffee.png: thin scratches across the wooden table (a job for the diffusion fill).
mask, xs, ys = canvas(600, 400)
for x0, y0, x1, y1 in [(20, 120, 160, 60), (470, 330, 590, 250), (40, 330, 150, 390), (500, 40, 590, 110)]:
    mask |= segment(xs, ys, x0, y0, x1, y1, 3)
write_png(HERE / "coffee-scratches.png", (mask * 255).astype(np.uint8))

# chelsea.png (451x300): a blob on the background to the right of the cat.
mask, xs, ys = canvas(451, 300)
mask |= ellipse(xs, ys, 412, 150, 26, 40)
write_png(HERE / "chelsea-background.png", (mask * 255).astype(np.uint8))
print("wrote", sorted(p.name for p in HERE.glob("*.png")))
