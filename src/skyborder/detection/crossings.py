"""Exact crossings of geodesic segments with airspace boundaries.

A segment (between two fixes) is the WGS84 geodesic. It is cut into chords of at most
``CHORD_M`` metres; chords that meet a boundary edge (straight in lon/lat) give a first
estimate, which is refined on the geodesic itself until the crossing point lies on the edge
(to ``TOL_M``). Which stretches between crossings are inside is then decided by exact tests of
their midpoints, so touching a vertex, running along an edge or a crossing found twice never
flips the state wrongly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..airspace.index import AirspaceIndex
from ..arrays import expand_ranges
from ..geodesy import GEOD, wrap_lon

CHORD_M = 1_000.0
TOL_M = 1e-4
DEDUP_M = 0.05


@dataclass
class Segments:
    """Candidate segments: start fix (lon, lat), forward azimuth (deg), length (m)."""

    lon: np.ndarray
    lat: np.ndarray
    azimuth: np.ndarray
    length: np.ndarray

    def point(self, seg: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The point ``s`` metres along each listed segment; longitude continuous from its start."""
        lon, lat, _ = GEOD.fwd(self.lon[seg], self.lat[seg], self.azimuth[seg], s)
        return self.lon[seg] + wrap_lon(lon - self.lon[seg]), lat


@dataclass
class InsideStretches:
    """Parts of candidate segments that are inside an airspace, in metres from the segment start.

    ``handled`` lists the keys ``segment * n_airspaces + airspace`` of every pair that had a
    crossing (or a state change); other pairs keep their end states along the whole segment.
    """

    seg: np.ndarray
    airspace: np.ndarray
    start: np.ndarray
    end: np.ndarray
    handled: np.ndarray


def _chords(segs: Segments) -> tuple[np.ndarray, ...]:
    n = np.maximum(np.ceil(segs.length / CHORD_M), 1).astype(np.int64)
    seg_v, k = expand_ranges(np.zeros(len(n), np.int64), n)  # chord ends, each computed once
    s_v = segs.length[seg_v] * k / n[seg_v]
    xv, yv = segs.point(seg_v, s_v)
    a = np.flatnonzero(k < n[seg_v])
    return seg_v[a], s_v[a], s_v[a + 1], xv[a], yv[a], xv[a + 1], yv[a + 1]


def _shifts(xa: np.ndarray, xb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chord index, shift in degrees) bringing each chord, or both halves of it, into [-180, 180]."""
    k_lo = np.floor((np.minimum(xa, xb) + 180.0) / 360.0)
    k_hi = np.floor((np.maximum(xa, xb) + 180.0) / 360.0)
    both = np.flatnonzero(k_lo != k_hi)
    chord = np.concatenate([np.arange(len(xa)), both])
    shift = -360.0 * np.concatenate([k_lo, k_hi[both]])
    return chord, shift


def find_crossings(index: AirspaceIndex, segs: Segments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All boundary crossings of the segments: (segment, airspace, metres from segment start)."""
    seg, s_a, s_b, xa, ya, xb, yb = _chords(segs)
    chord, shift = _shifts(xa, xb)
    cxa, cxb, cya, cyb = xa[chord] + shift, xb[chord] + shift, ya[chord], yb[chord]
    cells = index.edge_cells
    pair_chord, edge = cells.query_boxes(np.clip(np.minimum(cxa, cxb), -180, 180), np.minimum(cya, cyb),
                                         np.clip(np.maximum(cxa, cxb), -180, 180), np.maximum(cya, cyb))
    e = index.edges
    px, py = cxa[pair_chord], cya[pair_chord]
    rx, ry = cxb[pair_chord] - px, cyb[pair_chord] - py
    ax, ay = e.x1[edge], e.y1[edge]
    qx, qy = e.x2[edge] - ax, e.y2[edge] - ay
    denom = rx * qy - ry * qx
    with np.errstate(divide="ignore", invalid="ignore"):
        u = ((ax - px) * qy - (ay - py) * qx) / denom
        v = ((ax - px) * ry - (ay - py) * rx) / denom
    eps = 1e-9
    hit = (denom != 0) & (u >= -eps) & (u <= 1 + eps) & (v >= -eps) & (v <= 1 + eps)
    pair_chord, edge, u = pair_chord[hit], edge[hit], np.clip(u[hit], 0.0, 1.0)
    c = chord[pair_chord]
    s = _refine(segs, seg[c], s_a[c], s_b[c], shift[pair_chord], edge, index, u)
    return seg[c], index.edges.airspace[edge], s


def _side(segs, seg, s, shift, ax, ay, qx, qy) -> np.ndarray:
    x, y = segs.point(seg, s)
    return qx * (y - ay) - qy * (x + shift - ax)


