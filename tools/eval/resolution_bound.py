#!/usr/bin/env python3
"""What a perfect predictor at a coarse resolution would score: a ceiling for the demo model.

    /usr/bin/python3 tools/eval/resolution_bound.py --count 100 --json /tmp/bound.json

The Edge-MoE backbone sees the picture as 16x16-pixel patches (8x16 tokens at 128x256), and the
SETR-PUP head upsamples the token grid bilinearly. Whatever the head draws inside a patch it must
reconstruct from that patch's 192 numbers. This tool asks how far the metrics could get without
doing so: it takes the ground truth itself, averages it over f x f cells (f = 16: one token), and
upsamples it bilinearly back to full size, as the head does:

    segmentation: each class's area fraction per cell, upsampled, argmax per pixel;
    depth:        the mean log depth per cell (sky counted at MAX_DEPTH, the far cap), upsampled, exp.

The result is scored with tools/eval/metrics.py exactly like a model. At f = 16 it is the best any
model can do whose output is smooth within a patch; a model must beat it by drawing edges that
lie inside patches. The smaller factors show how fine that detail must be for a given score.
"""

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for p in (HERE, REPO):
    if p not in sys.path:
        sys.path.insert(0, p)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from evaluate import render_set  # noqa: E402
from metrics import DepthMetric, SegMetric  # noqa: E402
from tools.scenes import CLASS_NAMES, MAX_DEPTH, NUM_CLASSES  # noqa: E402


def _down_up(x, factor):
    """x [B,C,H,W] float: mean over factor x factor cells, then bilinear back to H x W (the head's
    upsampling: align_corners=False)."""
    h, w = x.shape[-2:]
    lo = F.avg_pool2d(x, factor)
    return F.interpolate(lo, size=(h, w), mode="bilinear", align_corners=False)


def coarse_oracle(classes, depth, factor):
    """classes uint8 [B,H,W], depth float [B,H,W] metres (0 = sky / invalid) -> the oracle's
    (class ids int64 [B,H,W], depth float32 [B,H,W]) at 1/factor resolution."""
    cls = torch.from_numpy(np.asarray(classes, dtype=np.int64))
    onehot = F.one_hot(cls, NUM_CLASSES).permute(0, 3, 1, 2).float()
    pred_cls = _down_up(onehot, factor).argmax(1).numpy()
    d = torch.from_numpy(np.asarray(depth, dtype=np.float32))
    logd = torch.where(d > 0, d.clamp(min=0.1), torch.tensor(MAX_DEPTH)).log().unsqueeze(1)
    pred_depth = _down_up(logd, factor).exp()[:, 0].numpy()
    return pred_cls, pred_depth


def score(classes, depth, factor, batch=25):
    seg, dep = SegMetric(NUM_CLASSES), DepthMetric()
    for i in range(0, len(classes), batch):
        pc, pd = coarse_oracle(classes[i:i + batch], depth[i:i + batch], factor)
        seg.update(pc, classes[i:i + batch])
        dep.update(pd, depth[i:i + batch])
    return seg.result(), dep.result()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", default="test")
    ap.add_argument("--count", type=int, default=100, help="scenes: the first COUNT seeds of the split")
    ap.add_argument("--size", default="128x256", help="HxW, the model's input size")
    ap.add_argument("--factors", default="16,8,4,2", help="cell sizes in pixels (16 = one token)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", default=None)
    a = ap.parse_args(argv)
    h, w = (int(v) for v in a.size.split("x"))
    seeds, scenes = render_set(a.split, a.count, h, w, a.workers)
    classes = np.stack([s[1] for s in scenes])
    depth = np.stack([s[2] for s in scenes])
    out = {"split": a.split, "count": len(seeds), "size": [h, w], "factors": {}}
    print("Ceiling of a predictor that is exact at 1/f resolution and bilinear in between "
          "(%d %s scenes, %dx%d):" % (len(seeds), a.split, h, w))
    print("   f   mIoU   delta<1.25  AbsRel   per-class IoU")
    for f in (int(v) for v in a.factors.split(",")):
        s, d = score(classes, depth, f)
        iou = {n: v for n, v in zip(CLASS_NAMES, s["iou"])}
        out["factors"][str(f)] = {"miou": s["miou"], "pixel_acc": s["pixel_acc"], "iou": iou,
                                  "delta1": d["delta1"], "abs_rel": d["abs_rel"]}
        print("  %2d  %.3f   %.3f      %.3f    %s" % (f, s["miou"], d["delta1"], d["abs_rel"],
              " ".join("%s %.2f" % (n, v) for n, v in iou.items() if v is not None)))
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(out, fh, indent=1)
        print("wrote %s" % a.json)
    return out


if __name__ == "__main__":
    main()
