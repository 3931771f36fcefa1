#!/usr/bin/env python3
"""Cross-check the PyTorch reference and the tiny fixtures against a second,
independent numpy implementation written straight from the facts file
(float64, plain loops where that is clearest).

Run after make_fixtures.py: /usr/bin/python3 tools/reference/test_reference.py
"""

import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import safetensors_io  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "fixtures")


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def conv2d(x, w, b, pad):
    """x [Ci, H, W], w [Co, Ci, kh, kw], stride 1."""
    ci, h, wd = x.shape
    co, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((co, h, wd))
    for dy in range(kh):
        for dx in range(kw):
            patch = xp[:, dy:dy + h, dx:dx + wd].reshape(ci, -1)
            out += (w[:, :, dy, dx] @ patch).reshape(co, h, wd)
    return out + b[:, None, None]


def resize_bilinear(x, oh, ow):
    """align_corners=False, as PyTorch: src = (dst + 0.5) * in/out - 0.5, clamped at 0."""
    c, ih, iw = x.shape

    def coords(n_out, n_in):
        src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0

    y0, y1, ly = coords(oh, ih)
    x0, x1, lx = coords(ow, iw)
    top = x[:, y0][:, :, x0] * (1 - lx) + x[:, y0][:, :, x1] * lx
    bot = x[:, y1][:, :, x0] * (1 - lx) + x[:, y1][:, :, x1] * lx
    return top * (1 - ly[:, None]) + bot * ly[:, None]


def forward(T, cfg, image, t):
    g = lambda n: T[n].astype(np.float64)  # noqa: E731
    eps = cfg["layer_norm_eps"]
    inp = cfg["input"]
    img = image[:, :, ::-1] if inp["channel_order"] == "BGR" else image
    x = (img.astype(np.float64) * inp["scale"] - np.array(inp["mean"])) / np.array(inp["std"])
    x = x.transpose(2, 0, 1)
    H, W = cfg["image_size"]
    p = cfg["patch_size"]
    gh, gw = H // p, W // p
    pw = g("backbone.patch_embed.proj.weight")
    D = pw.shape[0]
    # patch embedding: token r*gw+c is patch (r, c)
    tok = np.zeros((gh * gw, D))
    for r in range(gh):
        for c in range(gw):
            patch = x[:, r * p:(r + 1) * p, c * p:(c + 1) * p]
            tok[r * gw + c] = pw.reshape(D, -1) @ patch.ravel()
    tok += g("backbone.patch_embed.proj.bias")
    z = np.concatenate([g("backbone.cls_token")[0], tok]) + g("backbone.pos_embed")[0]
    nh = cfg["num_heads"]
    hd = D // nh
    k = cfg["top_k"]
    ids_all, p_all = [], []
    for i in range(cfg["depth"]):
        pre = "backbone.blocks.%d." % i
        h = layer_norm(z, g(pre + "norm1.weight"), g(pre + "norm1.bias"), eps)
        qkv = h @ g(pre + "attn.qkv.weight").T + g(pre + "attn.qkv.bias")
        att = np.zeros_like(h)
        for hh in range(nh):
            q = qkv[:, hh * hd:(hh + 1) * hd]
            kk = qkv[:, D + hh * hd:D + (hh + 1) * hd]
            v = qkv[:, 2 * D + hh * hd:2 * D + (hh + 1) * hd]
            att[:, hh * hd:(hh + 1) * hd] = softmax(q @ kk.T / math.sqrt(hd)) @ v
        z = z + att @ g(pre + "attn.proj.weight").T + g(pre + "attn.proj.bias")
        h = layer_norm(z, g(pre + "norm2.weight"), g(pre + "norm2.bias"), eps)
        if i in cfg["moe_blocks"]:
            probs = softmax(h @ g(pre + "mlp.gate.%d.w_gate" % t))
            w1, b1 = g(pre + "mlp.experts.htoh4.weight"), g(pre + "mlp.experts.htoh4.bias")
            w2, b2 = g(pre + "mlp.experts.h4toh.weight"), g(pre + "mlp.experts.h4toh.bias")
            y = np.zeros_like(h)
            ids = np.zeros((len(h), k), dtype=np.int64)
            ps = np.zeros((len(h), k))
            for n in range(len(h)):
                order = sorted(range(probs.shape[1]), key=lambda e: (-probs[n, e], e))[:k]
                for s, e in enumerate(order):
                    y[n] += probs[n, e] * (gelu(h[n] @ w1[e].T + b1[e]) @ w2[e].T + b2[e])
                    ids[n, s], ps[n, s] = e, probs[n, e]
            ids_all.append(ids)
            p_all.append(ps)
        else:
            y = gelu(h @ g(pre + "mlp.fc1.weight").T + g(pre + "mlp.fc1.bias"))
            y = y @ g(pre + "mlp.fc2.weight").T + g(pre + "mlp.fc2.bias")
        z = z + y
    name = cfg["tasks"][t]["name"]
    pre = "decoders.%s." % name
    f = layer_norm(z[1:], g(pre + "norm.weight"), g(pre + "norm.bias"), eps)
    f = f.T.reshape(D, gh, gw)
    for j in range(4):
        f = conv2d(f, g(pre + "conv_%d.weight" % j), g(pre + "conv_%d.bias" % j), 1)
        bn = pre + "syncbn_fc_%d." % j
        f = (f - g(bn + "running_mean")[:, None, None]) / np.sqrt(g(bn + "running_var")[:, None, None] + 1e-5)
        f = f * g(bn + "weight")[:, None, None] + g(bn + "bias")[:, None, None]
        f = np.maximum(f, 0.0)
        if j < 3:
            f = resize_bilinear(f, 2 * f.shape[1], 2 * f.shape[2])
    f = conv2d(f, g(pre + "conv_4.weight"), g(pre + "conv_4.bias"), 0)
    f = resize_bilinear(f, H, W)
    return f, z, np.stack(ids_all), np.stack(p_all)


