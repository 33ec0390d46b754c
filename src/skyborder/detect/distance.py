"""Geodesic distance to an airspace's lateral boundary: penetration depth and closest approach.

The distance from a point q to the boundary is evaluated exactly enough (< 1 cm) in the
azimuthal equidistant plane centred on q, built from ``GEOD.inv`` (distance and azimuth from q
to each boundary vertex, so distances from q are exact); boundary edges are first split to
<= ``EDGE_SPLIT_M`` so that a straight lon/lat edge and its image differ by far less than a
centimetre. Along a path the distance is searched on samples, then refined by golden-section
search around the best samples.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from ..airspace.index import AirspaceIndex
from ..geodesy import GEOD, METRES_PER_DEGREE, wrap_lon

EDGE_SPLIT_M = 1_000.0
SAMPLES_PER_PASSAGE = 400
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0


class BoundaryDistance:
    """Exact distance from points to the boundary of one airspace of an index."""

    def __init__(self, index: AirspaceIndex, air: int):
        edges = index.edges
        sel = np.flatnonzero(edges.airspace == air)
        self.x1, self.y1, self.x2, self.y2 = edges.x1[sel], edges.y1[sel], edges.x2[sel], edges.y2[sel]
        self._tree = None

    def _near_edges(self, lon: float, lat: float, radius_m: float) -> np.ndarray:
        """Indices of edges that may lie within ``radius_m`` of (lon, lat)."""
        dlat = radius_m / METRES_PER_DEGREE * 1.01 + 1e-6
        coslat = max(math.cos(math.radians(min(abs(lat) + dlat, 90.0))), 1e-6)
        dlon = min(dlat / coslat, 360.0)
        dx1 = wrap_lon(self.x1 - lon)
        dx2 = wrap_lon(self.x2 - lon)
        near = (np.minimum(self.y1, self.y2) <= lat + dlat) & (np.maximum(self.y1, self.y2) >= lat - dlat)
        near &= ((np.minimum(dx1, dx2) <= dlon) & (np.maximum(dx1, dx2) >= -dlon)) | (np.abs(dx1 - dx2) > 180)
        return np.flatnonzero(near)

    def _polyline_distance(self, lon: float, lat: float, idx: np.ndarray) -> float:
        if len(idx) == 0:
            return math.inf
        x1, y1, x2, y2 = self.x1[idx], self.y1[idx], self.x2[idx], self.y2[idx]
        x2 = x1 + wrap_lon(x2 - x1)
        seg_deg = np.hypot((x2 - x1) * np.cos(np.radians(0.5 * (y1 + y2))), y2 - y1)
        pieces = np.maximum(np.ceil(seg_deg * METRES_PER_DEGREE / EDGE_SPLIT_M), 1).astype(int)
        owner = np.repeat(np.arange(len(idx)), pieces + 1)
        k = np.arange(len(owner)) - np.repeat(np.cumsum(pieces + 1) - (pieces + 1), pieces + 1)
        f = k / pieces[owner]
        px, py = x1[owner] + f * (x2 - x1)[owner], y1[owner] + f * (y2 - y1)[owner]
        az, _, d = GEOD.inv(np.full(len(px), lon), np.full(len(px), lat), px, py)
        ax, ay = d * np.sin(np.radians(az)), d * np.cos(np.radians(az))
        same = owner[1:] == owner[:-1]
        sx, sy, ex, ey = ax[:-1][same], ay[:-1][same], ax[1:][same], ay[1:][same]
        vx, vy = ex - sx, ey - sy
        vv = vx * vx + vy * vy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(vv > 0, -(sx * vx + sy * vy) / vv, 0.0), 0.0, 1.0)
        return float(np.min(np.hypot(sx + t * vx, sy + t * vy)))

    def at(self, lon: float, lat: float, guess_m: float) -> float:
        """Exact distance (m) from (lon, lat) to the boundary; ``guess_m`` an upper-bound hint."""
        radius = max(guess_m, 500.0) * 1.05
        while True:
            d = self._polyline_distance(lon, lat, self._near_edges(lon, lat, radius))
            if d <= radius or radius > 2.1e7:
                return d
            radius *= 4.0

    def approx(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Approximate distances (m) for many points: nearest edge in degrees, measured exactly."""
        if self._tree is None:
            self._lines = shapely.linestrings(np.stack([np.column_stack([self.x1, self.y1]),
                                                        np.column_stack([self.x2, self.y2])], axis=1))
            self._tree = shapely.STRtree(self._lines)
        pts = shapely.points(lon, lat)
        _, nearest = self._tree.query_nearest(pts, all_matches=False)
        e = nearest[1] if nearest.ndim == 2 else nearest
        return _point_segment_m(lon, lat, self.x1[e], self.y1[e], self.x2[e], self.y2[e])


