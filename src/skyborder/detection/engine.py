"""``detect``: every passage of every track through every watched airspace.

Pipeline (vectorised, no per-fix Python loop):
1. classify every fix with the grid index (combination of airspaces containing it);
2. segments whose two ends could see a boundary between them (state change, boundary cell,
   long jump) get exact geodesic crossing computation (``crossings``);
3. inside *pieces* (whole segments, parts of segments, lone fixes; ``pieces``) are clipped to
   the vertical limits of zones, each limit against the altitude of its own reference
   (``vertical``), and merged into passages;
4. per passage: times, points, altitudes, fixes, gaps, depth and double claims (``claims``);
   then the closest approach of tracks that come near but never enter.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..airspace import world
from ..airspace.index import AirspaceIndex
from ..airspace.model import Airspace
from ..arrays import range_reduce
from ..geodesy import wrap_lon
from ..tracks import schema
from . import distance
from . import result as results
from .claims import disputes
from .paths import Positions, TrackArrays, is_normalized
from .pieces import inside_pieces
from .result import RESULT_COLUMNS, with_nationality
from .vertical import PRESSURE, Altitudes, Limits, clip_to_limits


def detect(tracks: pd.DataFrame, airspaces: str | list[Airspace] | AirspaceIndex = "all", max_gap_s: float = 60.0,
           near_m: float = 20_000.0, progress: bool = False, chunk_fixes: int = 2_000_000) -> pd.DataFrame:
    """Every passage of every track through every airspace, and near misses.

    ``tracks`` is a track table (see ``tracks.schema``); ``airspaces`` a comma list of ISO codes
    or ``"all"``, a list of Airspace, or a prebuilt AirspaceIndex (reuse it across calls).
    Returns one row per passage with RESULT_COLUMNS (status ``closed``,
    ``open_start``, ``open_end`` or ``gap``), and one row (status ``near``) per track and
    airspace it came within ``near_m`` metres of without entering. Distances in metres, times
    UTC, durations in seconds. Tracks are processed in chunks of about ``chunk_fixes`` fixes
    (whole tracks), with a progress bar when ``progress``. Nationality columns of the tracks
    (``country``, ``operator``, ``military``), when present, are carried into the result.
    """
    from tqdm import tqdm

    if isinstance(airspaces, str):
        airspaces = world.select(airspaces)
    index = airspaces if isinstance(airspaces, AirspaceIndex) else AirspaceIndex(airspaces)
    table = tracks if is_normalized(tracks) else schema.normalize(tracks)
    frames = []
    with tqdm(total=len(table), unit="fix", unit_scale=True, disable=not progress, desc="detect") as bar:
        for chunk in _chunks(table, chunk_fixes):
            frames.append(_detect_chunk(chunk, index, max_gap_s, near_m))
            bar.update(len(chunk))
    frames = [f for f in frames if len(f)]
    if not frames or not index.airspaces:
        return results.empty()
    result = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return with_nationality(result, table)


def _chunks(table: pd.DataFrame, size: int):
    """Slices of whole tracks of about ``size`` fixes."""
    if len(table) <= size:
        yield table
        return
    ids = table["track_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    targets = np.arange(size, len(table), size)
    cuts = np.unique(starts[np.minimum(np.searchsorted(starts, targets), len(starts) - 1)])
    bounds = np.unique(np.r_[0, cuts, len(table)])
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        yield table.iloc[lo:hi]


def _detect_chunk(table: pd.DataFrame, index: AirspaceIndex, max_gap_s: float, near_m: float) -> pd.DataFrame:
    arrays = TrackArrays.from_table(table)
    if len(arrays) == 0:
        return results.empty()
    passages = find_passages(arrays, index, max_gap_s)
    near = _near_table(arrays, index, passages, near_m) if near_m > 0 else None
    frames = [f for f in (passages.table, near) if f is not None and len(f)]
    if not frames:
        return results.empty()
    result = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    # order along each track: open-start passages first, near misses at their closest time
    start = result["entry_time"].where(result["status"] != "open_start", pd.Timestamp.min.tz_localize("UTC"))
    result["_order"] = start.fillna(result["closest_approach_time"])
    result = result.sort_values(["track_id", "airspace", "_order"], kind="stable").reset_index(drop=True)
    return result[RESULT_COLUMNS]


def _near_table(arrays: TrackArrays, index: AirspaceIndex, passages: Passages, near_m: float) -> pd.DataFrame:
    """Rows (status ``near``) for tracks that came within ``near_m`` of an airspace they never entered."""
    entered = np.unique(passages.track.astype(np.int64) * len(index.airspaces) + passages.airspace)
    pos = passages.pos
    track, air, value, j, s = distance.closest_approaches(arrays, index, pos, entered, near_m)
    lon, lat = pos.point(j, s)
    names = np.array([a.name for a in index.airspaces], dtype=object)
    frame = results.empty().reindex(range(len(value)))
    frame["track_id"] = arrays.track_ids[track]
    frame["airspace"] = names[air]
    frame["status"] = "near"
    frame["fixes_inside"] = 0
    frame["disputed_with"] = [[] for _ in range(len(value))]
    frame["closest_approach_m"] = value
    frame["closest_approach_time"] = arrays.timestamps(pos.time(j, s))
    frame["closest_approach_lat"] = lat
    frame["closest_approach_lon"] = wrap_lon(lon)
    return frame


@dataclass
class Passages:
    """Passages as arrays (for the distance step) and as the result table."""

    track: np.ndarray
    airspace: np.ndarray
    entry_fix: np.ndarray
    entry_s: np.ndarray
    exit_fix: np.ndarray
    exit_s: np.ndarray
    pos: Positions
    table: pd.DataFrame


def find_passages(arrays: TrackArrays, index: AirspaceIndex, max_gap_s: float) -> Passages:
    pieces = inside_pieces(arrays, index)
    pos = Positions(arrays, pieces.seg_len)
    altitudes = Altitudes.of(arrays, pos.from_start)
    limits = Limits.of(index.airspaces)
    p_fix, p_air, p_lo, p_hi = clip_to_limits(altitudes, limits, pieces.seg_len, arrays.last, pieces.fix,
                                              pieces.airspace, pieces.lo, pieces.hi)
    return _merge_pieces(arrays, index, pieces.combo, pos, altitudes, p_fix, p_air, p_lo, p_hi, max_gap_s)


def _merge_pieces(arrays, index, combo, pos: Positions, altitudes: Altitudes, fix, air, lo, hi,
                  max_gap_s) -> Passages:
    cum = pos.from_start
    start_S, end_S = cum[fix] + lo, cum[fix] + hi
    track = arrays.track[fix]
    order = np.lexsort((end_S, start_S, track, air))
    fix, air, lo, hi, start_S, end_S, track = (v[order] for v in (fix, air, lo, hi, start_S, end_S, track))
    new = np.ones(len(fix), bool)
    # a piece starts a new passage when airspace or track changes, or it does not touch the last
    prev_end = np.r_[-np.inf, end_S[:-1]]
    new[1:] = (air[1:] != air[:-1]) | (track[1:] != track[:-1]) | (start_S[1:] > prev_end[1:] + 1e-6)
    first = np.flatnonzero(new)
    last = np.r_[first[1:], len(fix)][:len(first)] - 1
    p_air, p_track = air[first], track[first]
    e_fix, e_s = fix[first], lo[first]
    x_fix, x_s = fix[last], hi[last]
    return _passage_table(arrays, index, combo, pos, altitudes, p_track, p_air, e_fix, e_s, x_fix, x_s, max_gap_s)


def _passage_table(arrays, index, combo, pos: Positions, altitudes: Altitudes, track, air, e_fix, e_s, x_fix,
                   x_s, max_gap_s) -> Passages:
    seg_len = pos.seg_len
    member = index.member()
    limits = Limits.of(index.airspaces)
    inside_first = member[combo[e_fix], air] & (e_s == 0) & (e_fix == arrays.first[e_fix])
    inside_first &= altitudes.within(limits, air, e_fix)
    last = arrays.last[x_fix]
    reaches_last = (x_fix == last) | ((x_fix + 1 == last) & (x_s >= seg_len[x_fix]))
    inside_last = reaches_last & member[combo[last], air] & altitudes.within(limits, air, last)
    t_entry, t_exit = pos.time(e_fix, e_s), pos.time(x_fix, x_s)
    entry_lon, entry_lat = pos.point(e_fix, e_s)
    exit_lon, exit_lat = pos.point(x_fix, x_s)
    f0 = np.where(e_s > 0, e_fix + 1, e_fix)
    f1 = np.where((x_s > 0) & (x_s >= seg_len[x_fix]) & (x_fix < arrays.last[x_fix]), x_fix + 1, x_fix)
    fixes_inside = np.maximum(f1 - f0 + 1, 0)
    min_alt, max_alt = _altitude_range(altitudes, pos, e_fix, e_s, x_fix, x_s, f0, f1)
    dt = np.r_[np.diff(arrays.t), 0.0]
    last_seg = np.where(x_s > 0, x_fix, x_fix - 1)
    max_gap = range_reduce(np.fmax, dt, e_fix, last_seg, 0.0)
    cum = pos.from_start
    length_inside = (cum[x_fix] + x_s) - (cum[e_fix] + e_s)
    rivals, disputed_m = disputes(index.airspaces, pos, track, air, cum[e_fix] + e_s, cum[x_fix] + x_s,
                                  length_inside)
    status = np.where(inside_first, "open_start", np.where(inside_last, "open_end",
                      np.where(max_gap > max_gap_s, "gap", "closed")))
    depth, depth_lon, depth_lat = distance.max_depth(arrays, index, pos, air, e_fix, e_s, x_fix, x_s)
    names = np.array([a.name for a in index.airspaces], dtype=object)
    entry_time = arrays.timestamps(t_entry).where(~inside_first)
    exit_time = arrays.timestamps(t_exit).where(~inside_last)
    table = pd.DataFrame({
        "track_id": arrays.track_ids[track],
        "airspace": names[air],
        "entry_time": entry_time,
        "exit_time": exit_time,
        "duration_s": np.where(inside_first | inside_last, np.nan, t_exit - t_entry),
        "entry_lat": np.where(inside_first, np.nan, entry_lat),
        "entry_lon": np.where(inside_first, np.nan, entry_lon),
        "exit_lat": np.where(inside_last, np.nan, exit_lat),
        "exit_lon": np.where(inside_last, np.nan, exit_lon),
        "max_depth_m": depth,
        "max_depth_lat": depth_lat,
        "max_depth_lon": depth_lon,
        "length_inside_m": length_inside,
        "min_alt_m": min_alt,
        "max_alt_m": max_alt,
        "fixes_inside": fixes_inside.astype(np.int64),
        "max_gap_s": max_gap,
        "status": status,
        "disputed_with": rivals,
        "disputed_length_m": disputed_m,
        "closest_approach_m": np.nan,
        "closest_approach_time": pd.Series(pd.NaT, index=range(len(air)), dtype="datetime64[ns, UTC]"),
        "closest_approach_lat": np.nan,
        "closest_approach_lon": np.nan,
    })
    return Passages(track, air, e_fix, e_s, x_fix, x_s, pos, table)


def _altitude_range(altitudes: Altitudes, pos: Positions, e_fix: np.ndarray, e_s: np.ndarray, x_fix: np.ndarray,
                    x_s: np.ndarray, f0: np.ndarray, f1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest reported altitude (m, ``Altitudes.rows[PRESSURE]``) of each passage over its
    entry and exit points and the fixes between; NaN when the altitude is unknown anywhere along it
    (at a fix of any segment it covers)."""
    last = pos.arrays.last
    ends = [altitudes.at(PRESSURE, fix, s, pos.seg_len, last) for fix, s in ((e_fix, e_s), (x_fix, x_s))]
    reported = altitudes.rows[PRESSURE]
    low = np.fmin(np.fmin(*ends), range_reduce(np.fmin, reported, f0, f1, np.nan))
    high = np.fmax(np.fmax(*ends), range_reduce(np.fmax, reported, f0, f1, np.nan))
    covered_end = np.where(x_s > 0, np.minimum(x_fix + 1, last[x_fix]), x_fix)
    unknown = range_reduce(np.add, np.isnan(reported).astype(float), e_fix, covered_end, 0.0) > 0
    return np.where(unknown, np.nan, low), np.where(unknown, np.nan, high)
