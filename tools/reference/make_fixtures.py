#!/usr/bin/env python3
"""Write the golden fixtures for the C++ engine tests into tests/fixtures/.

    tiny.safetensors               small random model, F32, non-default shape
    tiny_f16.safetensors           the same model with weights rounded to F16
    tiny_input.npy                 uint8 [H, W, 3] RGB input image
    tiny_out_<task>.npy            float32 [Ch, H, W] head output
    tiny_backbone_<task>.npy       float32 [N, D] tokens after the last block (class token first)
    tiny_routing_<task>.npy        int32 [num_moe_blocks, N, top_k] chosen expert ids
    tiny_gates_<task>.npy          float32 [num_moe_blocks, N, top_k] their probabilities
    tiny_f16_out_semseg.npy        float32 [7, H, W] semseg output of the F16-rounded model

Routing slots are ordered by descending probability; equal probabilities put the
lower expert id first. Every output is computed in float32 by the reference
model loaded back from the written file. Deterministic (fixed seed, one thread).

Run: /usr/bin/python3 tools/reference/make_fixtures.py
"""

import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import m3vit  # noqa: E402
import safetensors_io  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, "tests", "fixtures")

SEED = 20240629  # chosen so every expert is used and no top-k near-tie (gap > 1e-3)

TINY = dict(img_size=(32, 64), patch_size=8, embed_dim=48, depth=4, num_heads=3,
            mlp_hidden=96, num_experts=6, expert_hidden=40, top_k=2, moe_blocks=[1, 3],
            tasks=[("semseg", 7), ("depth", 1)], head_channels=16)

DEPTH_TASK = {"name": "depth", "kind": "depth", "quantity": "depth", "unit": "m", "range": [0, 80]}
SEMSEG_TASK = {"name": "semseg", "kind": "segmentation", "classes": m3vit.CITYSCAPES_7}


def make_image(h, w, seed):
    """A smooth colour pattern plus noise, uint8 H x W x 3 RGB."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 128 + 100 * np.sin(xx / w * 2 * np.pi * 1.5 + yy / h * 2.0)
    g = 128 + 100 * np.cos(yy / h * 2 * np.pi + xx / w * 3.0)
    b = 255 * (xx / w) * (yy / h)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0.0, 20.0, (h, w, 3))
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def save_npy(name, array):
    path = os.path.join(FIXTURES, name)
    np.save(path, np.ascontiguousarray(array), allow_pickle=False)
    return path


def run_task(model, config, image, t):
    """Returns (out [Ch,H,W], tokens [N,D], ids [M,N,k] int32, probs [M,N,k] float32)."""
    x = m3vit.image_to_input(image, config["input"])
    with torch.no_grad():
        out, tokens, routing = model.forward_all(x, t)
    ids = np.stack([r[0][0].numpy() for r in routing]).astype(np.int32)
    probs = np.stack([r[1][0].numpy() for r in routing]).astype(np.float32)
    return out[0].numpy().astype(np.float32), tokens[0].numpy().astype(np.float32), ids, probs


def routing_margin(model, config, image, t):
    """Smallest gap between consecutive sorted probabilities among the top k+1 of
    any token in any MoE block: how close the fixture is to a routing tie."""
    x = m3vit.image_to_input(image, config["input"])
    gaps = []
    hooks = []
    k = model.top_k

    def hook(mod, inp, out):
        logits = inp[0] @ mod.gate[t].w_gate
        p = torch.sort(torch.softmax(logits, dim=-1), dim=-1, descending=True).values
        gaps.append((p[..., :k] - p[..., 1:k + 1]).min().item())

    for blk in model.backbone.blocks:
        if blk.is_moe:
            hooks.append(blk.mlp.register_forward_hook(hook))
    with torch.no_grad():
        model.forward_backbone(x, t)
    for h in hooks:
        h.remove()
    return min(gaps)


def describe(name, a):
    print("  %-28s %-8s %-16s max|v| %.6g" % (name, a.dtype, list(a.shape), float(np.abs(a).max())))


def main():
    torch.set_num_threads(1)
    os.makedirs(FIXTURES, exist_ok=True)

    model = m3vit.M3ViT(**TINY)
    m3vit.randomize(model, SEED)
    model.eval()
    config = m3vit.make_config(
        model, name="tiny-test", trained=False,
        description="Tiny random M3ViT for engine tests; its outputs mean nothing.",
        tasks=[SEMSEG_TASK, DEPTH_TASK])
    weights = safetensors_io.state_dict_to_numpy(model)

    tiny_path = os.path.join(FIXTURES, "tiny.safetensors")
    f16_path = os.path.join(FIXTURES, "tiny_f16.safetensors")
    safetensors_io.save(tiny_path, weights, config, dtype="F32")
    safetensors_io.save(f16_path, weights, config, dtype="F16")

    # Goldens come from the models read back from the files (checks the writer/reader).
    tiny, cfg = safetensors_io.model_from_file(tiny_path)
    tiny16, cfg16 = safetensors_io.model_from_file(f16_path)
    assert cfg == config and cfg16 == config
    for k, v in tiny.state_dict().items():
        if k in weights:
            assert np.array_equal(v.numpy(), weights[k]), k

    H, W = config["image_size"]
    image = make_image(H, W, SEED + 1)
    print("fixtures in %s" % FIXTURES)
    save_npy("tiny_input.npy", image)
    describe("tiny_input.npy", image)

    for t, task in enumerate(config["tasks"]):
        name = task["name"]
        out, tokens, ids, probs = run_task(tiny, config, image, t)
        for fname, arr in [("tiny_out_%s.npy" % name, out),
                           ("tiny_backbone_%s.npy" % name, tokens),
                           ("tiny_routing_%s.npy" % name, ids),
                           ("tiny_gates_%s.npy" % name, probs)]:
            save_npy(fname, arr)
            describe(fname, arr)
        for b, blk in enumerate(model.moe_blocks):
            counts = np.bincount(ids[b].ravel(), minlength=model.num_experts)
            print("    task %s block %d tokens per expert %s" % (name, blk, counts.tolist()))
            assert (counts > 0).sum() >= 3, "routing is degenerate"
        print("    smallest top-k probability gap: %.3g" % routing_margin(tiny, config, image, t))
        assert np.abs(out).max() > 0.1 and np.isfinite(out).all()

    out16 = run_task(tiny16, config, image, 0)[0]
    save_npy("tiny_f16_out_semseg.npy", out16)
    describe("tiny_f16_out_semseg.npy", out16)
    ref = np.load(os.path.join(FIXTURES, "tiny_out_semseg.npy"))
    print("    F16 vs F32 semseg max |diff| %.3g" % float(np.abs(out16 - ref).max()))
    print("    F16 model smallest top-k probability gap: %.3g" % routing_margin(tiny16, config, image, 0))

    total = 0
    for f in sorted(os.listdir(FIXTURES)):
        if f.startswith("tiny"):
            total += os.path.getsize(os.path.join(FIXTURES, f))
    print("tiny fixtures: %d bytes" % total)


if __name__ == "__main__":
    main()
