"""Materials: per-pixel albedo (and light emission) of every surface type, and the sky.

The renderer groups visible pixels by material and calls one function per group
with a ``Surf`` holding that group's hit points, normals and the parameters of the
primitive each pixel belongs to.  A material returns ``(albedo [n, 3], emission
[n, 3] or None)``; the ground material also returns its class ids (road, yard,
...) since its class depends on where a pixel falls.
"""

import numpy as np

from . import textures as T

# material ids
(GROUND, SIDEWALK, VERGE, FACADE, ROOF, WALL, CAR_BODY, CABIN, TYRES, CLOTH, SKIN, METAL,
 LAMP, SIGN, TLIGHT, BARK, LEAVES, HEDGE) = range(18)
NUM_MATERIALS = 18

# facade flags (FACADE par[5])
F_LEDGES, F_BRICK, F_SHOPS, F_CURTAIN = 1, 2, 4, 8

# box face codes: outward normal of the face a ray entered through
FACE_NORMALS = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]],
                        np.float32)
XP, XN, YP, YN, ZP, ZN = range(6)


class Surf:
    """Visible pixels of one material.

    Per-pixel arrays (length n): px, py, pz (hit point), nx, ny, nz (normal), face
    (box face code; for ellipsoids 0 near side, 1 far side seen through foliage),
    footprint (metres per pixel at that distance).  Attributes of each pixel's
    primitive, gathered on first use: lo, hi (box corners; ellipsoid centre and
    radii), col, col2 [n, 3], par [n, 6], seed.
    """

    _COLUMNS = {"lo": slice(1, 4), "hi": slice(4, 7), "col": slice(9, 12),
                "col2": slice(12, 15), "par": slice(15, 21), "seed": 21}

    def __init__(self, table, prim, **kw):
        self._table = table
        self._prim = prim
        self.__dict__.update(kw)

    def __getattr__(self, name):
        sl = Surf._COLUMNS.get(name)
        if sl is None:
            raise AttributeError(name)
        v = self._table[self._prim, sl]
        self.__dict__[name] = v
        return v

    # local coordinates on a box face: (u along the face, v up, face width, face height)
    def face_uv(self):
        onx = self.face <= XN
        lo, hi = self.lo, self.hi
        u = np.where(onx, self.pz - lo[:, 2], self.px - lo[:, 0])
        w = np.where(onx, hi[:, 2] - lo[:, 2], hi[:, 0] - lo[:, 0])
        v = self.py - lo[:, 1]
        h = hi[:, 1] - lo[:, 1]
        return u, v, w, h


def _c(rgb):
    return np.asarray(rgb, np.float32)


def _aa(period, footprint, k=2.5):
    """Pattern visibility 1..0 as the pixel footprint approaches the pattern period."""
    return np.clip(1.5 - k * footprint / period, 0.0, 1.0)


def _glass(ctx, s, h, tint=None):
    """Dark glass reflecting the sky; h in [0,1) varies it per pane."""
    dark = _c([0.05, 0.06, 0.075])
    refl = ctx.env.horizon * 0.55
    g = T.mix(dark, refl, 0.15 + 0.45 * h)
    if tint is not None:
        g = g * (0.7 + 0.3 * tint)
    return g


# --------------------------------------------------------------------------- ground

