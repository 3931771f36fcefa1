#!/usr/bin/env python3
"""Golden outputs of a shipped model file, for the C++ tests: the PyTorch reference model run on
one held-out synthetic test scene, float32 math on the file's (float16) weights.

    /usr/bin/python3 tools/reference/make_model_goldens.py resources/models/edgemoe-demo.safetensors demo

writes tests/fixtures/<prefix>_input.npy (uint8 HxWx3 RGB) and <prefix>_out_<task>.npy ([Ch,H,W]
float32), and prints the smallest top-k routing margin (how close the frame is to a routing tie).
"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import safetensors_io  # noqa: E402
from make_fixtures import describe, routing_margin, run_task, save_npy  # noqa: E402
from scenes.dataset import TEST_SEEDS, render_scene  # noqa: E402

SCENE = TEST_SEEDS.start + 123


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, prefix = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    model, config = safetensors_io.model_from_file(path)
    h, w = config["image_size"]
    rgb, _, _ = render_scene(SCENE, h, w)
    save_npy(prefix + "_input.npy", rgb)
    for t, task in enumerate(config["tasks"]):
        out, _, _, _ = run_task(model, config, rgb, t)
        name = "%s_out_%s.npy" % (prefix, task["name"])
        save_npy(name, out)
        describe(name, out)
        print("  task %s: smallest routing margin %.3g" % (task["name"], routing_margin(model, config, rgb, t)))


if __name__ == "__main__":
    main()
