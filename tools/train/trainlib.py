"""Training pieces of the EdgeMoE Live demo model (shared by train.py, export.py and the tests).

The model is THE reference definition (tools/reference/m3vit.py), unchanged: same modules, same
state_dict names. For training, each MoE layer's forward is swapped (on the instance, not the
class) for a grouped one that gives the same result as the reference (softmax over all experts,
top-k with ties to the lower index, no renormalisation, output = sum of p_e * expert_e(x)) but runs
each expert once on all of its tokens, and keeps the full gate probabilities for the load-balancing
loss.

Depth output parametrisation: the depth head is trained with its output multiplied by
DEPTH_SCALE (metres = DEPTH_SCALE * raw conv_4 output). This keeps the last layer's values O(1)
while the target is tens of metres; export folds the factor into decoders.depth.conv_4, so the
exported model's raw output is metric depth in metres.
"""

import math
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
for p in (os.path.join(REPO, "tools", "reference"), REPO, os.path.join(REPO, "tools", "eval")):
    if p not in sys.path:
        sys.path.insert(0, p)

import m3vit  # noqa: E402
from tools.scenes.classes import CLASS_COLORS, CLASS_NAMES, NUM_CLASSES, SKY  # noqa: E402

MAX_DEPTH = 80.0
DEPTH_SCALE = 20.0

# The Edge-MoE backbone with SETR-PUP heads of 64 channels.
ARCHS = {
    "edgemoe": dict(img_size=(128, 256), patch_size=16, embed_dim=192, depth=12, num_heads=3,
                    mlp_hidden=768, num_experts=16, expert_hidden=384, top_k=2,
                    moe_blocks=[1, 3, 5, 7, 9, 11], tasks=[("semseg", NUM_CLASSES), ("depth", 1)],
                    head_channels=64),
    # tiny, same input size: for the tests only
    "tiny": dict(img_size=(128, 256), patch_size=32, embed_dim=32, depth=2, num_heads=2,
                 mlp_hidden=64, num_experts=4, expert_hidden=32, top_k=2, moe_blocks=[1],
                 tasks=[("semseg", NUM_CLASSES), ("depth", 1)], head_channels=8),
}
TASKS = ["semseg", "depth"]

SEMSEG_TASK = {"name": "semseg", "kind": "segmentation",
               "classes": [{"name": n, "color": list(c)} for n, c in zip(CLASS_NAMES, CLASS_COLORS)]}
DEPTH_TASK = {"name": "depth", "kind": "depth", "quantity": "depth", "unit": "m", "range": [0, 80]}


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------

def init_weights(model, seed):
    """ViT-style initialisation: truncated normal 0.02 for linear, expert, gate and token
    parameters, LeCun-normal for the patch embedding, Kaiming for the head convolutions,
    LayerNorm 1/0, BatchNorm 1/0. The depth head's last bias starts at a typical depth."""
    g = torch.Generator().manual_seed(seed)

    def tn(t, std):
        with torch.no_grad():
            v = torch.randn(t.shape, generator=g).clamp_(-2, 2) * std
            t.copy_(v)

    for name, p in model.named_parameters():
        leaf = name.rsplit(".", 1)[-1]
        with torch.no_grad():
            if "syncbn" in name or ".norm" in name:          # BatchNorm, LayerNorm
                p.fill_(1.0 if leaf == "weight" else 0.0)
            elif leaf in ("cls_token", "pos_embed"):
                tn(p, 0.02)
            elif leaf == "w_gate":
                tn(p, 0.02)
            elif "patch_embed" in name and leaf == "weight":
                tn(p, 1.0 / math.sqrt(p[0].numel()))
            elif name.startswith("decoders") and leaf == "weight":        # conv
                fan_in = p[0].numel()
                tn(p, math.sqrt(2.0 / fan_in))
            elif leaf == "weight":                                        # linear / experts
                tn(p, 0.02)
            elif leaf == "bias":
                p.zero_()
            else:
                raise ValueError("no initialisation for %s" % name)
        if name == "decoders.depth.conv_4.bias":
            with torch.no_grad():
                p.fill_(15.0 / DEPTH_SCALE)
    return model


