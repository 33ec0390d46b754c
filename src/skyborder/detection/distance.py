"""Depth of passages and closest approach of near misses: exact by construction.

- **Depth** (``max_depth_m``): the largest geodesic distance from a point of the inside path to
  the airspace's lateral boundary.
- **Closest approach** of a track to an airspace it never entered: the least *separation*
  ``sqrt(h^2 + v^2)`` over the whole track, ``h`` the lateral geodesic distance to the airspace's
  area (0 above or below it) and ``v`` the vertical distance to its floor or ceiling (0 within
  them, without vertical limits, or when the altitude is unknown).

Both are found by the branch and bound of :mod:`.extremes` over the path, on certified
brackets of the distance to the boundary (:mod:`.boundary`); the point it proves best (within
``TOL_M``) is then measured once more with pyproj's ``Geod`` (distances and azimuths to the few
pieces that can be nearest, in the point's azimuthal equidistant plane). Data cuts at +-180
degrees are not borders (see :func:`.boundary.seam_pieces`).

Work is done per airspace in batches of at most ``BATCH`` items, so the memory of this step is
bounded whatever the number of passages; near-miss candidates come from the index's coarse
grid at fixes and at points at most ``2 * REACH_M`` apart along long segments, so a long gap
costs a few look-ups, not a sweep of its whole reach.
"""
from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from ..airspace.index import AirspaceIndex
from ..arrays import expand_ranges, groups, isin_sorted
from ..geodesy import GEOD, wrap_lon
from .boundary import STACK_SIZE, BoundaryTree, chord_bracket, exact_bracket, pieces_within, tree_of
from .crossings import Segments, inside_stretches
from .ellipsoid import ecef, geodesic_upper
from .extremes import search
from .paths import Positions, TrackArrays
from .vertical import Altitudes, Limits

TOL_M = 0.5  # the search's tolerance; the reported extremes are within 1 m of the truth
BATCH = 20_000  # items per compiled call
REACH_M = 25_000.0  # near-miss candidates: look-up points along segments are <= 2 * REACH_M apart
EXACT_MARGIN_M = 0.05  # pieces measured by pyproj: those that may lie within (bound + this)