def ground(ctx, s):
    """Road (asphalt, lane markings, crosswalks), cross streets and yards."""
    L = ctx.layout
    x, z = s.px, s.pz
    n = len(x)
    cls = np.zeros(n, np.uint8)
    fp = s.footprint
    # asphalt: stains, grain (faded to its mean when smaller than a pixel), tyre tracks
    big = T.fbm(x * 3.0 + 11.0, z * 3.0)
    ga = _aa(0.05, fp, 1.0)
    fine = T.grain(x * 40.0, z * 40.0)
    tone = (0.8 + 0.35 * big) * (1.0 + 0.24 * ga * (fine - 0.5))
    track = np.zeros(n, np.float32)
    for (lx, _dir) in L.lanes:
        track += np.abs(np.abs(x - lx) - 0.85) < 0.35
    tone *= L.asphalt * (1 - 0.08 * track)
    on_road = (x >= L.road_l) & (x <= L.road_r)
    cross = np.zeros(n, bool)
    for (c0, c1) in ctx.crossings:
        cross |= (z >= c0) & (z < c1)
    # lane markings on the main road (not across the cross streets)
    paint = np.zeros(n, np.float32)
    yellow = np.zeros(n, np.float32)
    for (mx, kind) in L.markings:
        d = np.abs(x - mx)
        near = d < 0.4
        if not near.any():
            continue
        lw = 0.12 if kind != "edge" else 0.15
        if kind == "dash":
            m = (d < lw / 2) & T.stripes(z + L.dash_phase, L.dash_period, L.dash_duty)
        elif kind == "double":
            m = np.abs(d - 0.12) < lw / 2
            if L.yellow_center:
                yellow = np.maximum(yellow, m)
        else:  # solid / edge
            m = d < lw / 2
        # thin lines far away cover only part of a pixel: fade them
        a = np.where(near, _aa(lw, fp, 1.2), 0.0)
        paint = np.maximum(paint, m * (0.35 + 0.65 * a))
    if ctx.crossings:
        paint *= ~cross
        # crosswalks and stop lines before/after each crossing
        for (c0, c1) in ctx.crossings:
            zw = ((z > c0 - 4.5) & (z < c0 - 1.2)) | ((z > c1 + 1.2) & (z < c1 + 4.5))
            zeb = zw & on_road & T.stripes(x + 0.25, 1.0, 0.5)
            stop = (z > c0 - 6.0) & (z < c0 - 5.5) & (x > 0.2) & (x < L.road_r - L.park_r)
            paint = np.maximum(paint, (zeb | stop) * 0.9)
    wear = T.fbm(x * 8.0, z * 2.0)
    paint *= np.clip(1.25 - 0.6 * wear, 0.0, 1.0) * L.paint_fresh
    # colour = asphalt * tone, blended to white/yellow paint
    keep = 1.0 - paint
    pw = paint * (1.0 - yellow)
    py_ = paint * yellow
    tint = L.asphalt_tint
    alb = np.empty((n, 3), np.float32)
    alb[:, 0] = tint[0] * tone * keep + 0.85 * pw + 0.85 * py_
    alb[:, 1] = tint[1] * tone * keep + 0.85 * pw + 0.65 * py_
    alb[:, 2] = tint[2] * tone * keep + 0.82 * pw + 0.10 * py_
    # yards beyond the road: grass / dirt (nature) or paving / gravel (flat)
    off = ~on_road & ~cross
    if off.any():
        i = np.flatnonzero(off)
        xi, zi = x[i], z[i]
        side = (xi > 0).astype(np.int64)
        blk = np.floor(zi / ctx.block).astype(np.int64)
        kind = ctx.yard_kind(blk, side)                      # 0 grass, 1 paved, 2 dirt
        shoulder = (np.abs(xi) - np.where(side == 1, L.road_r, -L.road_l)) < L.shoulder
        kind = np.where(shoulder, 3, kind)                   # gravel shoulder (flat)
        g = T.fbm(xi * 3.0, zi * 3.0)
        gr = T.grain(xi * 30.0, zi * 30.0)
        f = 0.75 + 0.5 * gr
        env = ctx.env
        out = np.empty((len(i), 3), np.float32)
        for kk in range(4):
            m = np.flatnonzero(kind == kk)
            if len(m) == 0:
                continue
            gm, fm = g[m], f[m]
            if kk == 0:
                c = T.mix(env.grass, env.grass2, gm) * fm[:, None]
            elif kk == 1:
                ts = L.yard_tile
                tile = T.hash01(np.floor(xi[m] / ts), np.floor(zi[m] / ts), 77)
                line = (T.stripes(xi[m], ts, 0.04) | T.stripes(zi[m], ts, 0.04)) & \
                    (_aa(ts, fp[i[m]]) > 0.5)
                c = _c(L.yard_paving) * (0.85 + 0.2 * tile - 0.25 * line + 0.1 * gm)[:, None]
            elif kk == 2:
                c = _c([0.36, 0.3, 0.22]) * (0.7 + 0.4 * gm + 0.2 * gr[m])[:, None]
            else:
                c = _c([0.45, 0.43, 0.4]) * (0.7 + 0.5 * gr[m])[:, None]
            out[m] = c
        alb[i] = out
        cls[i] = np.where((kind == 0) | (kind == 2), 5, 0)
    return alb, None, cls


