"""One airspace's lateral boundary as a hierarchy of certified bounding volumes, for distances.

The boundary's edges (straight in lon/lat) are cut into *pieces* of at most
``PIECE_M * sqrt(cos(latitude))`` metres. A piece is a curve on the ellipsoid; in Earth-centred
coordinates it lies within ``bulge`` metres of the straight chord between its ends, where
``bulge = k L^2 / 8`` with ``L`` an upper bound of its length and ``k`` a bound of its space
curvature, ``(1 + |sin lat|) / (R_MIN cos lat)`` with a 1 % margin (a lon/lat-straight curve bends
no more than a parallel of latitude plus the ellipsoid's own curvature). Consecutive pieces
(in ring order) are grouped by ``FANOUT``, groups by ``FANOUT`` again, up to one root; each group
is a *capsule* (a segment between two of its vertices and a radius) that contains all of its
pieces' chords widened by their bulge.

Cuts made by the data are not borders: pieces lying on the antimeridian where the airspace goes
on across it (the two sides of the cut), and pieces along a pole (a single point on the Earth),
are left out of the distance; see :func:`seam_pieces`.

Compiled queries (numba):

- :func:`chord_bracket`: a depth-first search with pruning by the capsules gives the least
  straight-line (chord) distance ``C`` from a point to the pieces, bracketed to a requested
  width; :mod:`.ellipsoid` turns the bracket into a bracket of the geodesic distance to the
  boundary (``geodesic_lower(C_lo) <= D <= geodesic_upper(C_hi)``).
- :func:`exact_bracket`: the geodesic distance to the few pieces that the chord bounds cannot
  rule out, each measured in the azimuthal equidistant plane of the point (Vincenty's inverse
  gives exact distances and azimuths from the point to the piece's ends), less and plus a
  bound of how far the piece's image can stray from the straight line between its ends
  (``1.5 k_g + rho / (2 R_MIN^2)`` times ``(1.1 L)^2 / 8``, ``k_g`` the piece's geodesic
  curvature bound ``|tan lat| / R_MIN`` with 1 % margin and ``rho`` the distance); width a few
  millimetres.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numba as nb
import numpy as np
import shapely

from ..airspace.index import AirspaceIndex
from .ellipsoid import (
    R_MAX,
    R_MIN,
    VINCENTY_ERROR_M,
    ecef,
    geodesic_lower,
    geodesic_upper,
    inverse,
)

PIECE_M = 1_000.0
FANOUT = 4
NODE_FIELDS, INV, RADIUS = 8, 6, 7  # node rows: axis start (3), axis vector (3), 1 / |axis|^2, radius
VERT_FIELDS = 9
X, Y, Z, LON, LAT, LINK, BULGE, LENGTH2, BEND = range(VERT_FIELDS)
FIRST, COUNT, LEAVES = range(3)
SEAM_PROBE_DEG = 1e-9  # how far across the antimeridian a seam's other side is probed
STACK_SIZE = 512


class BoundaryTree(NamedTuple):
    """One airspace's boundary pieces and their capsule hierarchy, as three arrays (compiled code
    reads them; few arrays keep calls cheap).

    ``vert[i]`` holds vertex i's Earth-centred coordinates (m), lon and lat (degrees), and for the
    piece from vertex i to i + 1: whether it exists (``LINK``), its ``BULGE`` (m), ``LENGTH2``
    ((1.1 L)^2 / 8, m^2) and ``BEND`` (geodesic curvature bound, 1/m), see the module notes.
    ``node[j]`` is a capsule: axis start (m), axis vector (m), the inverse of the axis' squared
    length (0 for a point) and its ``RADIUS`` (m; negative when empty). ``child[j]`` gives its
    first child, their count and whether they are pieces (1) or nodes (0). ``root`` is the last
    node.
    """

    vert: np.ndarray
    node: np.ndarray
    child: np.ndarray
    root: int

    @property
    def lon(self) -> np.ndarray:
        return self.vert[:, LON]

    @property
    def lat(self) -> np.ndarray:
        return self.vert[:, LAT]

    @property
    def pieces(self) -> int:
        return int(self.vert[:, LINK].sum())

    @property
    def nbytes(self) -> int:
        return self.vert.nbytes + self.node.nbytes + self.child.nbytes


def tree_of(index: AirspaceIndex, air: int) -> BoundaryTree:
    """The boundary tree of airspace ``air`` of ``index``, built once and kept as long as the index."""
    return index.cached(("boundary_tree", air), lambda: build_tree(index.geometries[air]))


# ----- building ---------------------------------------------------------------------------------
def _rings(geometry: shapely.Geometry) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (n, 2) of every ring of a (multi)polygon, and the ring each belongs to."""
    polygons = shapely.get_parts(geometry)
    polygons = polygons[shapely.get_type_id(polygons) == 3]
    rings = shapely.get_rings(polygons)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    return coords, ring


