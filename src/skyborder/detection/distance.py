"""Geodesic distance to an airspace's lateral boundary: penetration depth and closest approach.

The distance from a point q to one boundary edge is evaluated exactly enough (< 1 cm) in the
azimuthal equidistant plane centred on q, built from ``GEOD.inv`` (distance and azimuth from q
to the edge's vertices, so distances from q are exact); edges are first split to
<= ``EDGE_SPLIT_M`` so that a straight lon/lat edge and its image differ by far less than a
centimetre. The distance to the boundary is the least over the edges that can be nearest: those
a spatial index (per airspace, in degrees) finds within an exact upper bound, less those that a
lower bound (Andoyer-Lambert, with a margin) rules out.

Along a path (vectorised over all passages at once) the distance is first estimated on up to
``SAMPLES_PER_PASSAGE`` samples; around the best few samples it is then refined by golden-section
search on the exact distance to the few edges that can be nearest anywhere in the bracket.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely

from ..airspace.index import AirspaceIndex
from ..arrays import expand_ranges, groups
from ..geodesy import GEOD, wrap_lon
from ..units import (
    MAX_METRES_PER_DEGREE_LON,
    MEAN_METRES_PER_DEGREE,
    MIN_METRES_PER_DEGREE_LAT,
    MIN_METRES_PER_DEGREE_LON,
)

EDGE_SPLIT_M = 1_000.0
SAMPLES_PER_PASSAGE = 400
RERANKED = 48  # best samples by approximate distance whose exact distance is computed
BRACKETS = 8  # best samples (by exact distance) refined per passage
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
GOLDEN_TOL_M = 0.05
# a geodesic on WGS84 is at least this fraction of its Andoyer-Lambert approximation (which is
# good to ~1e-5 of the distance): a safe lower bound with a 100-fold margin
ANDOYER_LOWER = 0.999
VERTEX_SPACING_DEG = 0.005  # boundary points for nearest-edge guesses
APPROX_NEIGHBOURS = 2  # nearest boundary points whose edges rank samples
NEAR_TIER_M = 25_000.0  # near-miss search radius steps (added to near_m), doubled per tier
MAX_NEAR_TIER = 64.0  # segments longer than 1,600 km count as that long


class _AirspaceEdges:
    """One airspace's boundary edges: a shapely STRtree over them (degrees) for box queries, and
    a k-d tree over points along them (unit vectors, <= ``VERTEX_SPACING_DEG`` apart) for
    nearest queries on the sphere."""

    def __init__(self, index: AirspaceIndex, air: int):
        from scipy.spatial import cKDTree

        self.edge = np.flatnonzero(index.edges.airspace == air)
        e = index.edges
        x1, y1, x2, y2 = e.x1[self.edge], e.y1[self.edge], e.x2[self.edge], e.y2[self.edge]
        self.tree = shapely.STRtree(shapely.linestrings(np.stack([np.column_stack([x1, y1]),
                                                                  np.column_stack([x2, y2])], axis=1)))
        pieces = np.maximum(np.ceil(np.hypot(x2 - x1, y2 - y1) / VERTEX_SPACING_DEG), 1).astype(np.int64)
        parent, k = expand_ranges(np.zeros(len(pieces), np.int64), pieces)
        f = k / pieces[parent]
        self.vertex_edge = self.edge[parent]
        self.kd = cKDTree(_unit(x1[parent] + f * (x2 - x1)[parent], y1[parent] + f * (y2 - y1)[parent]))

    def nearest(self, lon: np.ndarray, lat: np.ndarray, k: int = 1) -> np.ndarray:
        """For each point, the edges (n, k) starting at the k boundary points nearest to it on
        the sphere."""
        _, i = self.kd.query(_unit(lon, lat), k=k, workers=-1)
        return self.vertex_edge[i.reshape(len(lon), k)]


def _unit(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Unit vectors (n, 3) of points given in degrees (on the sphere)."""
    lo, la = np.radians(lon), np.radians(lat)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


@lru_cache(maxsize=512)
def _airspace_edges(index_id: int, air: int, index: AirspaceIndex) -> _AirspaceEdges:
    return _AirspaceEdges(index, air)


def _edges_of(index: AirspaceIndex, air: int) -> _AirspaceEdges:
    return _airspace_edges(id(index), int(air), index)