def sidewalk(ctx, s):
    """Raised paving slab: tiles on top, concrete curb band at the road edge and sides."""
    tile = s.par[:, 0]
    edge = s.par[:, 1]
    top = s.face == YP
    x, z = s.px, s.pz
    h = T.hash01(np.floor(x / tile), np.floor(z / tile), s.seed)
    a = _aa(tile, s.footprint)
    line = (T.stripes(x, tile, 0.05) | T.stripes(z, tile, 0.05))
    g = T.fbm(x * 2.0, z * 2.0)
    shade = 0.88 + 0.14 * h * a - 0.2 * line * a + 0.15 * (g - 0.5)
    alb = s.col * shade[:, None]
    curb = (np.abs(x - edge) < 0.22) | ~top
    cg = T.grain(x * 20 + z * 20, s.py * 40)
    curb_col = s.col2 * (0.9 + 0.2 * cg)[:, None]
    alb = np.where(curb[:, None], curb_col, alb)
    return alb, None


def verge(ctx, s):
    """Raised grass (verge, median, lawn); concrete curb on the sides."""
    x, z = s.px, s.pz
    g = T.fbm(x * 3.0, z * 3.0)
    gr = T.grain(x * 30.0, z * 30.0)
    alb = T.mix(s.col, s.col2, g) * (0.75 + 0.5 * gr)[:, None]
    side = s.face != YP
    alb[side] = _c([0.6, 0.6, 0.58]) * (0.9 + 0.2 * gr[side])[:, None]
    return alb, None


# --------------------------------------------------------------------------- buildings

def facade(ctx, s):
    """Facades with window grids, ledges, brick, shop fronts; flat roofs on top.

    Computed as per-pixel weights of three colours (wall, glass, trim) so that the
    window pattern can fade to its average where windows get smaller than pixels.
    """
    env = ctx.env
    u, v, w, hgt = s.face_uv()
    floor_h, spacing, ww, wh, ground_h = (s.par[:, k] for k in range(5))
    flags = s.par[:, 5].astype(np.int32)
    wall = 0.82 + 0.3 * T.fbm(u * 2.5 + s.seed, v * 2.5)
    brick = (flags & F_BRICK) > 0
    if brick.any():
        b = np.flatnonzero(brick)
        vb, ub = v[b], u[b]
        row = np.floor(vb / 0.075)
        bu = ub + 0.11 * (row % 2)
        mortar = T.stripes(vb, 0.075, 0.18) | T.stripes(bu, 0.22, 0.09)
        bh = T.hash01(np.floor(bu / 0.22), row, s.seed[b])
        ab = _aa(0.075, s.footprint[b])
        wall[b] *= np.where(mortar, 1.25, 0.9 + 0.2 * bh) * ab + (1 - ab)
    # window grid: columns fitted to the face width, rows every floor
    ncol = np.maximum(1.0, np.floor(w / spacing))
    sp = w / ncol
    cu = np.floor(u / sp)
    fu = u / sp - cu
    vv = (v - ground_h) / floor_h
    cv = np.floor(vv)
    fv = vv - cv
    upper = (v > ground_h + 0.1) & (v < hgt - 0.9)
    wy1 = 0.25 + 0.68 * wh
    du = np.abs(fu - 0.5)
    win = (du < ww / 2) & (fv > 0.25) & (fv < wy1) & upper
    fr = 0.07
    trim = ((du < ww / 2 + fr) & (fv > 0.25 - fr) & (fv < wy1 + fr * 0.5) & upper & ~win)
    trim |= ((flags & F_LEDGES) > 0) & (fv < 0.07) & upper
    hw = T.hash01(cu, cv, s.seed, s.face)
    # pattern visibility; below it the pattern is replaced by its average
    a = _aa(sp * np.minimum(ww, 1 - ww) + 0.3, s.footprint)
    cov = upper * (ww * 0.68 * wh)
    wg = a * win + (1 - a) * cov
    wt = a * trim + (1 - a) * cov * 0.3
    wb = 1.0 - wg - wt
    # glass reflects the sky, some panes have curtains
    k = np.where(win, 0.15 + 0.45 * hw, 0.33)
    dark = _c([0.05, 0.06, 0.075])
    refl = env.horizon * 0.55
    glass = k[:, None] * (refl - dark)
    glass += dark
    curtain = win & (hw < 0.12)
    if curtain.any():
        c = np.flatnonzero(curtain)
        glass[c] = 0.7 * _c([0.75, 0.7, 0.6]) + 0.3 * s.col2[c]
    alb = s.col * (wall * wb)[:, None]
    alb += glass * wg[:, None]
    alb += s.col2 * wt[:, None]
    # shop fronts on the ground floor
    shops = ((flags & F_SHOPS) > 0) & (v < ground_h)
    if shops.any():
        m = np.flatnonzero(shops)
        vm, fm, cm, sm = v[m], fu[m], cu[m], s.seed[m]
        gh = ground_h[m]
        sw = (np.abs(fm - 0.5) < 0.42) & (vm > 0.35) & (vm < gh - 1.1)
        band = (vm > gh - 0.95) & (vm < gh - 0.25)
        hs = T.hash01(cm, 5, sm)
        sign_col = np.stack([T.hash01(cm, 1, sm), T.hash01(cm, 2, sm),
                             T.hash01(cm, 3, sm)], 1) * (0.3 + 0.6 * hs[:, None])
        lit = _c([0.55, 0.5, 0.4]) * (0.5 + 0.5 * hs[:, None])
        shop = np.where(sw[:, None], 0.6 * glass[m] + 0.4 * lit,
                        np.where(band[:, None], sign_col, s.col2[m] * 0.8))
        alb[m] = shop
        win[m] |= sw
    # roof
    roof = np.flatnonzero(s.face == YP)
    if len(roof):
        g = T.fbm(s.px[roof] * 2.0, s.pz[roof] * 2.0)
        alb[roof] = (_c([0.32, 0.31, 0.3]) * 0.6 + s.col[roof] * 0.3) * (0.7 + 0.5 * g)[:, None]
    em = None
    if env.dusk > 0:
        lit = win & (T.hash01(cu, cv, s.seed, 9) < 0.25) & (s.face != YP)
        em = np.zeros_like(alb)
        em[lit] = _c([1.0, 0.75, 0.4]) * 0.6 * env.dusk
    return alb, em


