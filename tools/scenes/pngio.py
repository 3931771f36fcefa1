"""Minimal PNG writer (8-bit grey/RGB, 16-bit grey) with zlib only; no extra deps."""

import struct
import zlib

import numpy as np


def _chunk(tag, data):
    c = struct.pack(">I", len(data)) + tag + data
    return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def write_png(path, arr):
    """uint8 [H, W] / [H, W, 3] or uint16 [H, W] array -> PNG file."""
    a = np.asarray(arr)
    if a.dtype == np.uint16:
        assert a.ndim == 2
        depth, ctype, rows = 16, 0, a.astype(">u2").tobytes()
        stride = a.shape[1] * 2
    elif a.dtype == np.uint8:
        ctype = 0 if a.ndim == 2 else 2
        depth, rows = 8, a.tobytes()
        stride = a.shape[1] * (1 if a.ndim == 2 else 3)
    else:
        raise TypeError("uint8 or uint16 only")
    h, w = a.shape[:2]
    raw = b"".join(b"\x00" + rows[i * stride:(i + 1) * stride] for i in range(h))
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 0))
    png += _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def read_png(path):
    """Reader for the files write_png makes (non-interlaced, filter type 0 only)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if tag == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif tag == b"IDAT":
            idat += body
        pos += 12 + n
    ch = {0: 1, 2: 3}[ctype]
    stride = w * ch * depth // 8
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, stride + 1)
    if raw[:, 0].any():
        raise ValueError("only PNG filter type 0 is supported")
    px = raw[:, 1:]
    if depth == 16:
        px = px.reshape(h, -1, 2).astype(np.uint16)
        px = (px[..., 0] << 8) | px[..., 1]
    return px.reshape(h, w, ch).squeeze(-1) if ch == 1 else px.reshape(h, w, ch)
