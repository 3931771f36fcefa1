"""Reference PyTorch definition of the M3ViT multi-task MoE vision transformer.

This is the float32 "golden" model of EdgeMoE Live. It follows
shared/design/edge-moe-facts.md exactly and its state_dict() uses the M3ViT
checkpoint key names (without any `module.` prefix):

    backbone.cls_token, backbone.pos_embed, backbone.patch_embed.proj.*
    backbone.blocks.<i>.{norm1,attn.qkv,attn.proj,norm2}.*
    backbone.blocks.<i>.mlp.fc1.*, .mlp.fc2.*                      (dense blocks)
    backbone.blocks.<i>.mlp.gate.<t>.w_gate                        (MoE blocks)
    backbone.blocks.<i>.mlp.experts.{htoh4,h4toh}.{weight,bias}    (MoE blocks)
    decoders.<task>.norm.*, .conv_0..conv_4.*, .syncbn_fc_0..3.*

Only numpy and torch are used. Nothing here is trainable in a meaningful way:
it is meant for inference (call .eval()).
"""

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# Cityscapes 7-category grouping with the usual Cityscapes colours.
CITYSCAPES_7 = [
    {"name": "flat", "color": [128, 64, 128]},
    {"name": "human", "color": [220, 20, 60]},
    {"name": "vehicle", "color": [0, 0, 142]},
    {"name": "construction", "color": [70, 70, 70]},
    {"name": "object", "color": [153, 153, 153]},
    {"name": "nature", "color": [107, 142, 35]},
    {"name": "sky", "color": [70, 130, 180]},
]

DEFAULT_INPUT = {
    "channel_order": "RGB",
    "scale": 1.0 / 255.0,
    "mean": [0.0, 0.0, 0.0],
    "std": [1.0, 1.0, 1.0],
}


def gelu(x):
    """Exact (erf based) GELU."""
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


# --------------------------------------------------------------------------
# Backbone
# --------------------------------------------------------------------------

class PatchEmbed(nn.Module):
    def __init__(self, patch_size, embed_dim, in_chans=3):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size,
                              stride=patch_size, bias=True)

    def forward(self, x):
        x = self.proj(x)                      # [B, D, gh, gw]
        return x.flatten(2).transpose(1, 2)   # [B, gh*gw, D], row-major patches


class Attention(nn.Module):
    def __init__(self, dim, num_heads):
        super().__init__()
        assert dim % num_heads == 0, "embed_dim must be divisible by num_heads"
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.qkv = nn.Linear(dim, 3 * dim, bias=True)
        self.proj = nn.Linear(dim, dim, bias=True)

    def forward(self, x):
        B, N, D = x.shape
        H, hd = self.num_heads, self.head_dim
        qkv = self.qkv(x)                          # [B, N, 3D]
        q = qkv[..., 0:D]                          # rows 0..D-1 of the weight
        k = qkv[..., D:2 * D]                      # rows D..2D-1
        v = qkv[..., 2 * D:3 * D]                  # rows 2D..3D-1
        # head h uses dims hd*h .. hd*h+hd-1
        q = q.reshape(B, N, H, hd).transpose(1, 2)  # [B, H, N, hd]
        k = k.reshape(B, N, H, hd).transpose(1, 2)
        v = v.reshape(B, N, H, hd).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) * self.scale
        attn = torch.softmax(scores, dim=-1)
        out = (attn @ v).transpose(1, 2).reshape(B, N, D)
        return self.proj(out)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden, bias=True)
        self.fc2 = nn.Linear(hidden, dim, bias=True)

    def forward(self, x):
        return self.fc2(gelu(self.fc1(x)))


class Gate(nn.Module):
    """Per-task gate: logits = x @ w_gate, w_gate is [D, E], no bias."""

    def __init__(self, dim, num_experts):
        super().__init__()
        self.w_gate = nn.Parameter(torch.zeros(dim, num_experts))


