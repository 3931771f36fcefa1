"""PyTorch wrappers around render_scene (this module imports torch; the rest of
the package does not).

Each sample is a tuple
    image  float32 [3, H, W] in [0, 1] (RGB)
    label  int64   [H, W]   class ids 0..6 (classes.py), no ignore label
    depth  float32 [H, W]   metres along the optical axis; 0 = invalid (sky);
                            clipped at 80 m (MAX_DEPTH)

    from tools.scenes.torch_dataset import SceneDataset, RandomSceneDataset
    val = SceneDataset("val")                                  # 1000 fixed scenes
    train = RandomSceneDataset("train", samples_per_epoch=100_000)
    loader = torch.utils.data.DataLoader(train, batch_size=32, num_workers=8)
"""

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from .dataset import SPLITS, render_scene


def _seeds(seeds):
    return SPLITS[seeds] if isinstance(seeds, str) else seeds


def to_tensors(rgb, cls, depth):
    image = torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).float().div_(255.0)
    return image, torch.from_numpy(cls.astype(np.int64)), torch.from_numpy(depth)


class SceneDataset(Dataset):
    """Map-style dataset: item i is the scene of seed ``seeds[i]``.

    seeds: a split name ('train', 'val', 'test') or any sequence of seeds.
    effects: strength of the random camera effects (0 disables them).
    """

    def __init__(self, seeds="val", height=128, width=256, effects=1.0):
        self.seeds = _seeds(seeds)
        self.height, self.width, self.effects = height, width, effects

    def __len__(self):
        return len(self.seeds)

    def __getitem__(self, i):
        s = int(self.seeds[i])
        return to_tensors(*render_scene(s, self.height, self.width, effects=self.effects))


class RandomSceneDataset(IterableDataset):
    """Iterable dataset drawing seeds at random (without repeats within an epoch)
    from ``seeds``; DataLoader workers draw disjoint shares.  Call ``set_epoch(e)``
    to get a different draw each epoch; ``base_seed`` changes all draws."""

    def __init__(self, seeds="train", height=128, width=256, samples_per_epoch=10_000,
                 effects=1.0, base_seed=0):
        self.seeds = _seeds(seeds)
        self.height, self.width, self.effects = height, width, effects
        self.samples_per_epoch = min(samples_per_epoch, len(self.seeds))
        self.base_seed = base_seed
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return self.samples_per_epoch

    def __iter__(self):
        rng = np.random.default_rng([self.base_seed, self.epoch])
        pick = rng.choice(len(self.seeds), self.samples_per_epoch, replace=False)
        info = get_worker_info()
        if info is not None:
            pick = pick[info.id::info.num_workers]
        for i in pick:
            s = int(self.seeds[int(i)])
            yield to_tensors(*render_scene(s, self.height, self.width, effects=self.effects))
