"""Procedural street scenes with exact per-pixel class and depth ground truth.

    from tools.scenes import render_scene
    rgb, classes, depth = render_scene(seed, height=128, width=256)

Modules: classes (class list and colours), camera (pinhole camera, rays,
projection), geometry (ray intersections), textures (noise, hashes, patterns),
materials (surface shading, sky), objects (buildings, cars, people, ...), world
(per-seed street layout, light, weather, block-wise object placement), renderer
(ray casting, shadows, lighting, fog), effects (camera effects), dataset
(render_scene, seed splits), torch_dataset (PyTorch wrappers, imports torch),
render_video (the bundled sample video), preview (side-by-side PNGs).
See dataset.py for the output conventions.
"""

from .classes import CLASS_NAMES, CLASS_COLORS, NUM_CLASSES, colorize
from .dataset import (MAX_DEPTH, SPLITS, TEST_SEEDS, TRAIN_SEEDS, VAL_SEEDS, class_frequencies,
                      render_scene, render_world, split_of)
from .camera import Camera
from .world import World

__all__ = ["CLASS_NAMES", "CLASS_COLORS", "NUM_CLASSES", "colorize", "MAX_DEPTH", "SPLITS",
           "TEST_SEEDS", "TRAIN_SEEDS", "VAL_SEEDS", "class_frequencies", "render_scene",
           "render_world", "split_of", "Camera", "World", "SceneDataset", "RandomSceneDataset"]


def __getattr__(name):
    # the PyTorch wrappers are imported only when asked for (torch is optional)
    if name in ("SceneDataset", "RandomSceneDataset"):
        from . import torch_dataset
        return getattr(torch_dataset, name)
    raise AttributeError(name)