class ExpertLinear(nn.Module):
    """A bank of E linear layers: weight [E, out, in], bias [E, out]."""

    def __init__(self, num_experts, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(num_experts, out_features, in_features))
        self.bias = nn.Parameter(torch.zeros(num_experts, out_features))

    def forward(self, x, e):
        return x @ self.weight[e].t() + self.bias[e]


class Experts(nn.Module):
    def __init__(self, num_experts, dim, hidden):
        super().__init__()
        self.htoh4 = ExpertLinear(num_experts, dim, hidden)
        self.h4toh = ExpertLinear(num_experts, hidden, dim)

    def forward(self, x, e):
        """Run expert e on rows x [M, D]."""
        return self.h4toh(gelu(self.htoh4(x, e)), e)


def top_k_lower_index(probs, k):
    """Top-k along the last dim, ties broken toward the lower index.

    A stable ascending sort of -probs keeps equal values in index order.
    Returns (indices int64, values).
    """
    order = torch.sort(-probs, dim=-1, stable=True).indices[..., :k]
    return order, torch.gather(probs, -1, order)


class MoEMlp(nn.Module):
    def __init__(self, dim, num_experts, expert_hidden, num_tasks, top_k):
        super().__init__()
        self.num_experts = num_experts
        self.top_k = top_k
        self.gate = nn.ModuleList([Gate(dim, num_experts) for _ in range(num_tasks)])
        self.experts = Experts(num_experts, dim, expert_hidden)

    def forward(self, x, task_index):
        """x: [B, N, D] (already norm2'd). Returns (out, (idx [B,N,k], p [B,N,k]))."""
        B, N, D = x.shape
        logits = x @ self.gate[task_index].w_gate          # [B, N, E]
        probs = torch.softmax(logits, dim=-1)              # over all experts
        idx, p = top_k_lower_index(probs, self.top_k)      # no renormalisation
        flat = x.reshape(B * N, D)
        fidx = idx.reshape(B * N, self.top_k)
        fp = p.reshape(B * N, self.top_k)
        out = torch.zeros_like(flat)
        for e in range(self.num_experts):
            for slot in range(self.top_k):
                rows = (fidx[:, slot] == e).nonzero(as_tuple=True)[0]
                if rows.numel() == 0:
                    continue
                y = self.experts(flat[rows], e)
                out[rows] += fp[rows, slot:slot + 1] * y
        return out.reshape(B, N, D), (idx, p)


class Block(nn.Module):
    def __init__(self, dim, num_heads, eps, mlp_hidden=None, moe=None):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.is_moe = moe is not None
        if self.is_moe:
            self.mlp = MoEMlp(dim, **moe)
        else:
            self.mlp = Mlp(dim, mlp_hidden)

    def forward(self, x, task_index):
        x = x + self.attn(self.norm1(x))
        h = self.norm2(x)
        if self.is_moe:
            y, routing = self.mlp(h, task_index)
        else:
            y, routing = self.mlp(h), None
        return x + y, routing


class Backbone(nn.Module):
    def __init__(self, img_size, patch_size, embed_dim, depth, num_heads, mlp_hidden,
                 num_experts, expert_hidden, top_k, moe_blocks, num_tasks, eps):
        super().__init__()
        H, W = img_size
        assert H % patch_size == 0 and W % patch_size == 0, "image size must be a multiple of the patch"
        self.grid = (H // patch_size, W // patch_size)
        n = self.grid[0] * self.grid[1]
        self.patch_embed = PatchEmbed(patch_size, embed_dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, n + 1, embed_dim))
        moe_cfg = dict(num_experts=num_experts, expert_hidden=expert_hidden,
                       num_tasks=num_tasks, top_k=top_k)
        self.blocks = nn.ModuleList([
            Block(embed_dim, num_heads, eps,
                  mlp_hidden=None if i in moe_blocks else mlp_hidden,
                  moe=moe_cfg if i in moe_blocks else None)
            for i in range(depth)])

    def forward(self, x, task_index):
        """Returns (tokens [B, 1+N, D] after the last block, routing list)."""
        B = x.shape[0]
        t = self.patch_embed(x)
        t = torch.cat([self.cls_token.expand(B, -1, -1), t], dim=1)
        t = t + self.pos_embed                 # the class token gets pos_embed[0]
        routing = []
        for blk in self.blocks:
            t, r = blk(t, task_index)
            if r is not None:
                routing.append(r)
        return t, routing


