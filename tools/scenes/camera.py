"""Pinhole camera: world frame, ray generation and projection.

World frame (metres): X to the right of the road, Y up, Z forward along the road.
The ground is the plane Y = 0; the road runs along Z around X = 0.

Rays are *not* normalised: each ray direction is ``forward + a*right + b*up``, so
its component along the optical axis is 1 and the ray parameter ``s`` of a hit
point ``origin + s*direction`` is exactly the depth (distance along the optical
axis, what a depth map stores).  The Euclidean distance is ``s * |direction|``.
"""

from dataclasses import dataclass, replace
import math

import numpy as np

NEAR = 0.05  # metres; hits closer than this along the optical axis are ignored


@dataclass(frozen=True)
class Camera:
    x: float = 0.0
    y: float = 1.4           # height above the ground
    z: float = 0.0
    yaw: float = 0.0         # radians, positive turns right (towards +X)
    pitch: float = 0.0       # radians, positive looks up
    roll: float = 0.0        # radians, positive turns the right vector upwards
    hfov: float = math.radians(62.0)  # horizontal field of view

    def moved(self, **kw):
        return replace(self, **kw)

    @property
    def origin(self):
        return np.array([self.x, self.y, self.z])

    def basis(self):
        """(forward, right, up) unit vectors in world coordinates."""
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        f = np.array([sy, 0.0, cy])
        r = np.array([cy, 0.0, -sy])
        u = np.array([0.0, 1.0, 0.0])
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        f, u = f * cp + u * sp, u * cp - f * sp
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        r, u = r * cr + u * sr, u * cr - r * sr
        return f, r, u

    def focal(self, width):
        """Focal length in pixels (square pixels)."""
        return 0.5 * width / math.tan(0.5 * self.hfov)

    def rays(self, height, width):
        """Ray directions (DX, DY, DZ), each float32 [H, W], optical-axis component 1."""
        f, r, u = self.basis()
        fp = self.focal(width)
        a = ((np.arange(width, dtype=np.float64) + 0.5 - 0.5 * width) / fp)
        b = ((0.5 * height - np.arange(height, dtype=np.float64) - 0.5) / fp)
        out = []
        for k in range(3):
            d = f[k] + a[None, :] * r[k] + b[:, None] * u[k]
            d = d.astype(np.float32)
            d[d == 0] = 1e-9          # keeps 1/d finite in the slab tests
            out.append(d)
        return tuple(out)

    def to_camera(self, pts):
        """World points [..., 3] -> camera coordinates (x right, y up, z forward)."""
        f, r, u = self.basis()
        rel = np.asarray(pts, dtype=np.float64) - self.origin
        return rel @ r, rel @ u, rel @ f


# the 12 edges of a box given as 8 corners numbered by bits (x: 1, y: 2, z: 4)
BOX_EDGES = np.array([(a, a | b) for b in (1, 2, 4) for a in range(8) if not a & b])


def screen_rects(cam, pts, height, width, edges=None):
    """Pixel rectangles covering convex point sets.

    pts: float [N, K, 3], each row the corners of a convex volume.  Volumes that
    cross the near plane are clipped: the crossings of the near plane by the
    ``edges`` (index pairs [E, 2] into K that include every edge of the hull; all
    pairs by default) are added to the points in front.

    Returns (rects int32 [N, 4] as (row0, row1, col0, col1), half-open and clipped
    to the image; zmin float [N] = nearest depth of the volume (>= NEAR);
    visible bool [N]).
    """
    n, k, _ = pts.shape
    xc, yc, zc = cam.to_camera(pts)
    fp = cam.focal(width)
    front = zc > NEAR
    anyf = front.any(1)
    allf = front.all(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = np.where(front, zc, 1.0)
        cx = np.where(front, xc / zs, np.nan)
        cy = np.where(front, yc / zs, np.nan)
    xmin = np.full(n, 1e9)
    xmax = np.full(n, -1e9)
    ymin = np.full(n, 1e9)
    ymax = np.full(n, -1e9)
    vis = np.flatnonzero(allf)
    if len(vis):
        xmin[vis] = cx[vis].min(1)
        xmax[vis] = cx[vis].max(1)
        ymin[vis] = cy[vis].min(1)
        ymax[vis] = cy[vis].max(1)
    mixed = np.flatnonzero(anyf & ~allf)
    if len(mixed):
        if edges is None:
            edges = np.array([(a, b) for a in range(k) for b in range(a + 1, k)])
        ea, eb = edges[:, 0], edges[:, 1]
        xa, ya, za = xc[mixed], yc[mixed], zc[mixed]
        z1, z2 = za[:, ea], za[:, eb]
        cross = (z1 > NEAR) != (z2 > NEAR)
        with np.errstate(divide="ignore", invalid="ignore"):
            tt = (NEAR - z1) / (z2 - z1)
            px = (xa[:, ea] + tt * (xa[:, eb] - xa[:, ea])) / NEAR
            py = (ya[:, ea] + tt * (ya[:, eb] - ya[:, ea])) / NEAR
        cxm = np.concatenate([cx[mixed], np.where(cross, px, np.nan)], 1)
        cym = np.concatenate([cy[mixed], np.where(cross, py, np.nan)], 1)
        with np.errstate(invalid="ignore"):
            xmin[mixed] = np.nanmin(cxm, 1)
            xmax[mixed] = np.nanmax(cxm, 1)
            ymin[mixed] = np.nanmin(cym, 1)
            ymax[mixed] = np.nanmax(cym, 1)
    # pixel j's centre ray has column coordinate j; keep a small margin for rounding
    eps = 0.02
    c0 = np.floor(0.5 * width + fp * xmin - 0.5 - eps)
    c1 = np.floor(0.5 * width + fp * xmax - 0.5 + eps) + 1
    r0 = np.floor(0.5 * height - fp * ymax - 0.5 - eps)
    r1 = np.floor(0.5 * height - fp * ymin - 0.5 + eps) + 1
    rects = np.stack([np.clip(r0, 0, height), np.clip(r1, 0, height),
                      np.clip(c0, 0, width), np.clip(c1, 0, width)], 1).astype(np.int32)
    visible = anyf & (rects[:, 1] > rects[:, 0]) & (rects[:, 3] > rects[:, 2])
    zmin = np.maximum(np.where(front, zc, np.inf).min(1), NEAR)
    if len(mixed):
        zmin[mixed] = NEAR
    return rects, zmin, visible
