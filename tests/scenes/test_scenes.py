#!/usr/bin/env python3
"""Tests of the procedural street-scene generator (tools/scenes).

Plain python, no test framework:  /usr/bin/python3 tests/scenes/test_scenes.py
Prints one line per test and 'N passed, N failed' at the end; exit code 1 on failure.
Optional parts are skipped when their inputs are missing (torch, cv2, the sample video).
"""

import math
import os
import sys
import tempfile
import time
import traceback

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tools.scenes import (CLASS_COLORS, CLASS_NAMES, MAX_DEPTH, NUM_CLASSES, TEST_SEEDS,  # noqa: E402
                          TRAIN_SEEDS, VAL_SEEDS, Camera, World, render_scene, render_world,
                          split_of)
from tools.scenes.classes import SKY  # noqa: E402
from tools.scenes.pngio import read_png, write_png  # noqa: E402

H, W = 128, 256
BATCH = list(range(100, 132))        # 32 training seeds used by the batch tests
_cache = {}
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def batch():
    """The 32 batch scenes, rendered once (and timed)."""
    if "batch" not in _cache:
        render_scene(0, H, W)                       # warm-up (noise tables, imports)
        t0 = time.perf_counter()
        _cache["batch"] = [render_scene(s, H, W) for s in BATCH]
        _cache["secs"] = (time.perf_counter() - t0) / len(BATCH)
    return _cache["batch"]


@test
def class_list_is_cityscapes_categories():
    assert CLASS_NAMES == ("flat", "human", "vehicle", "construction", "object", "nature", "sky")
    assert CLASS_COLORS == ((128, 64, 128), (220, 20, 60), (0, 0, 142), (70, 70, 70),
                            (153, 153, 153), (107, 142, 35), (70, 130, 180))
    assert NUM_CLASSES == 7 and SKY == 6


@test
def shapes_and_dtypes():
    for (h, w) in ((H, W), (64, 96), (90, 160)):
        rgb, cls, depth = render_scene(7, h, w)
        assert rgb.shape == (h, w, 3) and rgb.dtype == np.uint8, (rgb.shape, rgb.dtype)
        assert cls.shape == (h, w) and cls.dtype == np.uint8
        assert depth.shape == (h, w) and depth.dtype == np.float32


@test
def deterministic_by_seed():
    for s in (0, 123_456, 2_000_321):
        a = render_scene(s, H, W, t=0.7)
        b = render_scene(s, H, W, t=0.7)
        for x, y in zip(a, b):
            assert np.array_equal(x, y), f"seed {s} not deterministic"


@test
def different_seeds_differ():
    imgs = [render_scene(s, H, W) for s in (1, 2, 3)]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not np.array_equal(imgs[i][0], imgs[j][0])
            assert not np.array_equal(imgs[i][1], imgs[j][1])
            assert not np.array_equal(imgs[i][2], imgs[j][2])


@test
def world_reuse_matches_fresh_render():
    # a video renders one World at increasing t; any frame must equal a fresh render
    w = World(2_000_007)
    for t in (0.0, 2.0, 5.0):
        render_world(w, 72, 128, t)
    for t in (5.0, 0.0, 2.0):
        a = render_world(w, 72, 128, t)
        b = render_scene(2_000_007, 72, 128, t=t)
        for x, y in zip(a, b):
            assert np.array_equal(x, y), f"t={t}"


@test
def class_ids_in_range():
    for _, cls, _ in batch():
        assert cls.max() < NUM_CLASSES


@test
def depth_positive_except_sky_and_zero_on_sky():
    for _, cls, depth in batch():
        sky = cls == SKY
        assert np.all(np.isfinite(depth))
        assert np.all(depth[~sky] > 0), "non-sky pixel with depth <= 0"
        assert np.all(depth[sky] == 0), "sky pixel with depth != 0"
        assert depth.max() <= MAX_DEPTH


@test
def every_class_appears_in_batch_of_32():
    seen = np.zeros(NUM_CLASSES, bool)
    for _, cls, _ in batch():
        seen[np.unique(cls)] = True
    missing = [CLASS_NAMES[i] for i in np.flatnonzero(~seen)]
    assert not missing, f"classes never seen: {missing}"


@test
def class_proportions_reasonable():
    frac = np.zeros(NUM_CLASSES)
    for _, cls, _ in batch():
        frac += np.bincount(cls.ravel(), minlength=NUM_CLASSES) / cls.size
    frac /= len(BATCH)
    print("    mean class fractions: " +
          ", ".join(f"{n} {f:.3f}" for n, f in zip(CLASS_NAMES, frac)))
    assert frac.max() < 0.7, frac


@test
def images_are_not_flat():
    for rgb, cls, _ in batch():
        assert rgb.std() > 10, "almost uniform image"
        assert len(np.unique(cls)) >= 3


@test
def splits_disjoint():
    r = [TRAIN_SEEDS, VAL_SEEDS, TEST_SEEDS]
    assert (r[0].start, r[0].stop) == (0, 1_000_000)
    assert (r[1].start, r[1].stop) == (1_000_000, 1_001_000)
    assert (r[2].start, r[2].stop) == (2_000_000, 2_001_000)
    for i in range(3):
        for j in range(i + 1, 3):
            assert not set(r[i]) & set(r[j])
    assert split_of(5) == "train" and split_of(1_000_999) == "val"
    assert split_of(2_000_500) == "test" and split_of(1_500_000) is None


