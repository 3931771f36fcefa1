#!/usr/bin/env python3
"""Self-test of tools/convert_m3vit.py (plain asserts).

Builds a random M3ViT with the reference model, saves it
  * as one .pth whose state_dict carries a `module.` prefix (plus training-only keys), and
  * as a 2-rank checkpoint directory (experts split 8/8, rank 0 with a tam_model key),
converts both and checks that the tensors and the config equal the original.
Also checks F16 output and a few error messages.

Run: /usr/bin/python3 tools/reference/test_convert.py
"""

import io
import json
import os
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import convert_m3vit  # noqa: E402
import m3vit  # noqa: E402
import safetensors_io  # noqa: E402

SHAPE = dict(img_size=(64, 128), patch_size=16, embed_dim=64, depth=4, num_heads=2,
             mlp_hidden=128, num_experts=16, expert_hidden=32, top_k=2, moe_blocks=[1, 3],
             tasks=[("semseg", 7), ("depth", 1)], head_channels=8)


def run(argv):
    """Run the converter; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = convert_m3vit.main(argv)
    return rc, out.getvalue(), err.getvalue()


def expected_config(model, name):
    cfg = m3vit.make_config(
        model, name=name, trained=True, description="test model",
        tasks=[{"name": "semseg", "kind": "segmentation", "classes": m3vit.CITYSCAPES_7},
               {"name": "depth", "kind": "depth", "quantity": "depth", "unit": "m", "range": [0, 80]}])
    return json.loads(json.dumps(cfg))


def main():
    torch.set_num_threads(1)
    model = m3vit.M3ViT(**SHAPE)
    m3vit.randomize(model, 99)
    sd = model.state_dict()
    ref = safetensors_io.state_dict_to_numpy(model)
    common = ["--num-heads", "2", "--image-size", "64x128", "--depth-quantity", "depth",
              "--depth-unit", "m", "--depth-range", "0,80", "--description", "test model",
              "--dtype", "f32"]

    with tempfile.TemporaryDirectory() as tmp:
        # 1. single file, `module.` prefix, nested under 'state_dict', with training-only keys
        full = {"module." + k: v.clone() for k, v in sd.items()}
        full["module.tam_model.fc.weight"] = torch.randn(4, 4)
        full["module.backbone.norm.weight"] = torch.ones(64)     # unused final norm
        single = os.path.join(tmp, "single.pth")
        torch.save({"epoch": 3, "state_dict": full}, single)

        # 2. two-rank directory: rank 0 full state dict with experts 0..7, rank 1 experts 8..15
        rank_dir = os.path.join(tmp, "best_model.pth.tar")
        os.makedirs(rank_dir)
        r0, r1 = {}, {}
        for k, v in sd.items():
            if ".mlp.experts." in k:
                r0["module." + k] = v[:8].clone()
                r1["module." + k] = v[8:].clone()
            else:
                r0["module." + k] = v.clone()
        r0["module.tam_model.conv.weight"] = torch.randn(2, 3)
        for rank, part in enumerate([r0, r1]):
            torch.save({"epoch": 3, "backbone": "vit", "state_dict": part, "best_result": {"miou": 0.5},
                        "optimizer": {"state": {}, "param_groups": []}},
                       os.path.join(rank_dir, "%d.pth" % rank))

        for src, name in [(single, "single"), (rank_dir, "ranked")]:
            out = os.path.join(tmp, name + ".safetensors")
            rc, text, err = run([src, out, "--name", name] + common)
            assert rc == 0, err
            print(text)
            tensors, cfg, dtypes = safetensors_io.load(out)
            assert cfg == expected_config(model, name), (cfg, expected_config(model, name))
            assert sorted(tensors) == sorted(ref), set(tensors) ^ set(ref)
            for k in ref:
                assert tensors[k].shape == ref[k].shape, k
                assert np.array_equal(tensors[k], ref[k]), k
            assert set(dtypes.values()) == {"F32"}
            assert "tam_model" in text and "dropped" in text
            # the converted file builds a model that runs
            built, _ = safetensors_io.model_from_file(out)
            x = torch.rand(1, 3, 64, 128)
            with torch.no_grad():
                model.eval()
                assert torch.equal(built(x, 1), model(x, 1))

        # 3. F16 output equals the rounded weights
        out16 = os.path.join(tmp, "half.safetensors")
        rc, _, err = run([rank_dir, out16, "--name", "half"] + common[:-2] + ["--dtype", "f16"])
        assert rc == 0, err
        tensors, cfg, dtypes = safetensors_io.load(out16)
        assert set(dtypes.values()) == {"F16"}
        for k in ref:
            assert np.array_equal(tensors[k], ref[k].astype(np.float16).astype(np.float32)), k

        # 4. errors name the file and the problem
        broken = {k: v for k, v in full.items() if "blocks.2.attn.proj.bias" not in k}
        bad = os.path.join(tmp, "broken.pth")
        torch.save(broken, bad)
        rc, _, err = run([bad, os.path.join(tmp, "x.safetensors")] + common)
        assert rc == 1 and "broken.pth" in err and "backbone.blocks.2.attn.proj.bias" in err, err

        wrong = dict(full)
        wrong["module.backbone.blocks.0.mlp.fc2.bias"] = torch.zeros(63)
        torch.save(wrong, bad)
        rc, _, err = run([bad, os.path.join(tmp, "x.safetensors")] + common)
        assert rc == 1 and "fc2.bias" in err and "[63]" in err, err

        rc, _, err = run([single, os.path.join(tmp, "x.safetensors"), "--tasks", "depth,normals"] + common)
        assert rc == 1 and "--tasks" in err, err

        rc, _, err = run([single, os.path.join(tmp, "x.safetensors"), "--num-heads", "2",
                          "--image-size", "128x256"])
        assert rc == 1 and "pos_embed" in err, err

        os.remove(os.path.join(rank_dir, "0.pth"))
        rc, _, err = run([rank_dir, os.path.join(tmp, "x.safetensors")] + common)
        assert rc == 1 and "rank" in err, err
    print("test_convert: OK")


if __name__ == "__main__":
    main()
