"""Ray intersection kernels (vectorised over a rectangle of pixels).

Primary rays share one origin and have per-pixel directions whose optical-axis
component is 1, so the returned ray parameter is the depth directly.  Shadow rays
have per-pixel origins (surface points) and one direction (towards the sun).
"""

import numpy as np

from . import textures as T
from .camera import NEAR


def _leaf_noise(px, py, pz, seed, smooth):
    """Foliage noise at a point of the unit sphere (bilinear when magnified)."""
    u = (px + 0.6 * pz) * 45.0 + seed
    v = (py - 0.4 * pz) * 45.0 + 0.37 * seed
    return T.sample_bilinear(T.GRAIN, u, v) if smooth else T.grain(u, v)


def box_hit(o, d, inv, lo, hi, zb):
    """Slab test of one axis-aligned box.

    o: camera origin (3 floats); d, inv: (dx, dy, dz), (1/dx, 1/dy, 1/dz) arrays of
    the rectangle; lo, hi: box corners; zb: current depth buffer of the rectangle.
    Returns (mask of pixels where the box is the new nearest surface, their depth,
    their face codes) or None when nothing changes.
    """
    tn = tf = None
    tnear = []
    for k in range(3):
        t0 = (lo[k] - o[k]) * inv[k]
        t1 = (hi[k] - o[k]) * inv[k]
        a = np.minimum(t0, t1)
        b = np.maximum(t0, t1)
        tnear.append(a)
        tn = a if tn is None else np.maximum(tn, a)
        tf = b if tf is None else np.minimum(tf, b)
    hit = (tn <= tf) & (tn > NEAR) & (tn < zb)
    if not hit.any():
        return None
    t = tn[hit]
    ax = np.where(tnear[0][hit] >= t, 0, np.where(tnear[1][hit] >= t, 1, 2))
    dsel = np.where(ax == 0, d[0][hit], np.where(ax == 1, d[1][hit], d[2][hit]))
    face = (2 * ax + (dsel > 0)).astype(np.int8)
    return hit, t, face


def ellipsoid_hit(o, d, centre, radii, zb, holes=0.0, seed=0.0, smooth=False):
    """Ray / axis-aligned ellipsoid.  With ``holes`` > 0 the surface is cut out by
    noise (foliage): a ray through a hole on the near side may hit the far side
    (face code 1), else it misses.  Returns (mask, depth, face) or None."""
    oc = [(o[k] - centre[k]) / radii[k] for k in range(3)]
    dd = [d[k] * np.float32(1.0 / radii[k]) for k in range(3)]
    a = dd[0] * dd[0] + dd[1] * dd[1] + dd[2] * dd[2]
    b = oc[0] * dd[0] + oc[1] * dd[1] + oc[2] * dd[2]
    c = oc[0] ** 2 + oc[1] ** 2 + oc[2] ** 2 - 1.0
    disc = b * b - a * c
    pre = disc > 0
    if not pre.any():
        return None
    idx = np.flatnonzero(pre)
    a1, b1, q = a.ravel()[idx], b.ravel()[idx], np.sqrt(disc.ravel()[idx])
    t0 = (-b1 - q) / a1
    zf = zb.ravel()[idx]
    vis = (t0 < zf) & ((-b1 + q) / a1 > NEAR)   # some part in front of what is drawn
    if not vis.any():
        return None
    idx, a1, b1, q, t0, zf = idx[vis], a1[vis], b1[vis], q[vis], t0[vis], zf[vis]
    t1 = (-b1 + q) / a1
    if holes > 0:
        chord = q / np.sqrt(a1)          # 0 at the silhouette, 1 through the centre
        thr = holes + 0.3 * (0.45 - chord)
        ddr = [dd[k].ravel()[idx] for k in range(3)]

        def solid(t):
            px = oc[0] + t * ddr[0]
            py = oc[1] + t * ddr[1]
            pz = oc[2] + t * ddr[2]
            n = _leaf_noise(px, py, pz, seed, smooth)
            return n > thr
        s0 = solid(t0)
        s1 = solid(t1)
        t = np.where(s0, t0, t1)
        face = np.where(s0, 0, 1).astype(np.int8)
        ok = s0 | s1
    else:
        t = t0
        face = np.zeros(len(idx), np.int8)
        ok = np.ones(len(idx), bool)
    ok &= (t > NEAR) & (t < zf)
    if not ok.any():
        return None
    mask = np.zeros(zb.shape, bool)
    mask.ravel()[idx[ok]] = True
    return mask, t[ok].astype(np.float32), face[ok]


def box_shadow(px, py, pz, L, invL, lo, hi):
    """Mask of points (px, py, pz arrays) whose ray towards the sun L hits the box."""
    tn = tf = None
    for k, p in enumerate((px, py, pz)):
        t0 = (lo[k] - p) * invL[k]
        t1 = (hi[k] - p) * invL[k]
        a = np.minimum(t0, t1)
        b = np.maximum(t0, t1)
        tn = a if tn is None else np.maximum(tn, a)
        tf = b if tf is None else np.minimum(tf, b)
    return tf > np.maximum(tn, 2e-3)


def ellipsoid_shadow(px, py, pz, L, centre, radii):
    oc = [((px, py, pz)[k] - centre[k]) / radii[k] for k in range(3)]
    dd = [L[k] / radii[k] for k in range(3)]
    a = dd[0] ** 2 + dd[1] ** 2 + dd[2] ** 2
    b = oc[0] * dd[0] + oc[1] * dd[1] + oc[2] * dd[2]
    c = oc[0] * oc[0] + oc[1] * oc[1] + oc[2] * oc[2] - 1.0
    disc = b * b - a * c
    return (disc > 0) & (-b + np.sqrt(np.maximum(disc, 0)) > 2e-3 * a)