# ----- exact distance to edges -------------------------------------------------------------
class _Pieces:
    """Edges of (owner, edge) pairs split into pieces of <= EDGE_SPLIT_M, flattened as vertices."""

    def __init__(self, index: AirspaceIndex, owner: np.ndarray, edge: np.ndarray):
        e = index.edges
        x1, y1, x2, y2 = e.x1[edge], e.y1[edge], e.x2[edge], e.y2[edge]
        x2 = x1 + wrap_lon(x2 - x1)
        seg_deg = np.hypot((x2 - x1) * np.cos(np.radians(0.5 * (y1 + y2))), y2 - y1)
        pieces = np.maximum(np.ceil(seg_deg * MEAN_METRES_PER_DEGREE / EDGE_SPLIT_M), 1).astype(np.int64)
        pair, k = expand_ranges(np.zeros(len(edge), np.int64), pieces)  # pieces + 1 vertices
        f = k / pieces[pair]
        self.owner, self.pair = owner, pair
        self.x = x1[pair] + f * (x2 - x1)[pair]
        self.y = y1[pair] + f * (y2 - y1)[pair]
        self.first = np.cumsum(pieces + 1) - (pieces + 1)  # first vertex of each pair

    def distances(self, qlon: np.ndarray, qlat: np.ndarray) -> np.ndarray:
        """Exact distance (m) from point ``q[owner]`` to the edge of each pair."""
        vo = self.owner[self.pair]
        az, _, d = GEOD.inv(qlon[vo], qlat[vo], self.x, self.y)
        a = np.radians(az)
        ax, ay = d * np.sin(a), d * np.cos(a)
        sx, sy, vx, vy = ax[:-1], ay[:-1], ax[1:] - ax[:-1], ay[1:] - ay[:-1]
        vv = vx * vx + vy * vy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(np.where(vv > 0, -(sx * vx + sy * vy) / vv, 0.0), 0.0, 1.0)
        piece = np.r_[np.hypot(sx + t * vx, sy + t * vy), np.inf]
        piece[self.first[1:] - 1] = np.inf  # the step from one pair's last vertex to the next pair's first
        return np.minimum.reduceat(piece, self.first) if len(self.first) else np.zeros(0)


def _lower_bound(qlon, qlat, index: AirspaceIndex, edge) -> np.ndarray:
    """A lower bound (m) of the geodesic distance from each point to each edge."""
    e = index.edges
    d1 = _andoyer(qlon, qlat, e.x1[edge], e.y1[edge])
    d2 = _andoyer(qlon, qlat, e.x2[edge], e.y2[edge])
    # every point of a lon/lat-straight edge lies within half its (over-estimated) length of an end
    coslat = np.cos(np.radians(np.minimum(np.abs(e.y1[edge]), np.abs(e.y2[edge]))))
    span_deg = np.hypot(wrap_lon(e.x2[edge] - e.x1[edge]) * coslat, e.y2[edge] - e.y1[edge])
    half = 0.5 * span_deg * MAX_METRES_PER_DEGREE_LON
    return ANDOYER_LOWER * np.minimum(d1, d2) - half - 1.0


