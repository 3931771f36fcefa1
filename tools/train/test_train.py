#!/usr/bin/env python3
"""Fast tests of the training, export and evaluation tools (tools/train, tools/eval).

Plain python, no test framework:  /usr/bin/python3 tools/train/test_train.py
Prints one line per test and 'N passed, N failed' at the end; exit code 1 on failure. < 60 s.
"""

import math
import os
import shutil
import sys
import tempfile
import time
import traceback

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import trainlib as tl  # noqa: E402
import m3vit  # noqa: E402
import safetensors_io  # noqa: E402
from metrics import DepthMetric, SegMetric  # noqa: E402
import resolution_bound  # noqa: E402

TESTS = []
TMP = tempfile.mkdtemp(prefix="edgemoe_train_test_")


def test(fn):
    TESTS.append(fn)
    return fn


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol


# ---------------------------------------------------------------- losses

@test
def load_balance_loss_hand_cases():
    E = 4
    # every token puts all probability on expert 0 and routes there: f = P = (1,0,0,0) -> E
    probs = torch.tensor([[1.0, 0, 0, 0]] * 6)
    idx = torch.zeros(6, 1, dtype=torch.long)
    assert close(float(tl.load_balance_loss(probs, idx, E)), 4.0)
    # uniform probabilities, perfectly balanced top-1 assignment -> 1
    probs = torch.full((8, E), 0.25)
    idx = torch.tensor([[0], [1], [2], [3], [0], [1], [2], [3]])
    assert close(float(tl.load_balance_loss(probs, idx, E)), 1.0)
    # top-2, hand computed: tokens (0,1),(0,2) -> f = (2,1,1,0)/4; P = mean rows
    probs = torch.tensor([[0.5, 0.3, 0.1, 0.1], [0.6, 0.1, 0.2, 0.1]])
    idx = torch.tensor([[0, 1], [0, 2]])
    P = [0.55, 0.2, 0.15, 0.1]
    f = [0.5, 0.25, 0.25, 0.0]
    want = E * sum(a * b for a, b in zip(f, P))
    got = tl.load_balance_loss(probs, idx, E)
    assert close(float(got), want, 1e-6), (float(got), want)
    # the gradient flows into the probabilities only (f is a constant)
    p = probs.clone().requires_grad_(True)
    tl.load_balance_loss(p, idx, E).backward()
    assert torch.allclose(p.grad, torch.tensor([f, f]) * E / 2)


@test
def depth_loss_hand_case():
    pred = torch.tensor([[[11.0, 20.0, 5.0, 80.0]]])
    gt = torch.tensor([[[10.0, 20.0, 0.0, 0.0]]])          # two valid, two sky
    # valid: (0.1 + 0) / 2 = 0.05; sky: |5-80|/80 and 0 -> mean 0.46875, x 0.1
    assert close(float(tl.depth_loss(pred, gt, sky_weight=0.0)), 0.05)
    assert close(float(tl.depth_loss(pred, gt, sky_weight=0.1)), 0.05 + 0.1 * 0.46875)
    # log kind: (|log 1.1| + 0.1 x 0.1 + 0) / 2, symmetric in the ratio
    want = (math.log(1.1) + 0.01) / 2
    assert close(float(tl.depth_loss(pred, gt, sky_weight=0.0, kind="log")), want)
    half, double = torch.tensor([[[5.0]]]), torch.tensor([[[20.0]]])
    ten = torch.tensor([[[10.0]]])
    lh = float(tl.depth_loss(half, ten, 0.0, "log")) - 0.1 * 0.5
    ld = float(tl.depth_loss(double, ten, 0.0, "log")) - 0.1 * 1.0
    assert close(lh, ld) and close(lh, math.log(2.0))
    # a prediction below the 0.1 m clamp still gets pushed up by the relative term
    p = torch.tensor([[[0.01]]], requires_grad=True)
    tl.depth_loss(p, ten, 0.0, "log").backward()
    assert float(p.grad) < 0


@test
def class_weights_normalised():
    f = np.array([0.4, 0.01, 0.1, 0.2, 0.02, 0.17, 0.1])
    w = tl.class_weights_from_freq(f, 0.5)
    assert close(float(np.sum(f * w)), 1.0, 1e-3) and w[1] > w[0]


# ---------------------------------------------------------------- metrics

