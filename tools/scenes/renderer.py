"""Ray-casting renderer with exact per-pixel class and depth.

Steps for one frame:
  1. primary rays (one per pixel centre) against the ground plane Y = 0;
  2. primitives, each tested only inside its screen rectangle against a z-buffer:
     large ones one at a time nearest-first (skipping what is already hidden),
     small ones all together as (pixel, primitive) pairs;
  3. hit points and normals; materials give albedo/emission per pixel;
  4. cast shadows: rays towards the sun against the shadow volumes of the casters
     (on a grid of every 2nd/4th pixel, interpolated within each surface);
  5. sun + sky lighting, fog and haze, sky.

The class and depth images come from the same buffers as the colour image, so they
are exact: a pixel's class is the class of the surface its centre ray hits first,
its depth the distance of that hit along the optical axis.
"""

from types import SimpleNamespace

import numpy as np

from . import geometry as G
from . import materials as M
from . import objects as O
from .camera import BOX_EDGES, screen_rects
from .classes import SKY
from .world import BLOCK

MAX_DEPTH = 80.0      # valid depths are clipped to this (metres); sky is 0


def _prim_bounds(tab):
    """Axis-aligned bounds (lo [N, 3], hi [N, 3]) of the primitives."""
    kind = tab[:, O.C_KIND]
    a, b = tab[:, O.C_A], tab[:, O.C_B]
    box = (kind == O.BOX)[:, None]
    lo = np.where(box, a, a - b)
    hi = np.where(box, b, a + b)
    return lo, hi


def _corners(lo, hi):
    """Eight corners [N, 8, 3] of boxes."""
    n = len(lo)
    c = np.empty((n, 8, 3), np.float64)
    for i in range(8):
        c[:, i, 0] = hi[:, 0] if i & 1 else lo[:, 0]
        c[:, i, 1] = hi[:, 1] if i & 2 else lo[:, 1]
        c[:, i, 2] = hi[:, 2] if i & 4 else lo[:, 2]
    return c


BIG_AREA = 1500       # primitives covering more screen pixels are drawn one by one