def roof(ctx, s):
    u, v, w, h = s.face_uv()
    g = T.fbm(s.px * 3.0, s.pz * 3.0)
    stripe = T.stripes(s.px + s.pz, 0.3, 0.2) * _aa(0.3, s.footprint)
    alb = s.col * (0.85 + 0.3 * g - 0.15 * stripe)[:, None]
    return alb, None


def wall(ctx, s):
    """Concrete / brick walls, slatted fences, guard rails."""
    u, v, w, h = s.face_uv()
    kind = s.par[:, 0]
    g = T.fbm(u * 3.0 + s.seed, v * 3.0)
    gr = T.grain(u * 30, v * 30)
    f = 0.85 + 0.25 * g + 0.08 * gr
    a = _aa(0.08, s.footprint)
    joints = T.stripes(u, 2.5, 0.015)
    brick = T.stripes(v, 0.075, 0.18) | T.stripes(u + 0.11 * (np.floor(v / 0.075) % 2), 0.22, 0.09)
    slats = T.stripes(u, 0.14, 0.25)
    corr = T.stripes(v, 0.12, 0.5)
    f = np.where(kind == 0, f - 0.3 * joints * _aa(0.3, s.footprint), f)
    f = np.where(kind == 1, f * np.where(brick, 1.2 * a + (1 - a), 1.0), f)
    f = np.where(kind == 2, f * np.where(slats, 0.45 * a + (1 - a) * 0.85, 1.0), f)
    f = np.where(kind == 3, 0.9 + 0.25 * corr * a, f)
    top = s.face == YP
    f = np.where(top, f * 1.05, f)
    return s.col * f[:, None], None


# --------------------------------------------------------------------------- vehicles