@test
def metrics_perfect_prediction():
    rng = np.random.default_rng(0)
    cls = rng.integers(0, 7, size=(2, 16, 32))
    seg = SegMetric(7)
    seg.update(cls, cls)
    r = seg.result()
    assert r["miou"] == 1.0 and r["pixel_acc"] == 1.0
    depth = rng.uniform(1, 80, size=(2, 16, 32))
    depth[:, :3] = 0                                         # sky: ignored
    dm = DepthMetric()
    pred = depth.copy()
    pred[:, :3] = -5.0                                       # whatever it predicts for the sky
    dm.update(pred, depth)
    d = dm.result()
    assert d["delta1"] == 1.0 and d["abs_rel"] == 0.0 and d["rmse"] == 0.0
    assert d["pixels"] == 2 * 13 * 32


@test
def metrics_known_confusion():
    gt = np.array([0, 0, 1, 1, 2, 2, 2, 2])
    pr = np.array([0, 1, 1, 1, 2, 2, 0, 2])
    seg = SegMetric(7)
    seg.update(pr, gt)
    r = seg.result()
    # class 0: TP 1, FP 1, FN 1 -> 1/3; class 1: TP 2, FP 1 -> 2/3; class 2: TP 3, FN 1 -> 3/4
    assert close(r["iou"][0], 1 / 3) and close(r["iou"][1], 2 / 3) and close(r["iou"][2], 3 / 4)
    assert r["iou"][3] is None                                # absent from both: no IoU
    assert close(r["miou"], (1 / 3 + 2 / 3 + 3 / 4) / 3)
    assert close(r["pixel_acc"], 6 / 8)


@test
def depth_metrics_known_values():
    gt = np.array([10.0, 10.0, 20.0, 0.0])
    pred = np.array([12.0, 13.0, 20.0, 50.0])
    dm = DepthMetric()
    dm.update(pred, gt)
    d = dm.result()
    assert close(d["abs_rel"], (0.2 + 0.3 + 0.0) / 3)
    assert close(d["rmse"], math.sqrt((4 + 9 + 0) / 3))
    assert close(d["delta1"], 2 / 3)                          # 1.3 >= 1.25
    dm = DepthMetric()
    dm.update(np.array([-1.0, 200.0]), np.array([0.2, 80.0]))  # clamped to 0.1 and 80
    d = dm.result()
    assert close(d["abs_rel"], (0.1 / 0.2 + 0.0) / 2) and close(d["delta1"], 0.5)


@test
def coarse_oracle_is_exact_at_full_resolution_and_loses_thin_things():
    rng = np.random.default_rng(3)
    cls = rng.integers(0, 7, (2, 32, 64)).astype(np.uint8)
    depth = rng.uniform(1, 60, (2, 32, 64)).astype(np.float32)
    depth[cls == 6] = 0                                   # sky: invalid
    seg, dep = resolution_bound.score(cls, depth, 1)
    assert close(seg["miou"], 1.0) and close(dep["delta1"], 1.0) and dep["abs_rel"] < 1e-5
    # a 2-pixel pole (class 4) in a 16x16 cell of road (class 0) at 10 m in front of a wall at 40 m:
    # at one token per 16 px the pole's area share is 1/8, so it is never the argmax
    cls = np.zeros((1, 32, 64), np.uint8)
    cls[0, :, 20:22] = 4
    depth = np.full((1, 32, 64), 40.0, np.float32)
    depth[0, :, 20:22] = 10.0
    pc, pd = resolution_bound.coarse_oracle(cls, depth, 16)
    assert (pc == 0).all()
    assert pd[0, 5, 21] > 10.0 * 1.25                     # the pole's depth is blurred away
    pc, pd2 = resolution_bound.coarse_oracle(cls, depth, 2)
    assert (pc[0, :, 20:22] == 4).all() and pd2[0, 5, 21] < 0.6 * pd[0, 5, 21]


# ---------------------------------------------------------------- model

