#!/usr/bin/env python3
"""Evaluate an EdgeMoE model file on held-out procedural street scenes.

    /usr/bin/python3 tools/eval/evaluate.py resources/models/edgemoe-demo.safetensors \
        --count 200 --json /work/train-runs/demo/eval-test.json

The model runs through the PyTorch reference (tools/reference: safetensors_io.model_from_file,
float32 math on the file's weights, F16 or F32). Scenes are the first --count seeds of the
split (default: test, seeds 2_000_000..; never used for training), rendered at the model's
input size. Metrics (tools/eval/metrics.py): mIoU, pixel accuracy and per-class IoU for the
segmentation task; AbsRel, RMSE, MAE and delta<1.25^n on valid (non-sky) pixels for the depth
task, whose raw output must be depth in metres (config "quantity": "depth", "unit": "m").
Prints a table and writes the numbers as JSON.
"""

import argparse
import json
import multiprocessing as mp
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # see tools/train/train.py

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for p in (HERE, os.path.join(REPO, "tools", "reference"), REPO):
    if p not in sys.path:
        sys.path.insert(0, p)

import m3vit  # noqa: E402
import safetensors_io  # noqa: E402
from metrics import DepthMetric, SegMetric  # noqa: E402
from tools.scenes.dataset import SPLITS, render_scene  # noqa: E402


def _render(args):
    seed, h, w = args
    return render_scene(seed, h, w)


def render_set(split, count, height, width, workers):
    seeds = [int(SPLITS[split][i]) for i in range(count)]
    jobs = [(s, height, width) for s in seeds]
    if workers > 1:
        with mp.Pool(workers) as pool:
            rows = pool.map(_render, jobs, chunksize=4)
    else:
        rows = [_render(j) for j in jobs]
    return seeds, rows


def model_input(rgb_batch, input_cfg):
    return torch.cat([m3vit.image_to_input(im, input_cfg) for im in rgb_batch])


@torch.no_grad()
def evaluate(model, config, scenes, batch=8, min_depth=0.1, max_depth=80.0):
    """scenes: list of (rgb uint8 HxWx3, classes uint8 HxW, depth float32 HxW metres).
    Returns the metrics dict (JSON-ready)."""
    tasks = config["tasks"]
    res = {}
    E = config["num_experts"]
    for t, task in enumerate(tasks):
        kind = task["kind"]
        if kind == "segmentation":
            metric = SegMetric(len(task["classes"]))
        elif kind == "depth":
            if task.get("quantity", "depth") != "depth" or task.get("unit", "m") != "m":
                raise ValueError("depth task %s predicts %s in %s; only depth in metres is evaluated"
                                 % (task["name"], task.get("quantity"), task.get("unit")))
            metric = DepthMetric(min_depth, max_depth)
        else:
            raise ValueError("unknown task kind %r" % kind)
        usage = None
        for i in range(0, len(scenes), batch):
            chunk = scenes[i:i + batch]
            x = model_input([s[0] for s in chunk], config["input"])
            out, _, routing = model.forward_all(x, t)
            ids = np.stack([r[0].numpy() for r in routing])             # [blocks, B, N, k]
            counts = np.stack([np.bincount(ids[b].ravel(), minlength=E) for b in range(len(ids))])
            usage = counts if usage is None else usage + counts
            if kind == "segmentation":
                metric.update(out.argmax(1).numpy(), np.stack([s[1] for s in chunk]))
            else:
                metric.update(out[:, 0].numpy(), np.stack([s[2] for s in chunk]))
        r = metric.result()
        if kind == "segmentation":
            r["iou"] = {c["name"]: v for c, v in zip(task["classes"], r["iou"])}
        share = usage / usage.sum(1, keepdims=True)
        r["experts"] = {"used_per_block": [int(v) for v in (usage > 0).sum(1)],
                        "max_share_per_block": [round(float(v), 4) for v in share.max(1)],
                        "counts": usage.tolist()}
        res[task["name"]] = r
    return res


def print_table(res, config, header):
    print(header)
    for task in config["tasks"]:
        r = res[task["name"]]
        if task["kind"] == "segmentation":
            print("  %-8s mIoU %.4f   pixel accuracy %.4f" % (task["name"], r["miou"], r["pixel_acc"]))
            print("           " + "  ".join("%s %s" % (k, "-" if v is None else "%.3f" % v)
                                            for k, v in r["iou"].items()))
        else:
            print("  %-8s AbsRel %.4f   RMSE %.3f m   MAE %.3f m   delta<1.25 %.4f   <1.25^2 %.4f   <1.25^3 %.4f"
                  % (task["name"], r["abs_rel"], r["rmse"], r["mae"], r["delta1"], r["delta2"], r["delta3"]))
        print("           experts used per MoE block %s, largest share %s" % (
            r["experts"]["used_per_block"], r["experts"]["max_share_per_block"]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", help="model file (.safetensors, our format)")
    ap.add_argument("--split", default="test", choices=sorted(SPLITS))
    ap.add_argument("--count", type=int, default=200, help="scenes: the first COUNT seeds of the split")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="processes rendering the scenes")
    ap.add_argument("--json", default=None, help="write the results here")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    t0 = time.time()
    model, config = safetensors_io.model_from_file(a.model)
    H, W = config["image_size"]
    seeds, scenes = render_set(a.split, a.count, H, W, a.workers)
    t1 = time.time()
    res = evaluate(model, config, scenes, a.batch)
    t2 = time.time()
    out = {"model": os.path.abspath(a.model), "name": config.get("name"), "trained": config.get("trained"),
           "split": a.split, "count": len(seeds), "seeds": [seeds[0], seeds[-1]],
           "depth_clamp_m": [0.1, 80.0], "tasks": res,
           "seconds": {"render": round(t1 - t0, 1), "inference": round(t2 - t1, 1)}}
    print_table(res, config, "%s (%s) on %d %s scenes (seeds %d..%d), reference PyTorch model, float32:" % (
        config.get("name"), os.path.basename(a.model), len(seeds), a.split, seeds[0], seeds[-1]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
        print("wrote %s" % a.json)
    return out


if __name__ == "__main__":
    main()
