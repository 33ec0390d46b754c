"""Double claims: which other states also claim the airspace a passage went through, and how far.

A passage through a country's airspace is *disputed with* another state when it runs inside the
area the two of them claim (``world.double_claims``: one overlap polygon of at least 1 km², so
never a digitising sliver and never the shared border line) for at least ``MIN_DISPUTED_M``
metres of ground length: the exact geodesic path is clipped against the claimed areas with the
same crossing machinery as the airspaces, so the length between fixes counts too (two fixes on
either side of Crimea give the whole crossing of it). A passage shorter than that (a one-fix
track) counts when it lies in the claimed area entirely. Touching a claimed area at a point or
along its edge is no length and no dispute. 1 m is the precision of the boundary data (5
decimals of a degree): less than that inside is no evidence of being in the claimed area.

A dependency lying inside its sovereign's feature (French Polynesia in France) is a hierarchy,
not a dispute.
"""
from __future__ import annotations

from functools import cache

import numpy as np

from ..airspace import world
from ..airspace.index import AirspaceIndex
from ..airspace.model import Airspace
from .paths import Positions
from .pieces import inside_pieces

__all__ = ["MIN_DISPUTED_M", "disputes"]

MIN_DISPUTED_M = 1.0


@cache
def _claims_index() -> tuple[AirspaceIndex, tuple[world.DoubleClaim, ...]]:
    """The claimed areas as airspaces of their own (one per double claim), indexed once."""
    claims = world.double_claims()
    areas = [Airspace(name=f"{c.first}/{c.second}", geometry=c.geometry, kind="claim",
                      source="embedded world dataset (OSM, ODbL)") for c in claims]
    return AirspaceIndex(areas), claims


def disputes(airspaces: list[Airspace], pos: Positions, track: np.ndarray, air: np.ndarray, start_m: np.ndarray,
             end_m: np.ndarray, length_m: np.ndarray) -> tuple[list[list[str]], np.ndarray]:
    """For each passage, the other claimants of its airspace and the length inside their claims.

    Parameters
    ----------
    airspaces : list of Airspace
        The watched airspaces (``air`` indexes them).
    pos : Positions
        The tracks and positions along them.
    track, air : ndarray of int
        Track code and airspace of each passage.
    start_m, end_m : ndarray of float
        Entry and exit of each passage as distances (m) along its track (``pos.from_start``).
    length_m : ndarray of float
        Ground length (m) of each passage.

    Returns
    -------
    rivals : list of list of str
        Per passage, the sorted ISO codes of the states it is disputed with (see the module notes).
    disputed_m : ndarray of float
        Per passage, ground length (m) inside areas its state's airspace shares with another
        claimant (0 for zones and for countries without a double claim there).
    """
    result: list[list[str]] = [[] for _ in range(len(air))]
    disputed_m = np.zeros(len(air))
    rivals = world.rivals()
    codes = sorted(rivals)
    code_of = {c: k for k, c in enumerate(codes)}
    air_code = np.array([code_of.get(a.name, -1) if a.kind == "country" else -1 for a in airspaces], np.int64)
    p_code = air_code[air] if len(air) else np.zeros(0, np.int64)
    if not (p_code >= 0).any():
        return result, disputed_m
    claims_index, claims = _claims_index()
    pieces = inside_pieces(pos.arrays, claims_index)
    claimants = np.array([[code_of[c.first], code_of[c.second]] for c in claims], np.int64)
    along = pos.from_start[pieces.fix]
    lo, hi = along + pieces.lo, along + pieces.hi
    # each piece lies inside both claimants' airspaces: find the passage of each that holds it
    n_codes = len(codes)
    p_key = np.where(p_code >= 0, track * n_codes + p_code, -1)
    piece = np.tile(np.arange(len(lo)), 2)
    side = np.repeat([0, 1], len(lo))
    own = claimants[pieces.airspace[piece], side]
    rival = claimants[pieces.airspace[piece], 1 - side]
    holder = _holding(p_key, start_m, end_m, pos.arrays.track[pieces.fix[piece]] * n_codes + own,
                      0.5 * (lo[piece] + hi[piece]))
    found = holder >= 0
    piece, rival, holder = piece[found], rival[found], holder[found]
    inside = np.clip(np.minimum(hi[piece], end_m[holder]) - np.maximum(lo[piece], start_m[holder]), 0.0, None)
    pair, which = np.unique(holder * n_codes + rival, return_inverse=True)
    pair_m = np.bincount(which, weights=inside, minlength=len(pair))
    p_of_pair, rival_of_pair = pair // n_codes, pair % n_codes
    short = length_m[p_of_pair] < MIN_DISPUTED_M
    counts = (pair_m >= MIN_DISPUTED_M) | (short & (pair_m >= length_m[p_of_pair] - 1e-6))
    disputed_m += np.bincount(p_of_pair[counts], weights=pair_m[counts], minlength=len(air))
    for p, r in zip(p_of_pair[counts].tolist(), rival_of_pair[counts].tolist()):
        result[p].append(codes[r])
    return [sorted(r) for r in result], disputed_m


def _holding(key: np.ndarray, start: np.ndarray, end: np.ndarray, q_key: np.ndarray,
             q_at: np.ndarray) -> np.ndarray:
    """For each query, the interval with the same key that holds ``q_at`` (its latest start at or
    before it, with its end at or after it), or -1. Intervals of one key must not overlap.

    Examples
    --------
    >>> _holding(np.array([1, 1, 2]), np.array([0.0, 10.0, 0.0]), np.array([5.0, 20.0, 9.0]),
    ...          np.array([1, 1, 2, 3, 1]), np.array([12.0, 7.0, 9.0, 1.0, 0.0])).tolist()
    [1, -1, 2, -1, 0]
    """
    n = len(key)
    keys = np.concatenate([key, q_key])
    values = np.concatenate([start, q_at])
    is_query = np.r_[np.zeros(n, bool), np.ones(len(q_key), bool)]
    order = np.lexsort((is_query, values, keys))
    latest = np.maximum.accumulate(np.where(order < n, np.arange(len(order)), -1))
    candidate = np.where(latest >= 0, order[np.maximum(latest, 0)], -1)
    out = np.full(len(q_key), -1, np.int64)
    queries = order >= n
    out[order[queries] - n] = candidate[queries]
    ok = out >= 0
    ok[ok] = (key[out[ok]] == q_key[ok]) & (end[out[ok]] >= q_at[ok])
    return np.where(ok, out, -1)
