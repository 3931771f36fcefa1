"""Our own writer and reader for the EdgeMoE model file (safetensors layout).

Layout (docs/model-format.md):
    8 bytes   header length N, uint64 little-endian
    N bytes   JSON header: {name: {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}}
    rest      raw little-endian C-order tensor data; data_offsets are [begin, end)
              relative to the end of the header

The writer pads the JSON header with trailing spaces so the data area starts at a
multiple of 8 bytes (as the reference safetensors implementation does), stores the
tensors contiguously in sorted-name order with no holes, and puts the model config
JSON in __metadata__["edgemoe.config"].
"""

import json
import struct

import numpy as np

CONFIG_KEY = "edgemoe.config"
MAX_HEADER = 16 * 1024 * 1024
_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2")}


def save(path, tensors, config, dtype="F32"):
    """Write {name: np.ndarray} and the config dict to `path`.

    dtype "F32" or "F16": every tensor is converted (F16 rounds to nearest even).
    """
    if dtype not in _DTYPES:
        raise ValueError("dtype must be F32 or F16, not %r" % dtype)
    np_dtype = _DTYPES[dtype]
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        if name == "__metadata__":
            raise ValueError("a tensor may not be called __metadata__")
        a = np.asarray(tensors[name])
        if a.dtype.kind != "f":
            raise ValueError("tensor %s has non-float dtype %s" % (name, a.dtype))
        data = np.ascontiguousarray(a.astype(np_dtype)).tobytes()
        header[name] = {"dtype": dtype, "shape": [int(d) for d in a.shape],
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    metadata = {CONFIG_KEY: json.dumps(config, separators=(",", ":"))}
    header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load(path):
    """Read a model file. Returns (tensors {name: float32 np.ndarray}, config dict,
    dtypes {name: "F32"|"F16"}). Checks the layout rules of docs/model-format.md."""
    with open(path, "rb") as f:
        raw = f.read()

    def fail(msg):
        raise ValueError("%s: %s" % (path, msg))

    if len(raw) < 8:
        fail("file too short for a safetensors header")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER:
        fail("header length %d exceeds 16 MiB" % n)
    if 8 + n > len(raw):
        fail("header length %d runs past the end of the file" % n)
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        fail("header is not valid JSON: %s" % e)
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {}) or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
        fail("__metadata__ must map strings to strings")
    if CONFIG_KEY not in meta:
        fail("__metadata__ has no %s entry" % CONFIG_KEY)
    config = json.loads(meta[CONFIG_KEY])

    tensors, dtypes, spans = {}, {}, []
    for name, info in header.items():
        dt = info.get("dtype")
        if dt not in _DTYPES:
            fail("tensor %s has unsupported dtype %r" % (name, dt))
        shape = [int(d) for d in info["shape"]]
        b, e = (int(v) for v in info["data_offsets"])
        count = int(np.prod(shape)) if shape else 1
        if not (0 <= b <= e <= len(data)):
            fail("tensor %s data_offsets [%d, %d) outside the data area (%d bytes)" % (name, b, e, len(data)))
        if e - b != count * _DTYPES[dt].itemsize:
            fail("tensor %s: %d bytes for shape %s %s" % (name, e - b, shape, dt))
        spans.append((b, e, name))
        a = np.frombuffer(data, dtype=_DTYPES[dt], count=count, offset=b).reshape(shape)
        tensors[name] = a.astype(np.float32)
        dtypes[name] = dt
    spans.sort()
    for (b0, e0, n0), (b1, e1, n1) in zip(spans, spans[1:]):
        if b1 < e0:
            fail("tensors %s and %s overlap" % (n0, n1))
    return tensors, config, dtypes


def model_from_file(path):
    """Load a model file and build the reference M3ViT with its weights (float32).
    Returns (model in eval mode, config)."""
    import torch
    from m3vit import model_from_config

    tensors, config, _ = load(path)
    model = model_from_config(config, {k: v.shape for k, v in tensors.items()})
    sd = model.state_dict()
    missing = [k for k in sd if k not in tensors and not k.endswith("num_batches_tracked")]
    extra = [k for k in tensors if k not in sd]
    if missing or extra:
        raise ValueError("%s: tensors do not match the model: missing %s, unexpected %s"
                         % (path, missing, extra))
    for k, v in tensors.items():
        if tuple(sd[k].shape) != v.shape:
            raise ValueError("%s: tensor %s has shape %s, model expects %s"
                             % (path, k, v.shape, tuple(sd[k].shape)))
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in tensors.items()}, strict=False)
    model.eval()
    return model, config


def state_dict_to_numpy(model):
    """Inference tensors of a model as float32 numpy arrays (no num_batches_tracked)."""
    return {k: v.detach().cpu().numpy().astype(np.float32)
            for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