def _autocast_dtype(t):
    if t.is_cuda:
        return torch.get_autocast_gpu_dtype() if torch.is_autocast_enabled() else None
    return torch.get_autocast_cpu_dtype() if torch.is_autocast_cpu_enabled() else None


def fast_moe_forward(self, x, task_index):
    """Grouped MoE forward, numerically the reference MoEMlp.forward (up to summation order).

    Returns (out [B,N,D], (idx [B,N,k], p [B,N,k])) like the reference and keeps
    self.last_gate = (probs [B*N, E] float32, idx [B*N, k]) for the auxiliary loss."""
    B, N, D = x.shape
    E, k = self.num_experts, self.top_k
    w_gate = self.gate[task_index].w_gate
    logits = x.float() @ w_gate.float()
    noise = getattr(self, "gate_noise", 0.0)
    if self.training and noise > 0:
        logits = logits + torch.randn_like(logits) * noise
    probs = torch.softmax(logits, dim=-1)
    idx, p = m3vit.top_k_lower_index(probs, k)
    flat = x.reshape(B * N, D)
    fidx = idx.reshape(-1)
    fp = p.reshape(-1)
    tok = torch.arange(B * N, device=x.device).repeat_interleave(k)
    order = torch.argsort(fidx, stable=True)
    counts = torch.bincount(fidx, minlength=E).tolist()
    tok_s = tok[order]
    xs = flat.index_select(0, tok_s)
    # One cast and one unbind per weight bank (indexing W[e] per expert would make autograd
    # build and add a full-size zero gradient per expert).
    dt = _autocast_dtype(x)
    banks = [self.experts.htoh4.weight, self.experts.htoh4.bias,
             self.experts.h4toh.weight, self.experts.h4toh.bias]
    if dt is not None:
        banks = [b.to(dt) for b in banks]
        xs = xs.to(dt)
    W1, b1, W2, b2 = (b.unbind(0) for b in banks)
    ys = []
    start = 0
    for e, c in enumerate(counts):
        if c == 0:
            continue
        h = F.gelu(F.linear(xs[start:start + c], W1[e], b1[e]))
        ys.append(F.linear(h, W2[e], b2[e]))
        start += c
    y = torch.cat(ys, 0).float() * fp[order].unsqueeze(1)
    out = torch.zeros(B * N, D, dtype=torch.float32, device=x.device).index_add_(0, tok_s, y)
    self.last_gate = (probs.reshape(B * N, E), idx.reshape(B * N, k))
    return out.reshape(B, N, D).to(x.dtype), (idx, p)


def install_fast_moe(model, gate_noise=0.0):
    """Swap every MoE layer's forward for the grouped one (instance attribute only)."""
    for blk in model.backbone.blocks:
        if blk.is_moe:
            blk.mlp.forward = types.MethodType(fast_moe_forward, blk.mlp)
            blk.mlp.gate_noise = float(gate_noise)
            blk.mlp.last_gate = None
    return model


def build_model(arch="edgemoe", seed=0, gate_noise=0.0):
    model = m3vit.M3ViT(**ARCHS[arch])
    init_weights(model, seed)
    install_fast_moe(model, gate_noise)
    return model


def moe_layers(model):
    return [blk.mlp for blk in model.backbone.blocks if blk.is_moe]


# --------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------

def load_balance_loss(probs, idx, num_experts):
    """Switch/GShard auxiliary loss of one MoE layer and task:
        E * sum_e f_e * P_e
    f_e = share of the (token, slot) assignments that went to expert e (counts / (T*k),
    not differentiable), P_e = mean gate probability of expert e over the tokens.
    1.0 when routing is uniform; E when every token sends everything to one expert."""
    T = probs.shape[0]
    k = idx.shape[1]
    f = torch.bincount(idx.reshape(-1), minlength=num_experts).float() / float(T * k)
    P = probs.float().mean(0)
    return num_experts * torch.sum(f.detach() * P)


def model_load_balance_loss(model):
    layers = moe_layers(model)
    vals = [load_balance_loss(m.last_gate[0], m.last_gate[1], m.num_experts) for m in layers]
    return torch.stack(vals).mean()