# --------------------------------------------------------------------------
# SETR-PUP head
# --------------------------------------------------------------------------

class PupHead(nn.Module):
    def __init__(self, embed_dim, channels, out_channels, grid, img_size, eps):
        super().__init__()
        self.grid = grid
        self.img_size = tuple(img_size)
        self.norm = nn.LayerNorm(embed_dim, eps=eps)
        self.conv_0 = nn.Conv2d(embed_dim, channels, 3, padding=1, bias=True)
        self.conv_1 = nn.Conv2d(channels, channels, 3, padding=1, bias=True)
        self.conv_2 = nn.Conv2d(channels, channels, 3, padding=1, bias=True)
        self.conv_3 = nn.Conv2d(channels, channels, 3, padding=1, bias=True)
        self.conv_4 = nn.Conv2d(channels, out_channels, 1, bias=True)
        self.syncbn_fc_0 = nn.BatchNorm2d(channels, eps=1e-5)
        self.syncbn_fc_1 = nn.BatchNorm2d(channels, eps=1e-5)
        self.syncbn_fc_2 = nn.BatchNorm2d(channels, eps=1e-5)
        self.syncbn_fc_3 = nn.BatchNorm2d(channels, eps=1e-5)

    @staticmethod
    def up2(x):
        h, w = x.shape[-2:]
        return F.interpolate(x, size=(2 * h, 2 * w), mode="bilinear", align_corners=False)

    def forward(self, tokens):
        B, _, D = tokens.shape
        gh, gw = self.grid
        x = self.norm(tokens[:, 1:])                         # drop the class token
        x = x.transpose(1, 2).reshape(B, D, gh, gw)          # row-major patches
        x = self.up2(F.relu(self.syncbn_fc_0(self.conv_0(x))))
        x = self.up2(F.relu(self.syncbn_fc_1(self.conv_1(x))))
        x = self.up2(F.relu(self.syncbn_fc_2(self.conv_2(x))))
        x = F.relu(self.syncbn_fc_3(self.conv_3(x)))
        x = self.conv_4(x)
        return F.interpolate(x, size=self.img_size, mode="bilinear", align_corners=False)


# --------------------------------------------------------------------------
# Whole model
# --------------------------------------------------------------------------

class M3ViT(nn.Module):
    """M3ViT backbone + one SETR-PUP head per task.

    tasks: list of (name, out_channels) in model task order.
    """

    def __init__(self, img_size=(128, 256), patch_size=16, embed_dim=192, depth=12,
                 num_heads=3, mlp_hidden=768, num_experts=16, expert_hidden=384, top_k=2,
                 moe_blocks=(1, 3, 5, 7, 9, 11), tasks=(("semseg", 7), ("depth", 1)),
                 head_channels=256, layer_norm_eps=1e-6):
        super().__init__()
        self.img_size = tuple(img_size)
        self.patch_size = patch_size
        self.embed_dim = embed_dim
        self.depth = depth
        self.num_heads = num_heads
        self.num_experts = num_experts
        self.top_k = top_k
        self.moe_blocks = sorted(int(b) for b in moe_blocks)
        self.task_names = [name for name, _ in tasks]
        self.layer_norm_eps = layer_norm_eps
        self.backbone = Backbone(self.img_size, patch_size, embed_dim, depth, num_heads,
                                 mlp_hidden, num_experts, expert_hidden, top_k,
                                 set(self.moe_blocks), len(tasks), layer_norm_eps)
        self.decoders = nn.ModuleDict({
            name: PupHead(embed_dim, head_channels, ch, self.backbone.grid, self.img_size,
                          layer_norm_eps)
            for name, ch in tasks})

    def forward_backbone(self, x, task_index):
        """Returns (tokens [B, 1+N, D] after block depth-1, no final norm;
        routing: list over MoE blocks of (expert ids [B, N+1, k] int64,
        probabilities [B, N+1, k]))."""
        return self.backbone(x, task_index)

    def forward_all(self, x, task_index):
        tokens, routing = self.forward_backbone(x, task_index)
        out = self.decoders[self.task_names[task_index]](tokens)
        return out, tokens, routing

    def forward(self, x, task_index):
        """x: normalised float [B, 3, H, W]. Returns the head output [B, Ch, H, W]."""
        return self.forward_all(x, task_index)[0]