def seam_pieces(geometry: shapely.Geometry, x1: np.ndarray, y1: np.ndarray, x2: np.ndarray,
                y2: np.ndarray) -> np.ndarray:
    """Which edges are cuts made by the data, not borders: edges along a pole, and edges on the
    antimeridian (+-180 degrees) where the area goes on across it (probed just across the line,
    at the edge's middle). Edges on the antimeridian must already be split where the other side's
    vertices lie (see :func:`_split_at_antimeridian_vertices`)."""
    polar = (y1 == y2) & (np.abs(y1) == 90.0)
    on_line = (x1 == x2) & (np.abs(x1) == 180.0)
    seam = polar.copy()
    idx = np.flatnonzero(on_line & ~polar)
    if len(idx):
        probe_x = -np.sign(x1[idx]) * (180.0 - SEAM_PROBE_DEG)
        seam[idx] = shapely.contains_xy(geometry, probe_x, 0.5 * (y1[idx] + y2[idx]))
    return seam


def _split_at_antimeridian_vertices(x1, y1, x2, y2) -> tuple[np.ndarray, ...]:
    """Edges lying on +-180 degrees split at the latitudes of every vertex on that line (either
    side), so that each part is wholly a seam or wholly a border; edges keep their order and
    direction. Returns (x1, y1, x2, y2)."""
    on_line = np.flatnonzero((x1 == x2) & (np.abs(x1) == 180.0))
    if len(on_line) == 0:
        return x1, y1, x2, y2
    cuts = np.unique(np.r_[y1[np.abs(x1) == 180.0], y2[np.abs(x2) == 180.0]])
    breaks = []  # latitudes along each edge on the line, ends included, in its direction
    for e in on_line.tolist():  # one short loop per edge on the antimeridian (a few per airspace)
        lo, hi = sorted((y1[e], y2[e]))
        inner = cuts[(cuts > lo) & (cuts < hi)]
        breaks.append(np.r_[y1[e], inner if y2[e] > y1[e] else inner[::-1], y2[e]])
    parts = np.ones(len(x1), np.int64)
    parts[on_line] = [len(b) - 1 for b in breaks]
    edge = np.repeat(np.arange(len(x1)), parts)
    sy1, sy2 = y1[edge].copy(), y2[edge].copy()
    first = np.cumsum(parts) - parts
    for e, b in zip(on_line.tolist(), breaks):
        sy1[first[e]:first[e] + len(b) - 1] = b[:-1]
        sy2[first[e]:first[e] + len(b) - 1] = b[1:]
    return x1[edge], sy1, x2[edge], sy2


def _piece_length_bound(x1, y1, x2, y2) -> np.ndarray:
    """Upper bound (m) of the length of lon/lat-straight curves (both radii of curvature are at
    most R_MAX)."""
    coslat = np.cos(np.radians(np.minimum(np.abs(y1), np.abs(y2))))
    coslat = np.where(np.sign(y1) != np.sign(y2), 1.0, coslat)
    return R_MAX * np.hypot(np.radians(y2 - y1), np.radians(x2 - x1) * coslat)


