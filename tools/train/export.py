#!/usr/bin/env python3
"""Export a training checkpoint to the demo model file, evaluate it, and write its model card.

    /usr/bin/python3 tools/train/export.py --run /work/train-runs/demo --which best

writes
    resources/models/edgemoe-demo.safetensors   float16, our format (docs/model-format.md), name
                                                "edgemoe-demo", "trained": true, tasks semseg (the 7
                                                Cityscapes categories with their colours) and depth
                                                (depth in metres, display range 0..80)
    <run>/eval-test.json                        tools/eval/evaluate.py's numbers on the exported file
    resources/models/edgemoe-demo.md            the model card: recipe, data, steps, time, hardware,
                                                test metrics

The depth head's training scale (trainlib.DEPTH_SCALE) is folded into decoders.depth.conv_4 so the
file's raw depth output is metres. The test metrics are computed on the exported float16 file
through the reference PyTorch model, on TEST seeds (never trained on).
"""

import argparse
import datetime
import hashlib
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # see train.py

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import trainlib as tl  # noqa: E402
import safetensors_io  # noqa: E402
import evaluate as ev  # noqa: E402  (tools/eval, on sys.path via trainlib)

DESCRIPTION = ("M3ViT in the exact Edge-MoE backbone shape (128x256, patch 16, D 192, 12 blocks, 16 experts "
               "x 384, top-2, MoE in odd blocks, one gate per task) with SETR-PUP heads of 64 channels, trained "
               "from scratch by tools/train/train.py on EdgeMoE Live's procedural street scenes (tools/scenes) "
               "for 7-class Cityscapes-category segmentation and metric depth (metres). Synthetic training data "
               "only: not trained on Cityscapes or any real images. Model card: edgemoe-demo.md.")


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    model = tl.build_model(ck["arch"], seed=0)
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def export(ck_model, ck, out_path, name="edgemoe-demo", description=DESCRIPTION):
    tensors = tl.export_tensors(ck_model, ck.get("depth_scale", tl.DEPTH_SCALE))
    big = max(float(np.abs(v).max()) for v in tensors.values())
    if big >= 65504:
        raise SystemExit("a weight of magnitude %g does not fit float16" % big)
    config = tl.make_file_config(ck_model, description, name=name, trained=True)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    safetensors_io.save(out_path, tensors, config, dtype="F16")
    return config


def check_round_trip(ck_model, ck, path, scenes):
    """The exported F16 file against the checkpoint (float32) on a few scenes: the fraction of
    pixels with the same class and the mean relative depth difference."""
    model, config = safetensors_io.model_from_file(path)
    scale = ck.get("depth_scale", tl.DEPTH_SCALE)
    x = ev.model_input([s[0] for s in scenes], config["input"])
    with torch.no_grad():
        a0, b0 = ck_model(x, 0), model(x, 0)
        a1, b1 = ck_model(x, 1) * scale, model(x, 1)
    agree = float((a0.argmax(1) == b0.argmax(1)).float().mean())
    rel = float(((a1 - b1).abs() / a1.abs().clamp(min=0.5)).mean())
    return agree, rel


def earlier_training(card_path):
    """The Training section of the model card of a warm start's source file (read before the export
    overwrites it, when the run started from the shipped file), so the new card keeps the whole
    history: that card's file size and sha256, and everything from its "## Training" heading to its
    "## Limitations" heading, headings one level down. None when there is no such card."""
    if not card_path or not os.path.exists(card_path):
        return None
    lines = open(card_path, encoding="utf-8").read().splitlines()
    try:
        start = lines.index("## Training")
        end = lines.index("## Limitations")
    except ValueError:
        return None
    size_row = next((ln for ln in lines if ln.startswith("| size | ")), "| size | unknown |")
    body = [("#" + ln) if ln.startswith("#") else ln for ln in lines[start + 1:end]]
    return {"file": size_row[len("| size | "):].rstrip(" |"), "body": body}