# ----- depth ---------------------------------------------------------------------------------
def max_depth(arrays: TrackArrays, index: AirspaceIndex, pos: Positions, air: np.ndarray, e_fix: np.ndarray,
              e_s: np.ndarray, x_fix: np.ndarray, x_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Largest distance (m) to the lateral boundary reached inside each passage, and where.

    Parameters
    ----------
    arrays, index, pos
        The tracks, the airspaces, and positions along the tracks.
    air : ndarray of int
        Airspace of each passage.
    e_fix, e_s, x_fix, x_s : ndarray
        Entry and exit of each passage: segment start fix and metres along that segment.

    Returns
    -------
    depth, lon, lat : ndarray
        Depth (m, within 1 m of the true maximum) and where it is reached (degrees).
    """
    n = len(air)
    depth, lon, lat = np.zeros(n), np.zeros(n), np.zeros(n)
    air = np.asarray(air, dtype=np.int64)
    for a, members in groups(air):
        tree = tree_of(index, a)
        for batch in _batches(members):
            starts = np.arange(len(batch) + 1, dtype=np.int64)
            found = _search(tree, arrays, pos, e_fix[batch], e_s[batch], x_fix[batch], x_s[batch], starts, 1.0,
                            _Vertical.none(len(arrays)), -np.inf)
            plon, plat = pos.point(found.fix, found.s)
            plon = np.asarray(wrap_lon(plon))
            exact = exact_distances(tree, plon, plat, found.value + TOL_M + EXACT_MARGIN_M)
            depth[batch] = np.where(np.isfinite(exact), exact, found.value)
            lon[batch], lat[batch] = plon, plat
    return depth, lon, lat


def _batches(members: np.ndarray) -> list[np.ndarray]:
    return [members[k:k + BATCH] for k in range(0, len(members), BATCH)]


@dataclass
class _Found:
    """Best point of each item: value of f (m), fix, metres along its segment, vertical part (m)."""

    value: np.ndarray
    fix: np.ndarray
    s: np.ndarray
    vertical: np.ndarray
    evaluations: np.ndarray


@dataclass(frozen=True)
class _Vertical:
    """One airspace's vertical limits for the search: floor and ceiling (m; -inf / inf when
    none) and the altitudes (m) of every fix they are compared with, rows (floor, ceiling)."""

    rows: np.ndarray
    floor: float
    ceiling: float

    @classmethod
    def none(cls, n: int) -> _Vertical:
        return cls(np.zeros((2, n)), -np.inf, np.inf)

    @classmethod
    def of(cls, altitudes: Altitudes, limits: Limits, airspace: int) -> _Vertical:
        if not limits.limited[airspace]:
            return cls.none(altitudes.rows.shape[1])
        rows = np.ascontiguousarray(altitudes.rows[[limits.floor_row[airspace], limits.ceiling_row[airspace]]])
        return cls(rows, float(limits.floor[airspace]), float(limits.ceiling[airspace]))


def _search(tree: BoundaryTree, arrays: TrackArrays, pos: Positions, f0, s0, f1, s1, item_start: np.ndarray,
            sign: float, vertical: _Vertical, cutoff: float) -> _Found:
    """Run the compiled branch and bound over items of runs (from (f0, s0) to (f1, s1)).
    """
    n = len(item_start) - 1
    g, bound = np.empty(n), np.empty(n)
    fix, evals = np.empty(n, np.int64), np.empty(n, np.int64)
    s, v = np.empty(n), np.empty(n)
    search(tree, arrays.lon, arrays.lat, vertical.rows, pos.seg_len,
           arrays.last, np.asarray(f0, np.int64), np.asarray(s0, float), np.asarray(f1, np.int64),
           np.asarray(s1, float), item_start, sign, vertical.floor, vertical.ceiling, cutoff, TOL_M, g, bound, fix,
           s, v, evals)
    missing = fix < 0
    return _Found(sign * g, np.where(missing, np.asarray(f0)[item_start[:-1]], fix), np.where(missing, 0.0, s),
                  v, evals)


# ----- exact measure at chosen points ------------------------------------------------------------
@nb.njit(cache=True)
def _candidates(t, lon, lat, d_max):  # pragma: no cover - compiled
    """(point, piece) pairs: the pieces that may lie within ``d_max[i]`` metres of point i."""
    stack = np.empty(STACK_SIZE, np.int64)
    buf = np.empty(64, np.int64)
    owner = np.empty(64, np.int64)
    piece = np.empty(64, np.int64)
    n_out = 0
    for i in range(len(lon)):
        px, py, pz = ecef(lon[i], lat[i])
        while True:
            k = pieces_within(t, px, py, pz, d_max[i], stack, buf)
            if k >= 0:
                break
            buf = np.empty(2 * len(buf), np.int64)
        while n_out + k > len(owner):
            grown_o, grown_p = np.empty(2 * len(owner), np.int64), np.empty(2 * len(owner), np.int64)
            grown_o[:n_out], grown_p[:n_out] = owner[:n_out], piece[:n_out]
            owner, piece = grown_o, grown_p
        owner[n_out:n_out + k] = i
        piece[n_out:n_out + k] = buf[:k]
        n_out += k
    return owner[:n_out], piece[:n_out]


def exact_distances(tree: BoundaryTree, lon: np.ndarray, lat: np.ndarray, d_max: np.ndarray) -> np.ndarray:
    """Geodesic distance (m) from each point to the boundary, measured with pyproj's ``Geod``:
    distances and azimuths to the ends of every piece within ``d_max`` (m), the least distance
    to the straight line between them in the point's azimuthal equidistant plane (pieces are
    short enough for that line to stay within a few centimetres of the piece). ``inf`` where no
    piece lies within ``d_max``."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    d_max = np.broadcast_to(np.asarray(d_max, float), lon.shape).copy()
    owner, piece = _candidates(tree, lon, lat, np.where(np.isfinite(d_max), d_max, 1e12))
    az1, _, s1 = GEOD.inv(lon[owner], lat[owner], tree.lon[piece], tree.lat[piece])
    az2, _, s2 = GEOD.inv(lon[owner], lat[owner], tree.lon[piece + 1], tree.lat[piece + 1])
    a1, a2 = np.radians(az1), np.radians(az2)
    ux, uy = s1 * np.sin(a1), s1 * np.cos(a1)
    vx, vy = s2 * np.sin(a2) - ux, s2 * np.cos(a2) - uy
    vv = vx * vx + vy * vy
    with np.errstate(invalid="ignore", divide="ignore"):
        f = np.clip(np.where(vv > 0, -(ux * vx + uy * vy) / vv, 0.0), 0.0, 1.0)
    out = np.full(len(lon), np.inf)
    np.minimum.at(out, owner, np.hypot(ux + f * vx, uy + f * vy))
    return out


