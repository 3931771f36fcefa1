"""Scene rendering entry point, seed splits and dataset statistics.

``render_scene(seed)`` renders the seed's world from its ego camera: an RGB image,
per-pixel class ids and per-pixel depth.

Conventions
-----------
* rgb: uint8 [H, W, 3], RGB order.
* classes: uint8 [H, W], ids 0..6 = flat, human, vehicle, construction, object,
  nature, sky (classes.py; the Cityscapes category order and colours).  Every pixel
  has a class; there is no ignore label.
* depth: float32 [H, W], metres along the optical axis (planar depth, not the
  distance to the camera centre), of the surface the pixel centre's ray hits.
  Sky pixels have depth exactly 0 = invalid (mask them out of depth losses).
  Depth is clipped to MAX_DEPTH = 80 m: a pixel with depth 80 is at least 80 m
  away (the geometry is still drawn, e.g. the road to the horizon).
* Deterministic: the same (seed, height, width, t, camera) gives identical arrays
  (numpy Generators seeded from the seed).  The world does not depend on the image
  size; level of detail does a little (above 512 px wide: geometry to 240 m instead
  of 150 m, small objects further away, smoother noise, coarser shadow sampling).
* Camera: pinhole, square pixels, principal point at the image centre, horizontal
  field of view 55-70 deg (per seed), 1.2-1.6 m above the road in a driving lane
  (+-0.4 m lateral offset), pitch/roll/yaw jitter of a few degrees.  The scene at
  time t has the camera driven t seconds forward (a video: render_world(World(s), ...,
  t=frame / fps)); stills use t = 0.
* Colour: rgb is gamma-free "display" values (no sRGB decode needed; feed /255).
  Camera effects (exposure, white balance, vignetting, motion blur, sensor noise)
  are drawn per (seed, t); effects=0 disables them.
* Splits: train seeds 0..999_999, validation 1_000_000..1_000_999, test
  2_000_000..2_000_999 (disjoint; the bundled sample video uses a test seed).
"""

import time

import numpy as np

from .classes import NUM_CLASSES
from .effects import finish, to_uint8, tone
from .renderer import MAX_DEPTH, render
from .world import World

TRAIN_SEEDS = range(0, 1_000_000)
VAL_SEEDS = range(1_000_000, 1_001_000)
TEST_SEEDS = range(2_000_000, 2_001_000)
SPLITS = {"train": TRAIN_SEEDS, "val": VAL_SEEDS, "test": TEST_SEEDS}

__all__ = ["render_scene", "render_world", "split_of", "class_frequencies", "TRAIN_SEEDS",
           "VAL_SEEDS", "TEST_SEEDS", "SPLITS", "MAX_DEPTH"]


def split_of(seed):
    """'train', 'val', 'test' or None."""
    for name, r in SPLITS.items():
        if seed in r:
            return name
    return None


def render_world(world, height, width, t=0.0, camera=None, effects=1.0, frame_key=None):
    """Render an existing World (reuse it across the frames of a video)."""
    cam = camera if camera is not None else world.camera(t)
    rgb, cls, depth = render(world, cam, height, width, t)
    key = int(round(t * 1000)) if frame_key is None else int(frame_key)
    rng = np.random.default_rng([world.seed, 3, key])
    img = finish(rgb, rng, effects) if effects > 0 else to_uint8(tone(rgb))
    return img, cls, depth


def render_scene(seed, height=128, width=256, t=0.0, camera=None, effects=1.0):
    """Render scene ``seed`` at time t (seconds) from its ego camera (or ``camera``).

    Returns (rgb uint8 [H, W, 3], classes uint8 [H, W], depth float32 [H, W]).
    """
    return render_world(World(seed), height, width, t, camera, effects)


def class_frequencies(seeds, height=128, width=256):
    """Mean per-class pixel fraction over seeds, and fraction of scenes containing each."""
    frac = np.zeros(NUM_CLASSES)
    present = np.zeros(NUM_CLASSES)
    for s in seeds:
        _, cls, _ = render_scene(s, height, width)
        c = np.bincount(cls.ravel(), minlength=NUM_CLASSES) / cls.size
        frac += c
        present += c > 0
    n = max(1, len(seeds))
    return frac / n, present / n


def time_scenes(seeds, height=128, width=256):
    """Mean seconds per render_scene call (single thread)."""
    t0 = time.perf_counter()
    for s in seeds:
        render_scene(s, height, width)
    return (time.perf_counter() - t0) / max(1, len(seeds))
