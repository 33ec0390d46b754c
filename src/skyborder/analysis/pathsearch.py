"""Tracing many straight and constant-turn paths through an airspace at once, on a signed distance
raster of its boundary in a local plane (used by ``analysis.claims``).

A path starts at a point of the boundary with a heading (radians from north, clockwise) and a
signed curvature (1/m, positive turning right); its *first passage* runs from that entry until the
signed distance first falls to zero again. The raster holds the exact inside/outside state at its
cell centres (``shapely.contains_xy``) and distances from a Euclidean distance transform, good to
about one cell; the tracer reads it bilinearly every ``step`` metres (a compiled loop that stops
each path at its exit).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numba as nb
import numpy as np
import shapely

from ..airspace.model import Airspace
from .plane import LocalPlane

__all__ = ["Paths", "SignedDistanceRaster", "Traced", "boundary_points", "fan_out", "path_xy", "trace"]

ROWS_AT_ONCE = 4_000_000  # raster cells classified at once (memory bound)


class SignedDistanceRaster:
    """Metres to an airspace's boundary (positive inside) on a square grid of ``cell`` metres
    centred on a local plane's origin, ``half_size_m`` each way."""

    def __init__(self, plane: LocalPlane, airspace: Airspace, half_size_m: float, cell: float):
        from scipy import ndimage

        self.cell, self.half = cell, half_size_m
        n = int(math.ceil(2 * half_size_m / cell))
        self.n = n
        area = plane.area(airspace, half_size_m)
        centres = -half_size_m + (np.arange(n) + 0.5) * cell
        inside = np.empty((n, n), bool)
        rows = max(1, ROWS_AT_ONCE // n)
        for r0 in range(0, n, rows):
            yy, xx = np.meshgrid(centres[r0:r0 + rows], centres, indexing="ij")
            inside[r0:r0 + rows] = shapely.contains_xy(area, xx, yy)
        field_in = ndimage.distance_transform_edt(inside).astype(np.float32)
        field_out = ndimage.distance_transform_edt(~inside).astype(np.float32)
        # the boundary lies half a cell beyond the last cell centre on its side
        self.field = ((field_in - field_out) + np.where(inside, -0.5, 0.5).astype(np.float32)) * np.float32(cell)

    def signed(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Signed distance (m) at plane points, bilinear between cell centres; -inf off the grid."""
        u = (np.asarray(x, float) + self.half) / self.cell - 0.5
        v = (np.asarray(y, float) + self.half) / self.cell - 0.5
        i0, j0 = np.floor(v).astype(np.int64), np.floor(u).astype(np.int64)
        ok = (i0 >= 0) & (j0 >= 0) & (i0 < self.n - 1) & (j0 < self.n - 1)
        i0, j0 = np.where(ok, i0, 0), np.where(ok, j0, 0)
        fu, fv = u - j0, v - i0
        f = self.field
        value = ((f[i0, j0] * (1 - fu) + f[i0, j0 + 1] * fu) * (1 - fv)
                 + (f[i0 + 1, j0] * (1 - fu) + f[i0 + 1, j0 + 1] * fu) * fv)
        return np.where(ok, value, -np.inf)


def path_xy(x0: np.ndarray, y0: np.ndarray, heading: np.ndarray, curvature: np.ndarray,
            s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plane points (m) at arc lengths ``s`` (broadcast against (n, 1)) of n paths from (x0, y0)
    with a heading (rad from north, clockwise) and a signed curvature (1/m, positive right)."""
    x0, y0, heading, curvature = (np.asarray(a, float)[:, None] for a in (x0, y0, heading, curvature))
    turning = np.abs(curvature) > 1e-12
    k = np.where(turning, curvature, 1.0)
    turned = heading + curvature * s
    x = np.where(turning, x0 + (np.cos(heading) - np.cos(turned)) / k, x0 + s * np.sin(heading))
    y = np.where(turning, y0 + (np.sin(turned) - np.sin(heading)) / k, y0 + s * np.cos(heading))
    return x, y


@dataclass
class Paths:
    """n paths: entry point (plane m), heading (rad), curvature (1/m), and where the entry lies on
    the boundary (part index, metres along that part)."""

    x0: np.ndarray
    y0: np.ndarray
    heading: np.ndarray
    curvature: np.ndarray
    part: np.ndarray
    along: np.ndarray

    def __len__(self) -> int:
        return len(self.x0)

    def take(self, keep: np.ndarray) -> Paths:
        return Paths(*(getattr(self, f.name)[keep] for f in fields(self)))

    @staticmethod
    def concat(items: list[Paths]) -> Paths:
        return Paths(*(np.concatenate([getattr(p, f.name) for p in items]) for f in fields(Paths)))


@dataclass
class Traced:
    """Paths and their first passages: length (m, ``inf`` when no exit within the traced length),
    depth (largest signed distance before the exit, m) and where along the path it is (m)."""

    paths: Paths
    length: np.ndarray
    depth: np.ndarray
    depth_s: np.ndarray

    @staticmethod
    def concat(items: list[Traced]) -> Traced:
        return Traced(Paths.concat([t.paths for t in items]), *(np.concatenate([getattr(t, name) for t in items])
                                                                for name in ("length", "depth", "depth_s")))


@nb.njit(cache=True, inline="always")
def _bilinear(field, half, cell, x, y):  # pragma: no cover - compiled
    n = field.shape[0]
    u = (x + half) / cell - 0.5
    v = (y + half) / cell - 0.5
    j0 = int(math.floor(u))
    i0 = int(math.floor(v))
    if i0 < 0 or j0 < 0 or i0 >= n - 1 or j0 >= n - 1:
        return -np.inf
    fu, fv = u - j0, v - i0
    return ((field[i0, j0] * (1 - fu) + field[i0, j0 + 1] * fu) * (1 - fv)
            + (field[i0 + 1, j0] * (1 - fu) + field[i0 + 1, j0 + 1] * fu) * fv)


@nb.njit(cache=True)
def _trace_kernel(field, half, cell, x0, y0, heading, curvature, step, max_length, skip):  # pragma: no cover
    n = len(x0)
    length = np.full(n, np.inf)
    depth = np.zeros(n)
    depth_s = np.zeros(n)
    steps = int(math.ceil(max_length / step)) + 1
    for i in range(n):
        h, c = heading[i], curvature[i]
        sin_h, cos_h = math.sin(h), math.cos(h)
        prev = 0.0
        for k in range(steps):
            s = k * step
            if abs(c) > 1e-12:
                x = x0[i] + (cos_h - math.cos(h + c * s)) / c
                y = y0[i] + (math.sin(h + c * s) - sin_h) / c
            else:
                x = x0[i] + s * sin_h
                y = y0[i] + s * cos_h
            f = _bilinear(field, half, cell, x, y)
            if f <= 0.0 and s > skip:
                frac = prev / (prev - f) if prev > f else 1.0
                length[i] = s - step + min(max(frac, 0.0), 1.0) * step
                break
            if f > depth[i]:
                depth[i] = f
                depth_s[i] = s
            prev = f
    return length, depth, depth_s


def trace(raster: SignedDistanceRaster, paths: Paths, step: float, max_length: float, skip: float) -> Traced:
    """Each path's first passage, sampled every ``step`` metres up to ``max_length``; the first
    ``skip`` metres (where the raster may still read outside) cannot end it."""
    length, depth, depth_s = _trace_kernel(raster.field, raster.half, raster.cell, paths.x0, paths.y0,
                                           paths.heading, paths.curvature, step, max_length, skip)
    return Traced(paths, length, depth, depth_s)


def boundary_points(boundary: shapely.Geometry, radius_m: float,
                    step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list]:
    """Points every ``step`` metres along the boundary's parts within ``radius_m`` of the plane's
    origin: x, y (m), part index, metres along the part, and the parts (LineStrings)."""
    near = shapely.intersection(boundary, shapely.Point(0, 0).buffer(radius_m, quad_segs=64))
    parts = [g for g in shapely.get_parts(shapely.line_merge(near)) if g.geom_type == "LineString" and g.length > 0]
    along = [np.arange(0.0, part.length, step) for part in parts]
    if not parts:
        return np.zeros(0), np.zeros(0), np.zeros(0, np.int64), np.zeros(0), parts
    pts = np.vstack([shapely.get_coordinates(shapely.line_interpolate_point(p, d)) for p, d in zip(parts, along)])
    which = np.repeat(np.arange(len(parts)), [len(d) for d in along])
    return pts[:, 0], pts[:, 1], which, np.concatenate(along), parts


def fan_out(raster: SignedDistanceRaster, entries: Paths, headings: np.ndarray, curvatures: np.ndarray,
            probe: float) -> Paths:
    """Every combination of an entry point (``entries``' points; their headings and curvatures are
    ignored), a heading (rad) and a curvature (1/m) whose path is inside ``probe`` metres on."""
    ne, nh, nc = len(entries), len(headings), len(curvatures)
    e = np.repeat(np.arange(ne), nh * nc)
    paths = Paths(entries.x0[e], entries.y0[e], np.tile(np.repeat(headings, nc), ne), np.tile(curvatures, ne * nh),
                  entries.part[e], entries.along[e])
    px, py = path_xy(paths.x0, paths.y0, paths.heading, paths.curvature, np.array([[probe]]))
    return paths.take(raster.signed(px[:, 0], py[:, 0]) > 0)
