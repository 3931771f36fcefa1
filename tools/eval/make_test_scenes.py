#!/usr/bin/env python3
"""Render the first --count TEST scenes at the model's input size as PNG files, for the C++
regression test of the shipped model (tests/engine/test_demo_model.cpp):

    /usr/bin/python3 tools/eval/make_test_scenes.py --count 20 --out tests/fixtures/test_scenes

Per scene i (seed 2_000_000 + i, never used in training or model selection):
    NNNNNN_rgb.png       8-bit RGB, 256x128, what the camera saw (effects on, as in evaluate.py)
    NNNNNN_class.png     8-bit grey, class ids 0..6 (tools/scenes/classes.py)
    NNNNNN_depth_cm.png  16-bit grey, depth along the optical axis in centimetres, 0 = sky
                         (invalid); centimetres so the 80 m depth cap fits in 16 bits
The same scenes and metric conventions as tools/eval/evaluate.py --split test.
"""

import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tools.scenes.dataset import TEST_SEEDS, render_scene  # noqa: E402
from tools.scenes.pngio import write_png  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--out", default=os.path.join(REPO, "tests", "fixtures", "test_scenes"))
    ap.add_argument("--height", type=int, default=128)
    ap.add_argument("--width", type=int, default=256)
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.count):
        rgb, cls, depth = render_scene(TEST_SEEDS[i], a.height, a.width)
        write_png(os.path.join(a.out, f"{i:06d}_rgb.png"), rgb)
        write_png(os.path.join(a.out, f"{i:06d}_class.png"), cls)
        write_png(os.path.join(a.out, f"{i:06d}_depth_cm.png"),
                  np.minimum(np.round(depth * 100.0), 65535).astype(np.uint16))
    print(f"{a.count} test scenes ({TEST_SEEDS[0]}..{TEST_SEEDS[a.count - 1]}) in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