# --------------------------------------------------------------------------
# Input preparation
# --------------------------------------------------------------------------

def image_to_input(image_rgb_u8, input_cfg=None):
    """uint8 H x W x 3 RGB image -> float32 tensor [1, 3, H, W] per the config's `input`.

    A byte p of model channel c (in input_cfg["channel_order"]) becomes
    (p * scale - mean[c]) / std[c]; computed in float64, then rounded to float32.
    """
    cfg = DEFAULT_INPUT if input_cfg is None else input_cfg
    img = np.asarray(image_rgb_u8)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ValueError("expected a uint8 H x W x 3 RGB image, got %s %s" % (img.dtype, img.shape))
    order = cfg.get("channel_order", "RGB").upper()
    if order == "BGR":
        img = img[:, :, ::-1]
    elif order != "RGB":
        raise ValueError("unknown channel_order %r" % order)
    x = img.astype(np.float64) * float(cfg["scale"])
    x = (x - np.asarray(cfg["mean"], dtype=np.float64)) / np.asarray(cfg["std"], dtype=np.float64)
    x = np.ascontiguousarray(x.transpose(2, 0, 1)[None]).astype(np.float32)
    return torch.from_numpy(x)


# --------------------------------------------------------------------------
# Config <-> model
# --------------------------------------------------------------------------

