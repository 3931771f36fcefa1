#!/usr/bin/env python3
"""'Where the cycles go': one stacked bar per design (before / after), a segment per part, from
edgemoe-bench's JSON (--json) of the fpga-emu backend.

    tools/hls/plot_cycles.py BEFORE.json AFTER.json -o hls/cycles.png [--task semseg]
"""
import argparse
import json
import sys

# Parts in stacking order; a stage belongs to the first part whose key its name contains.
PARTS = [
    ("patch embed", ("patch embedding", "class token")),
    ("norms", ("norm1", "norm2")),
    ("QKV", ("qkv",)),
    ("attention", ("attention",)),
    ("proj", ("proj",)),
    ("experts", ("experts",)),
    ("dense MLP", ("fc1", "fc2")),
    ("gate + routing", ("gate", "routing")),
    ("head norm", ("head norm",)),
    ("head 3x3 convs", ("head conv_0", "head conv_1", "head conv_2", "head conv_3")),
    ("head 1x1 conv", ("head conv_4",)),
    ("head upsampling", ("head upsample", "head final resize")),
]


def parts_of(report, task):
    try:
        tasks = report["backends"]["fpga-emu"]["tasks"]
    except KeyError:
        sys.exit("no fpga-emu backend in the JSON: run edgemoe-bench --backend fpga-emu --json FILE")
    if task not in tasks:
        sys.exit(f"task {task!r} not in the JSON (has {', '.join(tasks)})")
    sums = {name: 0.0 for name, _ in PARTS}
    for stage in tasks[task]["predicted_fpga"]["stages"]:
        name = stage["stage"]
        # the head's stages come first in matching order so that "head norm" is not a backbone norm
        for part, keys in sorted(PARTS, key=lambda p: not p[0].startswith("head")):
            if any(k in name for k in keys):
                sums[part] += stage["cycles"]
                break
        else:
            sys.exit(f"stage {name!r} belongs to no part")
    return sums


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("-o", "--output", default="cycles.png")
    ap.add_argument("--task", default="semseg")
    args = ap.parse_args()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = []
    for label, path in (("before", args.before), ("after", args.after)):
        with open(path) as f:
            bars.append((label, parts_of(json.load(f), args.task)))
    fig, ax = plt.subplots(figsize=(8, 4.8))
    colours = plt.get_cmap("tab20").colors
    x = range(len(bars))
    bottom = [0.0] * len(bars)
    for i, (part, _) in enumerate(PARTS):
        values = [sums[part] / 1e6 for _, sums in bars]
        ax.bar(x, values, bottom=bottom, color=colours[i % len(colours)], label=part, width=0.55)
        bottom = [b + v for b, v in zip(bottom, values)]
    for xi, total in zip(x, bottom):
        ax.text(xi, total + 0.1, f"{total:.2f} M", ha="center")
    ax.axhline(9.0, color="grey", linestyle="--", linewidth=1)
    ax.text(0.3, 9.15, "target: 9.0 M cycles (30 ms at 300 MHz)", ha="left", color="grey", fontsize=8)
    ax.set_xticks(list(x))
    ax.set_xticklabels([label for label, _ in bars])
    ax.set_ylabel("M cycles per frame (cycle model)")
    ax.set_title(f"Where the cycles go: backbone + {args.task} head, demo model, sample video frame")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.tight_layout()
    fig.savefig(args.output, dpi=110)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