def _refine(segs: Segments, seg, s_lo, s_hi, shift, edge, index, u) -> np.ndarray:
    """Solve side(s) = 0 on the geodesic by the Illinois method, bracketed by the chord ends."""
    e = index.edges
    ax, ay, qx, qy = e.x1[edge], e.y1[edge], e.x2[edge] - e.x1[edge], e.y2[edge] - e.y1[edge]
    lo, hi = s_lo.copy(), s_hi.copy()
    f_lo = _side(segs, seg, lo, shift, ax, ay, qx, qy)
    f_hi = _side(segs, seg, hi, shift, ax, ay, qx, qy)
    guess = lo + u * (hi - lo)
    active = np.flatnonzero((np.sign(f_lo) * np.sign(f_hi) < 0) & (hi - lo > TOL_M))
    for _ in range(60):
        if len(active) == 0:
            break
        a = active
        denom = f_hi[a] - f_lo[a]
        safe = np.where(denom != 0, denom, 1.0)
        mid = np.where(denom != 0, hi[a] - f_hi[a] * (hi[a] - lo[a]) / safe, 0.5 * (lo[a] + hi[a]))
        mid = np.clip(mid, lo[a], hi[a])
        f_mid = _side(segs, seg[a], mid, shift[a], ax[a], ay[a], qx[a], qy[a])
        same_as_hi = np.sign(f_mid) == np.sign(f_hi[a])
        # Illinois: halve the stale end's value so the bracket shrinks from both sides
        f_lo[a] = np.where(same_as_hi, f_lo[a] * 0.5, f_mid)
        lo[a] = np.where(same_as_hi, lo[a], mid)
        f_hi[a] = np.where(same_as_hi, f_mid, f_hi[a] * 0.5)
        hi[a] = np.where(same_as_hi, mid, hi[a])
        guess[a] = mid
        exact = f_mid == 0
        active = a[~exact & (hi[a] - lo[a] > TOL_M)]
    return guess


def inside_stretches(index: AirspaceIndex, segs: Segments, start_inside: np.ndarray,
                     end_inside: np.ndarray, seg_of_state: np.ndarray, air_of_state: np.ndarray) -> InsideStretches:
    """Inside parts of segments that have crossings or whose end states differ.

    ``start_inside``/``end_inside`` give the exact state of the fixes at each end for the
    (segment, airspace) pairs listed in ``seg_of_state``/``air_of_state``; pairs not listed
    are outside at both ends.
    """
    c_seg, c_air, c_s = find_crossings(index, segs)
    n_air = len(index.airspaces)
    state_key = seg_of_state.astype(np.int64) * n_air + air_of_state
    order = np.argsort(state_key, kind="stable")
    state_key, start_inside, end_inside = state_key[order], start_inside[order], end_inside[order]
    cross_key = c_seg.astype(np.int64) * n_air + c_air
    # (segment, airspace) pairs whose state differs but where no crossing was found: a fix
    # lies on the boundary; the crossing is at that (outside-classified) fix.
    differ = start_inside != end_inside
    missing = differ & ~np.isin(state_key, cross_key)
    fix_s = np.where(start_inside[missing], segs.length[seg_of_state[missing]], 0.0)
    key = np.concatenate([cross_key, state_key[missing]])
    s = np.concatenate([c_s, fix_s])
    order = np.lexsort((s, key))
    key, s = key[order], s[order]
    # drop crossings found twice (a chord meeting two edges at a vertex)
    keep = np.ones(len(key), bool)
    keep[1:] = (key[1:] != key[:-1]) | (s[1:] - s[:-1] > DEDUP_M)
    key, s = key[keep], s[keep]
    groups, first = np.unique(key, return_index=True)
    last = np.append(first[1:], len(key))
    g_seg, g_air = groups // n_air, (groups % n_air).astype(np.int32)
    # state of the stretch before the first crossing: the start fix's state
    if len(state_key):
        pos = np.minimum(np.searchsorted(state_key, groups), len(state_key) - 1)
        listed = state_key[pos] == groups
        g_start, g_end = listed & start_inside[pos], listed & end_inside[pos]
    else:
        g_start = g_end = np.zeros(len(groups), bool)
    # stretches: between consecutive cuts (0, crossings..., length)
    counts = last - first  # crossings per group
    n_stretch = counts + 1
    owner, j = expand_ranges(np.zeros(len(groups), np.int64), n_stretch - 1)
    lo = np.where(j == 0, 0.0, s[np.minimum(first[owner] + j - 1, len(s) - 1)])
    hi = np.where(j == counts[owner], segs.length[g_seg[owner]], s[np.minimum(first[owner] + j, len(s) - 1)])
    state = np.zeros(len(owner), bool)
    is_first, is_last = j == 0, j == counts[owner]
    state[is_first] = g_start[owner[is_first]]
    state[is_last & ~is_first] = g_end[owner[is_last & ~is_first]]
    interior = np.flatnonzero(~is_first & ~is_last)
    if len(interior):
        mx, my = segs.point(g_seg[owner[interior]], 0.5 * (lo[interior] + hi[interior]))
        state[interior] = _contains(index, g_air[owner[interior]], np.asarray(wrap_lon(mx)), my)
    inside = np.flatnonzero(state & (hi > lo))
    return InsideStretches(g_seg[owner[inside]], g_air[owner[inside]], lo[inside], hi[inside], groups)


def _contains(index: AirspaceIndex, air: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    out = np.zeros(len(air), bool)
    for a in np.unique(air):
        sel = air == a
        out[sel] = shapely.contains_xy(index.geometries[a], lon[sel], lat[sel])
    return out