@test
def ground_depth_is_planar_depth():
    # level camera: a road pixel in row i has depth h * f / (i + 0.5 - H/2) exactly
    w = World(42)
    c = w.camera(0.0)
    cam = Camera(x=c.x, y=1.5, z=0.0, yaw=0.0, pitch=0.0, roll=0.0, hfov=math.radians(60))
    _, cls, depth = render_scene(42, H, W, camera=cam)
    f = cam.focal(W)
    rows = np.arange(H // 2 + 2, H)
    expect = (1.5 * f / (rows + 0.5 - H / 2))[:, None]
    region = depth[rows, W // 2 - 8:W // 2 + 8]
    match = np.abs(region - np.minimum(expect, MAX_DEPTH)) < 1e-3 * expect
    flat = cls[rows, W // 2 - 8:W // 2 + 8] == 0
    assert match.sum() > 0.5 * flat.sum() > 0, (match.sum(), flat.sum())


@test
def moving_camera_sees_continuous_world():
    # consecutive video frames are similar, frames far apart are not identical
    w = World(2_000_500)
    a = render_world(w, 72, 128, 0.0, effects=0)[2]
    b = render_world(w, 72, 128, 1 / 30, effects=0)[2]
    c = render_world(w, 72, 128, 3.0, effects=0)[2]
    assert np.mean(np.abs(a - b)) < np.mean(np.abs(a - c))
    assert not np.array_equal(a, c)


@test
def png_roundtrip():
    d = tempfile.mkdtemp()
    a = (np.arange(60, dtype=np.uint16) * 1000).reshape(6, 10)
    b = (np.arange(60) % 7).astype(np.uint8).reshape(6, 10)
    write_png(os.path.join(d, "a.png"), a)
    write_png(os.path.join(d, "b.png"), b)
    assert np.array_equal(read_png(os.path.join(d, "a.png")), a)
    assert np.array_equal(read_png(os.path.join(d, "b.png")), b)


@test
def render_time_per_scene():
    batch()
    print(f"    render_scene {H}x{W}: {_cache['secs'] * 1e3:.1f} ms per scene "
          f"(mean over {len(BATCH)} scenes, this machine, one thread)")


SAMPLES = os.path.join(REPO, "resources", "samples")


@test
def sample_ground_truth_matches_generator():
    gt = os.path.join(SAMPLES, "street_gt")
    if not os.path.isdir(gt):
        return "skipped (no resources/samples/street_gt)"
    from tools.scenes.render_video import DEFAULT_SEED, depth_mm
    files = sorted(os.listdir(gt))
    assert "000000_class.png" in files and "000009_depth.png" in files, files
    cls = read_png(os.path.join(gt, "000000_class.png"))
    dmm = read_png(os.path.join(gt, "000000_depth.png"))
    assert cls.shape == (720, 1280) and cls.dtype == np.uint8
    assert dmm.shape == (720, 1280) and dmm.dtype == np.uint16
    assert np.array_equal(dmm == 0, cls == SKY)
    from tools.scenes.renderer import render
    w = World(DEFAULT_SEED)
    _, c2, d2 = render(w, w.camera(0.0), 720, 1280, 0.0)
    # exact on the machine that rendered them; allow last-bit float differences
    # (another CPU's SIMD paths) to flip a few grazing edge pixels
    bad_c = np.mean(cls != c2)
    bad_d = np.mean(np.abs(dmm.astype(np.int64) - depth_mm(d2)) > 1)
    assert bad_c < 1e-3, f"{bad_c:.2%} of sample classes differ from the generator"
    assert bad_d < 1e-3, f"{bad_d:.2%} of sample depths differ from the generator"


@test
def sample_video_decodes():
    mp4 = os.path.join(SAMPLES, "street.mp4")
    if not os.path.exists(mp4):
        return "skipped (no resources/samples/street.mp4)"
    assert os.path.getsize(mp4) < 10 * 1024 * 1024
    try:
        import cv2
    except ImportError:
        return "skipped (no python3-opencv)"
    cap = cv2.VideoCapture(mp4)
    assert cap.isOpened()
    n = 0
    ok, frame = cap.read()
    shape = frame.shape if ok else None
    while ok:
        n += 1
        ok, _ = cap.read()
    assert shape == (720, 1280, 3), shape
    assert 290 <= n <= 310, n


@test
def torch_dataset():
    try:
        import torch
    except ImportError:
        return "skipped (no torch)"
    from tools.scenes import SceneDataset
    ds = SceneDataset("val", 64, 128)
    assert len(ds) == 1000
    img, lab, dep = ds[3]
    assert img.shape == (3, 64, 128) and img.dtype == torch.float32
    assert 0.0 <= float(img.min()) and float(img.max()) <= 1.0
    assert lab.shape == (64, 128) and lab.dtype == torch.int64
    assert dep.shape == (64, 128) and dep.dtype == torch.float32
    assert bool(((dep == 0) == (lab == SKY)).all())


def main():
    passed = failed = 0
    for fn in TESTS:
        t0 = time.perf_counter()
        try:
            note = fn()
            passed += 1
            print(f"ok   {fn.__name__} ({time.perf_counter() - t0:.1f}s)" +
                  (f"  {note}" if note else ""))
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}")
            traceback.print_exc()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
