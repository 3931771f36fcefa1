"""Scene objects built from primitives (axis-aligned boxes and ellipsoids).

Every object is a handful of primitives appended to a ``PrimBuilder``.  Each
primitive carries its geometry, material id, class id, colours and material
parameters; the renderer intersects them and the material functions shade them.
Object builders take a vector ``u`` of uniform random numbers (drawn by the caller
in one call) so generation stays cheap and deterministic.
"""

import colorsys

import numpy as np

from . import materials as M
from .classes import HUMAN, VEHICLE, CONSTRUCTION, OBJECT, NATURE

BOX, ELLIPSOID = 0, 1

# column layout of the primitive table (float32 [N, NCOL])
C_KIND = 0
C_A = slice(1, 4)      # box: min corner; ellipsoid: centre
C_B = slice(4, 7)      # box: max corner; ellipsoid: radii
C_MAT = 7
C_CLS = 8
C_COL = slice(9, 12)   # main colour (linear-ish RGB, 0..1)
C_COL2 = slice(12, 15)  # secondary colour (trim, glass tint, ...)
C_PAR = slice(15, 21)  # six material parameters
C_SEED = 21            # per-primitive texture seed (integer valued)
C_VEL = slice(22, 24)  # velocity (vx, vz) in m/s
C_SHADOW = 24          # transmittance of its cast shadow (1 = casts none)
C_LOD = 25             # drawn only when nearer than this (metres)
NCOL = 26

FAR = 1e9


def hsv(h, s, v):
    return colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))


class PrimBuilder:
    def __init__(self):
        self.rows = []

    def _add(self, kind, a, b, mat, cls, col, col2, par, seed, vel, shadow, lod):
        par = tuple(par) + (0.0,) * (6 - len(par))
        self.rows.append((kind, *a, *b, mat, cls, *col, *col2, *par, seed,
                          *vel, shadow, lod))

    def box(self, lo, hi, mat, cls, col, col2=(0, 0, 0), par=(), seed=0,
            vel=(0, 0), shadow=0.0, lod=FAR):
        self._add(BOX, lo, hi, mat, cls, col, col2, par, seed, vel, shadow, lod)

    def ellipsoid(self, centre, radii, mat, cls, col, col2=(0, 0, 0), par=(), seed=0,
                  vel=(0, 0), shadow=0.0, lod=FAR):
        self._add(ELLIPSOID, centre, radii, mat, cls, col, col2, par, seed, vel, shadow, lod)

    def table(self):
        if not self.rows:
            return np.zeros((0, NCOL), np.float32)
        return np.array(self.rows, dtype=np.float32)


# --------------------------------------------------------------------------- colours

def building_colour(u0, u1, u2):
    """Facade colours of many hues: plaster, brick, concrete, white, pastel, dark."""
    if u0 < 0.22:      # beige / cream / ochre plaster
        return hsv(0.07 + 0.08 * u1, 0.15 + 0.3 * u2, 0.55 + 0.35 * u1)
    if u0 < 0.38:      # brick
        return hsv(0.01 + 0.05 * u1, 0.4 + 0.25 * u2, 0.3 + 0.25 * u1)
    if u0 < 0.58:      # grey concrete, light to dark
        g = 0.3 + 0.55 * u1
        return (g, g * (0.97 + 0.05 * u2), g * (0.95 + 0.1 * u2))
    if u0 < 0.68:      # white-ish
        g = 0.78 + 0.17 * u1
        return hsv(0.1 + 0.5 * u2, 0.04, g)
    if u0 < 0.88:      # pastel of any hue
        return hsv(u1, 0.18 + 0.3 * u2, 0.55 + 0.35 * u2)
    return hsv(0.55 + 0.1 * u1, 0.1 + 0.2 * u2, 0.18 + 0.2 * u1)  # dark / blue-grey


