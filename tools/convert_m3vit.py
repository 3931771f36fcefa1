#!/usr/bin/env python3
"""Convert an M3ViT PyTorch checkpoint to the EdgeMoE model file (docs/model-format.md).

Input is either
  * one .pth file holding a state_dict (at the top level, or under 'state_dict' or 'model'), or
  * a directory of per-rank files 0.pth, 1.pth, ... from distributed (FastMoE) training:
    rank 0 holds the full state_dict, the other ranks hold their own `mlp.experts.*`
    shards; the shards are concatenated along dim 0 in rank order.

A `module.` prefix is stripped. Training-only tensors (tam_model*, num_batches_tracked,
anything the inference model does not use) are dropped and listed. Sizes are read from
the tensor shapes; what shapes cannot tell (heads, top-k, image size, tasks, input
normalisation) comes from the options.

Example:
  /usr/bin/python3 tools/convert_m3vit.py best_model.pth.tar/ models/m3vit.safetensors \\
      --depth-quantity disparity --dtype f16 --name m3vit-cityscapes

Needs torch and numpy.
"""

import argparse
import os
import re
import sys
from fractions import Fraction

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))

import m3vit  # noqa: E402
import safetensors_io  # noqa: E402


class ConversionError(Exception):
    pass


# --------------------------------------------------------------------------
# Reading checkpoints
# --------------------------------------------------------------------------

def _torch_load(path):
    import torch
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:          # an older torch without weights_only
        return torch.load(path, map_location="cpu")
    except Exception as first:
        # weights_only refuses some harmless extras (numpy scalars in 'best_result', ...).
        print("note: %s holds objects torch's weights-only loader refuses (%s); loading it with "
              "full unpickling: only convert checkpoints you trust" % (path, type(first).__name__))
        try:
            return torch.load(path, map_location="cpu")
        except Exception as e:
            raise ConversionError("%s: cannot be read by torch.load: %s" % (path, e))


def _is_tensor(v):
    import torch
    return isinstance(v, torch.Tensor)


def extract_state_dict(obj, path):
    """Find the state_dict inside a loaded checkpoint object and strip `module.`."""
    if not isinstance(obj, dict):
        raise ConversionError("%s: expected a dict, found %s" % (path, type(obj).__name__))
    sd = None
    for key in ("state_dict", "model"):
        if isinstance(obj.get(key), dict):
            sd = obj[key]
            break
    if sd is None:
        if obj and all(_is_tensor(v) for v in obj.values()):
            sd = obj
        else:
            raise ConversionError(
                "%s: no state_dict found (looked at the top level and under 'state_dict' and "
                "'model'; top-level keys: %s)" % (path, ", ".join(sorted(map(str, obj))[:12])))
    out = {}
    for k, v in sd.items():
        if not _is_tensor(v):
            continue
        name = k
        while name.startswith("module."):
            name = name[len("module."):]
        if name in out:
            raise ConversionError("%s: key %s appears twice once `module.` is stripped" % (path, name))
        out[name] = v
    if not out:
        raise ConversionError("%s: the state_dict holds no tensors" % path)
    return out


def load_checkpoint(path):
    """Returns (state_dict {name: torch.Tensor}, description of the source, notes)."""
    notes = []
    if os.path.isdir(path):
        ranks = {}
        for f in os.listdir(path):
            m = re.fullmatch(r"(\d+)\.pth", f)
            if m:
                ranks[int(m.group(1))] = os.path.join(path, f)
        if not ranks:
            raise ConversionError("%s: directory holds no <rank>.pth files" % path)
        order = sorted(ranks)
        if order != list(range(len(order))):
            raise ConversionError("%s: rank files are not 0..%d without gaps (found %s)"
                                  % (path, len(order) - 1, order))
        import torch
        sd = extract_state_dict(_torch_load(ranks[0]), ranks[0])
        expert_keys = sorted(k for k in sd if ".mlp.experts." in k)
        if len(order) > 1 and not expert_keys:
            raise ConversionError("%s: rank 0 has no mlp.experts.* tensors to merge" % ranks[0])
        shards = {k: [sd[k]] for k in expert_keys}
        for r in order[1:]:
            part = extract_state_dict(_torch_load(ranks[r]), ranks[r])
            got = sorted(k for k in part if ".mlp.experts." in k)
            if got != expert_keys:
                missing = sorted(set(expert_keys) - set(got))
                extra = sorted(set(got) - set(expert_keys))
                raise ConversionError("%s: expert tensors differ from rank 0 (missing %s, extra %s)"
                                      % (ranks[r], missing[:5], extra[:5]))
            for k in expert_keys:
                if tuple(part[k].shape[1:]) != tuple(sd[k].shape[1:]):
                    raise ConversionError("%s: %s has shape %s, rank 0 has %s"
                                          % (ranks[r], k, list(part[k].shape), list(sd[k].shape)))
                shards[k].append(part[k])
            ignored = len(part) - len(got)
            if ignored:
                notes.append("rank %d: ignored %d non-expert tensors (rank 0 is authoritative)"
                             % (r, ignored))
        for k in expert_keys:
            sd[k] = torch.cat(shards[k], dim=0)
        counts = [int(t.shape[0]) for t in shards[expert_keys[0]]] if expert_keys else []
        notes.append("merged %d ranks; experts per rank %s" % (len(order), counts))
        return sd, "%s (%d ranks)" % (path, len(order)), notes
    if not os.path.isfile(path):
        raise ConversionError("%s: no such file or directory" % path)
    return extract_state_dict(_torch_load(path), path), path, notes


