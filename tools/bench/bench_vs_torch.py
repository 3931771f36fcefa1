#!/usr/bin/env python3
"""Times the C++ engine (edgemoe-bench) and PyTorch on the same model, same weights, same threads,
in one run, and prints the ratio.

    /usr/bin/python3 tools/bench/bench_vs_torch.py                      # bundled model
    /usr/bin/python3 tools/bench/bench_vs_torch.py --head-channels 256  # M3ViT's C=256 heads

With --head-channels the bundled model's backbone is kept and the heads are replaced by random
ones of that width (written to a temporary file), so both sides run the M3ViT-sized head.

The PyTorch side is the reference model of tools/reference/m3vit.py with one change for speed:
its MoE layer is replaced by the fastest eager formulation we know (one gather per active expert
covering both top-k slots, index_add_ back), so the comparison is against a fair PyTorch, not a
naive loop. Both sides time backbone + one head for every task; the figure compared is the median
per frame. PyTorch runs with each thread count in --threads, and its best is used.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools", "reference"))

import m3vit  # noqa: E402
import safetensors_io  # noqa: E402


def fast_moe_forward(self, x, task_index):
    """Same math as m3vit.MoEMlp.forward, grouped per expert (both slots in one GEMM)."""
    B, N, D = x.shape
    flat = x.reshape(B * N, D)
    probs = torch.softmax(flat @ self.gate[task_index].w_gate, dim=-1)
    idx, p = m3vit.top_k_lower_index(probs, self.top_k)
    out = torch.zeros_like(flat)
    flat_idx = idx.reshape(-1)
    flat_p = p.reshape(-1, 1)
    rows_all = torch.arange(B * N).repeat_interleave(self.top_k)
    for e in torch.unique(flat_idx).tolist():
        sel = (flat_idx == e).nonzero(as_tuple=True)[0]
        rows = rows_all[sel]
        y = self.experts(flat[rows], e)
        out.index_add_(0, rows, flat_p[sel] * y)
    return out.reshape(B, N, D), (idx, p)


def with_head_channels(path, channels, out_path):
    tensors, config, _ = safetensors_io.load(path)
    tasks = [(t["name"], len(t["classes"]) if t["kind"] == "segmentation" else 1) for t in config["tasks"]]
    model = m3vit.model_from_config(config, {k: v.shape for k, v in tensors.items()})
    big = m3vit.M3ViT(img_size=config["image_size"], patch_size=config["patch_size"],
                      embed_dim=config["embed_dim"], depth=config["depth"], num_heads=config["num_heads"],
                      mlp_hidden=model.backbone.blocks[0].mlp.fc1.weight.shape[0] if hasattr(model.backbone.blocks[0].mlp, "fc1") else 768,
                      num_experts=config["num_experts"],
                      expert_hidden=tensors["backbone.blocks.%d.mlp.experts.htoh4.weight" % config["moe_blocks"][0]].shape[1],
                      top_k=config["top_k"], moe_blocks=config["moe_blocks"], tasks=tasks,
                      head_channels=channels, layer_norm_eps=config.get("layer_norm_eps", 1e-6))
    m3vit.randomize(big, 1234)
    sd = safetensors_io.state_dict_to_numpy(big)
    for k, v in tensors.items():
        if k.startswith("backbone."):
            sd[k] = v
    safetensors_io.save(out_path, sd, config, dtype="F32")


def time_torch(path, threads, frames, warmup):
    torch.set_num_threads(threads)
    model, config = safetensors_io.model_from_file(path)
    for blk in model.backbone.blocks:
        if isinstance(blk.mlp, m3vit.MoEMlp):
            blk.mlp.forward = fast_moe_forward.__get__(blk.mlp)
    H, W = config["image_size"]
    rng = np.random.default_rng(0)
    x = m3vit.image_to_input(rng.integers(0, 256, (H, W, 3), dtype=np.uint8), config.get("input"))
    result = {}
    with torch.inference_mode():
        for t, task in enumerate(config["tasks"]):
            times = []
            for i in range(warmup + frames):
                t0 = time.perf_counter()
                model(x, t)
                if i >= warmup:
                    times.append((time.perf_counter() - t0) * 1e3)
            result[task["name"]] = statistics.median(times)
    return result


def time_engine(path, threads, frames, warmup, bench):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([bench, "--model", path, "--threads", str(threads), "--frames", str(frames),
                        "--warmup", str(warmup), "--json", out.name], check=True, stdout=subprocess.DEVNULL)
        report = json.load(open(out.name))
    tasks = report["backends"]["cpu"]["tasks"]
    return {name: t["median_ms"]["backbone"] + t["median_ms"]["head"] for name, t in tasks.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(REPO, "resources", "models", "edgemoe-demo.safetensors"))
    ap.add_argument("--head-channels", type=int, default=0)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--bench", default=os.path.join(REPO, "build", "engine", "cli", "edgemoe-bench"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.model
        if args.head_channels:
            path = os.path.join(tmp, "model_c%d.safetensors" % args.head_channels)
            with_head_channels(args.model, args.head_channels, path)
        thread_counts = [int(t) for t in args.threads.split(",")]
        print("model %s%s; torch %s, %d frames per task, median ms of backbone + one head"
              % (os.path.basename(args.model), " with C=%d heads" % args.head_channels if args.head_channels else "",
                 torch.__version__, args.frames))
        rows = []
        for th in thread_counts:
            rows.append(("edgemoe", th, time_engine(path, th, args.frames, args.warmup, args.bench)))
            rows.append(("pytorch", th, time_torch(path, th, args.frames, args.warmup)))
        tasks = list(rows[0][2])
        print("%-10s %7s " % ("engine", "threads") + " ".join("%10s" % t for t in tasks))
        for name, th, r in rows:
            print("%-10s %7d " % (name, th) + " ".join("%10.2f" % r[t] for t in tasks))
        for t in tasks:
            ours = min(r[t] for n, _, r in rows if n == "edgemoe")
            theirs = min(r[t] for n, _, r in rows if n == "pytorch")
            print("%s: best edgemoe %.2f ms, best pytorch %.2f ms, speed-up %.2fx" % (t, ours, theirs, theirs / ours))


if __name__ == "__main__":
    main()
