"""Inside pieces: the parts of tracks lying inside each airspace of an index, laterally.

A piece is ``(fix, airspace, lo, hi)``: the stretch from ``lo`` to ``hi`` metres along the
geodesic segment that starts at ``fix`` (``lo == hi == 0`` for the lone fix of a one-fix track).
Segments that cannot meet a boundary keep the state of their ends; the others get exact
geodesic crossings (``crossings``). Used by the engine for the watched airspaces and by
``claims`` for the areas of double claims.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..airspace.index import AirspaceIndex
from ..arrays import expand_ranges
from ..geodesy import GEOD, wrap_lon
from .crossings import Segments, inside_stretches
from .paths import TrackArrays, segment_table

__all__ = ["Pieces", "inside_pieces"]


@dataclass
class Pieces:
    """Inside pieces (see the module notes) and the segment lengths (m) they were measured on.

    ``combo`` is the combination id of every fix (``AirspaceIndex.classify``); ``seg_len[i]`` the
    geodesic length of the segment from fix i to the next fix of its track (0 at a last fix).
    """

    fix: np.ndarray
    airspace: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    seg_len: np.ndarray
    combo: np.ndarray


def _candidate_segments(arrays: TrackArrays, index: AirspaceIndex,
                        combo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments (by start fix) that need exact geometry, and those that cannot meet a boundary."""
    j = np.flatnonzero(arrays.track[1:] == arrays.track[:-1])
    quiet = index.quiet_segments(arrays.lon[j], arrays.lat[j], arrays.lon[j + 1], arrays.lat[j + 1]) \
        & (combo[j] == combo[j + 1])
    return j[~quiet], j[quiet]


class _MemberLists:
    """The airspaces of every combination id, flattened once (CSR) for vectorised expansion."""

    def __init__(self, index: AirspaceIndex):
        self.sizes = np.array([len(m) for m in index.combos], dtype=np.int64)
        self.flat = np.array([a for m in index.combos for a in sorted(m)], dtype=np.int32)
        self.starts = np.cumsum(self.sizes) - self.sizes

    def expand(self, combo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``combo``, airspace) for every airspace of each combination id."""
        owner, pos = expand_ranges(self.starts[combo], self.starts[combo] + self.sizes[combo] - 1)
        return owner, self.flat[pos] if len(self.flat) else np.zeros(0, np.int32)


def inside_pieces(arrays: TrackArrays, index: AirspaceIndex) -> Pieces:
    """Every inside piece of the tracks in every airspace of ``index`` (laterally)."""
    combo = index.classify(arrays.lon, arrays.lat)
    cand, quiet = _candidate_segments(arrays, index, combo)
    n_air = len(index.airspaces)
    lon2 = arrays.lon[cand] + wrap_lon(arrays.lon[cand + 1] - arrays.lon[cand])
    az, _, length = GEOD.inv(arrays.lon[cand], arrays.lat[cand], lon2, arrays.lat[cand + 1])
    segs = Segments(arrays.lon[cand], arrays.lat[cand], np.asarray(az), np.asarray(length))
    # exact states at both ends of candidate segments, for every airspace at either end
    members = _MemberLists(index)
    o1, a1 = members.expand(combo[cand])
    o2, a2 = members.expand(combo[cand + 1])
    k1, k2 = o1 * n_air + a1, o2 * n_air + a2
    keys = np.unique(np.concatenate([k1, k2]))
    in_start, in_end = np.isin(keys, k1), np.isin(keys, k2)
    st_seg, st_air = keys // n_air, (keys % n_air).astype(np.int32)
    stretches = inside_stretches(index, segs, in_start, in_end, st_seg, st_air)
    # pieces: (airspace, fix of segment start, start m, end m) in segment-local metres
    seg_len = segment_table(arrays)
    seg_len[cand] = segs.length
    whole_cand = in_start & in_end & ~np.isin(keys, stretches.handled)
    oq, aq = members.expand(combo[quiet])
    single = np.flatnonzero(arrays.first == arrays.last)
    os_, as_ = members.expand(combo[single])
    p_fix = np.concatenate([cand[stretches.seg], cand[st_seg[whole_cand]], quiet[oq], single[os_]])
    p_air = np.concatenate([stretches.airspace, st_air[whole_cand], aq, as_]).astype(np.int32)
    p_lo = np.concatenate([stretches.start, np.zeros(whole_cand.sum() + len(oq) + len(os_))])
    p_hi = np.concatenate([stretches.end, seg_len[cand[st_seg[whole_cand]]], seg_len[quiet[oq]],
                           np.zeros(len(os_))])
    return Pieces(p_fix, p_air, p_lo, p_hi, seg_len, combo)