def car_colour(u0, u1, u2):
    """Cars of every colour: neutrals (white, black, greys) and any saturated hue."""
    if u0 < 0.14:
        return hsv(0.6, 0.03, 0.85 + 0.1 * u1)           # white
    if u0 < 0.26:
        return hsv(0.6, 0.1, 0.06 + 0.08 * u1)           # black
    if u0 < 0.45:
        g = 0.25 + 0.45 * u1                              # silver / grey
        return (g, g, g * (1.0 + 0.06 * u2))
    return hsv(u1, 0.45 + 0.5 * u2, 0.25 + 0.6 * u2 ** 0.5)  # any hue


def cloth_colour(u0, u1, u2):
    if u0 < 0.3:
        return hsv(0.6, 0.4 + 0.3 * u1, 0.15 + 0.35 * u2)  # denim / navy
    if u0 < 0.55:
        g = 0.05 + 0.6 * u1                                # black .. light grey
        return (g, g, g)
    if u0 < 0.7:
        return hsv(0.08 + 0.05 * u1, 0.3 + 0.3 * u2, 0.3 + 0.4 * u2)  # khaki / brown
    return hsv(u1, 0.4 + 0.55 * u2, 0.3 + 0.6 * u1)         # anything


def skin_colour(u):
    return hsv(0.05 + 0.03 * u, 0.35 + 0.2 * u, 0.95 - 0.6 * u)


def metal_colour(u0, u1):
    """Pole colours: greys, dark green, black, white, dark blue, rust/wood brown."""
    if u0 < 0.45:
        g = 0.3 + 0.4 * u1
        return (g, g, g)
    if u0 < 0.6:
        return hsv(0.38, 0.5, 0.15 + 0.1 * u1)
    if u0 < 0.75:
        return (0.05 + 0.05 * u1,) * 3
    if u0 < 0.85:
        return (0.8, 0.8, 0.78)
    if u0 < 0.92:
        return hsv(0.6, 0.5, 0.2 + 0.1 * u1)
    return hsv(0.07, 0.5, 0.25 + 0.15 * u1)


def foliage_colour(u0, u1, autumn):
    if autumn > 0 and u0 < autumn:
        return hsv(0.02 + 0.12 * u1, 0.6 + 0.3 * u1, 0.35 + 0.25 * u1)
    return hsv(0.19 + 0.13 * u1, 0.45 + 0.35 * u0, 0.22 + 0.25 * u1)


# --------------------------------------------------------------------------- objects

def building(pb, side, x_front, z0, z1, depth, height, u, style):
    """A building whose facade faces the road at |x| = x_front.

    u: 14 uniforms.  style: 'downtown', 'residential', 'boulevard', 'rural'.
    """
    col = building_colour(u[0], u[1], u[2])
    trim = hsv(u[3], 0.1 * u[4], 0.15 + 0.8 * u[4])
    floor_h = 2.9 + 0.9 * u[5]
    spacing = 1.5 + 2.2 * u[6]
    win_w = 0.3 + 0.45 * u[7]
    win_h = 0.38 + 0.38 * u[8]
    flags = 0
    if u[9] < 0.35:
        flags |= M.F_LEDGES
    if u[10] < 0.25 and col[0] > col[2]:
        flags |= M.F_BRICK
    if style == "downtown" and u[11] < 0.7:
        flags |= M.F_SHOPS
    if style == "downtown" and u[12] < 0.12:
        flags |= M.F_CURTAIN
        win_w, win_h = 0.92, 0.85
    ground_h = 4.0 + 1.0 * u[13] if flags & M.F_SHOPS else 0.0
    x0, x1 = (x_front, x_front + depth) if side > 0 else (-x_front - depth, -x_front)
    seed = float(int(u[4] * 1e5))
    par = (floor_h, spacing, win_w, win_h, ground_h, flags)
    pb.box((x0, 0.0, z0), (x1, height, z1), M.FACADE, CONSTRUCTION, col, trim, par, seed)
    if style == "residential" or style == "rural":
        # a roof slab with eaves, often a different colour
        rc = hsv(0.02 + 0.08 * u[11], 0.2 + 0.4 * u[12], 0.15 + 0.3 * u[13]) \
            if u[10] < 0.7 else (0.25 + 0.2 * u[12],) * 3
        e = 0.3
        pb.box((x0 - e, height, z0 - e), (x1 + e, height + 0.25 + 0.3 * u[9], z1 + e),
               M.ROOF, CONSTRUCTION, rc, rc, (), seed + 1)
    elif height > 22 and u[9] < 0.5:
        # a set-back upper part
        inset = 2.0 + 3.0 * u[12]
        h2 = height + 4 + 12 * u[13]
        if z1 - z0 > 2 * inset + 3 and depth > inset + 3:
            xa, xb = (x0 + inset, x1) if side > 0 else (x0, x1 - inset)
            pb.box((xa, height, z0 + inset), (xb, h2, z1 - inset), M.FACADE,
                   CONSTRUCTION, col, trim, par, seed + 2)