def build_tree(geometry: shapely.Geometry) -> BoundaryTree:
    """The boundary tree of one (folded, lon within [-180, 180]) polygon or multipolygon."""
    coords, ring = _rings(geometry)
    same = ring[1:] == ring[:-1]
    start = np.flatnonzero(same)
    x1, y1, x2, y2 = _split_at_antimeridian_vertices(coords[start, 0], coords[start, 1],
                                                         coords[start + 1, 0], coords[start + 1, 1])
    seam = seam_pieces(geometry, x1, y1, x2, y2)
    # a vertex chain: each edge's pieces, the chain broken after every edge that ends a ring
    # (or where the next edge does not start at this one's end)
    maxlat = np.maximum(np.abs(y1), np.abs(y2))
    limit = PIECE_M * np.sqrt(np.maximum(np.cos(np.radians(np.minimum(maxlat, 90.0))), 1e-12))
    pieces = np.maximum(np.ceil(_piece_length_bound(x1, y1, x2, y2) / limit), 1).astype(np.int64)
    joined = np.r_[(x2[:-1] == x1[1:]) & (y2[:-1] == y1[1:]), False]
    verts = pieces + np.where(joined, 0, 1)  # vertices each edge contributes (its end unless shared)
    owner = np.repeat(np.arange(len(x1)), verts)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(verts) - verts, verts)
    f = k / pieces[owner]
    lon = x1[owner] + f * (x2 - x1)[owner]
    lat = y1[owner] + f * (y2 - y1)[owner]
    link = (k < pieces[owner]) & ~seam[owner]
    if len(lon) < 2:  # no boundary: two vertices joined by no piece
        lon, lat, link = np.zeros(2), np.zeros(2), np.zeros(2, bool)
    link[-1] = False
    vert = np.zeros((len(lon), VERT_FIELDS))
    vert[:, LON], vert[:, LAT] = lon, lat
    _ecef_kernel(vert)
    nxt = np.minimum(np.arange(len(lon)) + 1, max(len(lon) - 1, 0))
    plat = np.maximum(np.abs(lat), np.abs(lat[nxt]))
    coslat = np.maximum(np.cos(np.radians(np.minimum(plat, 90.0))), 1e-12)
    length = _piece_length_bound(lon, lat, lon[nxt], lat[nxt])
    curvature = 1.01 * (1.0 + np.sin(np.radians(np.minimum(plat, 90.0)))) / (R_MIN * coslat)
    vert[:, LINK] = link
    vert[:, BULGE] = np.where(link, curvature * length**2 / 8.0, 0.0)
    vert[:, LENGTH2] = np.where(link, (1.1 * length) ** 2 / 8.0, 0.0)
    vert[:, BEND] = np.where(link, 1.01 * np.tan(np.radians(np.minimum(plat, 89.9999999))) / R_MIN, 0.0)
    return _with_nodes(vert)


@nb.njit(cache=True)
def _ecef_kernel(vert):  # pragma: no cover - compiled
    for i in range(len(vert)):
        vert[i, X], vert[i, Y], vert[i, Z] = ecef(vert[i, LON], vert[i, LAT])