def main():
    T, cfg, _ = safetensors_io.load(os.path.join(FIXTURES, "tiny.safetensors"))
    image = np.load(os.path.join(FIXTURES, "tiny_input.npy"))
    for t, task in enumerate(cfg["tasks"]):
        name = task["name"]
        out, z, ids, ps = forward(T, cfg, image, t)
        gold = lambda s: np.load(os.path.join(FIXTURES, "tiny_%s_%s.npy" % (s, name)))  # noqa: E731
        d_out = np.abs(out - gold("out")).max()
        d_z = np.abs(z - gold("backbone")).max()
        d_p = np.abs(ps - gold("gates")).max()
        assert np.array_equal(ids, gold("routing")), "routing differs for %s" % name
        print("%s: max|diff| out %.2g backbone %.2g gates %.2g; routing identical" % (name, d_out, d_z, d_p))
        assert d_out < 1e-4 and d_z < 1e-4 and d_p < 1e-5
    T16, cfg16, dt = safetensors_io.load(os.path.join(FIXTURES, "tiny_f16.safetensors"))
    assert set(dt.values()) == {"F16"}
    out16 = forward(T16, cfg16, image, 0)[0]
    d16 = np.abs(out16 - np.load(os.path.join(FIXTURES, "tiny_f16_out_semseg.npy"))).max()
    print("f16 semseg: max|diff| %.2g" % d16)
    assert d16 < 1e-4
    um = os.path.join(os.path.dirname(os.path.dirname(HERE)), "resources", "models",
                      "edgemoe-untrained.safetensors")
    if os.path.exists(um) and os.path.exists(os.path.join(FIXTURES, "untrained_input.npy")):
        TU, cfgu, _ = safetensors_io.load(um)
        image = np.load(os.path.join(FIXTURES, "untrained_input.npy"))
        for t, task in enumerate(cfgu["tasks"]):
            gold = np.load(os.path.join(FIXTURES, "untrained_out_%s.npy" % task["name"]))
            d = np.abs(forward(TU, cfgu, image, t)[0] - gold.astype(np.float64)).max()
            print("untrained %s: max|diff| %.2g" % (task["name"], d))
            assert d < (1e-2 if gold.dtype == np.float16 else 1e-4)
    print("OK")


if __name__ == "__main__":
    main()