def car(pb, x, z_start, heading, u, vz=0.0, max_len=1e9, no_bus=False):
    """A car, van or bus occupying z in [z_start, z_start + length] centred at x,
    pointing +Z (heading 1) or -Z (-1).  u: 12 uniforms.

    Three primitives: undercarriage with wheels, body, cabin (cars only).  Returns
    the length, or 0 (and adds nothing) when it would be longer than ``max_len``.
    """
    col = car_colour(u[0], u[1], u[2])
    k = u[3] * (0.93 if no_bus else 1.0)
    seed = float(int(u[4] * 1e5))
    vel = (0.0, vz)
    if k < 0.72:                       # sedan / hatchback / SUV
        kind = 0
        L = 3.8 + 1.1 * u[5]
        W = 1.65 + 0.3 * u[6]
        suv = u[7] < 0.3
        clear = 0.28 + (0.1 if suv else 0.0)
        hb = 0.5 + 0.2 * u[8] + (0.15 if suv else 0.0)
        hc = 0.45 + 0.12 * u[9] + (0.1 if suv else 0.0)
        cl = L * (0.42 + 0.15 * u[10] + (0.12 if suv else 0.0))
        back = 0.15 * L + (0.05 * L if suv else 0.1 * L * u[11])
    elif k < 0.93:                     # van
        kind = 1
        L = 4.6 + 1.2 * u[5]
        W = 1.9 + 0.15 * u[6]
        clear = 0.3
        hb = 1.5 + 0.5 * u[8]
        hc = 0.0
    else:                              # bus / truck
        kind = 2
        L = 8.0 + 4.0 * u[5]
        W = 2.45 + 0.1 * u[6]
        clear = 0.45
        hb = 2.4 + 0.8 * u[8]
        hc = 0.0
        if u[9] < 0.5:
            col = hsv(u[1], 0.2 + 0.6 * u[2], 0.5 + 0.4 * u[10])
    if L > max_len:
        return 0.0
    x0, x1 = x - W / 2, x + W / 2
    z0, z1 = z_start, z_start + L
    lod = 200.0
    # undercarriage + wheels (tyres drawn by the material on the side faces)
    pb.box((x0 + 0.05, 0.0, z0 + 0.25), (x1 - 0.05, clear + 0.02, z1 - 0.25), M.TYRES,
           VEHICLE, (0.04, 0.04, 0.045), col, (heading, L - 0.5, clear, kind), seed, vel,
           lod=lod)
    pb.box((x0, clear, z0), (x1, clear + hb, z1), M.CAR_BODY, VEHICLE, col, col,
           (heading, L, hb, kind), seed, vel, lod=lod)
    if kind == 0:
        c0 = z0 + back if heading > 0 else z1 - back - cl
        pb.box((x0 + 0.1, clear + hb, c0), (x1 - 0.1, clear + hb + hc, c0 + cl), M.CABIN,
               VEHICLE, col, col, (heading, cl, hc, kind), seed, vel, lod=lod)
    return L


