#!/usr/bin/env python3
"""Write the random, untrained Edge-MoE-shaped demo model and its goldens.

    tests/fixtures/edgemoe-untrained.safetensors     F16, 128x256, patch 16, D 192, 12 blocks,
                                                     3 heads, MLP 768, 16 experts x 384, top-2,
                                                     MoE blocks 1,3,...,11, heads C=64
    tests/fixtures/untrained_input.npy               uint8 [128, 256, 3] RGB
    tests/fixtures/untrained_out_semseg.npy          [7, 128, 256] head output
    tests/fixtures/untrained_out_depth.npy           [1, 128, 256] head output

The goldens are computed in float32 from the F16-rounded weights (the model is read
back from the written file). They are stored as float32 unless the fixture folder
would grow past 3 MB, in which case they are stored as float16.

Run: /usr/bin/python3 tools/reference/make_untrained_model.py
"""

import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import m3vit  # noqa: E402
import safetensors_io  # noqa: E402
from make_fixtures import (DEPTH_TASK, FIXTURES, REPO, SEMSEG_TASK, describe,  # noqa: E402
                           make_image, routing_margin, run_task, save_npy)

SEED = 7023  # of seeds 7000..7029, the one whose routing is furthest from a top-k tie
FIXTURE_BUDGET = 3 * 1024 * 1024

EDGE_MOE = dict(img_size=(128, 256), patch_size=16, embed_dim=192, depth=12, num_heads=3,
                mlp_hidden=768, num_experts=16, expert_hidden=384, top_k=2,
                moe_blocks=[1, 3, 5, 7, 9, 11], tasks=[("semseg", 7), ("depth", 1)],
                head_channels=64)


def main():
    torch.set_num_threads(1)
    model_dir = FIXTURES   # a test fixture since the trained demo model ships in resources/
    os.makedirs(model_dir, exist_ok=True)
    os.makedirs(FIXTURES, exist_ok=True)

    model = m3vit.M3ViT(**EDGE_MOE)
    m3vit.randomize(model, SEED)
    model.eval()
    config = m3vit.make_config(
        model, name="edgemoe-untrained", trained=False,
        description=("Random, untrained weights in the exact Edge-MoE M3ViT shape (heads with "
                     "64 channels). For testing the pipeline and timing only: its outputs mean nothing."),
        tasks=[SEMSEG_TASK, DEPTH_TASK])
    path = os.path.join(model_dir, "edgemoe-untrained.safetensors")
    safetensors_io.save(path, safetensors_io.state_dict_to_numpy(model), config, dtype="F16")
    print("%s: %d bytes" % (path, os.path.getsize(path)))

    rounded, cfg = safetensors_io.model_from_file(path)
    assert cfg == config
    n_params = sum(v.numel() for k, v in rounded.state_dict().items()
                   if not k.endswith("num_batches_tracked"))
    print("parameters: %d" % n_params)

    H, W = config["image_size"]
    image = make_image(H, W, SEED + 1)
    outs = {}
    for t, task in enumerate(config["tasks"]):
        out, tokens, ids, _ = run_task(rounded, config, image, t)
        outs[task["name"]] = out
        used = [len(np.unique(ids[b])) for b in range(len(ids))]
        print("task %s: experts used per MoE block %s, smallest top-k gap %.3g, backbone max|v| %.4g"
              % (task["name"], used, routing_margin(rounded, config, image, t),
                 float(np.abs(tokens).max())))
        assert np.isfinite(out).all() and np.abs(out).max() > 0.1

    # Size check: everything else in the fixture folder plus these files.
    others = sum(os.path.getsize(os.path.join(FIXTURES, f)) for f in os.listdir(FIXTURES)
                 if not f.startswith("untrained_"))
    f32_size = image.nbytes + sum(o.nbytes for o in outs.values()) + 3 * 128
    dtype = np.float32 if others + f32_size <= FIXTURE_BUDGET else np.float16
    print("goldens stored as %s" % np.dtype(dtype).name)

    save_npy("untrained_input.npy", image)
    describe("untrained_input.npy", image)
    for name, out in outs.items():
        fname = "untrained_out_%s.npy" % name
        save_npy(fname, out.astype(dtype))
        describe(fname, out.astype(dtype))
    total = sum(os.path.getsize(os.path.join(FIXTURES, f)) for f in os.listdir(FIXTURES))
    print("tests/fixtures total: %d bytes" % total)


if __name__ == "__main__":
    main()