def _with_nodes(vert: np.ndarray) -> BoundaryTree:
    """Capsules over groups of FANOUT consecutive pieces, then of nodes, up to one root."""
    n_slots = max(len(vert) - 1, 1)
    # ranges of slots (pieces) covered by each node, level by level
    level_lo = [np.arange(0, n_slots, FANOUT)]
    level_hi = [np.minimum(level_lo[0] + FANOUT, n_slots)]
    while len(level_lo[-1]) > 1:
        lo, hi = level_lo[-1], level_hi[-1]
        groups = np.arange(0, len(lo), FANOUT)
        level_lo.append(lo[groups])
        level_hi.append(hi[np.minimum(groups + FANOUT, len(lo)) - 1])
    sizes = [len(v) for v in level_lo]
    offsets = np.r_[0, np.cumsum(sizes)]
    total = int(offsets[-1])
    node = np.empty((total, NODE_FIELDS))
    child = np.zeros((total, 3), np.int64)
    for level, (lo, hi) in enumerate(zip(level_lo, level_hi)):
        at = slice(offsets[level], offsets[level + 1])
        if level == 0:
            child[at, FIRST], child[at, COUNT], child[at, LEAVES] = lo, hi - lo, 1
        else:
            first = np.arange(0, sizes[level - 1], FANOUT)
            child[at, FIRST] = offsets[level - 1] + first
            child[at, COUNT] = np.minimum(first + FANOUT, sizes[level - 1]) - first
        block = np.empty((len(lo), NODE_FIELDS))
        _capsules(vert, lo, hi, block)
        node[at] = block
    return BoundaryTree(vert, node, child, total - 1)


@nb.njit(cache=True)
def _capsules(vert, lo, hi, node):  # pragma: no cover - compiled
    """Capsule of the pieces in slots [lo, hi) of each node: the axis joins the first piece's
    start to the last piece's end; the radius reaches every piece end plus the largest bulge."""
    for j in range(len(lo)):
        a = -1
        b = -1
        for i in range(lo[j], hi[j]):
            if vert[i, LINK]:
                if a < 0:
                    a = i
                b = i + 1
        if a < 0:
            node[j, :] = 0.0
            node[j, RADIUS] = -1.0
            continue
        ax, ay, az, bx, by, bz = vert[a, X], vert[a, Y], vert[a, Z], vert[b, X], vert[b, Y], vert[b, Z]
        r = 0.0
        grow = 0.0
        for i in range(lo[j], hi[j]):
            if vert[i, LINK]:
                r = max(r, segment_distance(vert[i, X], vert[i, Y], vert[i, Z], ax, ay, az, bx, by, bz))
                r = max(r, segment_distance(vert[i + 1, X], vert[i + 1, Y], vert[i + 1, Z], ax, ay, az, bx, by, bz))
                grow = max(grow, vert[i, BULGE])
        vx, vy, vz = bx - ax, by - ay, bz - az
        vv = vx * vx + vy * vy + vz * vz
        node[j, 0], node[j, 1], node[j, 2], node[j, 3], node[j, 4], node[j, 5] = ax, ay, az, vx, vy, vz
        node[j, INV] = 1.0 / vv if vv > 0.0 else 0.0
        node[j, RADIUS] = r * (1.0 + 1e-12) + grow + 1e-6


# ----- compiled queries -------------------------------------------------------------------------
@nb.njit(cache=True, inline="always")
def segment_distance(px, py, pz, ax, ay, az, bx, by, bz):
    """Euclidean distance (m) from point p to the segment a-b."""
    vx, vy, vz = bx - ax, by - ay, bz - az
    wx, wy, wz = px - ax, py - ay, pz - az
    vv = vx * vx + vy * vy + vz * vz
    t = 0.0
    if vv > 0.0:
        t = min(max((wx * vx + wy * vy + wz * vz) / vv, 0.0), 1.0)
    dx, dy, dz = wx - t * vx, wy - t * vy, wz - t * vz
    return math.sqrt(dx * dx + dy * dy + dz * dz)


@nb.njit(cache=True, inline="always")
def _capsule_lower(node, j, px, py, pz):
    """Lower bound (m) of the chord distance from p to the pieces of node j (capsule distance)."""
    wx, wy, wz = px - node[j, 0], py - node[j, 1], pz - node[j, 2]
    vx, vy, vz = node[j, 3], node[j, 4], node[j, 5]
    f = min(max((wx * vx + wy * vy + wz * vz) * node[j, INV], 0.0), 1.0)
    dx, dy, dz = wx - f * vx, wy - f * vy, wz - f * vz
    return math.sqrt(dx * dx + dy * dy + dz * dz) - node[j, RADIUS]