def person(pb, x, z, facing, u, vel=(0.0, 0.0), base=0.0):
    """A pedestrian standing at (x, z) on a surface at height ``base``.

    facing: 0 along Z, 1 along X.  u: 12 uniforms.  Legs, torso (with arms) and head.
    """
    h = 1.55 + 0.4 * u[0] if u[1] > 0.1 else 1.0 + 0.35 * u[0]
    s = h / 1.75
    pants = cloth_colour(u[2], u[3], u[4])
    top = cloth_colour(u[5], u[6], u[7])
    skin = skin_colour(u[8])
    hair = hsv(0.07, 0.5, 0.05 + 0.35 * u[9] ** 2)
    seed = float(int(u[10] * 1e5))
    lod = 140.0
    leg_h = 0.48 * h
    moving = vel[0] != 0 or vel[1] != 0
    stride = (0.05 + 0.2 * u[11]) * s if moving or u[11] < 0.4 else 0.0
    lw, ld, gap = 0.13 * s, 0.15 * s, 0.03 * s
    tw, td = 0.44 * s, 0.24 * s
    for k, sgn in enumerate((-1.0, 1.0)):
        off = sgn * (gap / 2 + lw / 2)
        st = sgn * stride
        if facing == 0:
            cx, cz, ex, ez = x + off, z + st, lw, ld
        else:
            cx, cz, ex, ez = x + st, z + off, ld, lw
        pb.box((cx - ex / 2, base, cz - ez / 2), (cx + ex / 2, base + leg_h, cz + ez / 2),
               M.CLOTH, HUMAN, pants, pants, (0,), seed + k, vel, lod=lod)
    ex, ez = (tw, td) if facing == 0 else (td, tw)
    t1 = base + 0.83 * h
    pb.box((x - ex / 2, base + leg_h - 0.02, z - ez / 2), (x + ex / 2, t1, z + ez / 2),
           M.CLOTH, HUMAN, top, top, (1,), seed + 2, vel, lod=lod)
    r = 0.1 * s
    pb.ellipsoid((x, t1 + 0.03 * s + 1.05 * r, z), (r * 0.92, r * 1.12, r),
                 M.SKIN, HUMAN, skin, hair, (facing,), seed + 3, vel, lod=lod)


def tree(pb, x, z, u, autumn=0.0, base=0.0, scale=1.0):
    """Trunk box plus an ellipsoid canopy with leafy cut-outs.  u: 10 uniforms."""
    conifer = u[0] < 0.2
    leaves = foliage_colour(u[1], u[2], 0.0 if conifer else autumn)
    if conifer:
        leaves = hsv(0.3 + 0.08 * u[2], 0.5, 0.1 + 0.1 * u[3])
    bark = hsv(0.07, 0.3 + 0.3 * u[3], 0.15 + 0.25 * u[4])
    seed = float(int(u[5] * 1e5))
    tw = (0.2 + 0.3 * u[6]) * scale
    if conifer:
        rx = (1.2 + 1.2 * u[7]) * scale
        ry = rx * (2.0 + 1.2 * u[8])
        trunk_h = (0.8 + 1.0 * u[9]) * scale
    else:
        rx = (1.6 + 2.2 * u[7]) * scale
        ry = rx * (0.8 + 0.5 * u[8])
        trunk_h = (1.8 + 2.0 * u[9]) * scale
    cy = base + trunk_h + ry * 0.85
    pb.box((x - tw / 2, base, z - tw / 2), (x + tw / 2, cy, z + tw / 2), M.BARK, NATURE,
           bark, bark, (), seed)
    holes = 0.42 + 0.1 * u[4] if not conifer else 0.36
    pb.ellipsoid((x, cy, z), (rx, ry, rx * (0.85 + 0.3 * u[3])), M.LEAVES, NATURE, leaves,
                 leaves, (holes, 1.0 if conifer else 0.0), seed + 1, shadow=0.35)


def bush(pb, x, z, u, base=0.0, autumn=0.0):
    col = foliage_colour(u[0], u[1], autumn * 0.5)
    r = 0.5 + 0.8 * u[2]
    pb.ellipsoid((x, base + 0.6 * r, z), (r * (1 + 0.5 * u[3]), 0.8 * r, r), M.LEAVES, NATURE,
                 col, col, (0.12, 0.0), float(int(u[4] * 1e5)), shadow=0.3, lod=150.0)


def hedge(pb, x0, x1, z0, z1, height, u, base=0.0):
    col = foliage_colour(u[0], u[1], 0.0)
    pb.box((x0, base, z0), (x1, base + height, z1), M.HEDGE, NATURE, col, col, (),
           float(int(u[2] * 1e5)), lod=200.0)