def render(world, cam, height, width, t=0.0, view_far=None):
    """Render a world seen by ``cam`` at time ``t``.

    Returns (rgb float32 [H, W, 3] linear-ish 0..1+, classes uint8 [H, W],
    depth float32 [H, W] in metres along the optical axis, 0 for sky, clipped to
    MAX_DEPTH).  ``view_far``: geometry further ahead than this along the road is
    left out (default 150 m up to 512 pixels wide, 240 m above).
    """
    H, W = height, width
    if view_far is None:
        view_far = 150.0 if W <= 512 else 240.0
    env = world.env
    o = (float(cam.x), float(cam.y), float(cam.z))
    D = cam.rays(H, W)
    Df = [d.ravel() for d in D]
    inv = tuple((1.0 / d).astype(np.float32) for d in D)
    invf = [v.ravel() for v in inv]
    fp = cam.focal(W)
    smooth = W > 512          # bilinear noise (foliage, clouds) when magnified

    # ---- 1. ground plane
    zbuf = np.full((H, W), np.inf, np.float32)
    pid = np.full((H, W), -1, np.int32)           # -1 sky, 0 ground, k+1 primitive k
    face = np.full((H, W), M.YP, np.int8)
    down = D[1] < 0
    with np.errstate(divide="ignore"):
        sg = (-o[1] / D[1]).astype(np.float32)
    zbuf[down] = sg[down]
    pid[down] = 0
    zf, pf, ff = zbuf.ravel(), pid.ravel(), face.ravel()

    # ---- 2. primitives
    tab = world.prims(cam.z, cam.z + view_far, t)
    lo, hi = _prim_bounds(tab)
    rects, zmin, vis = screen_rects(cam, _corners(lo, hi), H, W, BOX_EDGES)
    vis &= zmin < tab[:, O.C_LOD] * max(1.0, W / 512.0)     # small things: by size on screen
    kinds = tab[:, O.C_KIND]
    area = (rects[:, 1] - rects[:, 0]) * (rects[:, 3] - rects[:, 2])
    big = np.flatnonzero(vis & (area > BIG_AREA))
    big = big[np.argsort(zmin[big], kind="stable")]
    # large primitives one at a time, nearest first; skipped when fully hidden
    for i in big:
        r0, r1, c0, c1 = rects[i]
        zb = zbuf[r0:r1, c0:c1]
        if zmin[i] >= zb.max():
            continue
        # trim rows and columns that are entirely covered by nearer surfaces
        rows = np.flatnonzero(zb.max(1) > zmin[i])
        cols = np.flatnonzero(zb.max(0) > zmin[i])
        r0, r1, c0, c1 = r0 + rows[0], r0 + rows[-1] + 1, c0 + cols[0], c0 + cols[-1] + 1
        zb = zbuf[r0:r1, c0:c1]
        d = (D[0][r0:r1, c0:c1], D[1][r0:r1, c0:c1], D[2][r0:r1, c0:c1])
        if kinds[i] == O.BOX:
            iv = (inv[0][r0:r1, c0:c1], inv[1][r0:r1, c0:c1], inv[2][r0:r1, c0:c1])
            res = G.box_hit(o, d, iv, lo[i], hi[i], zb)
        else:
            holes = tab[i, O.C_PAR][0] if tab[i, O.C_MAT] == M.LEAVES else 0.0
            res = G.ellipsoid_hit(o, d, tab[i, O.C_A], tab[i, O.C_B], zb, holes,
                                  float(tab[i, O.C_SEED]) * 0.013, smooth)
        if res is None:
            continue
        m, tt, fc = res
        zb[m] = tt
        pid[r0:r1, c0:c1][m] = i + 1
        face[r0:r1, c0:c1][m] = fc
    # small primitives all together: one entry per (pixel, primitive) pair
    small = np.flatnonzero(vis & (area <= BIG_AREA))
    if len(small):
        rid, pix = G.rect_pixels(rects[small], W)
        prim = small[rid]
        keep = zmin[prim] < zf[pix]
        prim, pix = prim[keep], pix[keep]
        cands = []
        b = np.flatnonzero(kinds[prim] == O.BOX)
        if len(b):
            pb, qb = prim[b], pix[b]
            tt, fc, h = G.boxes_hit_pairs(o, Df[0][qb], Df[1][qb], Df[2][qb], invf[0][qb],
                                          invf[1][qb], invf[2][qb], lo[pb], hi[pb])
            cands.append((qb[h], tt[h], pb[h], fc[h]))
        e = np.flatnonzero(kinds[prim] == O.ELLIPSOID)
        if len(e):
            pe, qe = prim[e], pix[e]
            rows = tab[pe]
            holes = np.where(rows[:, O.C_MAT] == M.LEAVES, rows[:, 15], 0.0)
            tt, fc, h = G.ellipsoids_hit_pairs(o, Df[0][qe], Df[1][qe], Df[2][qe],
                                               rows[:, O.C_A], rows[:, O.C_B], holes,
                                               rows[:, O.C_SEED] * 0.013, smooth)
            cands.append((qe[h], tt[h], pe[h], fc[h]))
        if cands:
            q = np.concatenate([c[0] for c in cands])
            tt = np.concatenate([c[1] for c in cands]).astype(np.float32)
            pp = np.concatenate([c[2] for c in cands])
            fc = np.concatenate([c[3] for c in cands])
            ok = tt < zf[q]
            q, tt, pp, fc = q[ok], tt[ok], pp[ok], fc[ok]
            order = np.lexsort((tt, q))          # nearest candidate of each pixel first
            q = q[order]
            first = np.ones(len(q), bool)
            first[1:] = q[1:] != q[:-1]
            sel = order[first]
            q = q[first]
            zf[q] = tt[sel]
            pf[q] = pp[sel] + 1
            ff[q] = fc[sel]

    # ---- 3. per hit pixel: position, distance, normal, material
    # hit pixels are ordered by material, so each material works on a slice
    mats = np.full(len(tab) + 1, M.GROUND, np.uint8)
    mats[1:] = tab[:, O.C_MAT]
    hit = np.flatnonzero(pf >= 0)
    mh = mats[pf[hit]]
    order = np.argsort(mh, kind="stable")
    hit = hit[order]
    bounds = np.searchsorted(mh[order], np.arange(M.NUM_MATERIALS + 1))
    n = len(hit)
    s = zf[hit]
    dx, dy, dz = Df[0][hit], Df[1][hit], Df[2][hit]
    px, py, pz = o[0] + s * dx, o[1] + s * dy, o[2] + s * dz
    dist = s * np.sqrt(dx * dx + dy * dy + dz * dz)
    ph = pf[hit]
    fh = ff[hit]
    pcls = np.zeros(len(tab) + 1, np.uint8)
    pcls[1:] = tab[:, O.C_CLS]
    cls_h = pcls[ph]
    # normals: box faces from the face code, ellipsoids from the hit point
    fn = M.FACE_NORMALS[fh]
    nx, ny, nz = fn[:, 0].copy(), fn[:, 1].copy(), fn[:, 2].copy()
    kh = np.zeros(len(tab) + 1, np.int8)
    kh[1:] = kinds
    ell = np.flatnonzero(kh[ph] == O.ELLIPSOID)
    back = np.zeros(n, bool)
    if len(ell):
        k = ph[ell] - 1
        c, rr = tab[k, O.C_A], tab[k, O.C_B]
        ex = (px[ell] - c[:, 0]) / rr[:, 0] ** 2
        ey = (py[ell] - c[:, 1]) / rr[:, 1] ** 2
        ez = (pz[ell] - c[:, 2]) / rr[:, 2] ** 2
        bk = fh[ell] == 1                      # far side seen through foliage
        ln = np.where(bk, -1.0, 1.0) / np.sqrt(ex * ex + ey * ey + ez * ez)
        nx[ell], ny[ell], nz[ell] = ex * ln, ey * ln, ez * ln
        back[ell] = bk
    albedo = np.empty((n, 3), np.float32)
    emit = np.zeros((n, 3), np.float32)
    ctx = SimpleNamespace(layout=world.layout, env=env, block=BLOCK,
                          crossings=world.crossings(cam.z, cam.z + view_far),
                          yard_kind=world.yard_kind, t=t)
    footprint = dist / np.float32(fp)
    tab1 = np.concatenate([np.zeros((1, O.NCOL), np.float32), tab])   # row 0: the ground
    for mid in range(M.NUM_MATERIALS):
        a, b = bounds[mid], bounds[mid + 1]
        if a == b:
            continue
        surf = M.Surf(tab1, ph[a:b], px=px[a:b], py=py[a:b], pz=pz[a:b], nx=nx[a:b],
                      ny=ny[a:b], nz=nz[a:b], face=fh[a:b], footprint=footprint[a:b])
        if mid == M.GROUND:
            alb, em, cls_h[a:b] = M.SHADERS[mid](ctx, surf)
        else:
            alb, em = M.SHADERS[mid](ctx, surf)
        albedo[a:b] = alb
        if em is not None:
            emit[a:b] = em

    # ---- cast shadows and lighting
    L = env.sun_dir
    ndl = np.maximum(nx * L[0] + ny * L[1] + nz * L[2], 0.0)
    if SHADOWS and L[1] > 0.05 and env.sun_col.max() > 0.1:
        ndl *= _shadows(cam, tab, lo, hi, L, hit, px, py, pz, s, ndl > 0, ph * 8 + fh, H, W)
    amb = np.where(back, np.float32(0.5), 0.72 + 0.28 * ny)
    light = np.multiply.outer(amb, env.amb_col)
    light += np.multiply.outer(ndl, env.sun_col)
    albedo *= light
    albedo += emit
    col = albedo

    # ---- fog, haze, sky
    keep = np.exp(-np.minimum(dist, 2000.0) * np.float32(env.fog_density + 1.0 / 1500.0))
    col *= keep[:, None]
    col += np.multiply.outer(1.0 - keep, env.fog_col if env.fog_density > 0 else env.horizon)
    rgb = np.empty((H * W, 3), np.float32)
    rgb[hit] = col
    cls = np.full(H * W, SKY, np.uint8)
    cls[hit] = cls_h
    depth = np.zeros(H * W, np.float32)
    depth[hit] = np.minimum(s, MAX_DEPTH)
    skyp = np.flatnonzero(pf < 0)
    if len(skyp):
        sdx, sdy, sdz = Df[0][skyp], Df[1][skyp], Df[2][skyp]
        sk = M.sky(env, sdx, sdy, sdz, smooth)
        if env.fog_density > 0:
            e = np.clip(sdy / np.sqrt(sdx * sdx + sdy * sdy + sdz * sdz), 0.0, 1.0)
            fa = np.exp(-e * 6.0) * min(1.0, env.fog_density * 40.0)
            sk = sk * (1 - fa[:, None]) + env.fog_col * fa[:, None]
        rgb[skyp] = sk
    return rgb.reshape(H, W, 3), cls.reshape(H, W), depth.reshape(H, W)


