"""Side-by-side previews: rgb | class colours | depth, one row per seed.

    /usr/bin/python3 -m tools.scenes.preview OUT.png SEED [SEED ...] [--size 128x256]
"""

import argparse
import sys

import numpy as np

if __package__ in (None, ""):
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "tools.scenes"

from .classes import colorize  # noqa: E402
from .dataset import MAX_DEPTH, render_scene  # noqa: E402
from .pngio import write_png  # noqa: E402


def depth_colours(depth):
    """Depth -> uint8 RGB: near white-yellow, through orange and red, far dark blue;
    invalid (sky, depth 0) black."""
    d = np.clip(depth / MAX_DEPTH, 0, 1) ** 0.5
    stops = np.array([[1.0, 1.0, 0.85], [1.0, 0.75, 0.2], [0.85, 0.25, 0.25],
                      [0.4, 0.1, 0.5], [0.08, 0.05, 0.3]])
    x = d * (len(stops) - 1)
    i = np.minimum(x.astype(int), len(stops) - 2)
    f = (x - i)[..., None]
    out = ((stops[i] * (1 - f) + stops[i + 1] * f) * 255).astype(np.uint8)
    out[depth <= 0] = 0
    return out


def side_by_side(rgb, cls, depth):
    return np.concatenate([rgb, colorize(cls), depth_colours(depth)], 1)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("seeds", type=int, nargs="+")
    ap.add_argument("--size", default="128x256")
    ap.add_argument("--t", type=float, default=0.0)
    a = ap.parse_args(argv)
    h, w = (int(v) for v in a.size.split("x"))
    rows = [side_by_side(*render_scene(s, h, w, t=a.t)) for s in a.seeds]
    write_png(a.out, np.concatenate(rows, 0))


if __name__ == "__main__":
    main()