def _point_segment_m(lon, lat, x1, y1, x2, y2) -> np.ndarray:
    """Point-to-edge distance (m) in the plane tangent at the point (for short distances)."""
    k = METRES_PER_DEGREE
    c = np.cos(np.radians(lat))
    ax, ay = wrap_lon(x1 - lon) * c * k, (y1 - lat) * k
    bx, by = wrap_lon(x2 - lon) * c * k, (y2 - lat) * k
    vx, vy = bx - ax, by - ay
    vv = vx * vx + vy * vy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.where(vv > 0, -(ax * vx + ay * vy) / vv, 0.0), 0.0, 1.0)
    return np.hypot(ax + t * vx, ay + t * vy)


@lru_cache(maxsize=64)
def _boundary(index_id: int, air: int, index: AirspaceIndex) -> BoundaryDistance:
    return BoundaryDistance(index, air)


def boundary(index: AirspaceIndex, air: int) -> BoundaryDistance:
    return _boundary(id(index), int(air), index)


def _path_points(arrays, pos, fix: np.ndarray, s: np.ndarray):
    lon, lat = pos.point(fix, s)
    return wrap_lon(lon), lat


def _along(arrays, seg_len, cum, track_first, track_last, S: float, fix_hint: int) -> tuple[int, float]:
    """(segment start fix, metres along it) for distance S from the track start."""
    lo, hi = track_first, max(track_last - 1, track_first)
    j = int(np.clip(np.searchsorted(cum[lo:hi + 1], S, side="right") - 1 + lo, lo, hi))
    return j, float(min(max(S - cum[j], 0.0), seg_len[j]))


def _extreme(arrays, pos, bd: BoundaryDistance, lo_S: float, hi_S: float, first: int, last: int,
             sign: float, cum: np.ndarray, seg_len: np.ndarray) -> tuple[float, float]:
    """Max (sign=+1) or min (sign=-1) of the boundary distance along the path between two
    distances from the track start; returns (distance m, S of the extreme)."""
    fixes = np.arange(first, last + 1)
    inner = fixes[(cum[fixes] > lo_S) & (cum[fixes] < hi_S)]
    grid = np.linspace(lo_S, hi_S, min(SAMPLES_PER_PASSAGE, max(int((hi_S - lo_S) / 10.0), 2)))
    S = np.unique(np.concatenate([grid, cum[inner]]))
    jj = np.clip(np.searchsorted(cum[first:last + 1], S, side="right") - 1 + first, first, max(last - 1, first))
    ss = np.clip(S - cum[jj], 0.0, seg_len[jj])
    lon, lat = _path_points(arrays, pos, jj, ss)
    approx = bd.approx(lon, lat)
    step = float(np.max(np.diff(S))) if len(S) > 1 else 0.0
    best_S, best = lo_S, -math.inf
    for k in np.argsort(-sign * approx)[:3]:
        a, b = max(S[k] - step, lo_S), min(S[k] + step, hi_S)
        f = lambda x: sign * _dist_at(arrays, pos, bd, x, first, last, cum, seg_len, approx[k] + step)
        x, fx = _golden_max(f, a, b)
        for cand, fc in ((a, None), (b, None), (x, fx)):
            value = fc if fc is not None else f(cand)
            if value > best:
                best, best_S = value, cand
    return sign * best, best_S


def _dist_at(arrays, pos, bd, S, first, last, cum, seg_len, guess):
    j, s = _along(arrays, seg_len, cum, first, last, S, first)
    lon, lat = pos.point(np.array([j]), np.array([s]))
    return bd.at(float(wrap_lon(lon[0])), float(lat[0]), guess)


def _golden_max(f, a: float, b: float, tol: float = 0.05) -> tuple[float, float]:
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    while b - a > tol:
        if fc > fd:
            b, d, fd = d, c, fc
            c = b - GOLDEN * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + GOLDEN * (b - a)
            fd = f(d)
    return (c, fc) if fc > fd else (d, fd)