# --------------------------------------------------------------------------- batched
# The functions below work on "pairs": one entry per (pixel, primitive) candidate,
# so many small primitives are tested in one vectorised pass.

def rect_pixels(rects, width):
    """All pixels of rectangles (row0, row1, col0, col1) as (rect number, flat index).

    Built row segment by row segment with a cumulative sum (no divisions)."""
    h = (rects[:, 1] - rects[:, 0]).astype(np.int64)
    w = (rects[:, 3] - rects[:, 2]).astype(np.int64)
    ok = (h > 0) & (w > 0)
    if not ok.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    ids = np.flatnonzero(ok)
    h, w, r = h[ids], w[ids], rects[ids]
    # one segment per (rect, row)
    seg_rect = np.repeat(np.arange(len(ids)), h)
    seg_row = r[seg_rect, 0] + (np.arange(len(seg_rect)) - np.repeat(np.cumsum(h) - h, h))
    seg_start = seg_row * width + r[seg_rect, 2]
    seg_len = w[seg_rect]
    total = int(seg_len.sum())
    step = np.ones(total, np.int64)
    first = np.cumsum(seg_len) - seg_len
    step[first[0]] = seg_start[0]
    step[first[1:]] = seg_start[1:] - (seg_start[:-1] + seg_len[:-1] - 1)
    pix = np.cumsum(step)
    rid = np.repeat(ids[seg_rect], seg_len)
    return rid, pix


def boxes_hit_pairs(o, dx, dy, dz, ix, iy, iz, lo, hi):
    """Primary rays (directions/inverses per pair) against boxes (lo, hi [n, 3]).

    Returns (depth t, face code, hit mask) per pair."""
    tn = tf = None
    tnear = []
    for k, inv in enumerate((ix, iy, iz)):
        t0 = (lo[:, k] - o[k]) * inv
        t1 = (hi[:, k] - o[k]) * inv
        a = np.minimum(t0, t1)
        b = np.maximum(t0, t1)
        tnear.append(a)
        tn = a if tn is None else np.maximum(tn, a)
        tf = b if tf is None else np.minimum(tf, b)
    hit = (tn <= tf) & (tn > NEAR)
    ax = np.where(tnear[0] >= tn, 0, np.where(tnear[1] >= tn, 1, 2))
    dsel = np.where(ax == 0, dx, np.where(ax == 1, dy, dz))
    face = (2 * ax + (dsel > 0)).astype(np.int8)
    return tn, face, hit


def ellipsoids_hit_pairs(o, dx, dy, dz, centre, radii, holes, seed, smooth=False):
    """Primary rays against ellipsoids, foliage cut-outs where holes > 0.

    Returns (depth t, face code 0 near side / 1 far side, hit mask) per pair."""
    ocx = (o[0] - centre[:, 0]) / radii[:, 0]
    ocy = (o[1] - centre[:, 1]) / radii[:, 1]
    ocz = (o[2] - centre[:, 2]) / radii[:, 2]
    ddx, ddy, ddz = dx / radii[:, 0], dy / radii[:, 1], dz / radii[:, 2]
    a = ddx * ddx + ddy * ddy + ddz * ddz
    b = ocx * ddx + ocy * ddy + ocz * ddz
    c = ocx * ocx + ocy * ocy + ocz * ocz - 1.0
    disc = b * b - a * c
    q = np.sqrt(np.maximum(disc, 0.0))
    t0 = (-b - q) / a
    t1 = (-b + q) / a
    hit = disc > 0
    face = np.zeros(len(a), np.int8)
    leafy = holes > 0
    if leafy.any():
        thr = holes + 0.3 * (0.45 - q / np.sqrt(a))

        def solid(t):
            px, py, pz = ocx + t * ddx, ocy + t * ddy, ocz + t * ddz
            n = _leaf_noise(px, py, pz, seed, smooth)
            return (n > thr) | ~leafy
        s0 = solid(t0)
        s1 = solid(t1)
        face = np.where(s0, 0, 1).astype(np.int8)
        t0 = np.where(s0, t0, t1)
        hit &= s0 | s1
    hit &= t0 > NEAR
    return t0, face, hit


def boxes_shadow_pairs(px, py, pz, L, invL, lo, hi):
    """Points (per pair) whose ray towards the sun hits the pair's box."""
    tn = tf = None
    for k, p in enumerate((px, py, pz)):
        t0 = (lo[:, k] - p) * invL[k]
        t1 = (hi[:, k] - p) * invL[k]
        a = np.minimum(t0, t1)
        b = np.maximum(t0, t1)
        tn = a if tn is None else np.maximum(tn, a)
        tf = b if tf is None else np.minimum(tf, b)
    return tf > np.maximum(tn, 2e-3)


def ellipsoids_shadow_pairs(px, py, pz, L, centre, radii):
    ocx = (px - centre[:, 0]) / radii[:, 0]
    ocy = (py - centre[:, 1]) / radii[:, 1]
    ocz = (pz - centre[:, 2]) / radii[:, 2]
    ddx, ddy, ddz = L[0] / radii[:, 0], L[1] / radii[:, 1], L[2] / radii[:, 2]
    a = ddx * ddx + ddy * ddy + ddz * ddz
    b = ocx * ddx + ocy * ddy + ocz * ddz
    c = ocx * ocx + ocy * ocy + ocz * ocz - 1.0
    disc = b * b - a * c
    return (disc > 0) & (-b + np.sqrt(np.maximum(disc, 0)) > 2e-3 * a)
