"""Procedural texture helpers: tileable noise tables, integer hashes, patterns.

Everything here is a pure function of its inputs (the noise tables are built
once from a fixed seed), so rendering stays deterministic.
"""

import numpy as np

TABLE = 512                 # noise tables are TABLE x TABLE, tileable
_MASK = TABLE - 1
_OFF = np.float32(65536.0)  # keeps coordinates positive before truncation


def _fbm_table(seed, octaves, base_cells, persistence=0.5):
    rng = np.random.default_rng(seed)
    out = np.zeros((TABLE, TABLE), np.float64)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = base_cells * 2 ** o
        lat = rng.random((cells, cells))
        c = np.arange(TABLE) * cells / TABLE
        i0 = np.floor(c).astype(int)
        f = c - i0
        f = f * f * (3 - 2 * f)
        i1 = (i0 + 1) % cells
        rows = lat[i0] * (1 - f)[:, None] + lat[i1] * f[:, None]
        tab = rows[:, i0] * (1 - f)[None, :] + rows[:, i1] * f[None, :]
        out += amp * tab
        total += amp
        amp *= persistence
    out /= total
    out = (out - out.min()) / (out.max() - out.min())
    return out.astype(np.float32)


# smooth multi-octave noise (clouds, stains, large-scale tone)
FBM = _fbm_table(1234, octaves=6, base_cells=4)
# fine grain noise (asphalt, leaves, fabric)
GRAIN = _fbm_table(5678, octaves=3, base_cells=64, persistence=0.7)


def sample(table, u, v):
    """Nearest-texel lookup; u, v in texels (any float arrays, tiled)."""
    iu = (u + _OFF).astype(np.int32) & _MASK
    iv = (v + _OFF).astype(np.int32) & _MASK
    return table[iv, iu]


def sample_bilinear(table, u, v):
    """Bilinear lookup, smoother when a texel covers many pixels."""
    u = u + _OFF
    v = v + _OFF
    iu = u.astype(np.int32)
    iv = v.astype(np.int32)
    fu = u - iu
    fv = v - iv
    iu &= _MASK
    iv &= _MASK
    iu1 = (iu + 1) & _MASK
    iv1 = (iv + 1) & _MASK
    top = table[iv, iu] * (1 - fu) + table[iv, iu1] * fu
    bot = table[iv1, iu] * (1 - fu) + table[iv1, iu1] * fu
    return top * (1 - fv) + bot * fv


def fbm(u, v):
    """Smooth noise in [0, 1]; about 10 texels per feature at the finest octave,
    128 at the coarsest.  Nearest lookup: use >= 8 texels per metre on surfaces."""
    return sample(FBM, u, v)


def fbm_smooth(u, v):
    """As fbm but bilinear (for strongly magnified use, e.g. clouds)."""
    return sample_bilinear(FBM, u, v)


def grain(u, v):
    return sample(GRAIN, u, v)


_PRIMES = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1)


def hash01(*ints):
    """Hash integer-valued arrays (broadcast together; float or int) to [0, 1)."""
    h = None
    for k, a in enumerate(ints):
        a = np.asarray(a)
        a = a.astype(np.int32) if a.dtype != np.int32 else a
        t = a.view(np.uint32) * np.uint32(_PRIMES[k % 5])
        h = t if h is None else (h ^ t)
    h = h ^ (h >> np.uint32(15))
    h = h * np.uint32(0x2C1B3C6D)
    h = h ^ (h >> np.uint32(12))
    h = h * np.uint32(0x297A2D39)
    h = h ^ (h >> np.uint32(15))
    return (h >> np.uint32(8)).astype(np.float32) * np.float32(1.0 / (1 << 24))


def smoothstep(e0, e1, x):
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def stripes(u, period, duty):
    """1 where frac(u / period) < duty."""
    f = u / period
    return (f - np.floor(f)) < duty


def mix(a, b, t):
    """Per-pixel lerp of colours: a, b broadcast to [n, 3]; t [n]."""
    t = np.asarray(t, np.float32)[..., None]
    return a * (1 - t) + b * t