def _andoyer(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Andoyer-Lambert approximation (m) of the WGS84 geodesic distance (first order in the
    flattening: relative error of the order of f^2 ~ 1e-5)."""
    F, G = np.radians(0.5 * (lat1 + lat2)), np.radians(0.5 * (lat1 - lat2))
    lam = np.radians(0.5 * wrap_lon(lon1 - lon2))
    sF, cF, sG, cG = np.sin(F) ** 2, np.cos(F) ** 2, np.sin(G) ** 2, np.cos(G) ** 2
    sl, cl = np.sin(lam) ** 2, np.cos(lam) ** 2
    S = sG * cl + cF * sl
    C = cG * cl + sF * sl
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.arctan(np.sqrt(S / C))
        R = np.sqrt(S * C) / w
        h1, h2 = (3.0 * R - 1.0) / (2.0 * C), (3.0 * R + 1.0) / (2.0 * S)
        d = 2.0 * w * GEOD.a * (1.0 + GEOD.f * (h1 * sF * cG - h2 * cF * sG))
    return np.where((S > 0) & (C > 0), d, np.where(S > 0, np.pi * GEOD.b, 0.0))


def _edges_in_boxes(index: AirspaceIndex, air: np.ndarray, lon, lat, radius) -> tuple[np.ndarray, np.ndarray]:
    """(point, edge) for the edges of each point's airspace whose box meets the box of
    ``radius`` metres around the point (longitude wrapped; a pair may repeat)."""
    dlat = radius / MIN_METRES_PER_DEGREE_LAT + 1e-9
    top = np.abs(lat) + dlat
    with np.errstate(divide="ignore"):
        dlon = np.where(top < 89.0, dlat * MIN_METRES_PER_DEGREE_LAT / (MIN_METRES_PER_DEGREE_LON * np.cos(
            np.radians(np.minimum(top, 89.0)))), 360.0)
    dlon = np.minimum(dlon + 1e-9, 360.0)
    owners, edges = [], []
    for a, pts in groups(air):
        ae = _edges_of(index, a)
        for shift in (0.0, 360.0, -360.0):
            x0, x1 = lon[pts] - dlon[pts] + shift, lon[pts] + dlon[pts] + shift
            sel = np.flatnonzero((x0 <= 180.0) & (x1 >= -180.0))
            if len(sel) == 0:
                continue
            boxes = shapely.box(x0[sel], lat[pts][sel] - dlat[pts][sel], x1[sel], lat[pts][sel] + dlat[pts][sel])
            q, t = ae.tree.query(boxes)
            owners.append(pts[sel][q])
            edges.append(ae.edge[t])
    if not owners:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    # a pair found again through a shifted box only repeats a distance: harmless for minima
    return np.concatenate(owners), np.concatenate(edges)


def _nearest_edges(index: AirspaceIndex, air: np.ndarray, lon, lat, k: int = 1) -> np.ndarray:
    """For each point, k edges (n, k) of its airspace starting at the boundary points nearest to it."""
    out = np.empty((len(air), k), dtype=np.int64)
    for a, pts in groups(air):
        out[pts] = _edges_of(index, a).nearest(lon[pts], lat[pts], k)
    return out


def boundary_distance(index: AirspaceIndex, air: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                      extra_m: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact distance (m) from each point to the boundary of its airspace, and the (point, edge)
    pairs of every edge within that distance plus ``extra_m`` (including the nearest)."""
    air = np.asarray(air, dtype=np.int64)
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    n = len(air)
    extra_m = np.broadcast_to(np.asarray(extra_m, float), (n,))
    guess = _nearest_edges(index, air, lon, lat)[:, 0]
    upper = _Pieces(index, np.arange(n), guess).distances(lon, lat)
    reach = upper + extra_m
    owner, edge = _edges_in_boxes(index, air, lon, lat, reach)
    keep = _lower_bound(lon[owner], lat[owner], index, edge) <= reach[owner]
    owner, edge = owner[keep], edge[keep]
    d = _Pieces(index, owner, edge).distances(lon, lat)
    best = upper.copy()
    np.minimum.at(best, owner, d)
    near = d <= best[owner] + extra_m[owner]
    return best, owner[near], edge[near]


# ----- extremes along paths ----------------------------------------------------------------
def _fix_of(total: np.ndarray, seg_len: np.ndarray, first: np.ndarray, last: np.ndarray, G: np.ndarray):
    """(segment start fix, metres along it) at position G on the tracks laid end to end."""
    j = np.clip(np.searchsorted(total, G, side="right") - 1, first, np.maximum(last - 1, first))
    return j, np.clip(G - total[j], 0.0, seg_len[j])


def path_extremes(arrays, pos, index: AirspaceIndex, air: np.ndarray, lo_fix: np.ndarray, lo_s: np.ndarray,
                  hi_fix: np.ndarray, hi_s: np.ndarray, sign: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max (sign=+1) or min (sign=-1) of the distance (m) to each airspace's boundary along each
    path stretch from (fix, metres along its segment) to (fix, metres); returns (distance, fix,
    metres along its segment) of the extreme."""
    n = len(air)
    seg_len = pos.seg_len
    total = pos.along
    first, last = arrays.first[lo_fix], arrays.last[lo_fix]
    lo, hi = total[lo_fix] + lo_s, total[hi_fix] + hi_s
    if n == 0:
        return np.zeros(0), np.zeros(0, np.int64), np.zeros(0)
    # samples: an even grid plus the fixes strictly inside
    count = np.minimum(SAMPLES_PER_PASSAGE, np.maximum(((hi - lo) / 10.0).astype(np.int64), 2))
    item, k = expand_ranges(np.zeros(n, np.int64), count - 1)
    G = lo[item] + (hi - lo)[item] * k / (count[item] - 1)
    f_owner, fix = expand_ranges(lo_fix + 1, np.minimum(hi_fix, last))
    inner = (total[fix] > lo[f_owner]) & (total[fix] < hi[f_owner])
    item, G = np.r_[item, f_owner[inner]], np.r_[G, total[fix[inner]]]
    order = np.lexsort((G, item))
    item, G = item[order], G[order]
    gap = np.r_[np.diff(G), 0.0]
    gap[np.r_[item[1:] != item[:-1], True]] = 0.0
    step = np.zeros(n)
    np.maximum.at(step, item, gap)
    j, s = _fix_of(total, seg_len, first[item], last[item], G)
    lon, lat = pos.point(j, s)
    lon = wrap_lon(lon)
    # the best samples of each item by an approximate distance, re-ranked by the exact one
    top = _best_per_item(item, sign * _approx_distance(index, air[item], lon, lat), RERANKED)
    exact = boundary_distance(index, air[item[top]], lon[top], lat[top])[0]
    top = top[_best_per_item(item[top], sign * exact, BRACKETS)]
    b_item = item[top]
    a = np.maximum(G[top] - step[b_item], lo[b_item])
    b = np.minimum(G[top] + step[b_item], hi[b_item])
    locate = lambda X: _fix_of(total, seg_len, first[b_item], last[b_item], X)
    value, where = _golden(pos, index, air[b_item], locate, G[top], a, b, step[b_item], sign)
    best = np.full(n, -np.inf)
    np.maximum.at(best, b_item, sign * value)
    hit = np.flatnonzero(sign * value == best[b_item])
    best_G = np.empty(n)
    best_G[b_item[hit]] = where[hit]
    j, s = _fix_of(total, seg_len, first, last, best_G)
    return sign * best, j, s


def _best_per_item(item: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores of each item."""
    order = np.lexsort((-score, item))
    starts = np.searchsorted(item[order], item[order])
    return order[np.arange(len(item)) - starts < k]


def _approx_distance(index: AirspaceIndex, air: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance (m) to the nearest of a few edges next to the nearest boundary points, in the plane
    tangent at the point (for ranking samples)."""
    e = index.edges
    edges = _nearest_edges(index, air, lon, lat, APPROX_NEIGHBOURS)
    before = np.maximum(edges - 1, 0)  # the edge ending at that boundary point, if of the same airspace
    edges = np.concatenate([edges, np.where(e.airspace[before] == air[:, None], before, edges)], axis=1)
    k = MEAN_METRES_PER_DEGREE
    c = np.cos(np.radians(lat))[:, None]
    ax, ay = wrap_lon(e.x1[edges] - lon[:, None]) * c * k, (e.y1[edges] - lat[:, None]) * k
    bx, by = wrap_lon(e.x2[edges] - lon[:, None]) * c * k, (e.y2[edges] - lat[:, None]) * k
    vx, vy = bx - ax, by - ay
    vv = vx * vx + vy * vy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.where(vv > 0, -(ax * vx + ay * vy) / vv, 0.0), 0.0, 1.0)
    return np.hypot(ax + t * vx, ay + t * vy).min(axis=1)


def _golden(pos, index, air, locate, centre, a, b, half, sign):
    """Golden-section search of sign * distance on each bracket [a, b] around ``centre``.

    Every point of a bracket lies within ``half`` metres (along the path) of its centre, so its
    nearest edge is among those within (distance at the centre + 2 * half) of the centre: the
    search runs on those edges only. Returns (distance, position) of the best of the bracket's
    ends and its optimum.
    """
    clon, clat = pos.point(*locate(centre))
    _, owner, edge = boundary_distance(index, air, wrap_lon(clon), clat, 2.0 * half)
    n = len(air)
    state = {"owner": owner, "edge": edge, "pieces": _Pieces(index, owner, edge)}

    def f(X: np.ndarray, width: np.ndarray | None = None) -> np.ndarray:
        """sign * distance at X; with the bracket ``width``, drop the edges that cannot be nearest
        anywhere in it any more (further than the least distance + 2 * width)."""
        lon, lat = pos.point(*locate(X))
        d = state["pieces"].distances(wrap_lon(lon), lat)
        out = np.full(n, np.inf)
        np.minimum.at(out, state["owner"], d)
        if width is not None:
            keep = d <= out[state["owner"]] + 2.0 * width[state["owner"]]
            if not keep.all():
                state["owner"], state["edge"] = state["owner"][keep], state["edge"][keep]
                state["pieces"] = _Pieces(index, state["owner"], state["edge"])
        return sign * out

    a0, b0 = a.copy(), b.copy()
    fa, fb = f(a0), f(b0)
    c, d = b - GOLDEN * (b - a), a + GOLDEN * (b - a)
    fc, fd = f(c), f(d, b - a)
    while np.any(b - a > GOLDEN_TOL_M):
        left = fc > fd  # the maximum lies in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        c, d = np.where(left, b - GOLDEN * (b - a), d), np.where(left, c, a + GOLDEN * (b - a))
        fresh = f(np.where(left, c, d), b - a)
        fc, fd = np.where(left, fresh, fd), np.where(left, fc, fresh)
    values = np.stack([fa, fb, fc, fd])
    where = np.stack([a0, b0, c, d])
    pick = np.argmax(values, axis=0)
    cols = np.arange(n)
    return sign * values[pick, cols], where[pick, cols]


def max_depth(arrays, index, pos, air, e_fix, e_s, x_fix, x_s):
    """Largest distance (m) from the boundary reached inside each passage, and where (lon, lat)."""
    depth, j, s = path_extremes(arrays, pos, index, np.asarray(air), e_fix, e_s, x_fix, x_s, +1.0)
    lon, lat = pos.point(j, s)
    return depth, wrap_lon(lon), lat


def _fixes_near(arrays, index: AirspaceIndex, seg_len: np.ndarray, near_m: float):
    """(fix, airspace) pairs where the path next to the fix may come within ``near_m`` of the
    airspace's boundary: the fix's coarse cell is within near_m plus the longer of its two
    segments (rounded up to a tier of NEAR_TIER_M x 2^k) of a cell that boundary meets."""
    n_air = len(index.airspaces)
    around = np.maximum(seg_len, np.r_[0.0, seg_len[:-1]] * (arrays.first != np.arange(len(arrays))))
    tier = np.ceil(np.log2(np.clip(around / NEAR_TIER_M, 1.0, MAX_NEAR_TIER))).astype(np.int64)
    ix, iy = index._cell_xy(arrays.lon, arrays.lat)
    cell = iy * index.nx + ix
    fixes, airs = [], []
    for t in np.unique(tier):
        sel = np.flatnonzero(tier == t)
        near = index.cells_near(near_m + NEAR_TIER_M * 2.0 ** t)
        lo = np.searchsorted(near, cell[sel] * n_air)
        hi = np.searchsorted(near, (cell[sel] + 1) * n_air)
        owner, at = expand_ranges(lo, hi - 1)
        fixes.append(sel[owner])
        airs.append(near[at] % n_air)
    return np.concatenate(fixes), np.concatenate(airs)


def closest_approaches(arrays, index: AirspaceIndex, pos, entered: np.ndarray, near_m: float):
    """Closest approach of each track to each airspace it comes within ``near_m`` metres of.

    ``entered`` holds the keys ``track * n_airspaces + airspace`` of pairs with a passage, which
    are skipped. Returns (track, airspace, distance m, segment start fix, metres along it).
    """
    n_air = len(index.airspaces)
    seg_len = pos.seg_len
    fix, air = _fixes_near(arrays, index, seg_len, near_m)
    keep = ~np.isin(arrays.track[fix] * n_air + air, entered)
    fix, air = fix[keep], air[keep]
    approx = _approx_distance(index, air, arrays.lon[fix], arrays.lat[fix])
    # the approximate distance ranks fixes; an edge may still be nearer by up to the segment
    # lengths around the fix plus the lon/lat distortion: keep a generous margin
    close = approx <= near_m * 2.0 + 2.0 * seg_len[fix]
    fix, air, approx = fix[close], air[close], approx[close]
    key = arrays.track[fix] * n_air + air
    order = np.lexsort((approx, key))
    best = order[np.r_[True, key[order][1:] != key[order][:-1]]] if len(order) else order
    k, air = fix[best], air[best]
    lo_fix, hi_fix = np.maximum(k - 1, arrays.first[k]), np.minimum(k + 1, arrays.last[k])
    zero = np.zeros(len(k))
    value, j, s = path_extremes(arrays, pos, index, air, lo_fix, zero, hi_fix, zero, -1.0)
    keep = value <= near_m
    return arrays.track[k[keep]], air[keep], value[keep], j[keep], s[keep]
