#!/usr/bin/env python3
"""Pre-render procedural street scenes into .npz shards for training.

    /usr/bin/python3 tools/train/make_cache.py --out /work/train-runs/cache --split train \
        --count 6000 --workers 2 --minutes 10

Each shard <split>_<first seed, 7 digits>.npz holds `--shard` consecutive seeds of the split
(seeds = split start + index): rgb uint8 [n,128,256,3], cls uint8 [n,128,256],
depth float16 [n,128,256] (metres, 0 = sky/invalid; float16 keeps 80 m to 3 cm), seeds int64 [n].
About 200 kB per scene. Existing shards are kept, so a cache can be grown later with a larger
--count. Rendering stops after --minutes (the shard in progress is written, partial).
"""

import argparse
import multiprocessing as mp
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from tools.scenes.dataset import SPLITS, render_scene  # noqa: E402


def _render(args):
    seed, h, w = args
    rgb, cls, depth = render_scene(seed, h, w)
    return seed, rgb, cls, depth.astype(np.float16)


def shard_name(split, first_seed):
    return "%s_%07d.npz" % (split, first_seed)


def existing(out, split):
    """Seeds already cached for split (from the shard files)."""
    seeds = []
    for f in sorted(os.listdir(out)):
        if f.startswith(split + "_") and f.endswith(".npz"):
            with np.load(os.path.join(out, f)) as z:
                seeds.extend(int(s) for s in z["seeds"])
    return set(seeds)


def build(out, split="train", count=1000, shard=250, workers=2, minutes=None, height=128, width=256,
          log=print):
    """Render the first `count` seeds of `split` that are not cached yet. Returns the number of
    scenes cached for the split afterwards."""
    os.makedirs(out, exist_ok=True)
    seeds_all = SPLITS[split]
    have = existing(out, split)
    todo = [int(seeds_all[i]) for i in range(min(count, len(seeds_all))) if int(seeds_all[i]) not in have]
    if not todo:
        log("cache %s: %d %s scenes present, nothing to render" % (out, len(have), split))
        return len(have)
    t0 = time.time()
    deadline = t0 + minutes * 60 if minutes else None
    log("cache %s: rendering %d %s scenes with %d workers%s" % (
        out, len(todo), split, workers, "" if not deadline else ", at most %.1f min" % minutes))
    done = 0
    pool = mp.Pool(workers) if workers > 1 else None
    try:
        for i in range(0, len(todo), shard):
            chunk = todo[i:i + shard]
            jobs = [(s, height, width) for s in chunk]
            it = pool.imap(_render, jobs, chunksize=4) if pool else map(_render, jobs)
            rows = []
            for r in it:
                rows.append(r)
                if deadline and time.time() > deadline:
                    break
            if pool and len(rows) < len(chunk):
                pool.terminate()
                pool = None
            rows.sort(key=lambda r: r[0])
            path = os.path.join(out, shard_name(split, rows[0][0]))
            tmp = path + ".tmp.npz"
            np.savez(tmp, seeds=np.array([r[0] for r in rows], dtype=np.int64),
                     rgb=np.stack([r[1] for r in rows]), cls=np.stack([r[2] for r in rows]),
                     depth=np.stack([r[3] for r in rows]))
            os.replace(tmp, path)
            done += len(rows)
            el = time.time() - t0
            log("cache: %d/%d %s scenes, %.1f s, %.1f ms/scene wall" % (
                done, len(todo), split, el, 1000 * el / done))
            if len(rows) < len(chunk):
                log("cache: time budget reached")
                break
    finally:
        if pool:
            pool.close()
            pool.join()
    return len(have) + done


def class_frequencies(data, num_classes=7):
    c = np.bincount(data["cls"].ravel(), minlength=num_classes).astype(np.float64)
    return c / c.sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--split", default="train", choices=sorted(SPLITS))
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--shard", type=int, default=250)
    ap.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1))
    ap.add_argument("--minutes", type=float, default=None)
    a = ap.parse_args()
    n = build(a.out, a.split, a.count, a.shard, a.workers, a.minutes)
    print("%d %s scenes cached in %s" % (n, a.split, a.out))


if __name__ == "__main__":
    main()