def model_from_config(cfg, shapes):
    """Build an (uninitialised) M3ViT from an edgemoe.config dict and a map of
    tensor name -> shape. Sizes come from the shapes; the config supplies what
    shapes cannot tell (num_heads, top_k, moe_blocks, tasks, image size) and is
    checked against the shapes."""
    def shape(name):
        if name not in shapes:
            raise ValueError("missing tensor %s" % name)
        return tuple(shapes[name])

    D = shape("backbone.cls_token")[-1]
    pe = shape("backbone.patch_embed.proj.weight")
    patch = pe[-1]
    if pe != (D, 3, patch, patch):
        raise ValueError("backbone.patch_embed.proj.weight has shape %s, expected [%d,3,p,p]" % (pe, D))
    blocks = set()
    for n in shapes:
        if n.startswith("backbone.blocks."):
            blocks.add(int(n.split(".")[2]))
    depth = max(blocks) + 1 if blocks else 0
    moe = sorted(i for i in blocks if "backbone.blocks.%d.mlp.experts.htoh4.weight" % i in shapes)
    dense = sorted(i for i in blocks if "backbone.blocks.%d.mlp.fc1.weight" % i in shapes)
    if not moe:
        raise ValueError("no MoE blocks found")
    E, EH, _ = shape("backbone.blocks.%d.mlp.experts.htoh4.weight" % moe[0])
    mlp_hidden = shape("backbone.blocks.%d.mlp.fc1.weight" % dense[0])[0] if dense else 4 * D
    tasks_cfg = cfg["tasks"]
    tasks = []
    for t in tasks_cfg:
        ch = shape("decoders.%s.conv_4.weight" % t["name"])[0]
        tasks.append((t["name"], ch))
    C = shape("decoders.%s.conv_0.weight" % tasks_cfg[0]["name"])[0]
    H, W = cfg["image_size"]
    n_tok = shape("backbone.pos_embed")[1]

    def check(what, cfg_val, shape_val):
        if cfg_val != shape_val:
            raise ValueError("config %s = %s disagrees with the tensor shapes (%s)" % (what, cfg_val, shape_val))
    check("embed_dim", cfg["embed_dim"], D)
    check("patch_size", cfg["patch_size"], patch)
    check("depth", cfg["depth"], depth)
    check("num_experts", cfg["num_experts"], E)
    check("moe_blocks", sorted(cfg["moe_blocks"]), moe)
    check("image_size -> tokens", (H // patch) * (W // patch) + 1, n_tok)
    return M3ViT(img_size=(H, W), patch_size=patch, embed_dim=D, depth=depth,
                 num_heads=cfg["num_heads"], mlp_hidden=mlp_hidden, num_experts=E,
                 expert_hidden=EH, top_k=cfg["top_k"], moe_blocks=moe, tasks=tasks,
                 head_channels=C, layer_norm_eps=cfg.get("layer_norm_eps", 1e-6))


def make_config(model, name, description, trained, tasks, input_cfg=None):
    """Build the edgemoe.config dict for a model. tasks: list of task dicts
    (name, kind, classes | quantity/unit/range) in model task order."""
    return {
        "format_version": 1,
        "name": name,
        "trained": bool(trained),
        "description": description,
        "image_size": list(model.img_size),
        "patch_size": model.patch_size,
        "embed_dim": model.embed_dim,
        "depth": model.depth,
        "num_heads": model.num_heads,
        "num_experts": model.num_experts,
        "top_k": model.top_k,
        "moe_blocks": list(model.moe_blocks),
        "layer_norm_eps": model.layer_norm_eps,
        "input": dict(DEFAULT_INPUT if input_cfg is None else input_cfg),
        "tasks": tasks,
    }


# --------------------------------------------------------------------------
# Random initialisation (for fixtures and the untrained demo model)
# --------------------------------------------------------------------------

def randomize(model, seed, gate_scale=2.0):
    """Fill every parameter and buffer with seeded random values of sensible
    scale: activations stay O(1), routing is spread over many experts and
    BatchNorm running variances are positive."""
    g = torch.Generator().manual_seed(seed)

    def normal(shape, std, mean=0.0):
        return torch.randn(shape, generator=g) * std + mean

    def uniform(shape, lo, hi):
        return torch.rand(shape, generator=g) * (hi - lo) + lo

    with torch.no_grad():
        sd = model.state_dict()
        for name in sorted(sd):
            p = sd[name]
            s = tuple(p.shape)
            leaf = name.rsplit(".", 1)[-1]
            if name.endswith("num_batches_tracked"):
                continue
            if "norm" in name and leaf == "weight":           # LayerNorm gamma
                v = uniform(s, 0.8, 1.2)
            elif "norm" in name and leaf == "bias":
                v = normal(s, 0.02)
            elif "syncbn" in name:
                v = {"weight": lambda: uniform(s, 0.7, 1.3),
                     "bias": lambda: normal(s, 0.1),
                     "running_mean": lambda: normal(s, 0.1),
                     "running_var": lambda: uniform(s, 0.5, 2.0)}[leaf]()
            elif leaf == "cls_token":
                v = normal(s, 0.5)
            elif leaf == "pos_embed":
                # large enough that tokens stay distinct, so routing varies
                v = normal(s, 1.0)
            elif leaf == "w_gate":                               # [D, E]
                v = normal(s, gate_scale / math.sqrt(s[0]))
            elif leaf == "weight":
                if len(s) == 4:                                  # conv [out, in, kh, kw]
                    fan_in = s[1] * s[2] * s[3]
                    gain = 2.0 if "patch_embed" in name else 1.4
                else:                                            # linear [.., out, in]
                    fan_in = s[-1]
                    gain = 1.0
                v = normal(s, gain / math.sqrt(fan_in))
                if name.endswith("attn.qkv.weight"):
                    # sharper attention (Q and K rows x2) keeps tokens from averaging out
                    v[: 2 * (s[0] // 3)] *= 2.0
            elif leaf == "bias":
                v = normal(s, 0.02)
            else:
                raise ValueError("don't know how to initialise %s" % name)
            p.copy_(v.to(p.dtype))
    return model