# --------------------------------------------------------------------------
# Options -> config
# --------------------------------------------------------------------------

def _floats(text, n, what):
    try:
        vals = [float(Fraction(v.strip())) for v in text.split(",")]
    except (ValueError, ZeroDivisionError):
        raise ConversionError("%s: cannot parse %r as %d numbers" % (what, text, n))
    if len(vals) != n:
        raise ConversionError("%s: expected %d numbers, got %d (%r)" % (what, n, len(vals), text))
    return vals


def _colors(text, n):
    groups = [g for g in re.split(r"[;\s]+", text.strip()) if g]
    if len(groups) != n:
        raise ConversionError("--colors: expected %d colours (r,g,b;r,g,b;...), got %d" % (n, len(groups)))
    out = []
    for g in groups:
        if g.startswith("#") and len(g) == 7:
            c = [int(g[i:i + 2], 16) for i in (1, 3, 5)]
        else:
            c = [int(v) for v in g.split(",")]
        if len(c) != 3 or not all(0 <= v <= 255 for v in c):
            raise ConversionError("--colors: bad colour %r" % g)
        out.append(c)
    return out


def _palette(n):
    """Distinct-ish default colours for n classes."""
    rng = np.random.default_rng(0)
    return [[int(v) for v in rng.integers(40, 256, 3)] for _ in range(n)]


def shapes_summary(sd):
    """Sizes read from the shapes (what the config must agree with)."""
    def need(name):
        if name not in sd:
            raise ConversionError("checkpoint has no %s" % name)
        return tuple(sd[name].shape)
    D = need("backbone.cls_token")[-1]
    patch = need("backbone.patch_embed.proj.weight")[-1]
    n_tok = need("backbone.pos_embed")[1]
    blocks = sorted({int(k.split(".")[2]) for k in sd if re.match(r"backbone\.blocks\.\d+\.", k)})
    if not blocks or blocks != list(range(len(blocks))):
        raise ConversionError("backbone blocks are not numbered 0..n-1 (found %s)" % blocks)
    moe = [i for i in blocks if "backbone.blocks.%d.mlp.experts.htoh4.weight" % i in sd]
    if not moe:
        raise ConversionError("no MoE blocks (backbone.blocks.<i>.mlp.experts.htoh4.weight) found")
    E = need("backbone.blocks.%d.mlp.experts.htoh4.weight" % moe[0])[0]
    gates = sorted({int(k.split(".")[5]) for k in sd
                    if re.fullmatch(r"backbone\.blocks\.%d\.mlp\.gate\.\d+\.w_gate" % moe[0], k)})
    heads = sorted({k.split(".")[1] for k in sd if k.startswith("decoders.")})
    return dict(D=D, patch=patch, n_tok=n_tok, depth=len(blocks), moe=moe, E=E,
                gates=gates, heads=heads)


