#!/usr/bin/env python3
"""Train the EdgeMoE Live demo model: the Edge-MoE M3ViT backbone (128x256, patch 16, D 192,
12 blocks, 3 heads, MLP 768, 16 experts x 384, top-2, MoE in blocks 1,3,..,11, one gate per task)
with SETR-PUP heads of 64 channels, for semantic segmentation (7 classes) and metric depth, on the
procedural street scenes of tools/scenes.

    nice -n 19 /usr/bin/python3 tools/train/train.py --name demo --minutes 70
    nice -n 19 /usr/bin/python3 tools/train/train.py --name demo --minutes 60 --resume
    /usr/bin/python3 tools/train/train.py --name gpu --device cuda --data live --workers 14 \
        --batch 32 --total-steps 30000 --minutes 600

Everything goes to <runs-dir>/<name>/ (default /work/train-runs/<name>, outside the git tree):
last.pt (every --ckpt-minutes, at each epoch end and at the stop), best.pt (best validation
score = mIoU + delta<1.25), metrics.csv (one row per epoch) and the log on stdout.
See tools/train/README.md for the recipe and how to continue, export and evaluate.
"""

import argparse
import csv
import json
import math
import os
import platform
import signal
import sys
import time

# Under CPU contention (other jobs, nice 19) OpenMP threads that spin while waiting for a
# descheduled sibling waste most of our share: measured 4x slower steps. Must be set before
# torch loads libgomp.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import trainlib as tl  # noqa: E402  (sets up sys.path for tools/reference and tools/eval)
from metrics import DepthMetric, SegMetric  # noqa: E402
import make_cache  # noqa: E402

CSV_FIELDS = ["sitting", "epoch", "partial", "step", "images", "train_min", "time", "lr",
              "loss_seg", "loss_depth", "loss_lb", "sec_per_step", "images_per_s",
              "val_miou", "val_pixel_acc", "val_abs_rel", "val_rmse", "val_delta1",
              "val_loss_seg", "val_loss_depth", "val_experts_used_min", "val_max_expert_share"]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a = ap.add_argument
    a("--name", default="demo", help="run name: files go to <runs-dir>/<name>/")
    a("--runs-dir", default="/work/train-runs")
    a("--arch", default="edgemoe", choices=sorted(tl.ARCHS), help="'tiny' is for the tests")
    a("--resume", action="store_true", help="continue from <run>/last.pt (model, optimiser, schedule, data position)")
    a("--init-from", default=None, metavar="FILE",
      help="new run: start from the weights of a model file of our format (e.g. the shipped "
           "resources/models/edgemoe-demo.safetensors) instead of random ones")
    a("--seed", type=int, default=0)
    # data
    a("--data", default="cache", choices=["cache", "live"],
      help="cache: sample from pre-rendered shards (CPU); live: render TRAIN seeds in DataLoader workers")
    a("--cache", default=None, help="cache folder (default <runs-dir>/cache)")
    a("--cache-count", type=int, default=6000, help="train scenes to have in the cache (rendered if missing)")
    a("--cache-minutes", type=float, default=10.0, help="time bound for rendering missing cache scenes")
    a("--cache-workers", type=int, default=2)
    a("--val-count", type=int, default=128, help="validation scenes (VAL seeds, cached)")
    a("--workers", type=int, default=2, help="DataLoader workers for --data live")
    a("--epoch-images", type=int, default=1000, help="images per epoch (validation after each)")
    a("--aug", type=float, default=1.0, help="photometric augmentation strength (flips always)")
    # optimisation
    a("--batch", type=int, default=8)
    a("--accum", type=int, default=1, help="batches per optimiser step (gradient accumulation)")
    a("--lr", type=float, default=5e-4)
    a("--min-lr-ratio", type=float, default=0.02)
    a("--wd", type=float, default=0.05)
    a("--warmup-steps", type=int, default=100)
    a("--clip", type=float, default=1.0)
    a("--total-steps", type=int, default=None,
      help="cosine schedule over this many optimiser steps; without it the schedule runs over "
           "--schedule-minutes of training time (summed over sittings)")
    a("--schedule-minutes", type=float, default=None,
      help="default: 0.95 x --minutes of the first sitting (kept on --resume unless given)")
    a("--lb-coef", type=float, default=0.01, help="weight of the MoE load-balancing loss")
    a("--gate-noise", type=float, default=0.0, help="std of Gaussian noise on gate logits in training")
    a("--depth-weight", type=float, default=1.0)
    a("--sky-weight", type=float, default=0.1, help="weight of the sky -> 80 m depth term")
    a("--depth-loss", default="log", choices=["log", "rel"],
      help="log: |log p - log g| (+0.1 x relative L1); rel: relative L1 |p - g| / g")
    a("--cw-power", type=float, default=0.5, help="class weights ~ frequency^-power (0 = plain CE)")
    a("--amp", default="auto", choices=["auto", "none", "bf16", "fp16"],
      help="autocast dtype; auto = bf16 on CPUs with AMX/AVX512-BF16 and on CUDA, else none")
    # running
    a("--minutes", type=float, default=70.0, help="stop cleanly after this many minutes of training")
    a("--max-steps", type=int, default=None, help="stop after this many optimiser steps in total")
    a("--ckpt-minutes", type=float, default=5.0)
    a("--log-every", type=int, default=10)
    a("--device", default="cpu")
    a("--threads", type=int, default=2)
    return ap.parse_args(argv)


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