def car_body(ctx, s):
    u, v, w, hgt = s.face_uv()
    heading, L, hb, kind = (s.par[:, k] for k in range(4))
    face = s.face
    paint = s.col * (0.92 + 0.1 * T.fbm(s.px * 3, s.py * 3 + s.pz))[:, None]
    alb = paint.copy()
    em = np.zeros_like(alb)
    side = face <= XN
    front = ((face == ZP) & (heading > 0)) | ((face == ZN) & (heading < 0))
    back = ((face == ZP) & (heading < 0)) | ((face == ZN) & (heading > 0))
    top = face == YP
    dark = _c([0.03, 0.03, 0.035])
    # position along the car measured from its front (sides); across from left (ends)
    along = np.where(heading > 0, w - u, u)
    # wheel arches on the sides
    clear = s.lo[:, 1]
    for ax in (0.18, 0.82):
        d2 = (along - ax * L) ** 2 + (v + clear - 0.33) ** 2
        alb[side & (d2 < 0.42 ** 2)] = dark
    # sills and bumpers
    sill = v < 0.12
    alb[sill & (kind < 2)] = alb[sill & (kind < 2)] * 0.35
    # door seams (sedans)
    seam = side & (kind == 0) & ((np.abs(along - 0.42 * L) < 0.02) | (np.abs(along - 0.68 * L) < 0.02))
    alb[seam] *= 0.5
    # van/bus glass
    g = _glass(ctx, s, T.hash01(np.floor(along / 1.2), 0, s.seed))
    vanwin = side & (kind == 1) & (v > hgt - 0.85) & (v < hgt - 0.15) & (along > 0.15) & (along < 1.6)
    buswin = side & (kind == 2) & (v > hgt - 1.4) & (v < hgt - 0.3) & (along > 0.4) & \
        (T.stripes(along, 1.5, 0.9))
    wind = (front | back) & (kind >= 1) & (v > hgt - (0.9 + 0.5 * (kind == 2))) & \
        (v < hgt - 0.12) & (np.abs(u - w / 2) < w / 2 - 0.12)
    wind &= ~(back & (kind == 1) & (np.abs(u - w / 2) < 0.03))
    gl = vanwin | buswin | wind
    alb[gl] = g[gl]
    # lights and plate
    lv = np.where(kind == 0, hgt * 0.62, np.where(kind == 1, 0.55, 0.6))
    lamp = (v > lv - 0.09) & (v < lv + 0.09) & (np.abs(np.abs(u - w / 2) - (w / 2 - 0.28)) < 0.17)
    head = front & lamp
    tail = back & lamp
    alb[head] = _c([0.9, 0.9, 0.85])
    alb[tail] = _c([0.6, 0.03, 0.03])
    em[tail] = _c([0.25, 0.0, 0.0])
    em[head] = _c([0.2, 0.2, 0.18]) * (0.3 + ctx.env.dusk)
    plate = (front | back) & (np.abs(u - w / 2) < 0.26) & (v > 0.12) & (v < 0.26)
    alb[plate] = _c([0.85, 0.85, 0.8])
    grille = front & (kind == 0) & (np.abs(u - w / 2) < 0.35) & (v > 0.28) & (v < lv)
    alb[grille] = alb[grille] * 0.3
    # sky reflection on the top
    alb[top] = T.mix(alb[top], ctx.env.horizon, 0.25)
    return alb, em


def cabin(ctx, s):
    u, v, w, hgt = s.face_uv()
    face = s.face
    alb = s.col2 * (0.95 + 0.1 * T.fbm(s.px * 3, s.pz * 3))[:, None]
    side = face <= XN
    ends = (face == ZP) | (face == ZN)
    hg = T.hash01(np.floor(u / 0.6), s.face, s.seed)
    g = _glass(ctx, s, 0.3 + 0.5 * hg)
    frame = 0.08
    pillar = np.abs(u - w * 0.52) < 0.06
    sw = side & (v > frame) & (v < hgt - 0.05) & (u > 0.12) & (u < w - 0.12) & ~pillar
    ew = ends & (v > frame * 0.6) & (v < hgt - 0.05) & (np.abs(u - w / 2) < w / 2 - 0.08)
    gl = sw | ew
    alb[gl] = g[gl]
    return alb, None