def class_weights_from_freq(freq, power=0.5, lo=0.25, hi=10.0):
    """Class weights ~ freq^-power, normalised so that the mean weight over pixels is 1."""
    f = np.maximum(np.asarray(freq, dtype=np.float64), 1e-6)
    w = f ** (-power)
    w = w / np.sum(f * w)
    return np.clip(w, lo, hi).astype(np.float32)


def semseg_loss(logits, labels, class_weights=None):
    w = None if class_weights is None else class_weights.to(logits.device)
    return F.cross_entropy(logits.float(), labels, weight=w)


def depth_loss(pred_m, depth, sky_weight=0.1, kind="rel"):
    """Depth loss on valid pixels (g > 0), pred_m and depth [B,H,W] in metres.
    kind "rel": relative L1, mean |p - g| / g (what AbsRel measures).
    kind "log": mean |log p - log g| + 0.1 x relative L1. The log term is symmetric in the
    ratio p/g, which is what delta<1.25 counts (relative L1 punishes p = 2g four times more than
    p = g/2, so it pulls predictions low); p is clamped at 0.1 m inside the log, and the small
    relative term keeps a gradient for predictions below the clamp.
    Plus, with weight sky_weight, relative L1 on sky pixels (g = 0) towards MAX_DEPTH (the
    sky is further than anything, and valid depth is clipped at 80 m), so the demo's depth
    picture shows the sky as far instead of arbitrary values."""
    pred_m = pred_m.float()
    valid = depth > 0
    g = depth.clamp(min=1e-3)
    rel = (pred_m - depth).abs() / g
    n = valid.sum().clamp(min=1)
    if kind == "rel":
        per_pixel = rel
    elif kind == "log":
        per_pixel = (torch.log(pred_m.clamp(min=0.1)) - torch.log(g)).abs() + 0.1 * rel
    else:
        raise ValueError(f"unknown depth loss kind {kind!r} (rel or log)")
    loss = (per_pixel * valid).sum() / n
    if sky_weight > 0:
        sky = ~valid
        if sky.any():
            loss = loss + sky_weight * ((pred_m - MAX_DEPTH).abs() / MAX_DEPTH * sky).sum() / sky.sum()
    return loss


# --------------------------------------------------------------------------
# Data: the scene cache
# --------------------------------------------------------------------------

def load_cache(cache_dir, split, limit=None):
    """Load every shard <split>_*.npz of a cache folder (written by make_cache.py):
    rgb uint8 [N,H,W,3], cls uint8 [N,H,W], depth float16 [N,H,W] metres, seeds int64 [N]."""
    files = sorted(f for f in os.listdir(cache_dir) if f.startswith(split + "_") and f.endswith(".npz"))
    rgb, cls, depth, seeds = [], [], [], []
    n = 0
    for f in files:
        with np.load(os.path.join(cache_dir, f)) as z:
            rgb.append(z["rgb"])
            cls.append(z["cls"])
            depth.append(z["depth"])
            seeds.append(z["seeds"])
        n += len(seeds[-1])
        if limit is not None and n >= limit:
            break
    if not files:
        raise FileNotFoundError("no %s_*.npz shards in %s" % (split, cache_dir))
    out = {"rgb": np.concatenate(rgb), "cls": np.concatenate(cls),
           "depth": np.concatenate(depth), "seeds": np.concatenate(seeds)}
    if limit is not None:
        out = {k: v[:limit] for k, v in out.items()}
    return out


def to_batch(rgb, cls, depth, device="cpu"):
    """numpy uint8/float16 arrays -> (image float [B,3,H,W] in [0,1], labels int64, depth float32)."""
    x = torch.from_numpy(np.ascontiguousarray(rgb)).to(device).permute(0, 3, 1, 2).float().div_(255.0)
    y = torch.from_numpy(np.ascontiguousarray(cls)).to(device).long()
    d = torch.from_numpy(np.ascontiguousarray(depth)).to(device).float()
    return x, y, d


