"""Ray-casting renderer with exact per-pixel class and depth.

Steps for one frame:
  1. primary rays (one per pixel centre) against the ground plane Y = 0;
  2. primitives nearest-first, each tested only inside its screen rectangle, with a
     z-buffer (an object hidden behind what is already drawn is skipped whole);
  3. hit points, normals; cast shadows by testing rays towards the sun against the
     shadow volumes of the casters (again only inside their screen rectangles);
  4. materials give albedo/emission per pixel, then sun + sky lighting, fog, sky.

The class and depth images come from the same buffers as the colour image, so they
are exact: a pixel's class is the class of the surface its centre ray hits first,
its depth the distance of that hit along the optical axis.
"""

from types import SimpleNamespace

import numpy as np

from . import geometry as G
from . import materials as M
from . import objects as O
from .camera import screen_rects
from .classes import SKY
from .world import BLOCK

MAX_DEPTH = 80.0      # valid depths are clipped to this (metres); sky is 0
VIEW_FAR = 230.0      # geometry further than this along Z is not considered
SKY_DIST = 1e4


def _prim_bounds(tab):
    """Axis-aligned bounds [N, 2, 3] of the primitives."""
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
    left out (default 155 m up to 512 pixels wide, 240 m above).
    """
    H, W = height, width
    if view_far is None:
        view_far = 155.0 if W <= 512 else 240.0
    env = world.env
    o = (float(cam.x), float(cam.y), float(cam.z))
    D = cam.rays(H, W)
    Df = [d.ravel() for d in D]
    inv = tuple((1.0 / d).astype(np.float32) for d in D)
    invf = [v.ravel() for v in inv]
    fp = cam.focal(W)

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
    rects, zmin, vis = screen_rects(cam, _corners(lo, hi), H, W)
    vis &= zmin < tab[:, O.C_LOD]
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
        d = (D[0][r0:r1, c0:c1], D[1][r0:r1, c0:c1], D[2][r0:r1, c0:c1])
        if kinds[i] == O.BOX:
            iv = (inv[0][r0:r1, c0:c1], inv[1][r0:r1, c0:c1], inv[2][r0:r1, c0:c1])
            res = G.box_hit(o, d, iv, lo[i], hi[i], zb)
        else:
            holes = tab[i, O.C_PAR][0] if tab[i, O.C_MAT] == M.LEAVES else 0.0
            res = G.ellipsoid_hit(o, d, tab[i, O.C_A], tab[i, O.C_B], zb, holes,
                                  float(tab[i, O.C_SEED]) * 0.013)
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
                                               rows[:, O.C_SEED] * 0.013)
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
    hit = np.flatnonzero(pf >= 0)
    n = len(hit)
    s = zf[hit]
    dx, dy, dz = Df[0][hit], Df[1][hit], Df[2][hit]
    px, py, pz = o[0] + s * dx, o[1] + s * dy, o[2] + s * dz
    dist = s * np.sqrt(dx * dx + dy * dy + dz * dz)
    ph = pf[hit]
    fh = ff[hit]
    mats = np.full(len(tab) + 1, M.GROUND, np.int32)
    mats[1:] = tab[:, O.C_MAT]
    pcls = np.zeros(len(tab) + 1, np.uint8)
    pcls[1:] = tab[:, O.C_CLS]
    mh = mats[ph]
    cls_h = pcls[ph]
    nx = np.zeros(n, np.float32)
    ny = np.ones(n, np.float32)
    nz = np.zeros(n, np.float32)
    albedo = np.empty((n, 3), np.float32)
    emit = np.zeros((n, 3), np.float32)
    back = np.zeros(n, bool)
    ctx = SimpleNamespace(layout=world.layout, env=env, block=BLOCK,
                          crossings=world.crossings(cam.z, cam.z + view_far),
                          yard_kind=world.yard_kind, t=t)
    order_m = np.argsort(mh, kind="stable")
    bounds = np.searchsorted(mh[order_m], np.arange(M.NUM_MATERIALS + 1))
    for mid in range(M.NUM_MATERIALS):
        sel = order_m[bounds[mid]:bounds[mid + 1]]
        if len(sel) == 0:
            continue
        if mid == M.GROUND:
            rows = np.zeros((len(sel), O.NCOL), np.float32)
        else:
            rows = tab[ph[sel] - 1]
        gx, gy, gz, gf = px[sel], py[sel], pz[sel], fh[sel]
        if mid != M.GROUND:
            ell = rows[:, O.C_KIND] == O.ELLIPSOID
            fn = M.FACE_NORMALS[np.where(ell, M.YP, gf)]
            gnx, gny, gnz = fn[:, 0].copy(), fn[:, 1].copy(), fn[:, 2].copy()
            if ell.any():
                c, rr = rows[ell][:, O.C_A], rows[ell][:, O.C_B]
                ex = (gx[ell] - c[:, 0]) / rr[:, 0] ** 2
                ey = (gy[ell] - c[:, 1]) / rr[:, 1] ** 2
                ez = (gz[ell] - c[:, 2]) / rr[:, 2] ** 2
                bk = gf[ell] == 1                      # far side seen through foliage
                ln = np.where(bk, -1.0, 1.0) / np.sqrt(ex * ex + ey * ey + ez * ez)
                gnx[ell], gny[ell], gnz[ell] = ex * ln, ey * ln, ez * ln
                back[sel[ell]] = bk
            nx[sel], ny[sel], nz[sel] = gnx, gny, gnz
        else:
            gnx, gny, gnz = nx[sel], ny[sel], nz[sel]
        surf = M.Surf(px=gx, py=gy, pz=gz, nx=gnx, ny=gny, nz=gnz, face=gf,
                      lo=rows[:, O.C_A], hi=rows[:, O.C_B], col=rows[:, O.C_COL],
                      col2=rows[:, O.C_COL2], par=rows[:, O.C_PAR], seed=rows[:, O.C_SEED],
                      footprint=dist[sel] / fp)
        if mid == M.GROUND:
            alb, em, gcls = M.SHADERS[mid](ctx, surf)
            cls_h[sel] = gcls
        else:
            alb, em = M.SHADERS[mid](ctx, surf)
        albedo[sel] = alb
        if em is not None:
            emit[sel] = em

    # ---- cast shadows and lighting
    L = env.sun_dir
    ndl = np.maximum(nx * L[0] + ny * L[1] + nz * L[2], 0.0)
    if L[1] > 0.05 and env.sun_col.max() > 0.1:
        ndl *= _shadows(cam, tab, lo, hi, L, hit, px, py, pz, s, ndl > 0, ph * 8 + fh, H, W)
    amb = np.where(back, np.float32(0.45), 0.55 + 0.45 * ny)
    light = amb[:, None] * env.amb_col + ndl[:, None] * env.sun_col
    col = albedo * light + emit

    # ---- fog, haze, sky
    dd = np.minimum(dist, 2000.0)
    keep = np.exp(-dd * np.float32(env.fog_density + 1.0 / 1500.0))
    col = col * keep[:, None] + env.fog_col * (1.0 - keep)[:, None] if env.fog_density > 0 \
        else col * keep[:, None] + env.horizon * (1.0 - keep)[:, None]
    rgb = np.empty((H * W, 3), np.float32)
    rgb[hit] = col
    cls = np.full(H * W, SKY, np.uint8)
    cls[hit] = cls_h
    depth = np.zeros(H * W, np.float32)
    depth[hit] = np.minimum(s, MAX_DEPTH)
    skyp = np.flatnonzero(pf < 0)
    if len(skyp):
        sdx, sdy, sdz = Df[0][skyp], Df[1][skyp], Df[2][skyp]
        sk = M.sky(env, sdx, sdy, sdz)
        if env.fog_density > 0:
            e = np.clip(sdy / np.sqrt(sdx * sdx + sdy * sdy + sdz * sdz), 0.0, 1.0)
            fa = np.exp(-e * 6.0) * min(1.0, env.fog_density * 40.0)
            sk = sk * (1 - fa[:, None]) + env.fog_col * fa[:, None]
        rgb[skyp] = sk
    return rgb.reshape(H, W, 3), cls.reshape(H, W), depth.reshape(H, W)


SHADOW_BIG = 300      # half-resolution rectangle area above which a caster is looped


def _shadows(cam, tab, lo, hi, L, hit, px, py, pz, s, recv, key, H, W):
    """Transmittance towards the sun (1 lit .. 0 shadowed) of each hit pixel.

    Every caster's shadow volume (the caster swept along -L down to the ground) is
    projected to a screen rectangle; the pixels inside it whose surface faces the
    sun are tested against the caster.  The test runs on every other row and
    column; the other pixels take the value of a neighbouring sample on the same
    primitive face (so shadows stop exactly at object outlines, and shadow edges
    on a surface are resolved to 2 pixels).
    """
    n = len(hit)
    trans = tab[:, O.C_SHADOW]
    casters = np.flatnonzero(trans < 1.0)
    if len(casters) == 0:
        return np.ones(n, np.float32)

    def grid(v, fill):
        g = np.full(H * W, fill, v.dtype)
        g[hit] = v
        return g.reshape(H, W)[::2, ::2]
    PX, PY, PZ = (np.ascontiguousarray(grid(v, np.float32(1e6))) for v in (px, py, pz))
    ZZ = np.ascontiguousarray(grid(s, np.float32(np.inf)))
    RV = np.ascontiguousarray(grid(recv, False))
    Hh, Wh = PX.shape
    sh = np.ones((Hh, Wh), np.float32)

    corners = _corners(lo[casters], hi[casters])
    proj = corners - (corners[:, :, 1:2] / L[1]) * L[None, None, :]
    rects, zmin, vis = screen_rects(cam, np.concatenate([corners, proj], 1), H, W)
    rects = np.stack([rects[:, 0] // 2, (rects[:, 1] + 1) // 2,
                      rects[:, 2] // 2, (rects[:, 3] + 1) // 2], 1)
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

    # back to full resolution: each pixel takes a neighbouring sample of the same face
    K = np.full(H * W, -1, np.int64)
    K[hit] = key
    K = K.reshape(H, W)
    Kh = K[::2, ::2]
    ii = np.arange(H) // 2
    jj = np.arange(W) // 2
    i2 = np.minimum(ii + (np.arange(H) % 2), Hh - 1)
    j2 = np.minimum(jj + (np.arange(W) % 2), Wh - 1)
    out = sh[ii][:, jj]
    done = Kh[ii][:, jj] == K
    for ra, ca in ((i2, jj), (ii, j2), (i2, j2)):
        m = ~done & (Kh[ra][:, ca] == K)
        out = np.where(m, sh[ra][:, ca], out)
        done |= m
    return out.ravel()[hit]