@nb.njit(cache=True, inline="always")
def _chord(vert, i, px, py, pz):
    """Chord distance (m) from p to the chord of piece i."""
    return segment_distance(px, py, pz, vert[i, X], vert[i, Y], vert[i, Z], vert[i + 1, X], vert[i + 1, Y],
                            vert[i + 1, Z])


@nb.njit(cache=True, inline="always")
def _push_children(node, child, j, px, py, pz, stack, bounds, top, geodesic):
    """Push the non-empty children of internal node j with their lower bounds (chord, or
    geodesic when ``geodesic``), the nearest on top; returns the new top."""
    base = top
    for k in range(child[j, FIRST], child[j, FIRST] + child[j, COUNT]):
        if node[k, RADIUS] >= 0.0:
            b = _capsule_lower(node, k, px, py, pz)
            stack[top] = k
            bounds[top] = geodesic_lower(max(b, 0.0)) if geodesic else b
            top += 1
    for i in range(base + 1, top):  # insertion sort, decreasing bounds
        k, b = stack[i], bounds[i]
        pos = i
        while pos > base and bounds[pos - 1] < b:
            stack[pos], bounds[pos] = stack[pos - 1], bounds[pos - 1]
            pos -= 1
        stack[pos], bounds[pos] = k, b
    return top


@nb.njit(cache=True, inline="always")
def chord_bracket(t, px, py, pz, c_hi, width, hint, stack, bounds):  # pragma: no cover - compiled
    """Bracket ``(c_lo, c_hi, piece)`` of the least chord distance (m) from Earth-centred p to the
    pieces' curves, ``c_hi - c_lo <= width`` plus the bulges, unless everything lies beyond the
    initial upper bound ``c_hi`` (then ``c_lo >= c_hi - width``).

    ``hint`` (a piece, or -1) is measured first; ``piece`` is the nearest piece found (-1 when
    none beats ``c_hi``). ``stack`` (int64) and ``bounds`` (float64) are scratch space of at
    least STACK_SIZE.
    """
    vert, node, child = t.vert, t.node, t.child
    best = -1
    lo = math.inf
    if node[t.root, RADIUS] < 0.0:
        return math.inf, math.inf, -1
    if hint >= 0 and vert[hint, LINK]:
        c = _chord(vert, hint, px, py, pz)
        lo = c - vert[hint, BULGE]
        if c + vert[hint, BULGE] < c_hi:
            c_hi, best = c + vert[hint, BULGE], hint
    stack[0], bounds[0] = t.root, _capsule_lower(node, t.root, px, py, pz)
    top = 1
    while top > 0:
        top -= 1
        j, bound = stack[top], bounds[top]
        if bound >= c_hi - width:
            lo = min(lo, bound)
            continue
        if child[j, LEAVES]:
            for i in range(child[j, FIRST], child[j, FIRST] + child[j, COUNT]):
                if vert[i, LINK]:
                    c = _chord(vert, i, px, py, pz)
                    lo = min(lo, c - vert[i, BULGE])
                    if c + vert[i, BULGE] < c_hi:
                        c_hi, best = c + vert[i, BULGE], i
            continue
        top = _push_children(node, child, j, px, py, pz, stack, bounds, top, False)
    return max(min(lo, c_hi), 0.0), c_hi, best


@nb.njit(cache=True, inline="always")
def geodesic_bracket(t, px, py, pz, d_hi, width, hint, stack, bounds):  # pragma: no cover - compiled
    """Bracket ``(d_lo, d_hi, piece)`` of the geodesic distance (m) from Earth-centred p to the
    boundary, from the chord bracket (``d_hi``: a known upper bound, or inf)."""
    c_lo, c_hi, best = chord_bracket(t, px, py, pz, d_hi, width, hint, stack, bounds)
    return geodesic_lower(c_lo), min(geodesic_upper(c_hi), d_hi), best


