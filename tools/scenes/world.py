"""Procedural street worlds.

A ``World`` is everything a seed decides: the street style and cross-section
(``Layout``), the light and weather (``Env``), the ego camera's mounting and speed,
and the objects along the street.  Objects are generated lazily in blocks of
``BLOCK`` metres along Z, each block from its own random stream, so a world is
effectively endless and any block is the same whichever part of the world is
rendered first (a video and a still of the same seed see the same street).

Things that move (cars in lanes, walking people) store a velocity; ``prims(z0, z1,
t)`` returns the primitives at time t.  Every car in a lane moves at that lane's
speed, so traffic never collides; the ego lane moves at the ego camera's speed.
"""

from dataclasses import dataclass, field
import math

import numpy as np

from . import materials as M
from . import objects as O
from . import textures as T
from .camera import Camera
from .classes import FLAT, NATURE

BLOCK = 40.0
STYLES = ("downtown", "residential", "boulevard", "rural")
STYLE_P = (0.32, 0.28, 0.24, 0.16)
MAX_SPEED = 16.0   # m/s, bound on any object's speed (to find blocks that can reach a view)
OVERHANG = 6.0     # m, how far an object may reach beyond its block


@dataclass
class Env:
    sun_dir: np.ndarray       # unit vector towards the sun
    sun_col: np.ndarray       # direct sun light (colour x intensity)
    amb_col: np.ndarray       # sky (ambient) light
    zenith: np.ndarray
    horizon: np.ndarray
    cloud_cover: float
    cloud_col: np.ndarray
    cloud_off: tuple
    sun_vis: float            # 0 when the sun disc/glow is hidden (overcast)
    fog_density: float        # 1/m, extinction of the exponential fog
    fog_col: np.ndarray
    dusk: float               # 0 day .. 1 dusk (lit windows, lamps)
    grass: np.ndarray
    grass2: np.ndarray


@dataclass
class Layout:
    """Street cross-section; X positions in metres, road centre line at X = 0."""
    lane_w: float
    lanes: list               # (x centre, direction +1/-1) of driving lanes
    lane_speed: list          # speed (m/s, signed along Z) of each driving lane
    ego_lane: int
    road_l: float             # left curb X (negative)
    road_r: float             # right curb X (positive)
    park_l: float
    park_r: float
    median: tuple             # (x0, x1) of a raised grass median, or None
    markings: list            # (x, kind) kind in dash / solid / double / edge
    yellow_center: bool
    dash_period: float
    dash_duty: float
    dash_phase: float
    paint_fresh: float
    asphalt: float
    asphalt_tint: tuple
    curb_h: float
    verge_w: tuple            # (left, right) grass verge between curb and sidewalk
    walk_w: tuple             # (left, right) sidewalk width
    shoulder: float           # gravel shoulder width (rural)
    yard_tile: float
    yard_paving: tuple
    walk_tile: float
    walk_col: tuple
    curb_col: tuple


@dataclass
class Style:
    name: str
    p_cross: float
    setback: tuple            # (min, max) building setback behind the sidewalk
    b_height: tuple
    b_width: tuple
    b_depth: tuple
    b_gap: tuple
    p_gap: float              # probability of a gap after a building
    p_building: float         # probability that a lot has a building
    tree_spacing: float       # 0: no street trees
    p_yard_tree: float
    people: float             # mean pedestrians per block side
    park_density: float
    lane_density: float       # mean moving cars per lane per block
    lamp_spacing: float
    lamp_sides: int           # 1 or 2
    yard_p: tuple             # probabilities of yard kinds (grass, paved, dirt)
    p_front_wall: float
    p_second_row: float
    autumn: float = 0.0
    p_rail: float = 0.0
    utility: bool = False
    extra: dict = field(default_factory=dict)


def _u(rng, lo, hi):
    return lo + (hi - lo) * rng.random()


def _hsv(h, s, v):
    return np.array(O.hsv(h, s, v), np.float32)