@test
def fast_moe_matches_reference():
    torch.manual_seed(0)
    ref = m3vit.M3ViT(**tl.ARCHS["tiny"])
    m3vit.randomize(ref, 3)
    ref.eval()
    fast = m3vit.M3ViT(**tl.ARCHS["tiny"])
    fast.load_state_dict(ref.state_dict())
    tl.install_fast_moe(fast)
    fast.eval()
    x = torch.rand(2, 3, 128, 256)
    with torch.no_grad():
        for t in range(2):
            a, _, ra = ref.forward_all(x, t)
            b, _, rb = fast.forward_all(x, t)
            assert torch.allclose(a, b, atol=1e-4, rtol=1e-4), float((a - b).abs().max())
            for (ia, pa), (ib, pb) in zip(ra, rb):
                assert torch.equal(ia, ib) and torch.allclose(pa, pb)
    # the state_dict names are the reference's (nothing added by the swap)
    assert list(fast.state_dict()) == list(ref.state_dict())


def tiny_batch(n=4):
    from tools.scenes import render_scene
    rows = [render_scene(s, 128, 256) for s in range(n)]
    return tl.to_batch(np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows]),
                       np.stack([r[2].astype(np.float16) for r in rows]))


@test
def training_steps_decrease_loss():
    torch.manual_seed(0)
    x, y, d = tiny_batch(4)
    model = tl.build_model("tiny", seed=0)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    hist = []
    for _ in range(12):
        total = 0.0
        for t in range(2):
            out = model(x, t)
            loss = tl.semseg_loss(out, y) if t == 0 else tl.depth_loss(out[:, 0] * tl.DEPTH_SCALE, d)
            lb = tl.model_load_balance_loss(model)
            (loss + 0.01 * lb).backward()
            total += float(loss)
        opt.step()
        opt.zero_grad()
        hist.append(total)
    assert hist[-1] < 0.8 * hist[0], hist
    assert all(np.isfinite(hist))


@test
def train_script_resume_and_export_round_trip():
    import train as train_script
    import export as export_script
    runs = os.path.join(TMP, "runs")
    common = ["--arch", "tiny", "--name", "t", "--runs-dir", runs, "--cache-count", "12", "--val-count", "4",
              "--epoch-images", "8", "--batch", "4", "--log-every", "1", "--warmup-steps", "1", "--amp", "none",
              "--minutes", "2"]
    s1 = train_script.main(common + ["--max-steps", "3"])
    assert s1["step"] == 3 and s1["epoch"] == 1 and s1["pos"] == 4
    s2 = train_script.main(common + ["--max-steps", "5", "--resume"])
    assert s2["step"] == 5 and s2["images"] == 20 and len(s2["sittings"]) == 2
    with open(os.path.join(runs, "t", "metrics.csv")) as f:
        rows = f.read().strip().splitlines()
    assert rows[0].startswith("sitting,epoch") and len(rows) >= 3
    # export: F16 file in our format, metadata as specified, same outputs as the checkpoint
    model, ck = export_script.load_checkpoint(os.path.join(runs, "t", "last.pt"))
    path = os.path.join(TMP, "demo.safetensors")
    export_script.export(model, ck, path)
    tensors, cfg, dtypes = safetensors_io.load(path)
    assert set(dtypes.values()) == {"F16"}
    assert cfg["name"] == "edgemoe-demo" and cfg["trained"] is True
    assert [c["name"] for c in cfg["tasks"][0]["classes"]] == list(tl.CLASS_NAMES)
    assert cfg["tasks"][0]["classes"][6]["color"] == [70, 130, 180]
    assert cfg["tasks"][1] == {"name": "depth", "kind": "depth", "quantity": "depth", "unit": "m", "range": [0, 80]}
    assert cfg["input"]["scale"] == 1.0 / 255.0 and cfg["input"]["channel_order"] == "RGB"
    loaded, _ = safetensors_io.model_from_file(path)
    x, _, _ = tiny_batch(2)
    with torch.no_grad():
        a0, b0 = model(x, 0), loaded(x, 0)
        a1, b1 = model(x, 1) * ck["depth_scale"], loaded(x, 1)      # the file's output is metres
    assert float((a0.argmax(1) == b0.argmax(1)).float().mean()) > 0.99
    assert torch.allclose(a1, b1, rtol=1e-2, atol=0.05 + 2e-3 * float(a1.abs().max()))
    # evaluation of the file runs and reports every metric
    import evaluate as ev
    scenes = ev.render_set("test", 2, 128, 256, workers=1)[1]
    res = ev.evaluate(loaded, cfg, scenes, batch=2)
    for k in ("miou", "pixel_acc"):
        assert 0 <= res["semseg"][k] <= 1
    for k in ("abs_rel", "rmse", "delta1"):
        assert np.isfinite(res["depth"][k])