def augment(x, y, d, gen, strength=1.0):
    """Geometry-preserving augmentation (no crops or scaling, which would change metric depth):
    horizontal flip (p 0.5), per-image brightness, contrast, saturation, colour balance,
    gamma, and a little Gaussian noise. x [B,3,H,W] in [0,1]; gen: a torch.Generator (CPU)."""
    B = x.shape[0]
    dev = x.device

    def u(lo, hi, *shape):
        return (torch.rand((B,) + shape, generator=gen) * (hi - lo) + lo).to(dev)

    flip = (torch.rand(B, generator=gen) < 0.5).to(dev)
    if flip.any():
        x = torch.where(flip[:, None, None, None], x.flip(-1), x)
        y = torch.where(flip[:, None, None], y.flip(-1), y)
        d = torch.where(flip[:, None, None], d.flip(-1), d)
    if strength <= 0:
        return x, y, d
    s = strength
    gray = x.mean(1, keepdim=True)
    x = gray + (x - gray) * u(1 - 0.3 * s, 1 + 0.3 * s, 1, 1, 1)                  # saturation
    x = x * u(1 - 0.08 * s, 1 + 0.08 * s, 3, 1, 1)                                # colour balance
    mean = x.mean((1, 2, 3), keepdim=True)
    x = mean + (x - mean) * u(1 - 0.25 * s, 1 + 0.25 * s, 1, 1, 1)                # contrast
    x = x * u(1 - 0.3 * s, 1 + 0.3 * s, 1, 1, 1)                                  # brightness
    x = x.clamp(0, 1) ** u(1 - 0.2 * s, 1 + 0.2 * s, 1, 1, 1)                     # gamma
    noise = torch.randn(x.shape, generator=gen).to(dev) * (0.02 * s) * u(0, 1, 1, 1, 1)
    x = (x + noise).clamp(0, 1)
    return x, y, d


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def export_tensors(model, depth_scale=DEPTH_SCALE):
    """Inference tensors (float32 numpy) with the depth output scale folded into the last
    depth convolution, so the file's raw depth output is metres."""
    sd = {k: v.detach().cpu().float().numpy().copy() for k, v in model.state_dict().items()
          if not k.endswith("num_batches_tracked")}
    for leaf in ("weight", "bias"):
        sd["decoders.depth.conv_4.%s" % leaf] = sd["decoders.depth.conv_4.%s" % leaf] * np.float32(depth_scale)
    return sd


def load_file_weights(model, path, depth_scale=DEPTH_SCALE):
    """Warm start: the tensors of a model file of our format (e.g. the shipped demo model) into a
    training model of the same shape, with the depth output scale taken back out of conv_4 (the
    inverse of export_tensors). A float16 file is a fine starting point; the optimiser state is
    not in a model file, so a warm-started run begins with fresh AdamW moments (use warmup)."""
    import safetensors_io
    tensors, _, _ = safetensors_io.load(path)
    sd = model.state_dict()
    missing = [k for k in sd if k not in tensors and not k.endswith("num_batches_tracked")]
    extra = [k for k in tensors if k not in sd]
    if missing or extra:
        raise ValueError("%s: tensors do not match the model: missing %s, unexpected %s" % (path, missing, extra))
    new = {}
    for k, v in tensors.items():
        t = torch.from_numpy(np.asarray(v, dtype=np.float32).copy())
        if tuple(t.shape) != tuple(sd[k].shape):
            raise ValueError("%s: tensor %s has shape %s, the model expects %s" % (path, k, tuple(t.shape),
                                                                                  tuple(sd[k].shape)))
        if k.startswith("decoders.depth.conv_4."):
            t = t / depth_scale
        new[k] = t.to(sd[k].device)
    model.load_state_dict(new, strict=False)


def make_file_config(model, description, name="edgemoe-demo", trained=True):
    return m3vit.make_config(model, name=name, description=description, trained=trained,
                             tasks=[SEMSEG_TASK, DEPTH_TASK])


__all__ = ["ARCHS", "TASKS", "DEPTH_SCALE", "MAX_DEPTH", "SEMSEG_TASK", "DEPTH_TASK", "SKY",
           "build_model", "init_weights", "install_fast_moe", "moe_layers", "load_balance_loss",
           "model_load_balance_loss", "class_weights_from_freq", "semseg_loss", "depth_loss",
           "load_cache", "to_batch", "augment", "export_tensors", "load_file_weights", "make_file_config"]