# edges of a shadow volume (box corners 0-7, their ground projections 8-15)
SHADOW_EDGES = np.concatenate([BOX_EDGES, BOX_EDGES + 8, [(i, i + 8) for i in range(8)]])
SHADOWS = True        # cast shadows (off: only the facing-away sides are dark)
SHADOW_STEP = (2, 4)  # shadow sampling grid step up to / above 640 pixels wide
SHADOW_FAR = 70.0     # metres; shadow volumes starting further away are not traced
SHADOW_BIG = 300      # half-resolution rectangle area above which a caster is looped


def _shadows(cam, tab, lo, hi, L, hit, px, py, pz, s, recv, key, H, W):
    """Transmittance towards the sun (1 lit .. 0 shadowed) of each hit pixel.

    Every caster's shadow volume (the caster swept along -L down to the ground) is
    projected to a screen rectangle; the pixels inside it whose surface faces the
    sun are tested against the caster.  The test runs on a grid of every ``step``-th
    row and column (step 2, or 4 above 640 pixels wide); the other pixels take the
    value of a neighbouring sample on the same primitive face, so shadows stop
    exactly at object outlines and shadow edges on a surface are resolved to
    ``step`` pixels.
    """
    st = SHADOW_STEP[0] if W <= 640 else SHADOW_STEP[1]
    n = len(hit)
    trans = tab[:, O.C_SHADOW]
    far = SHADOW_FAR if W <= 640 else 2 * SHADOW_FAR     # far shadows are sub-pixel/hazy
    casters = np.flatnonzero((trans < 1.0) & (lo[:, 2] < cam.z + far + 10.0))
    if len(casters) == 0:
        return np.ones(n, np.float32)

    def grid(v, fill):
        g = np.full(H * W, fill, v.dtype)
        g[hit] = v
        return g.reshape(H, W)[::st, ::st]
    PX, PY, PZ = (np.ascontiguousarray(grid(v, np.float32(1e6))) for v in (px, py, pz))
    ZZ = np.ascontiguousarray(grid(s, np.float32(np.inf)))
    RV = np.ascontiguousarray(grid(recv, False))
    Hh, Wh = PX.shape
    sh = np.ones((Hh, Wh), np.float32)

    corners = _corners(lo[casters], hi[casters])
    proj = corners - (corners[:, :, 1:2] / L[1]) * L[None, None, :]
    rects, zmin, vis = screen_rects(cam, np.concatenate([corners, proj], 1), H, W, SHADOW_EDGES)
    vis &= zmin < far
    rects = np.stack([rects[:, 0] // st, (rects[:, 1] + st - 1) // st,
                      rects[:, 2] // st, (rects[:, 3] + st - 1) // st], 1)
    area = (rects[:, 1] - rects[:, 0]) * (rects[:, 3] - rects[:, 2])
    invL = [1.0 / x if abs(x) > 1e-6 else 1e6 for x in L]
    kinds = tab[:, O.C_KIND]
    for j in np.flatnonzero(vis & (area > SHADOW_BIG)):
        i = casters[j]
        r0, r1, c0, c1 = rects[j]
        rv = RV[r0:r1, c0:c1] & (ZZ[r0:r1, c0:c1] >= zmin[j])
        if not rv.any():
            continue
        a, b, c = PX[r0:r1, c0:c1], PY[r0:r1, c0:c1], PZ[r0:r1, c0:c1]
        if kinds[i] == O.BOX:
            m = G.box_shadow(a, b, c, L, invL, lo[i], hi[i])
        else:
            m = G.ellipsoid_shadow(a, b, c, L, tab[i, O.C_A], tab[i, O.C_B])
        m &= rv
        v = sh[r0:r1, c0:c1]
        v[m] = np.minimum(v[m], trans[i])
    small = np.flatnonzero(vis & (area <= SHADOW_BIG))
    if len(small):
        rid, q = G.rect_pixels(rects[small], Wh)
        PXf, PYf, PZf, ZZf, RVf, shf = (x.ravel() for x in (PX, PY, PZ, ZZ, RV, sh))
        ok = RVf[q] & (ZZf[q] >= zmin[small[rid]])
        q, c = q[ok], casters[small[rid[ok]]]
        shade = np.zeros(len(q), bool)
        b = np.flatnonzero(kinds[c] == O.BOX)
        if len(b):
            qb, cb = q[b], c[b]
            shade[b] = G.boxes_shadow_pairs(PXf[qb], PYf[qb], PZf[qb], L, invL, lo[cb], hi[cb])
        e = np.flatnonzero(kinds[c] == O.ELLIPSOID)
        if len(e):
            qe, ce = q[e], c[e]
            shade[e] = G.ellipsoids_shadow_pairs(PXf[qe], PYf[qe], PZf[qe], L, tab[ce, O.C_A],
                                                 tab[ce, O.C_B])
        tr = trans[c]
        for v in np.unique(tr[shade])[::-1]:    # darkest last: each pixel keeps its min
            qq = q[shade & (tr == v)]
            shf[qq] = np.minimum(shf[qq], v)

    # back to full resolution: bilinear interpolation between the four grid samples
    # around each pixel, using only samples on the same primitive face (so shadows
    # stop at object outlines); the nearest sample when none is on the same face
    Hp, Wp = Hh * st, Wh * st
    Kf = np.full(H * W, -1, np.int32)           # -1 sky, -2 padding
    Kf[hit] = key
    K = np.full((Hp, Wp), -2, np.int32)
    K[:H, :W] = Kf.reshape(H, W)
    Kh = K[::st, ::st]
    K4 = K.reshape(Hh, st, Wh, st)              # pixel (i, j) -> [i // st, i % st, j // st, j % st]

    def nb(x, di, dj):      # grid sample (i + di, j + dj), shaped to broadcast over K4
        if di:
            x = np.concatenate([x[1:], x[-1:]], 0)
        if dj:
            x = np.concatenate([x[:, 1:], x[:, -1:]], 1)
        return x[:, None, :, None]
    fy = (np.arange(st, dtype=np.float32) / st)[None, :, None, None]
    fx = (np.arange(st, dtype=np.float32) / st)[None, None, None, :]
    num = np.zeros((Hh, st, Wh, st), np.float32)
    den = np.zeros((Hh, st, Wh, st), np.float32)
    for di, dj, w in ((0, 0, (1 - fy) * (1 - fx)), (1, 0, fy * (1 - fx)),
                      (0, 1, (1 - fy) * fx), (1, 1, fy * fx)):
        wv = w * (nb(Kh, di, dj) == K4)
        num += wv * nb(sh, di, dj)
        den += wv
    out = np.where(den > 0, num / np.maximum(den, 1e-6), nb(sh, 0, 0))
    out = out.reshape(Hp, Wp)[:H, :W]
    return out.ravel()[hit]