def hardware(device):
    cpu = platform.processor() or "cpu"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    hw = {"cpu": cpu, "cpu_count": os.cpu_count(), "torch": torch.__version__,
          "threads": torch.get_num_threads(), "device": str(device)}
    if str(device).startswith("cuda"):
        hw["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return hw


def cpu_has_bf16():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
        return "amx_bf16" in flags or "avx512_bf16" in flags
    except OSError:
        return False


def amp_dtype(args, device):
    if args.amp == "none":
        return None
    if args.amp == "bf16":
        return torch.bfloat16
    if args.amp == "fp16":
        return torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if cpu_has_bf16() else None


def param_groups(model, wd):
    decay, no_decay = [], []
    for n, p in model.named_parameters():
        leaf = n.rsplit(".", 1)[-1]
        if p.ndim <= 1 or leaf in ("bias", "cls_token", "pos_embed", "w_gate") or "norm" in n or "syncbn" in n:
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(args, step, train_seconds, schedule_seconds):
    warm = min(1.0, (step + 1) / max(1, args.warmup_steps))
    if args.total_steps:
        prog = step / max(1, args.total_steps)
    else:
        prog = train_seconds / max(1.0, schedule_seconds)
    prog = min(1.0, max(0.0, prog))
    cos = args.min_lr_ratio + (1 - args.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * prog))
    return args.lr * warm * cos


class CacheStream:
    """Batches from the in-memory cache: each epoch a fresh permutation (seeded by seed and
    epoch) of which the first epoch_images are used; resumable at (epoch, pos)."""

    def __init__(self, data, batch, epoch_images, seed):
        self.data, self.batch, self.seed = data, batch, seed
        self.n = len(data["seeds"])
        self.epoch_images = min(epoch_images, self.n) if epoch_images else self.n

    def batches(self, epoch, pos):
        order = np.random.default_rng([self.seed, 7, epoch]).permutation(self.n)[:self.epoch_images]
        for i in range(pos, self.epoch_images - self.batch + 1, self.batch):
            sel = np.sort(order[i:i + self.batch])
            yield i + self.batch, (self.data["rgb"][sel], self.data["cls"][sel], self.data["depth"][sel])


class LiveStream:
    """Batches rendered on the fly by DataLoader workers (RandomSceneDataset over TRAIN seeds)."""

    def __init__(self, batch, epoch_images, seed, workers):
        from tools.scenes.torch_dataset import RandomSceneDataset
        self.cls = RandomSceneDataset
        self.batch, self.epoch_images, self.seed, self.workers = batch, epoch_images, seed, workers

    def batches(self, epoch, pos):
        left = self.epoch_images - pos
        ds = self.cls("train", samples_per_epoch=left, base_seed=self.seed * 1_000_003 + pos)
        ds.set_epoch(epoch)
        loader = torch.utils.data.DataLoader(ds, batch_size=self.batch, num_workers=self.workers,
                                             drop_last=True, persistent_workers=False,
                                             prefetch_factor=4 if self.workers else 2)
        i = pos
        for x, y, d in loader:
            i += self.batch
            # back to the cache's layout (uint8 HWC) so one code path feeds the model
            rgb = (x.permute(0, 2, 3, 1) * 255.0).round().to(torch.uint8).numpy()
            yield i, (rgb, y.numpy().astype(np.uint8), d.numpy())