def build_config(sd, args, source):
    s = shapes_summary(sd)
    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()]
    if sorted(tasks) != s["heads"]:
        raise ConversionError("--tasks %s does not match the checkpoint's heads %s"
                              % (",".join(tasks), ",".join(s["heads"])))
    if s["gates"] != list(range(len(tasks))):
        raise ConversionError("MoE block %d has gates %s; expected one per task (0..%d)"
                              % (s["moe"][0], s["gates"], len(tasks) - 1))
    H, W = (int(v) for v in args.image_size.lower().split("x"))
    if (H // s["patch"]) * (W // s["patch"]) + 1 != s["n_tok"] or H % s["patch"] or W % s["patch"]:
        raise ConversionError("--image-size %dx%d with patch %d gives %d tokens, but pos_embed has %d"
                              % (H, W, s["patch"], (H // s["patch"]) * (W // s["patch"]) + 1, s["n_tok"]))
    if s["D"] % args.num_heads:
        raise ConversionError("embed dim %d is not divisible by --num-heads %d" % (s["D"], args.num_heads))
    if not 1 <= args.top_k <= s["E"]:
        raise ConversionError("--top-k %d outside 1..%d experts" % (args.top_k, s["E"]))

    task_cfgs = []
    seg_tasks = 0
    for name in tasks:
        key = "decoders.%s.conv_4.weight" % name
        if key not in sd:
            raise ConversionError("checkpoint has no %s" % key)
        ch = int(sd[key].shape[0])
        if ch == 1:
            q = args.depth_quantity
            unit = args.depth_unit or ("m" if q == "depth" else "px")
            if args.depth_range:
                rng = _floats(args.depth_range, 2, "--depth-range")
            else:
                rng = [0.0, 80.0] if q == "depth" else [0.0, 128.0]
                print("note: task %s: display range defaulted to %s %s (set --depth-range)"
                      % (name, rng, unit))
            task_cfgs.append({"name": name, "kind": "depth", "quantity": q, "unit": unit,
                              "range": rng})
        else:
            seg_tasks += 1
            if args.classes:
                names = [c.strip() for c in args.classes.split(",")]
            elif ch == 7:
                names = [c["name"] for c in m3vit.CITYSCAPES_7]
            else:
                names = ["class%d" % i for i in range(ch)]
            if len(names) != ch:
                raise ConversionError("--classes lists %d names but head %s has %d outputs"
                                      % (len(names), name, ch))
            if args.colors:
                colors = _colors(args.colors, ch)
            elif [c["name"] for c in m3vit.CITYSCAPES_7] == names:
                colors = [c["color"] for c in m3vit.CITYSCAPES_7]
            else:
                colors = _palette(ch)
            task_cfgs.append({"name": name, "kind": "segmentation",
                              "classes": [{"name": n, "color": c} for n, c in zip(names, colors)]})
    if seg_tasks > 1 and (args.classes or args.colors):
        raise ConversionError("--classes/--colors are ambiguous with %d segmentation tasks" % seg_tasks)

    input_cfg = {"channel_order": "BGR" if args.bgr else "RGB",
                 "scale": _floats(args.input_scale, 1, "--input-scale")[0],
                 "mean": _floats(args.mean, 3, "--mean"),
                 "std": _floats(args.std, 3, "--std")}
    if any(v == 0 for v in input_cfg["std"]):
        raise ConversionError("--std must not contain 0")
    name = args.name or os.path.splitext(os.path.basename(args.output))[0]
    description = args.description or "Converted from %s by tools/convert_m3vit.py" % os.path.basename(
        os.path.normpath(source))
    return {
        "format_version": 1,
        "name": name,
        "trained": not args.untrained,
        "description": description,
        "image_size": [H, W],
        "patch_size": s["patch"],
        "embed_dim": s["D"],
        "depth": s["depth"],
        "num_heads": args.num_heads,
        "num_experts": s["E"],
        "top_k": args.top_k,
        "moe_blocks": s["moe"],
        "layer_norm_eps": args.layer_norm_eps,
        "input": input_cfg,
        "tasks": task_cfgs,
    }


# --------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------

def convert(args):
    sd, source, notes = load_checkpoint(args.input)
    config = build_config(sd, args, args.input)
    shapes = {k: tuple(v.shape) for k, v in sd.items()}
    try:
        model = m3vit.model_from_config(config, shapes)
    except ValueError as e:
        raise ConversionError("%s: %s" % (args.input, e))
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()
                if not k.endswith("num_batches_tracked")}
    missing = sorted(k for k in expected if k not in sd)
    if missing:
        raise ConversionError("%s: missing %d inference tensors: %s%s"
                              % (args.input, len(missing), ", ".join(missing[:8]),
                                 " ..." if len(missing) > 8 else ""))
    bad = ["%s is %s, expected %s" % (k, list(shapes[k]), list(v))
           for k, v in expected.items() if shapes[k] != v]
    if bad:
        raise ConversionError("%s: wrong shapes: %s" % (args.input, "; ".join(bad[:8])))
    dropped = sorted(k for k in sd if k not in expected)

    tensors = {}
    for k in expected:
        t = sd[k]
        if not t.is_floating_point():
            raise ConversionError("%s: %s has non-float dtype %s" % (args.input, k, t.dtype))
        a = t.detach().cpu().float().numpy()
        if not np.isfinite(a).all():
            raise ConversionError("%s: %s contains NaN or Inf" % (args.input, k))
        if args.dtype == "f16" and np.abs(a).max() > 65504:
            raise ConversionError("%s: %s has values up to %g, beyond float16; use --dtype f32"
                                  % (args.input, k, float(np.abs(a).max())))
        tensors[k] = a
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        raise ConversionError("%s: output directory does not exist" % out_dir)
    safetensors_io.save(args.output, tensors, config, dtype=args.dtype.upper())

    # Summary
    def count(pred):
        return sum(int(np.prod(v)) for k, v in expected.items() if pred(k))
    D = config["embed_dim"]
    b0 = "backbone.blocks.%d.mlp." % config["moe_blocks"][0]
    print("source      %s" % source)
    for n in notes:
        print("            %s" % n)
    print("output      %s (%s, %d bytes)" % (args.output, args.dtype.upper(), os.path.getsize(args.output)))
    print("image       %dx%d, patch %d, %d tokens" % (config["image_size"][0], config["image_size"][1],
                                                      config["patch_size"], shapes["backbone.pos_embed"][1]))
    print("backbone    embed %d, %d blocks, %d heads, MoE blocks %s"
          % (D, config["depth"], config["num_heads"], config["moe_blocks"]))
    print("experts     %d x (%d -> %d -> %d), top-%d"
          % (config["num_experts"], D, shapes[b0 + "experts.htoh4.weight"][1], D, config["top_k"]))
    dense = [i for i in range(config["depth"]) if i not in config["moe_blocks"]]
    if dense:
        print("dense MLP   %d -> %d -> %d" % (D, shapes["backbone.blocks.%d.mlp.fc1.weight" % dense[0]][0], D))
    print("parameters  backbone %d (experts %d)" % (count(lambda k: k.startswith("backbone.")),
                                                   count(lambda k: ".mlp.experts." in k)))
    for t in config["tasks"]:
        extra = (", %d classes" % len(t["classes"])) if t["kind"] == "segmentation" else \
            (", %s in %s, range %s" % (t["quantity"], t["unit"], t["range"]))
        print("task        %-8s head C=%d, %d parameters%s"
              % (t["name"], shapes["decoders.%s.conv_0.weight" % t["name"]][0],
                 count(lambda k, n=t["name"]: k.startswith("decoders.%s." % n)), extra))
    print("input       %s" % config["input"])
    print("dropped     %d tensors not used for inference%s" % (len(dropped), ":" if dropped else ""))
    for k in dropped:
        tag = " (training-only)" if "tam_model" in k or k.endswith("num_batches_tracked") else ""
        print("              %s %s%s" % (k, list(shapes[k]), tag))
    return config, tensors, dropped


def parse_args(argv):
    p = argparse.ArgumentParser(description="Convert an M3ViT checkpoint to the EdgeMoE model file.")
    p.add_argument("input", help="a .pth file, or a directory of <rank>.pth files")
    p.add_argument("output", help="the .safetensors file to write")
    p.add_argument("--tasks", default="semseg,depth", help="head names in model task order (default semseg,depth)")
    p.add_argument("--classes", help="comma-separated class names of the segmentation task "
                                     "(default: the Cityscapes 7 groups when it has 7 outputs)")
    p.add_argument("--colors", help="class colours, 'r,g,b;r,g,b;...' or '#rrggbb ...'")
    p.add_argument("--top-k", type=int, default=2, help="experts per token (default 2)")
    p.add_argument("--num-heads", type=int, default=3, help="attention heads (default 3)")
    p.add_argument("--image-size", default="128x256", help="HxW the model was trained on (default 128x256)")
    p.add_argument("--layer-norm-eps", type=float, default=1e-6)
    p.add_argument("--input-scale", default="1/255", help="pixel byte multiplier (default 1/255)")
    p.add_argument("--mean", default="0,0,0", help="per-channel mean after scaling (default 0,0,0)")
    p.add_argument("--std", default="1,1,1", help="per-channel std after scaling (default 1,1,1)")
    p.add_argument("--bgr", action="store_true", help="the model expects BGR channel order")
    p.add_argument("--depth-quantity", choices=["depth", "disparity"], default="disparity",
                   help="what the 1-channel head predicts (default disparity, as M3ViT's Cityscapes data)")
    p.add_argument("--depth-unit", help="unit of the depth head (default m for depth, px for disparity)")
    p.add_argument("--depth-range", help="display range lo,hi (default 0,80 for depth, 0,128 for disparity)")
    p.add_argument("--dtype", choices=["f16", "f32"], default="f16", help="stored precision (default f16)")
    p.add_argument("--name", help="model name (default: output file name)")
    p.add_argument("--description", help="free text stored in the file")
    p.add_argument("--untrained", action="store_true", help="mark the model as not trained")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        convert(args)
    except ConversionError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