class World:
    def __init__(self, seed):
        self.seed = int(seed)
        rng = np.random.default_rng([self.seed, 0])
        self.style = self._make_style(rng)
        self.layout = self._make_layout(rng)
        self.env = self._make_env(rng)
        self._cam_rng_state = np.random.default_rng([self.seed, 2])
        self._make_camera()
        self._blocks = {}

    # ------------------------------------------------------------------ globals

    def _make_style(self, rng):
        name = STYLES[int(np.searchsorted(np.cumsum(STYLE_P), rng.random() * 0.999999))]
        autumn = 0.6 if rng.random() < 0.12 else 0.0
        if name == "downtown":
            s = Style(name, p_cross=0.45, setback=(0.0, 0.0), b_height=(10, 48),
                      b_width=(8, 26), b_depth=(12, 25), b_gap=(2, 8), p_gap=0.1,
                      p_building=1.0, tree_spacing=_u(rng, 9, 15) if rng.random() < 0.35 else 0,
                      p_yard_tree=0.0, people=_u(rng, 4, 14), park_density=_u(rng, 0.2, 0.9),
                      lane_density=_u(rng, 0.4, 1.6), lamp_spacing=_u(rng, 18, 30),
                      lamp_sides=2, yard_p=(0.1, 0.9, 0.0), p_front_wall=0.05,
                      p_second_row=0.6, autumn=autumn)
        elif name == "residential":
            s = Style(name, p_cross=0.3, setback=(2.5, 9.0), b_height=(4.5, 9.5),
                      b_width=(7, 14), b_depth=(8, 13), b_gap=(2, 9), p_gap=0.85,
                      p_building=0.85, tree_spacing=_u(rng, 7, 14) if rng.random() < 0.5 else 0,
                      p_yard_tree=0.5, people=_u(rng, 0.5, 3.0), park_density=_u(rng, 0.1, 0.7),
                      lane_density=_u(rng, 0.1, 0.7), lamp_spacing=_u(rng, 25, 40),
                      lamp_sides=1, yard_p=(0.8, 0.15, 0.05), p_front_wall=0.6,
                      p_second_row=0.5, autumn=autumn)
        elif name == "boulevard":
            s = Style(name, p_cross=0.35, setback=(0.0, 3.0), b_height=(9, 24),
                      b_width=(10, 22), b_depth=(10, 18), b_gap=(2, 10), p_gap=0.3,
                      p_building=0.95, tree_spacing=_u(rng, 6, 11), p_yard_tree=0.2,
                      people=_u(rng, 2, 8), park_density=_u(rng, 0.2, 0.8),
                      lane_density=_u(rng, 0.3, 1.3), lamp_spacing=_u(rng, 20, 32),
                      lamp_sides=2, yard_p=(0.5, 0.5, 0.0), p_front_wall=0.2,
                      p_second_row=0.4, autumn=autumn)
        else:
            s = Style(name, p_cross=0.08, setback=(10.0, 40.0), b_height=(4, 9),
                      b_width=(8, 16), b_depth=(8, 14), b_gap=(20, 60), p_gap=1.0,
                      p_building=0.25, tree_spacing=0, p_yard_tree=0.0,
                      people=_u(rng, 0.0, 0.6), park_density=0.0,
                      lane_density=_u(rng, 0.2, 1.0), lamp_spacing=_u(rng, 35, 50),
                      lamp_sides=1, yard_p=(0.7, 0.0, 0.3), p_front_wall=0.0,
                      p_second_row=0.0, autumn=autumn, p_rail=0.5, utility=rng.random() < 0.6)
        return s

    def _make_layout(self, rng):
        st = self.style
        name = st.name
        lane_w = _u(rng, 3.0, 3.6)
        if name == "downtown":
            n_fwd = int(rng.choice([1, 2, 3], p=[0.3, 0.5, 0.2]))
            n_back = 0 if rng.random() < 0.12 else int(rng.choice([1, 2], p=[0.5, 0.5]))
            p_park = 0.5
        elif name == "residential":
            n_fwd, n_back, p_park = 1, 1, 0.8
        elif name == "boulevard":
            n_fwd = int(rng.choice([1, 2], p=[0.4, 0.6]))
            n_back, p_park = n_fwd, 0.5
        else:
            n_fwd = 2 if rng.random() < 0.25 else 1
            n_back, p_park = n_fwd, 0.0
        park_l = _u(rng, 2.1, 2.5) if rng.random() < p_park else 0.0
        park_r = _u(rng, 2.1, 2.5) if rng.random() < p_park else 0.0
        median = None
        mh = 0.0
        if name == "boulevard" and n_back > 0 and rng.random() < 0.6:
            mw = _u(rng, 2.0, 6.0)
            median = (-mw / 2, mw / 2)
            mh = mw / 2
        elif name == "downtown" and n_back > 0 and rng.random() < 0.1:
            median = (-1.0, 1.0)
            mh = 1.0
        lanes, speeds = [], []
        ego_speed = _u(rng, 6.0, 12.0)
        for i in range(n_back):
            lanes.append((-(mh + (i + 0.5) * lane_w), -1))
            speeds.append(-_u(rng, 7.0, MAX_SPEED - 2))
        fwd = []
        for i in range(n_fwd):
            lanes.append((mh + (i + 0.5) * lane_w, 1))
            fwd.append(len(lanes) - 1)
            speeds.append(ego_speed + _u(rng, -3.0, 3.0))
        ego = fwd[int(rng.integers(len(fwd)))]
        speeds[ego] = ego_speed
        road_r = mh + n_fwd * lane_w + park_r
        road_l = -(mh + n_back * lane_w + park_l)
        markings = []
        yellow = rng.random() < 0.4
        if median is None:
            if n_back > 0:
                markings.append((0.0, "double" if rng.random() < 0.5 else
                                 ("dash" if rng.random() < 0.6 else "solid")))
            else:
                markings.append((-0.3, "edge"))
        for i in range(1, n_fwd):
            markings.append((mh + i * lane_w, "dash"))
        for i in range(1, n_back):
            markings.append((-(mh + i * lane_w), "dash"))
        if rng.random() < 0.7:
            markings.append((road_r - park_r - (0.25 if park_r == 0 else 0.0), "edge"))
            if n_back > 0:
                markings.append((road_l + park_l + (0.25 if park_l == 0 else 0.0), "edge"))
        curb_h = _u(rng, 0.1, 0.18)
        vw, ww = [0.0, 0.0], [0.0, 0.0]
        for i in range(2):
            if name == "downtown":
                ww[i] = _u(rng, 3.0, 6.5)
            elif name == "residential":
                vw[i] = _u(rng, 0.8, 2.5) if rng.random() < 0.55 else 0.0
                ww[i] = _u(rng, 1.4, 2.5)
            elif name == "boulevard":
                vw[i] = _u(rng, 1.5, 3.5) if rng.random() < 0.7 else 0.0
                ww[i] = _u(rng, 2.5, 5.0)
            else:
                ww[i] = _u(rng, 1.0, 1.8) if rng.random() < 0.2 else 0.0
        shoulder = _u(rng, 0.4, 1.5) if name == "rural" else 0.0
        wc = rng.random()
        if wc < 0.5:
            g = _u(rng, 0.45, 0.7)
            walk_col = (g, g * 0.98, g * 0.95)
        elif wc < 0.75:
            walk_col = O.hsv(_u(rng, 0.0, 0.06), _u(rng, 0.25, 0.45), _u(rng, 0.35, 0.55))
        else:
            walk_col = O.hsv(_u(rng, 0.08, 0.13), _u(rng, 0.1, 0.3), _u(rng, 0.5, 0.7))
        g = _u(rng, 0.5, 0.75)
        curb_col = (g, g, g * 0.97)
        g = _u(rng, 0.4, 0.65)
        yard_paving = (g, g * _u(rng, 0.92, 1.0), g * _u(rng, 0.85, 1.0))
        asphalt = _u(rng, 0.2, 0.42)
        tint = (1.0, _u(rng, 0.98, 1.02), _u(rng, 0.98, 1.08))
        return Layout(lane_w=lane_w, lanes=lanes, lane_speed=speeds, ego_lane=ego,
                      road_l=road_l, road_r=road_r, park_l=park_l, park_r=park_r,
                      median=median, markings=markings, yellow_center=yellow,
                      dash_period=_u(rng, 6.0, 12.0), dash_duty=_u(rng, 0.25, 0.5),
                      dash_phase=_u(rng, 0.0, 12.0), paint_fresh=_u(rng, 0.5, 1.0),
                      asphalt=asphalt, asphalt_tint=tint, curb_h=curb_h,
                      verge_w=tuple(vw), walk_w=tuple(ww), shoulder=shoulder,
                      yard_tile=_u(rng, 0.3, 1.0), yard_paving=yard_paving,
                      walk_tile=_u(rng, 0.25, 0.8), walk_col=walk_col, curb_col=curb_col)

    def _make_env(self, rng):
        r = rng.random()
        overcast = r < 0.25
        dusk = (not overcast) and r > 0.9
        if dusk:
            elev = math.radians(_u(rng, 12, 20))
        else:
            elev = math.radians(_u(rng, 22, 70))
        az = _u(rng, 0, 2 * math.pi)
        sun_dir = np.array([math.cos(elev) * math.sin(az), math.sin(elev),
                            math.cos(elev) * math.cos(az)], np.float32)
        if overcast:
            sun_col = np.array([1.0, 1.0, 1.0], np.float32) * _u(rng, 0.05, 0.2)
            g = _u(rng, 0.8, 1.05)
            amb = np.array([0.95, 0.97, 1.0], np.float32) * g
            top = _u(rng, 0.5, 0.75)
            zenith = np.array([top, top * 1.02, top * 1.06], np.float32)
            hz = min(top + _u(rng, 0.05, 0.2), 0.95)
            horizon = np.array([hz, hz, hz * 1.02], np.float32)
            cover, sun_vis = 0.97, 0.0
            cloud_col = np.array([0.6, 0.61, 0.63], np.float32) * _u(rng, 0.8, 1.3)
        elif dusk:
            sun_col = np.array([1.0, 0.68, 0.42], np.float32) * _u(rng, 0.8, 1.0)
            amb = np.array([0.38, 0.36, 0.45], np.float32) * _u(rng, 0.8, 1.1)
            zenith = _hsv(_u(rng, 0.6, 0.68), _u(rng, 0.4, 0.6), _u(rng, 0.35, 0.55))
            horizon = _hsv(_u(rng, 0.03, 0.1), _u(rng, 0.35, 0.6), _u(rng, 0.75, 0.95))
            cover, sun_vis = _u(rng, 0.0, 0.5), 1.0
            cloud_col = np.array([0.85, 0.6, 0.5], np.float32)
        else:
            sun_col = np.array([1.0, 0.96, 0.88], np.float32) * _u(rng, 0.8, 1.05)
            amb = np.array([0.42, 0.47, 0.56], np.float32) * _u(rng, 0.8, 1.1)
            zenith = _hsv(_u(rng, 0.56, 0.63), _u(rng, 0.35, 0.7), _u(rng, 0.6, 0.9))
            horizon = _hsv(_u(rng, 0.55, 0.6), _u(rng, 0.05, 0.25), _u(rng, 0.8, 0.97))
            cover, sun_vis = (_u(rng, 0.0, 0.7) if rng.random() < 0.7 else 0.0), 1.0
            cloud_col = np.array([0.97, 0.97, 0.97], np.float32)
        fog = 0.0 if rng.random() < 0.4 else _u(rng, 0.002, 0.03) ** 1.0
        fog_col = (0.6 * horizon + 0.4 * np.array([0.7, 0.7, 0.72], np.float32)).astype(np.float32)
        if rng.random() < 0.2:
            grass = _hsv(_u(rng, 0.1, 0.16), _u(rng, 0.35, 0.55), _u(rng, 0.35, 0.5))
        else:
            grass = _hsv(_u(rng, 0.2, 0.28), _u(rng, 0.45, 0.7), _u(rng, 0.25, 0.45))
        grass2 = (grass * _u(rng, 0.7, 1.2) * np.array([1.0, 0.95, 0.8], np.float32))
        return Env(sun_dir=sun_dir, sun_col=sun_col.astype(np.float32), amb_col=amb.astype(np.float32),
                   zenith=zenith, horizon=horizon, cloud_cover=cover, cloud_col=cloud_col,
                   cloud_off=(_u(rng, 0, 512), _u(rng, 0, 512)), sun_vis=sun_vis,
                   fog_density=fog, fog_col=fog_col, dusk=1.0 if dusk else 0.0,
                   grass=grass, grass2=grass2.astype(np.float32))

    def _make_camera(self):
        rng = self._cam_rng_state
        L = self.layout
        lx = L.lanes[L.ego_lane][0]
        self.cam_height = _u(rng, 1.2, 1.6)
        self.cam_x = lx + _u(rng, -0.4, 0.4)
        self.cam_pitch = float(np.clip(rng.normal(0, math.radians(1.2)), -math.radians(3), math.radians(3)))
        self.cam_roll = float(np.clip(rng.normal(0, math.radians(0.8)), -math.radians(2.5), math.radians(2.5)))
        self.cam_yaw = float(np.clip(rng.normal(0, math.radians(1.5)), -math.radians(4), math.radians(4)))
        self.cam_hfov = math.radians(_u(rng, 55, 70))
        self.cam_speed = L.lane_speed[L.ego_lane]
        self.cam_bob = (_u(rng, 0, 6.28), _u(rng, 0, 6.28))
        self.ego_gap = _u(rng, 8.0, 35.0)     # free road ahead of the ego camera at t = 0

    def camera(self, t=0.0):
        """The ego camera at time t (seconds): driving forward along its lane."""
        p, r = self.cam_bob
        bob_p = math.radians(0.15) * math.sin(2 * math.pi * 1.1 * t + p) if t else 0.0
        bob_r = math.radians(0.1) * math.sin(2 * math.pi * 0.7 * t + r) if t else 0.0
        return Camera(x=self.cam_x, y=self.cam_height, z=self.cam_speed * t,
                      yaw=self.cam_yaw, pitch=self.cam_pitch + bob_p,
                      roll=self.cam_roll + bob_r, hfov=self.cam_hfov)

    # ------------------------------------------------------------------ blocks

    def block(self, k):
        b = self._blocks.get(k)
        if b is None:
            b = self._gen_block(k)
            self._blocks[k] = b
        return b

    def _blocks_for(self, z0, z1, t):
        # objects stay inside their block at t = 0, except tree crowns and skyline
        # buildings, which reach at most OVERHANG further
        reach = MAX_SPEED * abs(t)
        k0 = int(math.floor((z0 - reach) / BLOCK))
        k1 = int(math.floor((z1 + reach + OVERHANG) / BLOCK))
        return range(k0, k1 + 1)

    def prims(self, z0, z1, t=0.0):
        """Primitive table (see objects.py) of everything overlapping z in [z0, z1] at time t."""
        tabs = [self.block(k)["prims"] for k in self._blocks_for(z0, z1, t)]
        tab = np.concatenate(tabs, 0) if tabs else np.zeros((0, O.NCOL), np.float32)
        if t:
            vel = tab[:, O.C_VEL]
            mv = np.flatnonzero((vel[:, 0] != 0) | (vel[:, 1] != 0))
            if len(mv):
                tab = tab.copy()
                dx = vel[mv, 0] * t
                dz = vel[mv, 1] * t
                tab[mv, 1] += dx
                tab[mv, 3] += dz
                isbox = tab[mv, O.C_KIND] == O.BOX
                tab[mv, 4] += dx * isbox
                tab[mv, 6] += dz * isbox
        kind = tab[:, O.C_KIND]
        zlo = np.where(kind == O.BOX, tab[:, 3], tab[:, 3] - tab[:, 6])
        zhi = np.where(kind == O.BOX, tab[:, 6], tab[:, 3] + tab[:, 6])
        keep = (zhi >= z0) & (zlo <= z1)
        return tab[keep]

    def crossings(self, z0, z1, t=0.0):
        out = []
        for k in self._blocks_for(z0, z1, 0.0):
            c = self.block(k)["crossing"]
            if c is not None and c[1] >= z0 and c[0] <= z1:
                out.append(c)
        return out

    def yard_kind(self, blk, side):
        """Yard kind (0 grass, 1 paved, 2 dirt) for block ids and sides (0 left, 1 right).

        A hash of (seed, block, side), so it is defined for every block without
        generating it (the ground reaches the horizon)."""
        yp = np.cumsum(self.style.yard_p)
        u = T.hash01(blk, side, self.seed) * yp[-1] * 0.999999
        return np.searchsorted(yp, u)

    def _gen_block(self, k):
        rng = np.random.default_rng([self.seed, 1, k + (1 << 30)])
        st, L = self.style, self.layout
        pb = O.PrimBuilder()
        z0, z1 = k * BLOCK, (k + 1) * BLOCK
        crossing = None
        if rng.random() < st.p_cross:
            w = _u(rng, 8.0, 14.0)
            c0 = _u(rng, z0 + 7.0, z1 - 7.0 - w)
            crossing = (c0, c0 + w)
        segs = [(z0, crossing[0]), (crossing[1], z1)] if crossing else [(z0, z1)]
        ch = L.curb_h
        seed0 = float((k * 7919) % 100000)

        # median
        if L.median is not None:
            for (a, b) in segs:
                O.slab(pb, L.median[0], L.median[1], a, b, ch, M.VERGE, NATURE,
                       self.env.grass, self.env.grass2, (), seed0)
                if L.median[1] - L.median[0] > 2.5 and st.tree_spacing:
                    z = a + _u(rng, 1, st.tree_spacing)
                    while z < b - 1:
                        O.tree(pb, 0.0, z, rng.random(10).tolist(), st.autumn, base=ch, scale=0.8)
                        z += st.tree_spacing * _u(rng, 0.8, 1.2)

        for si, side in ((0, -1), (1, 1)):
            edge = L.road_r if side > 0 else -L.road_l
            vw, ww = L.verge_w[si], L.walk_w[si]
            x_out = edge + vw + ww

            def sx(a, b):
                return (a, b) if side > 0 else (-b, -a)

            # verge and sidewalk slabs
            for (a, b) in segs:
                if vw > 0:
                    xa, xb = sx(edge, edge + vw)
                    O.slab(pb, xa, xb, a, b, ch, M.VERGE, NATURE, self.env.grass,
                           self.env.grass2, (), seed0 + 1)
                if ww > 0:
                    xa, xb = sx(edge + vw, x_out)
                    e = side * (edge + vw) if vw > 0 else side * edge
                    O.slab(pb, xa, xb, a, b, ch, M.SIDEWALK, FLAT, L.walk_col, L.curb_col,
                           (L.walk_tile, e if vw == 0 else 1e6), seed0 + 2)
            base = ch if ww > 0 else 0.0
            # buildings
            for (a, b) in segs:
                self._buildings(pb, rng, side, x_out, a, b)
            # second row (skyline / backdrop)
            if rng.random() < st.p_second_row:
                if st.name == "downtown":
                    w = _u(rng, 15, 35)
                    za = _u(rng, z0 - 5, z1 - w + 5)
                    xf = x_out + _u(rng, 22, 45)
                    O.building(pb, side, xf, za, za + w, _u(rng, 15, 30),
                               _u(rng, 35, 110), rng.random(14).tolist(), "downtown")
                else:
                    for _ in range(int(rng.integers(1, 4))):
                        xf = x_out + _u(rng, 20, 45)
                        za = _u(rng, z0, z1 - 8)
                        if rng.random() < 0.55:
                            O.tree(pb, side * (xf + 3), za, rng.random(10).tolist(), st.autumn, scale=1.3)
                        else:
                            O.building(pb, side, xf, za, za + _u(rng, 8, 14), _u(rng, 8, 12),
                                       _u(rng, 5, 12), rng.random(14).tolist(), "residential")
            # front walls / hedges (residential)
            if rng.random() < st.p_front_wall:
                self._front_wall(pb, rng, side, x_out, segs)
            # street trees on the verge or in sidewalk pits
            if st.tree_spacing:
                tx = edge + (vw / 2 if vw > 0 else 0.9)
                for (a, b) in segs:
                    z = a + _u(rng, 0.5, st.tree_spacing)
                    while z < b - 0.5:
                        O.tree(pb, side * tx, z, rng.random(10).tolist(), st.autumn, base=ch)
                        z += st.tree_spacing * _u(rng, 0.85, 1.15)
            # rural: fields with scattered trees, bushes, distant tree lines, guard rails
            if st.name == "rural":
                self._rural_side(pb, rng, side, edge, z0, z1, segs)
            # lamps (regular spacing along the whole street)
            if st.lamp_sides == 2 or side > 0:
                ph = (self.seed % 97) / 97.0 * st.lamp_spacing + (0 if side > 0 else st.lamp_spacing / 2)
                n0 = math.ceil((z0 - ph) / st.lamp_spacing)
                z = ph + n0 * st.lamp_spacing
                lx = edge + (0.4 if ww > 0 or vw > 0 else L.shoulder + 0.8)
                while z < z1:
                    if not (crossing and crossing[0] - 1 < z < crossing[1] + 1):
                        if st.utility:
                            O.utility_pole(pb, side * (lx + 1.5), z, rng.random(5).tolist())
                        else:
                            O.street_lamp(pb, side * lx, z, side, rng.random(7).tolist(), base=base)
                    z += st.lamp_spacing
            # signs
            for _ in range(int(rng.poisson(0.8))):
                z = _u(rng, z0, z1)
                if crossing and crossing[0] - 1 < z < crossing[1] + 1:
                    continue
                lx = edge + (0.35 if ww > 0 or vw > 0 else L.shoulder + 0.6)
                O.sign(pb, side * lx, z, side, rng.random(9).tolist(), base=base)
            # traffic lights at the crossing
            if crossing and st.name != "rural" and rng.random() < 0.75:
                lx = edge + 0.5
                road_x = L.lanes[L.ego_lane][0] if side > 0 else None
                zt = crossing[0] - 1.0 if side > 0 else crossing[1] + 1.0
                O.traffic_light(pb, side * lx, zt, side, rng.random(7).tolist(), road_x=road_x, base=base)
            # pedestrians on the sidewalk
            if ww > 0.6:
                for _ in range(int(rng.poisson(st.people))):
                    z = _u(rng, z0 + 1, z1 - 1)
                    if crossing and crossing[0] < z < crossing[1]:
                        continue
                    x = side * (edge + vw + _u(rng, 0.35, ww - 0.35))
                    u = rng.random(12).tolist()
                    walking = u[11] < 0.6
                    vz = (1 if rng.random() < 0.5 else -1) * _u(rng, 0.8, 1.6) if walking else 0.0
                    facing = 0 if walking or rng.random() < 0.5 else 1
                    O.person(pb, x, z, facing, u, vel=(0.0, vz), base=ch)
                    # sometimes in company: side by side when walking, chatting when not
                    for _ in range(int(rng.random() < 0.3) * int(rng.integers(1, 3))):
                        dx, dz = (_u(rng, 0.5, 0.8), _u(rng, -0.3, 0.3)) if walking else \
                            (_u(rng, -0.9, 0.9), _u(rng, 0.5, 1.0))
                        xc = x + dx * (1 if rng.random() < 0.5 else -1)
                        lim = (edge + vw + 0.3, edge + vw + ww - 0.3)
                        if lim[0] <= abs(xc) <= lim[1]:
                            O.person(pb, xc, z + dz, facing, rng.random(12).tolist(),
                                     vel=(0.0, vz), base=ch)
            # parked cars
            pw = L.park_r if side > 0 else L.park_l
            if pw > 0:
                px = side * (edge - pw / 2)
                for (a, b) in segs:
                    z = a + _u(rng, 0.3, 3.0)
                    while z < b - 3.5:
                        u = rng.random(12).tolist()
                        if rng.random() < st.park_density:
                            ln = O.car(pb, px + _u(rng, -0.15, 0.15), z, side, u,
                                       max_len=b - z, no_bus=True)
                            if ln == 0:
                                break
                            z += ln + _u(rng, 0.5, 3.0)
                        else:
                            z += _u(rng, 3.0, 7.0)

        # moving traffic, one stream per lane; cars stay inside the block at t = 0
        for li, (lx, d) in enumerate(L.lanes):
            v = L.lane_speed[li]
            z = z0 + _u(rng, 0.0, 12.0)
            while z < z1 - 3.5:
                u = rng.random(12).tolist()
                if rng.random() < st.lane_density / 2.0:
                    lo, hi = z, min(z1, z + 13)
                    if li == L.ego_lane and lo < self.ego_gap and hi > -10.0:
                        z = max(z + 1.0, self.ego_gap)    # keep the road ahead of the ego camera free
                        continue
                    ln = O.car(pb, lx + _u(rng, -0.2, 0.2), z, d, u, vz=v, max_len=z1 - z)
                    if ln == 0:
                        break
                    z += ln + _u(rng, 4.0, 20.0)
                else:
                    z += _u(rng, 5.0, 15.0)
        # people on the crosswalk, where no traffic passes: parking lanes, median
        spots = [(L.road_l + 0.4, L.road_l + L.park_l - 0.4), (L.road_r - L.park_r + 0.4, L.road_r - 0.4)]
        if L.median is not None:
            spots.append((L.median[0] + 0.3, L.median[1] - 0.3))
        spots = [sp for sp in spots if sp[1] > sp[0]]
        if crossing and spots and st.people > 0.5 and rng.random() < 0.5:
            for _ in range(int(rng.integers(1, 4))):
                a, b = spots[int(rng.integers(len(spots)))]
                zz = _u(rng, crossing[0] - 4.2, crossing[0] - 1.5)
                O.person(pb, _u(rng, a, b), zz, 1, rng.random(12).tolist())
        return {"prims": pb.table(), "crossing": crossing}

    def _buildings(self, pb, rng, side, x_out, a, b):
        st = self.style
        z = a + (_u(rng, 0.0, 3.0) if st.p_gap > 0.5 else 0.0)
        while z < b - 3.0:
            w = _u(rng, *st.b_width)
            if z + w > b:
                w = b - z
                if w < 4.0:
                    break
            if rng.random() < st.p_building:
                h = _u(rng, *st.b_height)
                if st.name == "downtown" and rng.random() < 0.15:
                    h *= _u(rng, 1.3, 2.2)
                sb = _u(rng, *st.setback)
                d = _u(rng, *st.b_depth)
                xf = x_out + sb
                O.building(pb, side, xf, z, z + w, d, h, rng.random(14).tolist(), st.name)
                if st.name == "residential":
                    if rng.random() < st.p_yard_tree and sb > 3.0:
                        O.tree(pb, side * (x_out + _u(rng, 1.5, sb - 1.2)), _u(rng, z, z + w),
                               rng.random(10).tolist(), st.autumn, scale=_u(rng, 0.6, 1.0))
                    if rng.random() < 0.4 and sb > 2.5:
                        O.bush(pb, side * (x_out + _u(rng, 1.0, sb - 0.8)), _u(rng, z, z + w),
                               rng.random(5).tolist(), autumn=st.autumn)
            z += w
            if rng.random() < st.p_gap:
                z += _u(rng, *st.b_gap)

    def _front_wall(self, pb, rng, side, x_out, segs):
        hedge = rng.random() < 0.45
        u = rng.random(5).tolist()
        h = _u(rng, 0.6, 1.8)
        th = _u(rng, 0.5, 0.9) if hedge else _u(rng, 0.15, 0.35)
        xa, xb = (x_out + 0.1, x_out + 0.1 + th) if side > 0 else (-x_out - 0.1 - th, -x_out - 0.1)
        for (a, b) in segs:
            z = a
            while z < b - 1.0:
                ln = min(_u(rng, 5.0, 16.0), b - z)
                if hedge:
                    O.hedge(pb, xa, xb, z, z + ln, h, u)
                else:
                    O.wall(pb, xa, xb, z, z + ln, h, u)
                z += ln + _u(rng, 2.5, 4.0)

    def _rural_side(self, pb, rng, side, edge, z0, z1, segs):
        st, L = self.style, self.layout
        for _ in range(int(rng.poisson(2.5))):
            x = edge + L.shoulder + _u(rng, 3.0, 30.0)
            O.tree(pb, side * x, _u(rng, z0, z1), rng.random(10).tolist(), st.autumn,
                   scale=_u(rng, 0.8, 1.5))
        for _ in range(int(rng.poisson(1.5))):
            x = edge + L.shoulder + _u(rng, 1.5, 15.0)
            O.bush(pb, side * x, _u(rng, z0, z1), rng.random(5).tolist(), autumn=st.autumn)
        if rng.random() < 0.7:   # distant tree line
            x = edge + _u(rng, 40.0, 90.0)
            r = _u(rng, 6.0, 16.0)
            pb.ellipsoid((side * (x + r), r * 0.5, _u(rng, z0, z1)), (r, r * _u(rng, 0.6, 1.1), r * 1.5),
                         M.LEAVES, NATURE, O.foliage_colour(rng.random(), rng.random(), 0.0),
                         (0, 0, 0), (0.0, 0.0), float(k_seed(rng)), shadow=0.4)
        if (self.seed >> (1 if side > 0 else 2)) % 2 == 0 and st.p_rail and \
                rng.random() < 2 * st.p_rail:
            for (a, b) in segs:
                O.guard_rail(pb, side * (edge + L.shoulder + 0.3), a, b, side)


def k_seed(rng):
    return int(rng.integers(0, 100000))