@test
def warm_start_card_keeps_the_earlier_training():
    import export as export_script
    card = os.path.join(TMP, "earlier.md")
    with open(card, "w") as f:
        f.write("# card\n\n## The file\n\n| size | 12 bytes (0.0 MB), sha256 `abc` |\n\n## Training\n\n"
                "| progress | 7 optimiser steps |\n\n### Validation during training\n\n| 1 | 2 |\n\n"
                "## Limitations\n\n- none\n")
    e = export_script.earlier_training(card)
    assert e["file"] == "12 bytes (0.0 MB), sha256 `abc`"
    assert "| progress | 7 optimiser steps |" in e["body"] and "#### Validation during training" in e["body"]
    assert not any(ln.startswith("## ") or "Limitations" in ln for ln in e["body"])
    assert export_script.earlier_training(os.path.join(TMP, "no-such-card.md")) is None


@test
def warm_start_from_an_exported_file():
    # export a tiny model, load the file into a fresh training model: same outputs (F16 rounding)
    model = tl.build_model("tiny", seed=3)
    model.eval()
    path = os.path.join(TMP, "warm.safetensors")
    safetensors_io.save(path, tl.export_tensors(model), tl.make_file_config(model, "warm start test"), dtype="F16")
    fresh = tl.build_model("tiny", seed=7)
    fresh.eval()
    x, _, _ = tiny_batch(2)
    with torch.no_grad():
        before = fresh(x, 1)
        tl.load_file_weights(fresh, path)
        a0, b0 = model(x, 0), fresh(x, 0)
        a1, b1 = model(x, 1), fresh(x, 1)
    assert float((a0.argmax(1) == b0.argmax(1)).float().mean()) > 0.99
    assert torch.allclose(a1, b1, rtol=1e-2, atol=1e-2 * float(a1.abs().max()))
    assert not torch.allclose(before, b1, rtol=1e-2, atol=1e-2 * float(a1.abs().max()))
    # a file of another shape is refused with the file's name
    other = tl.build_model("edgemoe", seed=0)
    try:
        tl.load_file_weights(other, path)
        raise AssertionError("a tiny file loaded into the Edge-MoE model")
    except ValueError as e:
        assert "warm.safetensors" in str(e)


@test
def cache_round_trip():
    import make_cache
    out = os.path.join(TMP, "cache2")
    n = make_cache.build(out, "val", count=3, shard=2, workers=1, log=lambda *a: None)
    assert n == 3 and sorted(os.listdir(out)) == ["val_1000000.npz", "val_1000002.npz"]
    data = tl.load_cache(out, "val")
    from tools.scenes import render_scene
    rgb, cls, depth = render_scene(1_000_001, 128, 256)
    assert list(data["seeds"]) == [1_000_000, 1_000_001, 1_000_002]
    assert np.array_equal(data["rgb"][1], rgb) and np.array_equal(data["cls"][1], cls)
    assert np.allclose(data["depth"][1], depth, rtol=1e-3, atol=1e-3)
    assert make_cache.build(out, "val", count=3, workers=1, log=lambda *a: None) == 3   # nothing new


@test
def augment_keeps_labels_aligned():
    x, y, d = tiny_batch(2)
    g = torch.Generator().manual_seed(1)
    xa, ya, da = tl.augment(x, y, d, g, strength=0.0)              # flips only
    for i in range(2):
        flipped = torch.equal(ya[i], y[i].flip(-1))
        assert flipped or torch.equal(ya[i], y[i])
        assert torch.equal(da[i], d[i].flip(-1) if flipped else d[i])
        assert torch.equal(xa[i], x[i].flip(-1) if flipped else x[i])
    xa, _, _ = tl.augment(x, y, d, g, strength=1.0)
    assert float(xa.min()) >= 0 and float(xa.max()) <= 1


def main():
    torch.set_num_threads(2)
    passed = failed = 0
    t00 = time.time()
    try:
        for fn in TESTS:
            t0 = time.time()
            try:
                fn()
                passed += 1
                print("PASS %s (%.1f s)" % (fn.__name__, time.time() - t0), flush=True)
            except Exception:
                failed += 1
                print("FAIL %s" % fn.__name__)
                traceback.print_exc()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d passed, %d failed (%.1f s)" % (passed, failed, time.time() - t00))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