def max_depth(arrays, index, pos, air, e_fix, e_s, x_fix, x_s):
    """Largest distance (m) from the boundary reached inside each passage, and where (lon, lat)."""
    seg_len = pos.seg_len
    from .engine import _cumulative
    cum = _cumulative(arrays, seg_len)
    n = len(air)
    depth, dlon, dlat = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        first, last = int(arrays.first[e_fix[i]]), int(arrays.last[e_fix[i]])
        lo_S, hi_S = cum[e_fix[i]] + e_s[i], cum[x_fix[i]] + x_s[i]
        bd = boundary(index, air[i])
        value, S = _extreme(arrays, pos, bd, lo_S, hi_S, first, last, +1.0, cum, seg_len)
        j, s = _along(arrays, seg_len, cum, first, last, S, first)
        lon, lat = pos.point(np.array([j]), np.array([s]))
        depth[i], dlon[i], dlat[i] = value, wrap_lon(lon[0]), lat[0]
    return depth, dlon, dlat


def near_misses(arrays, index, passages, near_m: float) -> pd.DataFrame | None:
    """Closest approach of each track to each airspace it comes within ``near_m`` of, unentered."""
    from .engine import RESULT_COLUMNS, _cumulative, _Positions
    from ..geodesy import segment_lengths

    entered = set(zip(passages.track.tolist(), passages.airspace.tolist()))
    seg_len = np.zeros(len(arrays))
    seg_len[:-1] = segment_lengths(arrays.lon[:-1], arrays.lat[:-1], arrays.lon[1:], arrays.lat[1:])
    seg_len[arrays.last == np.arange(len(arrays))] = 0.0
    cum = _cumulative(arrays, seg_len)
    pos = _Positions(arrays, seg_len)
    rows = []
    for a, airspace in enumerate(index.airspaces):
        xmin, ymin, xmax, ymax = index.geometries[a].bounds
        dlat = near_m / METRES_PER_DEGREE * 1.01
        dlon = dlat / max(math.cos(math.radians(min(max(abs(ymin), abs(ymax)) + dlat, 89.9))), 1e-3)
        box = (arrays.lat >= ymin - dlat) & (arrays.lat <= ymax + dlat)
        box &= np.abs(wrap_lon(arrays.lon - 0.5 * (xmin + xmax))) <= 0.5 * (xmax - xmin) + dlon
        cand = np.flatnonzero(box)
        if len(cand) == 0:
            continue
        keep = np.array([(t, a) not in entered for t in arrays.track[cand].tolist()]) if entered else \
            np.ones(len(cand), bool)
        cand = cand[keep]
        if len(cand) == 0:
            continue
        bd = boundary(index, a)
        approx = bd.approx(arrays.lon[cand], arrays.lat[cand])
        # the approximate distance is an upper bound; an edge may still be nearer by up to the
        # segment lengths around the fix plus the lon/lat distortion: keep a generous margin
        close = approx <= near_m * 2.0 + 2.0 * seg_len[cand]
        cand, approx = cand[close], approx[close]
        if len(cand) == 0:
            continue
        for tr in np.unique(arrays.track[cand]):
            sel = arrays.track[cand] == tr
            k = cand[sel][np.argmin(approx[sel])]
            first, last = int(arrays.first[k]), int(arrays.last[k])
            lo_S = cum[max(k - 1, first)]
            hi_S = cum[min(k + 1, last)]
            value, S = _extreme(arrays, pos, bd, lo_S, hi_S, first, last, -1.0, cum, seg_len) \
                if hi_S > lo_S else (bd.at(arrays.lon[k], arrays.lat[k], approx[sel].min()), lo_S)
            if value > near_m:
                continue
            j, s = _along(arrays, seg_len, cum, first, last, S, first)
            lon, lat = pos.point(np.array([j]), np.array([s]))
            rows.append({"track_id": arrays.track_ids[tr], "airspace": airspace.name, "status": "near",
                         "closest_approach_m": value,
                         "closest_approach_time": arrays.timestamps(pos.time(np.array([j]), np.array([s])))[0],
                         "closest_approach_lat": lat[0], "closest_approach_lon": wrap_lon(lon[0]),
                         "disputed_with": [], "fixes_inside": 0})
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    for c in RESULT_COLUMNS:
        if c not in frame:
            frame[c] = pd.NaT if c in ("entry_time", "exit_time") else np.nan
    frame["entry_time"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    frame["exit_time"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
    return frame[RESULT_COLUMNS]