def tyres(ctx, s):
    u, v, w, hgt = s.face_uv()
    heading, length = s.par[:, 0], s.par[:, 1]
    L = length + 0.5
    along = np.where(heading > 0, w - u, u) + 0.25
    alb = np.empty((len(u), 3), np.float32)
    alb[:] = _c([0.02, 0.02, 0.022])
    side = s.face <= XN
    for ax in (0.18, 0.82):
        d2 = (along - ax * L) ** 2 + (v - 0.33) ** 2
        tyre = side & (d2 < 0.33 ** 2)
        rim = side & (d2 < 0.17 ** 2)
        alb[tyre] = _c([0.06, 0.06, 0.065])
        alb[rim] = _c([0.45, 0.45, 0.47])
    return alb, None


# --------------------------------------------------------------------------- people

def cloth(ctx, s):
    u, v, w, h = s.face_uv()
    legs = s.par[:, 0] == 0
    f = 0.85 + 0.25 * T.grain(u * 40 + s.seed, v * 40)
    alb = s.col * f[:, None]
    shoes = legs & (v < 0.08)
    alb[shoes] = _c([0.05, 0.04, 0.04])
    if (~legs).any():
        # arms / sleeves: darker vertical bands at the torso sides
        arm = ~legs & ((u < 0.06) | (u > w - 0.06))
        alb[arm] *= 0.75
    return alb, None


def skin(ctx, s):
    ny = (s.py - s.lo[:, 1]) / s.hi[:, 1]
    facing = s.par[:, 0]
    # back of the head (+Z or +X hemisphere depending on facing, fixed per person)
    lx = (s.px - s.lo[:, 0]) / s.hi[:, 0]
    lz = (s.pz - s.lo[:, 2]) / s.hi[:, 2]
    back = np.where(facing == 0, lz, lx) * np.where(T.hash01(s.seed) < 0.5, 1, -1) > 0.2
    hair = (ny > 0.35) | (back & (ny > -0.4))
    alb = np.where(hair[:, None], s.col2, s.col)
    return alb, None


# --------------------------------------------------------------------------- street furniture

def metal(ctx, s):
    f = 0.85 + 0.2 * T.fbm(s.px * 2 + s.seed, s.py * 2)
    return s.col * f[:, None], None


def lamp(ctx, s):
    alb = s.col.copy()
    bottom = s.face == YN
    alb[bottom] = _c([0.85, 0.85, 0.8])
    em = np.zeros_like(alb)
    em[bottom] = s.col2[bottom] * (0.15 + 0.9 * ctx.env.dusk)
    return alb, em


def sign(ctx, s):
    facing, rnd = s.par[:, 0], s.par[:, 1]
    nz = s.nz
    front = np.sign(nz) == np.sign(facing)
    # plate-local coordinates in [-1, 1]
    box = rnd == 0
    cx = np.where(box, 0.5 * (s.lo[:, 0] + s.hi[:, 0]), s.lo[:, 0])
    cy = np.where(box, 0.5 * (s.lo[:, 1] + s.hi[:, 1]), s.lo[:, 1])
    hx = np.where(box, 0.5 * (s.hi[:, 0] - s.lo[:, 0]), s.hi[:, 0])
    hy = np.where(box, 0.5 * (s.hi[:, 1] - s.lo[:, 1]), s.hi[:, 1])
    lx = (s.px - cx) / hx
    ly = (s.py - cy) / hy
    r = np.where(box, np.maximum(np.abs(lx) * hx, np.abs(ly) * hy) /
                 np.minimum(hx, hy), np.sqrt(lx * lx + ly * ly))
    border = np.where(box, np.maximum(np.abs(lx) - 1 + 0.12 * np.minimum(hx, hy) / hx,
                                      np.abs(ly) - 1 + 0.12 * np.minimum(hx, hy) / hy) > 0,
                      r > 0.75)
    alb = np.where(border[:, None], s.col2, s.col)
    # a symbol / text stripe in the middle
    sym = (np.abs(ly) < 0.18) & (np.abs(lx) < 0.5) & (s.col2[:, 0] > 0.5)
    alb = np.where((sym & ~border)[:, None], s.col2 * 0.9, alb)
    alb = np.where(front[:, None], alb, _c([0.45, 0.46, 0.47]))
    em = alb * (0.15 * front)[:, None]          # retro-reflective plates look bright
    return alb, em