def wall(pb, x0, x1, z0, z1, height, u, base=0.0):
    """Garden wall, fence or noise barrier (construction)."""
    if u[0] < 0.5:
        col = hsv(0.08, 0.05 + 0.2 * u[1], 0.4 + 0.45 * u[2])   # concrete / stone
        kind = 0
    elif u[0] < 0.75:
        col = hsv(0.02 + 0.04 * u[1], 0.45, 0.3 + 0.2 * u[2])  # brick
        kind = 1
    else:
        col = metal_colour(u[1], u[2]) if u[3] < 0.5 else hsv(0.08, 0.45, 0.3 + 0.2 * u[2])
        kind = 2                                                # fence (slats)
    pb.box((x0, base, z0), (x1, base + height, z1), M.WALL, CONSTRUCTION, col, col, (kind,),
           float(int(u[4] * 1e5)), lod=250.0)


def guard_rail(pb, x, z0, z1, side):
    """Steel guard rail on posts every 4 m (construction)."""
    t = 0.08
    x0, x1 = (x, x + t) if side > 0 else (x - t, x)
    col = (0.6, 0.62, 0.63)
    pb.box((x0, 0.45, z0), (x1, 0.8, z1), M.WALL, CONSTRUCTION, col, col, (3,), 7.0, lod=250.0)
    xp0, xp1 = (x1, x1 + 0.12) if side > 0 else (x0 - 0.12, x0)
    z = np.ceil(z0 / 4.0) * 4.0
    while z < z1 - 0.2:
        pb.box((xp0, 0.0, z), (xp1, 0.75, z + 0.12), M.WALL, CONSTRUCTION, (0.35, 0.35, 0.36),
               (0.35, 0.35, 0.36), (4,), 8.0, lod=70.0)
        z += 4.0


def street_lamp(pb, x, z, side, u, base=0.0):
    """Pole with an arm reaching over the road (-side direction) and a lamp head."""
    col = metal_colour(u[0], u[1])
    h = 5.5 + 3.5 * u[2]
    w = 0.14 + 0.1 * u[3]
    seed = float(int(u[4] * 1e5))
    lod = 180.0
    pb.box((x - w / 2, base, z - w / 2), (x + w / 2, base + h, z + w / 2), M.METAL, OBJECT,
           col, col, (), seed, lod=lod)
    if u[5] < 0.8:
        arm = 1.0 + 1.8 * u[6]
        xa, xb = sorted((x, x - side * arm))
        pb.box((xa, base + h - 0.12, z - 0.05), (xb, base + h, z + 0.05), M.METAL, OBJECT,
               col, col, (), seed + 1, lod=lod)
        xe = x - side * arm
        pb.box((xe - 0.3, base + h - 0.22, z - 0.15), (xe + 0.3, base + h - 0.05, z + 0.15),
               M.LAMP, OBJECT, col, (1.0, 0.95, 0.8), (), seed + 2, lod=lod)


def utility_pole(pb, x, z, u, base=0.0):
    col = hsv(0.07, 0.4, 0.2 + 0.15 * u[0]) if u[1] < 0.6 else (0.55 + 0.2 * u[0],) * 3
    h = 7.0 + 4.0 * u[2]
    w = 0.22 + 0.1 * u[3]
    seed = float(int(u[4] * 1e5))
    pb.box((x - w / 2, base, z - w / 2), (x + w / 2, base + h, z + w / 2), M.METAL, OBJECT,
           col, col, (), seed, lod=200.0)
    pb.box((x - 0.9, base + h - 0.8, z - 0.06), (x + 0.9, base + h - 0.65, z + 0.06), M.METAL,
           OBJECT, col, col, (), seed + 1, lod=200.0)