@torch.no_grad()
def validate(model, val, batch, device, amp, class_weights, sky_weight):
    """Metrics on the cached validation scenes (eval mode, same numbers as the reference model)."""
    was = model.training
    model.eval()
    seg, dep = SegMetric(tl.NUM_CLASSES), DepthMetric()
    n = len(val["seeds"])
    E = model.num_experts
    usage = {t: [np.zeros(E) for _ in tl.moe_layers(model)] for t in range(2)}
    ce_sum = rel_sum = 0.0
    nb = 0
    for i in range(0, n, batch):
        x, y, d = tl.to_batch(val["rgb"][i:i + batch], val["cls"][i:i + batch], val["depth"][i:i + batch], device)
        for t in range(2):
            with torch.autocast(device_type=device.type, dtype=amp, enabled=amp is not None):
                out = model(x, t)
            out = out.float()
            for li, m in enumerate(tl.moe_layers(model)):
                usage[t][li] += np.bincount(m.last_gate[1].reshape(-1).cpu().numpy(), minlength=E)
            if t == 0:
                ce_sum += float(tl.semseg_loss(out, y, class_weights))
                seg.update(out.argmax(1).cpu().numpy(), y.cpu().numpy())
            else:
                pred = out[:, 0] * tl.DEPTH_SCALE
                rel_sum += float(tl.depth_loss(pred, d, sky_weight=0.0))
                dep.update(pred.cpu().numpy(), d.cpu().numpy())
        nb += 1
    model.train(was)
    s, dr = seg.result(), dep.result()
    used = min(int((u > 0).sum()) for t in usage for u in usage[t])
    share = max(float(u.max() / u.sum()) for t in usage for u in usage[t])
    return {"miou": s["miou"], "pixel_acc": s["pixel_acc"], "iou": s["iou"],
            "abs_rel": dr["abs_rel"], "rmse": dr["rmse"], "delta1": dr["delta1"],
            "loss_seg": ce_sum / max(1, nb), "loss_depth": rel_sum / max(1, nb),
            "experts_used_min": used, "max_expert_share": share}


