"""Minimal PNG writer/reader (8-bit grey/RGB, 16-bit grey) with zlib only.

The writer uses the PNG "Up" filter on every row (small files for smooth images
such as depth maps); the reader handles filter types 0 (None), 1 (Sub) and 2 (Up),
which covers the files written here.
"""

import struct
import zlib

import numpy as np

_SIG = b"\x89PNG\r\n\x1a\n"


def _chunk(tag, data):
    c = struct.pack(">I", len(data)) + tag + data
    return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(path, arr):
    """uint8 [H, W] / [H, W, 3] or uint16 [H, W] array -> PNG file."""
    a = np.asarray(arr)
    if a.dtype == np.uint16 and a.ndim == 2:
        depth, ctype = 16, 0
        rows = a.astype(">u2").view(np.uint8).reshape(a.shape[0], -1)
    elif a.dtype == np.uint8 and a.ndim in (2, 3):
        depth, ctype = 8, (0 if a.ndim == 2 else 2)
        rows = np.ascontiguousarray(a).reshape(a.shape[0], -1)
    else:
        raise TypeError("uint8 [H,W] / [H,W,3] or uint16 [H,W] only")
    h, w = a.shape[:2]
    up = rows.copy()
    up[1:] -= rows[:-1]                      # "Up" filter, modulo 256
    raw = np.concatenate([np.full((h, 1), 2, np.uint8), up], 1).tobytes()
    png = _SIG + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    png += _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def read_png(path):
    """PNG (non-interlaced grey/RGB, 8 or 16 bit, filters 0-2) -> numpy array."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != _SIG:
        raise ValueError("not a PNG")
    pos, idat = 8, b""
    while pos < len(data):
        n, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body[:13])
            if interlace:
                raise ValueError("interlaced PNG")
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    ch = {0: 1, 2: 3}[ctype]
    bpp = ch * depth // 8
    stride = w * bpp
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, stride + 1)
    px = np.empty((h, stride), np.uint8)
    prev = np.zeros(stride, np.uint8)
    for y in range(h):
        ft, line = raw[y, 0], raw[y, 1:]
        if ft == 0:
            cur = line.copy()
        elif ft == 1:
            cur = np.cumsum(line.reshape(-1, bpp), 0, dtype=np.uint8).reshape(-1)
        elif ft == 2:
            cur = line + prev
        else:
            raise ValueError(f"PNG filter {ft} not supported")
        px[y] = cur
        prev = cur
    if depth == 16:
        px = px.reshape(h, -1, 2).astype(np.uint16)
        px = (px[..., 0] << 8) | px[..., 1]
    return px.reshape(h, w, ch).squeeze(-1) if ch == 1 else px.reshape(h, w, ch)