@nb.njit(cache=True)
def piece_geodesic(t, i, lon, lat):  # pragma: no cover - compiled
    """Bracket (lo, hi) of the geodesic distance (m) from (lon, lat) to piece i, in the point's
    azimuthal equidistant plane; (nan, nan) if the inverse problem fails."""
    v = t.vert
    s1, a1 = inverse(lon, lat, v[i, LON], v[i, LAT])
    s2, a2 = inverse(lon, lat, v[i + 1, LON], v[i + 1, LAT])
    if math.isnan(s1) or math.isnan(s2):
        return math.nan, math.nan
    ux, uy = s1 * math.sin(a1), s1 * math.cos(a1)
    vx, vy = s2 * math.sin(a2) - ux, s2 * math.cos(a2) - uy
    vv = vx * vx + vy * vy
    f = 0.0
    if vv > 0.0:
        f = min(max(-(ux * vx + uy * vy) / vv, 0.0), 1.0)
    d = math.hypot(ux + f * vx, uy + f * vy)
    stray = (1.5 * v[i, BEND] + max(s1, s2) / (2.0 * R_MIN * R_MIN)) * v[i, LENGTH2] + VINCENTY_ERROR_M
    return max(d - stray, 0.0), d + stray


@nb.njit(cache=True)
def exact_bracket(t, lon, lat, px, py, pz, d_hi, stack):  # pragma: no cover - compiled
    """Bracket ``(d_lo, d_hi, piece)`` of the geodesic distance (m) from (lon, lat) (Earth-centred
    p) to the boundary, a few millimetres wide, given an upper bound ``d_hi``: every piece that the
    chord bounds leave within ``d_hi`` is measured geodesically (:func:`piece_geodesic`)."""
    found = np.empty(64, np.int64)
    n = pieces_within(t, px, py, pz, d_hi, stack, found)
    while n < 0:
        found = np.empty(2 * len(found), np.int64)
        n = pieces_within(t, px, py, pz, d_hi, stack, found)
    lo, best = d_hi, -1
    for k in range(n):
        i = found[k]
        a, b = piece_geodesic(t, i, lon, lat)
        if math.isnan(a):  # no geodesic solution: keep the chord bounds
            c = _chord(t.vert, i, px, py, pz)
            a, b = geodesic_lower(max(c - t.vert[i, BULGE], 0.0)), geodesic_upper(c + t.vert[i, BULGE])
        lo = min(lo, a)
        if b < d_hi:
            d_hi, best = b, i
    return min(lo, d_hi), d_hi, best


@nb.njit(cache=True)
def pieces_within(t, px, py, pz, d_max, stack, out):  # pragma: no cover - compiled
    """Pieces whose chord lower bound allows a geodesic distance <= ``d_max`` from Earth-centred
    p, written to ``out``; returns their count (-1 if ``out`` is too small)."""
    v, node, child = t.vert, t.node, t.child
    if node[t.root, RADIUS] < 0.0:
        return 0
    stack[0] = t.root
    top = 1
    n_out = 0
    while top > 0:
        top -= 1
        j = stack[top]
        if geodesic_lower(max(_capsule_lower(node, j, px, py, pz), 0.0)) > d_max:
            continue
        first, count = child[j, FIRST], child[j, COUNT]
        if child[j, LEAVES]:
            for i in range(first, first + count):
                if v[i, LINK] and geodesic_lower(max(_chord(v, i, px, py, pz) - v[i, BULGE], 0.0)) <= d_max:
                    if n_out >= len(out):
                        return -1
                    out[n_out] = i
                    n_out += 1
            continue
        for k in range(first, first + count):
            if node[k, RADIUS] >= 0.0:
                stack[top] = k
                top += 1
    return n_out


__all__ = ["FANOUT", "PIECE_M", "BoundaryTree", "build_tree", "chord_bracket", "exact_bracket", "geodesic_bracket",
           "piece_geodesic", "pieces_within", "seam_pieces", "segment_distance", "tree_of"]
