"""Camera effects applied to the rendered radiance: exposure, white balance,
tone curve, vignetting, motion blur, sensor noise, 8-bit quantisation.

They change only the colour image; class and depth stay exact.
"""

import numpy as np

# a fixed table of Gaussian samples; each image reads it from a random offset
_GAUSS = np.random.default_rng(4321).standard_normal(1 << 21, dtype=np.float32)


def gaussian(shape, rng):
    n = int(np.prod(shape))
    if n > len(_GAUSS) // 2:
        return rng.standard_normal(shape, dtype=np.float32)
    off = int(rng.integers(0, len(_GAUSS) - n))
    return _GAUSS[off:off + n].reshape(shape)


def tone(rgb):
    """Soft shoulder above 0.8 so bright sky and lit surfaces do not clip hard
    (identity below 0.8, approaches 1.0 for large values)."""
    d = np.maximum(rgb - np.float32(0.8), np.float32(0.0))
    return np.minimum(rgb, np.float32(0.8)) + np.float32(0.2) * d / (d + np.float32(0.2))


def motion_blur(img, length, angle):
    """Average of shifted copies along a direction (length in pixels)."""
    k = max(2, int(round(length)) + 1)
    pad = int(np.ceil(length / 2)) + 1
    p = np.pad(img, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    H, W = img.shape[:2]
    out = np.zeros_like(img)
    ca, sa = np.cos(angle), np.sin(angle)
    for i in range(k):
        s = (i / (k - 1) - 0.5) * length
        dx, dy = int(round(s * ca)), int(round(s * sa))
        out += p[pad + dy:pad + dy + H, pad + dx:pad + dx + W]
    return out / k


def finish(rgb, rng, strength=1.0):
    """Radiance float [H, W, 3] -> uint8 image with random camera effects.

    strength scales the random effects (0: only tone mapping and quantisation).
    """
    H, W = rgb.shape[:2]
    u = rng.random(12)
    img = rgb
    if strength > 0:
        gain = 1.0 + strength * (0.3 * u[0] - 0.12)
        wb = 1.0 + strength * 0.06 * (u[1:4] - 0.5)
        img = img * (gain * wb).astype(np.float32)
    img = tone(img)
    if strength > 0:
        if u[4] < 0.5:                                  # vignetting
            yy = (np.arange(H, dtype=np.float32) - H / 2) / (H / 2)
            xx = (np.arange(W, dtype=np.float32) - W / 2) / (W / 2)
            r2 = yy[:, None] ** 2 * 0.5 + xx[None, :] ** 2 * 0.5
            img = img * (1.0 - strength * 0.25 * u[5] * r2)[..., None]
        if u[6] < 0.3 * strength:                       # motion blur
            length = (1.0 + 4.0 * u[7]) * W / 256.0
            angle = (u[8] - 0.5) * 0.6 if u[9] < 0.7 else u[8] * np.pi
            img = motion_blur(img, length, angle)
        elif u[6] < 0.5 * strength:                     # lens softness
            img = (img * 2 + np.roll(img, 1, 1) + np.roll(img, 1, 0)) * 0.25
        sigma = strength * (0.002 + 0.02 * u[10] ** 2)
        img = img + gaussian(img.shape, rng) * np.float32(sigma)
    return to_uint8(img)


def to_uint8(img):
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
