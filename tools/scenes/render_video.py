"""Render the bundled sample video: the ego camera driving along a test-split world.

    /usr/bin/python3 tools/scenes/render_video.py            # resources/samples/street.mp4
    /usr/bin/python3 tools/scenes/render_video.py --seed 2000123 --seconds 3 --out /tmp/x.mp4

The world is generated once from the seed and rendered at t = frame / fps, so the
motion is continuous (the camera and traffic move; the street stays).  Frames are
piped to ffmpeg (libx264, yuv420p, -movflags +faststart).  Ground truth for the
first --gt-frames frames is written next to the video:
    NNNNNN_class.png  8-bit grey, class ids 0..6 (classes.py)
    NNNNNN_depth.png  16-bit grey, depth along the optical axis in millimetres,
                      0 = invalid (sky); saturates at 65535 (depths >= 65.535 m)
where NNNNNN is the 0-based frame number.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np

if __package__ in (None, ""):
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "tools.scenes"

from .dataset import TEST_SEEDS, split_of  # noqa: E402
from .effects import gaussian, to_uint8, tone  # noqa: E402
from .pngio import write_png  # noqa: E402
from .renderer import render  # noqa: E402
from .world import World  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SEED = 2_000_009      # a test seed: sunny boulevard, pedestrians, traffic, crossings


class VideoLook:
    """Camera effects that stay constant over a video (no flicker): exposure,
    white balance, vignetting; plus light per-frame sensor noise."""

    def __init__(self, seed, height, width):
        u = np.random.default_rng([seed, 5]).random(5)
        self.gain = np.float32(1.0 + 0.1 * (u[0] - 0.3))
        self.wb = (1.0 + 0.04 * (u[1:4] - 0.5)).astype(np.float32)
        yy = (np.arange(height, dtype=np.float32) - height / 2) / (height / 2)
        xx = (np.arange(width, dtype=np.float32) - width / 2) / (width / 2)
        r2 = yy[:, None] ** 2 * 0.5 + xx[None, :] ** 2 * 0.5
        self.vignette = (1.0 - 0.18 * r2)[..., None].astype(np.float32)
        self.seed = seed

    def __call__(self, rgb, frame):
        img = tone(rgb * (self.gain * self.wb)) * self.vignette
        rng = np.random.default_rng([self.seed, 6, frame])
        img = img + gaussian(img.shape, rng) * np.float32(0.006)
        return to_uint8(img)


def depth_mm(depth):
    """float metres -> uint16 millimetres; 0 stays 0 (invalid); saturates at 65535
    (65.535 m: a uint16 cannot hold the 80 m depth cap in millimetres)."""
    return np.minimum(np.round(depth * 1000.0), 65535).astype(np.uint16)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--size", default="1280x720", help="WIDTHxHEIGHT")
    ap.add_argument("--crf", type=int, default=23)
    ap.add_argument("--out", default=os.path.join(REPO, "resources", "samples", "street.mp4"))
    ap.add_argument("--gt-dir", default=None, help="default: <out without .mp4>_gt")
    ap.add_argument("--gt-frames", type=int, default=10)
    a = ap.parse_args(argv)
    width, height = (int(v) for v in a.size.lower().split("x"))
    if split_of(a.seed) != "test":
        print(f"warning: seed {a.seed} is not a test seed ({TEST_SEEDS})", file=sys.stderr)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        sys.exit("ffmpeg not found (apt-get install ffmpeg)")
    gt_dir = a.gt_dir or os.path.splitext(a.out)[0] + "_gt"
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    os.makedirs(gt_dir, exist_ok=True)

    world = World(a.seed)
    look = VideoLook(a.seed, height, width)
    n = int(round(a.seconds * a.fps))
    cmd = [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
           "-s", f"{width}x{height}", "-r", str(a.fps), "-i", "-", "-c:v", "libx264",
           "-preset", "slow", "-crf", str(a.crf), "-pix_fmt", "yuv420p",
           "-movflags", "+faststart", a.out]
    enc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    t0 = time.perf_counter()
    for f in range(n):
        t = f / a.fps
        rgb, cls, depth = render(world, world.camera(t), height, width, t)
        enc.stdin.write(look(rgb, f).tobytes())
        if f < a.gt_frames:
            write_png(os.path.join(gt_dir, f"{f:06d}_class.png"), cls)
            write_png(os.path.join(gt_dir, f"{f:06d}_depth.png"), depth_mm(depth))
        if f % 30 == 0:
            el = time.perf_counter() - t0
            print(f"frame {f}/{n}  {el / (f + 1):.2f} s/frame", file=sys.stderr, flush=True)
    enc.stdin.close()
    if enc.wait() != 0:
        sys.exit("ffmpeg failed")
    el = time.perf_counter() - t0
    print(f"wrote {a.out}: {n} frames {width}x{height} @ {a.fps} fps, "
          f"{os.path.getsize(a.out) / 1e6:.2f} MB, {el / n:.2f} s/frame; ground truth in {gt_dir}")


if __name__ == "__main__":
    main()