def save_checkpoint(path, obj):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    run_dir = os.path.join(args.runs_dir, args.name)
    os.makedirs(run_dir, exist_ok=True)
    ckpt_path = os.path.join(run_dir, "last.pt")
    stop = {"flag": False}

    def on_signal(signum, frame):
        log("signal %d: stopping after this step" % signum)
        stop["flag"] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    ck = None
    if args.resume:
        if not os.path.exists(ckpt_path):
            raise SystemExit("--resume: no checkpoint %s" % ckpt_path)
        ck = torch.load(ckpt_path, map_location="cpu")
        if ck["arch"] != args.arch:
            raise SystemExit("--resume: checkpoint is arch %s, not %s" % (ck["arch"], args.arch))
        log("resuming %s at step %d, epoch %d (+%d images), %.1f training minutes so far" % (
            ckpt_path, ck["step"], ck["epoch"], ck["pos"], ck["train_seconds"] / 60))
    elif os.path.exists(ckpt_path):
        raise SystemExit("%s exists: pass --resume to continue it, or choose another --name" % ckpt_path)

    # ---- data
    cache_dir = args.cache or os.path.join(args.runs_dir, "cache")
    t0 = time.time()
    make_cache.build(cache_dir, "val", args.val_count, shard=250, workers=args.cache_workers, log=log)
    val = tl.load_cache(cache_dir, "val", limit=args.val_count)
    if args.data == "cache":
        make_cache.build(cache_dir, "train", args.cache_count, shard=250, workers=args.cache_workers,
                         minutes=args.cache_minutes, log=log)
        train = tl.load_cache(cache_dir, "train", limit=args.cache_count)
        stream = CacheStream(train, args.batch, args.epoch_images, args.seed)
        freq = make_cache.class_frequencies(train)
        log("data: %d cached train scenes (%.2f GB in memory), %d val scenes, %.1f s to prepare" % (
            len(train["seeds"]), sum(v.nbytes for v in train.values()) / 1e9, len(val["seeds"]), time.time() - t0))
    else:
        stream = LiveStream(args.batch, args.epoch_images, args.seed, args.workers)
        freq = make_cache.class_frequencies(val)
        log("data: live rendering of TRAIN seeds, %d workers; %d val scenes" % (args.workers, len(val["seeds"])))
    if ck is not None and "class_weights" in ck:
        cw = np.asarray(ck["class_weights"], dtype=np.float32)
    else:
        cw = tl.class_weights_from_freq(freq, args.cw_power) if args.cw_power > 0 else np.ones(tl.NUM_CLASSES, np.float32)
    class_weights = torch.from_numpy(cw)
    log("class frequencies %s -> CE weights %s" % (np.round(freq, 4).tolist(), np.round(cw.astype(np.float64), 3).tolist()))

    # ---- model, optimiser
    model = tl.build_model(args.arch, seed=args.seed, gate_noise=args.gate_noise).to(device)
    model.train()
    opt = torch.optim.AdamW(param_groups(model, args.wd), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    amp = amp_dtype(args, device)
    scaler = torch.cuda.amp.GradScaler(enabled=(amp == torch.float16 and device.type == "cuda"))
    aug_gen = torch.Generator().manual_seed(args.seed + 1)
    state = {"step": 0, "epoch": 0, "pos": 0, "images": 0, "train_seconds": 0.0, "best": -1.0,
             "history": [], "sittings": []}
    if ck is not None:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        if "scaler" in ck and scaler.is_enabled():
            scaler.load_state_dict(ck["scaler"])
        aug_gen.set_state(ck["aug_gen"])
        torch.set_rng_state(ck["torch_rng"])
        for k in state:
            state[k] = ck[k]
    elif args.init_from:
        tl.load_file_weights(model, args.init_from)
        log("weights from %s (warm start: fresh optimiser state)" % args.init_from)
    # the schedule counts training-step time only; validation takes a few % of a sitting
    schedule_seconds = 60.0 * (args.schedule_minutes or (ck["schedule_minutes"] if ck else 0.95 * args.minutes))
    n_params = sum(p.numel() for p in model.parameters())
    log("model %s: %.2f M parameters, amp %s, device %s, %d threads; schedule: %s, peak lr %g, warmup %d" % (
        args.arch, n_params / 1e6, amp, device, torch.get_num_threads(),
        ("%d steps" % args.total_steps) if args.total_steps else ("%.1f training minutes" % (schedule_seconds / 60)),
        args.lr, args.warmup_steps))
    hw = hardware(device)
    sitting = {"start": time.strftime("%Y-%m-%d %H:%M:%S"), "start_step": state["step"], "hardware": hw,
               "argv": sys.argv[1:] if argv is None else list(argv)}
    state["sittings"].append(sitting)

    csv_path = os.path.join(run_dir, "metrics.csv")
    new_csv = not os.path.exists(csv_path)
    csv_file = open(csv_path, "a", newline="")
    writer = csv.DictWriter(csv_file, fieldnames=CSV_FIELDS)
    if new_csv:
        writer.writeheader()
    with open(os.path.join(run_dir, "args_sitting%d.json" % len(state["sittings"])), "w") as f:
        json.dump({"args": vars(args), "hardware": hw}, f, indent=1)

    def checkpoint(best_metrics=None):
        obj = dict(state)
        obj.update({"model": model.state_dict(), "optimizer": opt.state_dict(), "arch": args.arch,
                    "args": vars(args), "depth_scale": tl.DEPTH_SCALE, "class_weights": cw.tolist(),
                    "class_freq": np.asarray(freq).tolist(), "aug_gen": aug_gen.get_state(),
                    "torch_rng": torch.get_rng_state(), "schedule_minutes": schedule_seconds / 60,
                    "cache_scenes": len(stream.data["seeds"]) if args.data == "cache" else None,
                    "data": args.data, "amp_dtype": str(amp).replace("torch.", "") if amp else "none"})
        if scaler.is_enabled():
            obj["scaler"] = scaler.state_dict()
        save_checkpoint(ckpt_path, obj)
        if best_metrics is not None:
            obj["best_metrics"] = best_metrics
            save_checkpoint(os.path.join(run_dir, "best.pt"), obj)

    budget_end = time.time() + args.minutes * 60
    last_ckpt = time.time()
    win = {"seg": 0.0, "depth": 0.0, "lb": 0.0, "n": 0, "t": 0.0, "steps": 0}
    ep = {"seg": 0.0, "depth": 0.0, "lb": 0.0, "n": 0, "t": 0.0, "steps": 0}
    stop_reason = None

    def end_of_epoch(partial):
        t_val = time.time()
        vm = validate(model, val, 16, device, amp, class_weights, args.sky_weight)
        t_val = time.time() - t_val
        row = {"sitting": len(state["sittings"]), "epoch": state["epoch"], "partial": int(partial),
               "step": state["step"], "images": state["images"],
               "train_min": round(state["train_seconds"] / 60, 2), "time": time.strftime("%Y-%m-%d %H:%M:%S"),
               "lr": "%.3g" % lr_at(args, state["step"], state["train_seconds"], schedule_seconds),
               "loss_seg": round(ep["seg"] / max(1, ep["n"]), 4),
               "loss_depth": round(ep["depth"] / max(1, ep["n"]), 4),
               "loss_lb": round(ep["lb"] / max(1, ep["n"]), 4),
               "sec_per_step": round(ep["t"] / max(1, ep["steps"]), 3),
               "images_per_s": round(ep["steps"] * args.batch * args.accum / max(1e-9, ep["t"]), 2),
               "val_miou": round(vm["miou"], 4), "val_pixel_acc": round(vm["pixel_acc"], 4),
               "val_abs_rel": round(vm["abs_rel"], 4), "val_rmse": round(vm["rmse"], 3),
               "val_delta1": round(vm["delta1"], 4), "val_loss_seg": round(vm["loss_seg"], 4),
               "val_loss_depth": round(vm["loss_depth"], 4), "val_experts_used_min": vm["experts_used_min"],
               "val_max_expert_share": round(vm["max_expert_share"], 3)}
        writer.writerow(row)
        csv_file.flush()
        state["history"].append(row)
        log("VAL epoch %d%s step %d: mIoU %.4f pixacc %.4f | AbsRel %.4f RMSE %.2f m delta1 %.4f | "
            "train seg %.4f depth %.4f lb %.4f | experts used >= %d/%d, max share %.3f | val %.0f s" % (
                state["epoch"], " (partial)" if partial else "", state["step"], vm["miou"], vm["pixel_acc"],
                vm["abs_rel"], vm["rmse"], vm["delta1"], row["loss_seg"], row["loss_depth"], row["loss_lb"],
                vm["experts_used_min"], model.num_experts, vm["max_expert_share"], t_val))
        log("    per-class IoU %s" % ", ".join("%s %.3f" % (n, v if v is not None else float("nan"))
                                               for n, v in zip(tl.CLASS_NAMES, vm["iou"])))
        score = vm["miou"] + vm["delta1"]
        best = None
        if score > state["best"]:
            state["best"] = score
            best = {k: vm[k] for k in ("miou", "pixel_acc", "abs_rel", "rmse", "delta1")}
            best["step"] = state["step"]
        for k in ep:
            ep[k] = 0
        return best

    log("training: batch %d x accum %d, %d images per epoch, stop after %.1f min%s" % (
        args.batch, args.accum, stream.epoch_images, args.minutes,
        "" if args.max_steps is None else " or step %d" % args.max_steps))
    while stop_reason is None:
        it = stream.batches(state["epoch"], state["pos"])
        micro = 0
        t_step = time.time()
        for pos, (rgb, cls, depth) in it:
            x, y, d = tl.to_batch(rgb, cls, depth, device)
            x, y, d = tl.augment(x, y, d, aug_gen, args.aug)
            vals = {}
            for t, task in enumerate(tl.TASKS):     # every batch once per task, as M3ViT does
                with torch.autocast(device_type=device.type, dtype=amp, enabled=amp is not None):
                    out = model(x, t)
                if task == "semseg":
                    main_loss = tl.semseg_loss(out, y, class_weights)
                else:
                    main_loss = args.depth_weight * tl.depth_loss(out[:, 0].float() * tl.DEPTH_SCALE, d,
                                                                   args.sky_weight, args.depth_loss)
                lb = tl.model_load_balance_loss(model)
                loss = (main_loss + args.lb_coef * lb) / args.accum
                scaler.scale(loss).backward()
                vals[task] = float(main_loss)
                vals["lb"] = vals.get("lb", 0.0) + float(lb) / 2
            state["pos"] = pos
            state["images"] += x.shape[0]
            micro += 1
            for acc in (win, ep):
                acc["seg"] += vals["semseg"]
                acc["depth"] += vals["depth"]
                acc["lb"] += vals["lb"]
                acc["n"] += 1
            if not math.isfinite(vals["semseg"] + vals["depth"]):
                raise SystemExit("non-finite loss at step %d: %s" % (state["step"], vals))
            if micro < args.accum:
                continue
            micro = 0
            lr = lr_at(args, state["step"], state["train_seconds"], schedule_seconds)
            for g in opt.param_groups:
                g["lr"] = lr
            scaler.unscale_(opt)
            gnorm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip))
            scaler.step(opt)
            scaler.update()
            opt.zero_grad(set_to_none=True)
            state["step"] += 1
            now = time.time()
            dt = now - t_step
            t_step = now
            state["train_seconds"] += dt
            for acc in (win, ep):
                acc["t"] += dt
                acc["steps"] += 1
            if state["step"] % args.log_every == 0:
                n = max(1, win["n"])
                log("step %d ep %d img %d | lr %.2e | seg %.4f depth %.4f lb %.4f | gnorm %.2f | "
                    "%.2f s/step %.1f img/s" % (
                        state["step"], state["epoch"], state["images"], lr, win["seg"] / n, win["depth"] / n,
                        win["lb"] / n, gnorm, win["t"] / max(1, win["steps"]),
                        win["steps"] * args.batch * args.accum / max(1e-9, win["t"])))
                for k in win:
                    win[k] = 0
            if stop["flag"]:
                stop_reason = "signal"
            elif now > budget_end:
                stop_reason = "time budget of %.1f min reached" % args.minutes
            elif args.max_steps is not None and state["step"] >= args.max_steps:
                stop_reason = "max steps %d reached" % args.max_steps
            elif args.total_steps is not None and state["step"] >= args.total_steps:
                stop_reason = "schedule of %d steps complete" % args.total_steps
            if stop_reason:
                break
            if now - last_ckpt > args.ckpt_minutes * 60:
                checkpoint()
                last_ckpt = time.time()
                log("checkpoint %s (step %d)" % (ckpt_path, state["step"]))
                t_step = time.time()
        if stop_reason is None:                     # epoch complete
            state["epoch"] += 1
            state["pos"] = 0
            best = end_of_epoch(partial=False)
            checkpoint(best)
            last_ckpt = time.time()
            t_step = time.time()
            if time.time() > budget_end:
                stop_reason = "time budget of %.1f min reached" % args.minutes
    best = end_of_epoch(partial=True) if ep["steps"] > 0 else None
    sitting.update({"end": time.strftime("%Y-%m-%d %H:%M:%S"), "end_step": state["step"], "stop": stop_reason})
    checkpoint(best)
    csv_file.close()
    log("stopped: %s. step %d, epoch %d (+%d images), %d images, %.1f training minutes. checkpoint %s" % (
        stop_reason, state["step"], state["epoch"], state["pos"], state["images"], state["train_seconds"] / 60,
        ckpt_path))
    return state


if __name__ == "__main__":
    main()