def fmt(v, digits=4):
    return "-" if v is None else ("%.*f" % (digits, v))


def write_card(path, ck, ev_res, model_path, round_trip, which, ckpt_path, earlier=None):
    a = ck["args"]
    size = os.path.getsize(model_path)
    sha = hashlib.sha256(open(model_path, "rb").read()).hexdigest()
    sem, dep = ev_res["tasks"]["semseg"], ev_res["tasks"]["depth"]
    sittings = ck.get("sittings", [])
    hw = sittings[-1]["hardware"] if sittings else {}
    n_params = sum(v.numel() for k, v in ck["model"].items() if not k.endswith("num_batches_tracked"))
    hist = ck.get("history", [])
    lines = []
    w = lines.append
    w("# edgemoe-demo: model card")
    w("")
    w("`edgemoe-demo.safetensors` is the demo model of EdgeMoE Live: M³ViT in the exact Edge-MoE backbone")
    w("shape with SETR-PUP heads of 64 channels, trained from random weights on the project's procedural street")
    w("scenes (`tools/scenes`) for semantic segmentation (7 Cityscapes categories) and metric depth.")
    w("**Synthetic data only**: it has never seen a real photograph or Cityscapes; expect it to work on")
    w("the bundled sample video and similar renders, not on camera footage.")
    w("")
    w("## Test metrics")
    w("")
    w("`tools/eval/evaluate.py` on the exported float16 file through the reference PyTorch model (float32")
    w("math), %d held-out **test** scenes (seeds %d..%d, never used in training or model selection):" % (
        ev_res["count"], ev_res["seeds"][0], ev_res["seeds"][1]))
    w("")
    w("| task | metric | value | target |")
    w("|---|---|---|---|")
    w("| semseg | mIoU | %s | >= 0.70 |" % fmt(sem["miou"]))
    w("| semseg | pixel accuracy | %s | |" % fmt(sem["pixel_acc"]))
    w("| depth | AbsRel | %s | |" % fmt(dep["abs_rel"]))
    w("| depth | RMSE (m) | %s | |" % fmt(dep["rmse"], 3))
    w("| depth | delta < 1.25 | %s | >= 0.85 |" % fmt(dep["delta1"]))
    w("| depth | delta < 1.25² / 1.25³ | %s / %s | |" % (fmt(dep["delta2"]), fmt(dep["delta3"])))
    w("")
    w("Per-class IoU: " + ", ".join("%s %s" % (k, fmt(v, 3)) for k, v in sem["iou"].items()) + ".")
    w("Depth metrics are over valid (non-sky) pixels, predictions clamped to [0.1, 80] m; pixel-weighted over")
    w("the whole set. Experts used per MoE block (of %d): semseg %s, depth %s." % (
        len(sem["experts"]["counts"][0]), sem["experts"]["used_per_block"], dep["experts"]["used_per_block"]))
    met = (sem["miou"] >= 0.70) and (dep["delta1"] >= 0.85)
    w("")
    w("Targets (mIoU >= 0.70, delta<1.25 >= 0.85): **%s**." % ("met" if met else "not met yet"))
    w("")
    w("## The file")
    w("")
    w("| | |")
    w("|---|---|")
    w("| format | our safetensors layout (`docs/model-format.md`), all tensors F16 |")
    w("| size | %d bytes (%.1f MB), sha256 `%s` |" % (size, size / 1e6, sha))
    w("| parameters | %.2f M (backbone with 16 experts per MoE block, two C=64 heads) |" % (n_params / 1e6))
    w("| input | RGB, 128x256, pixel/255, no mean/std |")
    w("| outputs | semseg: 7 logits (flat, human, vehicle, construction, object, nature, sky); depth: metres (raw output) |")
    w("| from | `%s` (%s checkpoint, step %d) |" % (ckpt_path, which, ck["step"]))
    w("| F16 vs checkpoint | same class on %.2f%% of pixels; mean relative depth difference %.2e (4 test scenes) |" % (
        100 * round_trip[0], round_trip[1]))
    w("")
    w("## Training")
    w("")
    w("| | |")
    w("|---|---|")
    w("| script | `tools/train/train.py` (recipe and commands: `tools/train/README.md`) |")
    w("| seed | %d |" % a["seed"])
    w("| data | %s; validation: %d VAL scenes (seeds 1000000..) |" % (
        ("%d pre-rendered TRAIN scenes (seeds 0..%d), random horizontal flips and photometric jitter "
         "(strength %g)" % (ck.get("cache_scenes") or 0, (ck.get("cache_scenes") or 1) - 1, a["aug"]))
        if ck.get("data") == "cache" else "TRAIN seeds rendered on the fly, random flips and photometric jitter",
        a["val_count"]))
    w("| tasks per batch | every batch runs through the backbone once per task (task's own gates) and its head; "
      "the two losses' gradients are summed before the optimiser step |")
    depth_kind = ("mean abs(log p - log g) + 0.1 x relative L1" if a.get("depth_loss", "rel") == "log"
                  else "mean relative L1 abs(p - g) / g")
    w("| losses | semseg: cross-entropy with class weights %s (frequency^-%g); depth: %s "
      "on valid pixels (scale %g folded into conv_4), plus %g x relative L1 on sky pixels towards 80 m; "
      "MoE: Switch/GShard load-balancing loss E*sum f_e P_e per MoE block and task, weight %g |" % (
          [round(v, 2) for v in ck.get("class_weights", [])], a["cw_power"], depth_kind,
          ck.get("depth_scale", tl.DEPTH_SCALE), a["sky_weight"], a["lb_coef"]))
    if a.get("init_from"):
        w("| start | weights of %s (warm start) |" % a["init_from"])
    w("| optimiser | AdamW (0.9, 0.999), peak lr %g, weight decay %g (not on norms, biases, tokens, gates), "
      "%d warmup steps then cosine to %g x peak over %s; gradient clipping at %g |" % (
          a["lr"], a["wd"], a["warmup_steps"], a["min_lr_ratio"],
          ("%d steps" % a["total_steps"]) if a.get("total_steps") else
          ("%.0f minutes of training time" % ck.get("schedule_minutes", 0)), a["clip"]))
    w("| batch | %d images x %d accumulation = %d images per optimiser step |" % (
        a["batch"], a["accum"], a["batch"] * a["accum"]))
    w("| precision | autocast %s, float32 master weights |" % ck.get("amp_dtype", a["amp"]))
    w("| progress | %d optimiser steps, %d images seen (%.2f epochs of %d images), %.1f minutes of training time |" % (
        ck["step"], ck["images"], ck["epoch"] + ck["pos"] / max(1, a["epoch_images"]), a["epoch_images"],
        ck["train_seconds"] / 60))
    for i, s in enumerate(sittings):
        h = s.get("hardware", {})
        w("| sitting %d | %s .. %s, steps %s..%s, %s; %s, %s threads, torch %s, device %s |" % (
            i + 1, s.get("start"), s.get("end", "?"), s.get("start_step"), s.get("end_step", "?"),
            s.get("stop", ""), h.get("cpu"), h.get("threads"), h.get("torch"), h.get("gpu", h.get("device"))))
    w("")
    if hist:
        w("### Validation during training (VAL scenes, checkpoint's own float32 model)")
        w("")
        w("| epoch | step | images | train min | seg loss | depth loss | val mIoU | val AbsRel | val delta1 |")
        w("|---|---|---|---|---|---|---|---|---|")
        rows = hist if len(hist) <= 20 else hist[:: max(1, len(hist) // 20)]
        if rows[-1] is not hist[-1]:
            rows = rows + [hist[-1]]
        for r in rows:
            w("| %s%s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["epoch"], "*" if r.get("partial") else "", r["step"], r["images"], r["train_min"],
                r["loss_seg"], r["loss_depth"], r["val_miou"], r["val_abs_rel"], r["val_delta1"]))
        w("")
        w("(* = partial epoch, at the end of a sitting.)")
        w("")
    if earlier:
        w("## Earlier training (the warm start's own card)")
        w("")
        w("This run started from `%s`, itself trained as follows (that file: %s)." % (a["init_from"], earlier["file"]))
        lines.extend(earlier["body"])
    w("## Limitations")
    w("")
    w("- Trained and tested on synthetic renders only; no claim about real street images.")
    w("- Depth beyond 80 m is clipped in the training data (\"80 m or further\"); the sky has no depth and")
    w("  was only weakly pulled towards 80 m.")
    w("- Written %s by `tools/train/export.py`." % datetime.date.today().isoformat())
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", default="/work/train-runs/demo", help="training run folder")
    ap.add_argument("--which", default="best", choices=["best", "last"],
                    help="best: highest validation mIoU + delta1; last: the latest checkpoint")
    ap.add_argument("--checkpoint", default=None, help="a checkpoint file (overrides --run/--which)")
    ap.add_argument("--out", default=os.path.join(tl.REPO, "resources", "models", "edgemoe-demo.safetensors"))
    ap.add_argument("--card", default=None, help="model card (default: --out with .md)")
    ap.add_argument("--name", default="edgemoe-demo")
    ap.add_argument("--test-count", type=int, default=200, help="test scenes for the card's metrics")
    ap.add_argument("--eval-json", default=None, help="default <run>/eval-test.json")
    ap.add_argument("--no-eval", action="store_true", help="export only (no metrics, no card)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    ckpt_path = a.checkpoint or os.path.join(a.run, "%s.pt" % a.which)
    model, ck = load_checkpoint(ckpt_path)
    init_from = ck["args"].get("init_from")
    # read before the export: a run warm-started from the shipped file overwrites it and its card
    if init_from and not os.path.isabs(init_from):
        init_from = os.path.join(tl.REPO, init_from)      # train.py runs from the repository root
    earlier = earlier_training(os.path.splitext(init_from)[0] + ".md") if init_from else None
    config = export(model, ck, a.out, a.name)
    print("wrote %s (%d bytes) from %s, step %d" % (a.out, os.path.getsize(a.out), ckpt_path, ck["step"]))
    if a.no_eval:
        return
    t0 = time.time()
    seeds, scenes = ev.render_set("test", a.test_count, *config["image_size"], workers=2)
    rt = check_round_trip(model, ck, a.out, scenes[:4])
    print("F16 file vs checkpoint: %.2f%% same class, mean relative depth difference %.2e" % (100 * rt[0], rt[1]))
    fmodel, fconfig = safetensors_io.model_from_file(a.out)
    res = ev.evaluate(fmodel, fconfig, scenes)
    out = {"model": os.path.abspath(a.out), "name": fconfig["name"], "trained": True, "split": "test",
           "count": len(seeds), "seeds": [seeds[0], seeds[-1]], "depth_clamp_m": [0.1, 80.0], "tasks": res,
           "checkpoint": ckpt_path, "step": ck["step"], "seconds": round(time.time() - t0, 1)}
    ev.print_table(res, fconfig, "%s on %d test scenes:" % (a.out, len(seeds)))
    js = a.eval_json or os.path.join(os.path.dirname(ckpt_path), "eval-test.json")
    with open(js, "w") as f:
        json.dump(out, f, indent=1)
    card = a.card or os.path.splitext(a.out)[0] + ".md"
    write_card(card, ck, out, a.out, rt, "explicit" if a.checkpoint else a.which, ckpt_path, earlier)
    print("wrote %s and %s" % (js, card))


if __name__ == "__main__":
    main()