@nb.njit(cache=True)
def _exact_kernel(t, lon, lat, lo, hi):  # pragma: no cover - compiled
    stack = np.empty(STACK_SIZE, np.int64)
    bounds = np.empty(STACK_SIZE)
    for i in range(len(lon)):
        px, py, pz = ecef(lon[i], lat[i])
        c_hi = chord_bracket(t, px, py, pz, np.inf, 0.01, -1, stack, bounds)[1]
        lo[i], hi[i], _ = exact_bracket(t, lon[i], lat[i], px, py, pz, geodesic_upper(c_hi) + 1e-6, stack)


def boundary_distance(index: AirspaceIndex, air: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geodesic distance (m) from each point to the lateral boundary of its airspace (data cuts
    at +-180 degrees excluded), measured with pyproj's ``Geod`` on the pieces a compiled search
    leaves (see :func:`exact_distances`)."""
    air = np.asarray(air, dtype=np.int64)
    lon, lat = np.asarray(wrap_lon(np.asarray(lon, float))), np.asarray(lat, float)
    out = np.empty(len(air))
    for a, members in groups(air):
        tree = tree_of(index, a)
        lo, hi = np.empty(len(members)), np.empty(len(members))
        _exact_kernel(tree, lon[members], lat[members], lo, hi)
        out[members] = exact_distances(tree, lon[members], lat[members], hi + EXACT_MARGIN_M)
    return out


# ----- closest approach ---------------------------------------------------------------------------
@dataclass
class NearMisses:
    """Closest approach of tracks to airspaces they came near without entering.

    ``separation_m`` is ``sqrt(lateral^2 + vertical^2)`` at the closest point, ``vertical_m`` its
    vertical part; the point is ``s`` metres along the segment starting at ``fix``.
    """

    track: np.ndarray
    airspace: np.ndarray
    separation_m: np.ndarray
    vertical_m: np.ndarray
    fix: np.ndarray
    s: np.ndarray

    def __len__(self) -> int:
        return len(self.track)


def closest_approaches(arrays: TrackArrays, index: AirspaceIndex, pos: Positions, altitudes: Altitudes,
                       entered: np.ndarray, near_m: float) -> NearMisses:
    """Closest approach of each track to each airspace it came within ``near_m`` metres of
    (3-D separation, see the module notes) without a passage.

    ``altitudes`` are the fixes' altitudes in each reference (``detection.vertical``), compared
    with each airspace's floor and ceiling in theirs. ``entered`` holds the sorted keys
    ``track * n_airspaces + airspace`` of pairs with a passage.
    """
    n_air = len(index.airspaces)
    seg, air = _candidate_segments(arrays, index, pos, near_m)
    keep = ~isin_sorted(arrays.track[seg] * n_air + air, np.asarray(entered, dtype=np.int64))
    seg, air = seg[keep], air[keep]
    limits = Limits.of(index.airspaces)
    limited = limits.limited
    found = [_near_unlimited(arrays, index, pos, seg[~limited[air]], air[~limited[air]], near_m)]
    if limited[air].any():
        found.append(_near_limited(arrays, index, pos, altitudes, limits, seg[limited[air]], air[limited[air]],
                                   near_m))
    result = NearMisses(*(np.concatenate([getattr(f, k) for f in found]) for k in
                          ("track", "airspace", "separation_m", "vertical_m", "fix", "s")))
    ok = result.separation_m <= near_m
    return NearMisses(*(getattr(result, k)[ok] for k in ("track", "airspace", "separation_m", "vertical_m",
                                                          "fix", "s")))


def _candidate_segments(arrays: TrackArrays, index: AirspaceIndex, pos: Positions,
                        near_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Unique (segment start fix, airspace) pairs whose segment may come within ``near_m`` of the
    airspace (a lone fix counts as a segment of length 0).

    Look-up points: every fix, and points splitting longer segments into parts of at most
    ``2 * REACH_M``; any point of a segment is within ``REACH_M`` of one, so a segment can come
    within ``near_m`` of a boundary only if one of its look-up points lies in a coarse cell the
    index lists within ``near_m + REACH_M`` of it. A fix laterally inside a zone with vertical
    limits also makes its segments candidates (the zone may be just above or below).
    """
    n = len(arrays)
    n_air = len(index.airspaces)
    has_next = arrays.last > np.arange(n)
    parts = np.where(has_next, np.maximum(np.ceil(pos.seg_len / (2.0 * REACH_M)), 1), 1).astype(np.int64)
    extra_fix, k = expand_ranges(np.zeros(n, np.int64), parts - 2)
    k = k + 1
    s = pos.seg_len[extra_fix] * k / parts[extra_fix]
    xlon, xlat = pos.point(extra_fix, s)
    lon = np.r_[arrays.lon, wrap_lon(xlon)]
    lat = np.r_[arrays.lat, xlat]
    near = index.cells_near(near_m + REACH_M)
    ix, iy = index._cell_xy(lon, lat)
    cell = iy * index.nx + ix
    lo = np.searchsorted(near, cell * n_air)
    hi = np.searchsorted(near, (cell + 1) * n_air)
    point, at = expand_ranges(lo, hi - 1)
    air = near[at] % n_air
    fix = np.r_[np.arange(n), extra_fix][point]
    is_fix = point < n
    # a fix stands for the segments on both sides; an extra point for its own segment
    prev_ok = is_fix & (fix > arrays.first[fix])
    segs = [fix, fix[prev_ok] - 1]
    airs = [air, air[prev_ok]]
    limited = np.flatnonzero([a.has_vertical_limits for a in index.airspaces])
    if len(limited):
        member = index.member()[index.classify(arrays.lon, arrays.lat)][:, limited]
        f_in, which = np.nonzero(member)
        before = f_in > arrays.first[f_in]
        segs += [f_in, f_in[before] - 1]
        airs += [limited[which], limited[which[before]]]
    segs_all, airs_all = np.concatenate(segs), np.concatenate(airs).astype(np.int64)
    # a segment start must have a next fix unless the track is a lone fix
    ok = has_next[segs_all] | (arrays.first[segs_all] == arrays.last[segs_all])
    keys = np.unique(segs_all[ok] * n_air + airs_all[ok])
    return keys // n_air, keys % n_air


def _items(arrays: TrackArrays, seg: np.ndarray, air: np.ndarray) -> tuple[np.ndarray, ...]:
    """Group (segment, airspace) pairs (sorted by airspace, then segment) into runs of
    consecutive segments and items (track, airspace). Returns (run first fix, run last fix,
    item of each run)."""
    order = np.lexsort((seg, air))
    seg, air = seg[order], air[order]
    track = arrays.track[seg]
    new_run = np.r_[True, (air[1:] != air[:-1]) | (seg[1:] != seg[:-1] + 1) | (track[1:] != track[:-1])]
    first = np.flatnonzero(new_run[:len(seg)])
    last = np.r_[first[1:], len(seg)][:len(first)] - 1
    r_f0 = seg[first]
    r_f1 = np.where(arrays.last[seg[last]] > seg[last], seg[last] + 1, seg[last])
    r_air, r_track = air[first], track[first]
    new_item = np.r_[True, (r_air[1:] != r_air[:-1]) | (r_track[1:] != r_track[:-1])][:len(first)]
    return r_f0, r_f1, np.cumsum(new_item) - 1, r_air


def _near_unlimited(arrays: TrackArrays, index: AirspaceIndex, pos: Positions, seg: np.ndarray, air: np.ndarray,
                    near_m: float) -> NearMisses:
    """Closest approach to airspaces without vertical limits: the least lateral distance over
    runs of candidate segments (outside all along: the track never entered)."""
    r_f0, r_f1, r_item, r_air = _items(arrays, seg, air)
    zeros = np.zeros(len(r_f0))
    return _near_runs(arrays, index, pos, None, r_f0, zeros, r_f1, zeros, r_item, r_air, near_m)


def _near_runs(arrays, index, pos, heights: tuple[Altitudes, Limits] | None, r_f0, r_s0, r_f1, r_s1, r_item, r_air,
               near_m) -> NearMisses:
    """Least separation over the runs of each item (runs of one item are consecutive);
    ``heights``: the altitudes and limits of airspaces with vertical limits (None: without)."""
    out = []
    item_air = r_air[np.r_[True, r_item[1:] != r_item[:-1]]] if len(r_item) else r_air
    for a, items in groups(item_air):
        vertical = _Vertical.of(*heights, a) if heights is not None else _Vertical.none(len(arrays))
        tree = tree_of(index, a)
        for batch in _batches(items):
            lo = np.searchsorted(r_item, batch)
            hi = np.searchsorted(r_item, batch, side="right")
            runs = expand_ranges(lo, hi - 1)[1]
            starts = np.r_[0, np.cumsum(hi - lo)].astype(np.int64)
            found = _search(tree, arrays, pos, r_f0[runs], r_s0[runs], r_f1[runs], r_s1[runs], starts, -1.0,
                            vertical, -near_m)
            close = found.value <= near_m + TOL_M
            fix, s, v = found.fix[close], found.s[close], found.vertical[close]
            plon, plat = pos.point(fix, s)
            plon = np.asarray(wrap_lon(plon))
            lateral = exact_distances(tree, plon, plat, np.sqrt(np.maximum(found.value[close] ** 2 - v**2, 0.0))
                                      + TOL_M + EXACT_MARGIN_M)
            lateral = np.where(np.isfinite(lateral), lateral, np.sqrt(np.maximum(found.value[close] ** 2 - v**2, 0.0)))
            out.append(NearMisses(arrays.track[fix], np.full(len(fix), a, np.int64), np.hypot(lateral, v), v, fix, s))
    if not out:
        empty_i, empty_f = np.zeros(0, np.int64), np.zeros(0)
        return NearMisses(empty_i, empty_i, empty_f, empty_f, empty_i, empty_f)
    return NearMisses(*(np.concatenate([getattr(f, k) for f in out]) for k in
                        ("track", "airspace", "separation_m", "vertical_m", "fix", "s")))


def _near_limited(arrays: TrackArrays, index: AirspaceIndex, pos: Positions, altitudes: Altitudes, limits: Limits,
                  seg: np.ndarray, air: np.ndarray, near_m: float) -> NearMisses:
    """Closest approach to zones with vertical limits: laterally inside stretches (exact, from the
    crossing engine) are separated vertically only, with the least vertical distance at one of
    their ends (altitude is linear along a segment); the stretches outside are searched."""
    n_air = len(index.airspaces)
    one = arrays.last[seg] > seg  # real segments (not lone fixes)
    j = seg[one]
    member = index.member()
    combo = index.classify(arrays.lon, arrays.lat)
    lon2 = arrays.lon[j] + wrap_lon(arrays.lon[j + 1] - arrays.lon[j])
    az = GEOD.inv(arrays.lon[j], arrays.lat[j], lon2, arrays.lat[j + 1])[0]
    segs = Segments(arrays.lon[j], arrays.lat[j], np.asarray(az), pos.seg_len[j])
    k = np.arange(len(j))
    a_one = air[one]
    st = inside_stretches(index, segs, member[combo[j], a_one], member[combo[j + 1], a_one], k, a_one)
    pair_key = k * n_air + a_one
    mine = isin_sorted(st.seg.astype(np.int64) * n_air + st.airspace, np.sort(pair_key))
    in_k, in_lo, in_hi = st.seg[mine].astype(np.int64), st.start[mine], st.end[mine]
    whole = member[combo[j], a_one] & member[combo[j + 1], a_one] & ~isin_sorted(pair_key, np.sort(st.handled))
    in_k = np.r_[in_k, k[whole]]
    in_lo, in_hi = np.r_[in_lo, np.zeros(whole.sum())], np.r_[in_hi, pos.seg_len[j][whole]]
    in_air = a_one[in_k]
    # outside stretches: the complement of the inside ones on each candidate segment
    order = np.lexsort((in_lo, in_k))
    in_k, in_lo, in_hi, in_air = in_k[order], in_lo[order], in_hi[order], in_air[order]
    o_k, o_lo, o_hi = _complement(k, pos.seg_len[j], in_k, in_lo, in_hi)
    o_fix, o_air = j[o_k], a_one[o_k]
    # lone fixes (no segment): a run of length 0
    lone = seg[~one]
    o_fix, o_air = np.r_[o_fix, lone], np.r_[o_air, air[~one]]
    o_lo, o_hi = np.r_[o_lo, np.zeros(len(lone))], np.r_[o_hi, np.zeros(len(lone))]
    # each outside stretch is its own run; items are (track, airspace)
    order = np.lexsort((o_lo, o_fix, arrays.track[o_fix], o_air))
    o_fix, o_air, o_lo, o_hi = o_fix[order], o_air[order], o_lo[order], o_hi[order]
    key = arrays.track[o_fix] * n_air + o_air
    item = np.cumsum(np.r_[True, key[1:] != key[:-1]]) - 1 if len(key) else np.zeros(0, np.int64)
    searched = _near_runs(arrays, index, pos, (altitudes, limits), o_fix, o_lo, o_fix, o_hi, item, o_air, near_m)
    # inside stretches: vertical distance only
    v, at = _least_vertical(altitudes, limits, pos, j[in_k], in_air, in_lo, in_hi)
    inside = NearMisses(arrays.track[j[in_k]], in_air.astype(np.int64), v, v, j[in_k], at)
    both = NearMisses(*(np.r_[getattr(searched, f), getattr(inside, f)] for f in
                        ("track", "airspace", "separation_m", "vertical_m", "fix", "s")))
    # the least per (track, airspace)
    key = both.track * n_air + both.airspace
    order = np.lexsort((both.separation_m, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]] if len(order) else order
    return NearMisses(*(getattr(both, f)[first] for f in ("track", "airspace", "separation_m", "vertical_m",
                                                           "fix", "s")))


def _complement(k: np.ndarray, length: np.ndarray, in_k: np.ndarray, in_lo: np.ndarray,
                in_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The parts of segments ``k`` (``[0, length]``) outside the intervals ``[in_lo, in_hi]`` of
    segment ``in_k`` (sorted by segment, then start; disjoint). Returns (segment, start, end)."""
    first_in = np.searchsorted(in_k, k)
    has = first_in < len(in_k)
    has[has] = in_k[first_in[has]] == k[has]
    end0 = np.where(has, in_lo[np.minimum(first_in, max(len(in_lo) - 1, 0))] if len(in_lo) else 0.0, length)
    same_next = np.r_[in_k[1:] == in_k[:-1], False][:len(in_k)]
    end_i = np.where(same_next, np.r_[in_lo[1:], 0.0][:len(in_k)], length[in_k])
    seg = np.r_[k, in_k]
    lo, hi = np.r_[np.zeros(len(k)), in_hi], np.r_[end0, end_i]
    keep = hi > lo
    return seg[keep], lo[keep], hi[keep]


def _least_vertical(altitudes: Altitudes, limits: Limits, pos: Positions, fix: np.ndarray, air: np.ndarray,
                    lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least vertical distance (m) to airspace ``air``'s floor and ceiling over ``lo .. hi``
    metres along the segment starting at each ``fix``, and where (m along it).

    Along a segment both altitudes are linear in distance, so the distance ``max(floor -
    a_floor, a_ceiling - ceiling, 0)`` is convex: its least value is at an end or where the two
    lines cross. A side whose altitude is unknown counts 0.
    """
    last = pos.arrays.last
    floor, ceiling = limits.floor[air], limits.ceiling[air]
    f_row, c_row = limits.floor_row[air], limits.ceiling_row[air]

    def gaps(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore"):
            below = np.nan_to_num(floor - altitudes.at(f_row, fix, s, pos.seg_len, last), nan=0.0, neginf=0.0)
            above = np.nan_to_num(altitudes.at(c_row, fix, s, pos.seg_len, last) - ceiling, nan=0.0, neginf=0.0)
        return below, above

    b_lo, a_lo = gaps(lo)
    b_hi, a_hi = gaps(hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (b_lo - a_lo) / ((b_lo - a_lo) - (b_hi - a_hi))  # where below - above changes sign
    cross = np.where(np.isfinite(t) & (t > 0) & (t < 1), lo + t * (hi - lo), lo)
    candidates = np.stack([lo, hi, cross])
    values = np.stack([np.maximum(np.maximum(*gaps(c)), 0.0) for c in candidates])
    best = np.argmin(values, axis=0)
    pick = np.arange(len(fix))
    return values[best, pick], candidates[best, pick]