def sign(pb, x, z, side, u, base=0.0):
    """Traffic sign on a post: rectangular plate or round disc, facing oncoming view."""
    seed = float(int(u[0] * 1e5))
    post = metal_colour(u[1], u[2])
    h = 2.0 + 1.2 * u[3]
    w = 0.06
    lod = 140.0
    pb.box((x - w / 2, base, z - w / 2), (x + w / 2, base + h, z + w / 2), M.METAL, OBJECT,
           post, post, (), seed, lod=lod)
    k = u[4]
    if k < 0.3:
        face, border = (0.9, 0.9, 0.9), (0.8, 0.05, 0.05)       # prohibitory
    elif k < 0.5:
        face, border = (0.05, 0.25, 0.7), (0.9, 0.9, 0.9)        # mandatory (blue)
    elif k < 0.7:
        face, border = (0.95, 0.75, 0.05), (0.1, 0.1, 0.1)       # warning (yellow)
    elif k < 0.85:
        face, border = (0.05, 0.35, 0.15), (0.9, 0.9, 0.9)       # direction (green)
    else:
        face, border = (0.9, 0.9, 0.9), (0.1, 0.1, 0.1)          # info (white)
    # facing: normally towards -Z (the camera), sometimes the back side is visible
    facing = -1.0 if u[5] < 0.8 else 1.0
    t = 0.03
    if k < 0.5 and u[6] < 0.6:
        r = 0.3 + 0.15 * u[7]
        cy = base + h + r * 0.9
        pb.ellipsoid((x, cy, z + facing * 0.05), (r, r, t), M.SIGN, OBJECT, face, border,
                     (facing, 1.0), seed + 1, lod=lod)
    else:
        pw = 0.5 + 0.5 * u[7] if k < 0.7 else 0.8 + 1.2 * u[7]
        ph = pw * (0.8 + 0.6 * u[8]) if k < 0.7 else pw * (0.4 + 0.3 * u[8])
        y0 = base + h - 0.1
        zf = z + facing * 0.05
        pb.box((x - pw / 2, y0, zf - t), (x + pw / 2, y0 + ph, zf + t), M.SIGN, OBJECT,
               face, border, (facing, 0.0), seed + 1, lod=lod)


def traffic_light(pb, x, z, side, u, road_x=None, base=0.0):
    """Pole with a signal head; sometimes a mast arm with a second head over the road."""
    seed = float(int(u[0] * 1e5))
    pole = metal_colour(u[1], u[2])
    housing = (0.05, 0.05, 0.05) if u[3] < 0.6 else ((0.9, 0.7, 0.05) if u[3] < 0.8
                                                     else (0.3, 0.33, 0.3))
    state = float(int(u[4] * 3))      # 0 red, 1 amber, 2 green
    lod = 160.0
    h = 3.0 + 0.8 * u[5]
    w = 0.14
    pb.box((x - w / 2, base, z - w / 2), (x + w / 2, base + h + 1.0, z + w / 2), M.METAL,
           OBJECT, pole, pole, (), seed, lod=lod)
    hw, hh, hd = 0.32, 0.9, 0.25
    pb.box((x - hw / 2, base + h, z - hd - w / 2), (x + hw / 2, base + h + hh, z - w / 2),
           M.TLIGHT, OBJECT, housing, housing, (state, -1.0), seed + 1, lod=lod)
    if road_x is not None and u[6] < 0.5:
        top = base + h + 2.2
        xa, xb = sorted((x, road_x))
        pb.box((x - w / 2, base + h + 1.0, z - w / 2), (x + w / 2, top, z + w / 2), M.METAL,
               OBJECT, pole, pole, (), seed + 2, lod=lod)
        pb.box((xa, top - 0.16, z - 0.06), (xb, top, z + 0.06), M.METAL, OBJECT, pole, pole, (),
               seed + 3, lod=lod)
        pb.box((road_x - hw / 2, top - 0.16 - hh, z - hd - 0.06),
               (road_x + hw / 2, top - 0.16, z - 0.06), M.TLIGHT, OBJECT, housing, housing,
               (state, -1.0), seed + 4, lod=lod)


def slab(pb, x0, x1, z0, z1, height, mat, cls, col, col2, par, seed):
    """Raised ground slab (sidewalk, grass verge, median); its shadow is not cast."""
    pb.box((x0, 0.0, z0), (x1, height, z1), mat, cls, col, col2, par, seed, shadow=1.0)