def tlight(ctx, s):
    state, facing = s.par[:, 0], s.par[:, 1]
    u, v, w, h = s.face_uv()
    alb = s.col.copy()
    em = np.zeros_like(alb)
    front = ((s.face == ZN) & (facing < 0)) | ((s.face == ZP) & (facing > 0))
    lamps = [_c([1.0, 0.1, 0.05]), _c([1.0, 0.6, 0.0]), _c([0.1, 1.0, 0.4])]
    for k, col in enumerate(lamps):
        cy = h * (0.8 - 0.3 * k)
        d2 = (u - w / 2) ** 2 + (v - cy) ** 2
        on = front & (d2 < 0.11 ** 2)
        litk = on & (state == k)
        alb[on] = col * 0.12
        alb[litk] = col * 0.5
        em[litk] = col * 1.1
    return alb, em


# --------------------------------------------------------------------------- nature

def bark(ctx, s):
    f = 0.75 + 0.45 * T.grain(s.px * 30 + s.pz * 30, s.py * 6)
    return s.col * f[:, None], None


def leaves(ctx, s):
    """Canopies (ellipsoids) and bushes: leafy grain, darker inside (back hits)."""
    lx = (s.px - s.lo[:, 0]) / s.hi[:, 0]
    ly = (s.py - s.lo[:, 1]) / s.hi[:, 1]
    lz = (s.pz - s.lo[:, 2]) / s.hi[:, 2]
    g = T.grain((lx + lz * 0.7) * 90 + s.seed, ly * 90)
    f = T.fbm((lx - lz) * 6 + s.seed, ly * 6)
    alb = s.col * (0.55 + 0.6 * g + 0.4 * (f - 0.5))[:, None]
    alb *= np.where(s.face == 1, 0.45, 1.0)[:, None]
    return alb, None


def hedge(ctx, s):
    u, v, w, h = s.face_uv()
    g = T.grain(u * 35 + s.seed, v * 35)
    f = T.fbm(u * 3, v * 3)
    alb = s.col * (0.6 + 0.6 * g + 0.3 * (f - 0.5))[:, None]
    return alb, None


SHADERS = {
    GROUND: ground, SIDEWALK: sidewalk, VERGE: verge, FACADE: facade, ROOF: roof, WALL: wall,
    CAR_BODY: car_body, CABIN: cabin, TYRES: tyres, CLOTH: cloth, SKIN: skin, METAL: metal,
    LAMP: lamp, SIGN: sign, TLIGHT: tlight, BARK: bark, LEAVES: leaves, HEDGE: hedge,
}


# --------------------------------------------------------------------------- sky

def sky(env, dx, dy, dz, smooth=False):
    """Sky colour for (unnormalised) ray directions: gradient, sun glow, clouds."""
    inv = 1.0 / np.sqrt(dx * dx + dy * dy + dz * dz)
    ex, ey, ez = dx * inv, dy * inv, dz * inv
    e = np.clip(ey, 0.0, 1.0)
    t = e ** 0.55
    col = T.mix(env.horizon, env.zenith, t)
    L = env.sun_dir
    cs = np.clip(ex * L[0] + ey * L[1] + ez * L[2], 0.0, 1.0)
    glow = (cs ** 24) * 0.35 + (cs > 0.9993) * 2.0
    col = col + (glow * env.sun_vis)[:, None] * env.sun_col
    if env.cloud_cover > 0:
        k = 1.0 / np.maximum(ey, 0.02)
        cu = ex * k * 60.0 + env.cloud_off[0]
        cv = ez * k * 60.0 + env.cloud_off[1]
        noise = T.fbm_smooth if smooth else T.fbm   # bilinear when clouds are magnified
        n = noise(cu, cv)
        c = T.smoothstep(1.0 - env.cloud_cover, 1.15 - env.cloud_cover * 0.7, n)
        c = c * np.clip(ey * 8.0, 0.0, 1.0)
        shade = 0.75 + 0.35 * noise(cu * 2.0 + 50, cv * 2.0)
        ccol = env.cloud_col * shade[:, None]
        col = T.mix(col, ccol, c * 0.95)
    return col.astype(np.float32)
