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

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..airspace.index import AirspaceIndex, index_for
from ..airspace.model import Airspace
from ..arrays import range_reduce
from ..geodesy import wrap_lon
from ..tracks import schema
from . import distance
from . import result as results
from .claims import disputes
from .paths import Positions, TrackArrays, is_normalized
from .pieces import inside_pieces
from .result import with_nationality
from .vertical import PRESSURE, Altitudes, Limits, clip_to_limits

CHUNK_FIXES = 250_000  # fixes per chunk of whole tracks: bounds the working memory of one pass
TOUCH_M = 1e-6  # inside pieces of one airspace less than this far apart (m, along the path) are one passage


def detect(tracks: pd.DataFrame, airspaces: str | list[Airspace] | AirspaceIndex = "all", max_gap_s: float = 60.0,
           near_m: float = 20_000.0, progress: bool = False, chunk_fixes: int = CHUNK_FIXES) -> pd.DataFrame:
    """Every passage of every track through every airspace, and near misses.

    Parameters
    ----------
    tracks : DataFrame
        A track table (see ``tracks.schema``), held in memory; for files of any size use
        ``detection.stream.StreamDetector``, which gives the same rows.
    airspaces : str, list of Airspace or AirspaceIndex
        A comma list of ISO codes or ``"all"``, a list of Airspace, or a prebuilt index (reuse it
        across calls); big indexes come from the disk cache (``AirspaceIndex.load_or_build``).
    max_gap_s : float
        Seconds between fixes inside beyond which a passage has status ``gap``.
    near_m : float
        Metres: tracks that come this close to an airspace without entering it get a ``near`` row
        (0 disables).
    progress : bool
        Show a progress bar (on stderr).
    chunk_fixes : int
        Tracks are processed in chunks of whole tracks of about this many fixes.

    Returns
    -------
    DataFrame
        One row per passage with RESULT_COLUMNS (status ``closed``, ``open_start``, ``open_end`` or
        ``gap``), and one row (status ``near``) per track and airspace it came within ``near_m``
        of without entering; sorted by track, airspace and time. Distances in metres, times UTC,
        durations in seconds. Nationality columns of the tracks (``country``, ``operator``,
        ``military``), when present, are carried into the result.
    """
    from tqdm import tqdm

    index = index_for(airspaces)
    table = tracks if is_normalized(tracks) else schema.normalize(tracks)
    frames = []
    with tqdm(total=len(table), unit="fix", unit_scale=True, disable=not progress, desc="detect") as bar:
        for chunk in chunks_of_tracks(table, chunk_fixes):
            frames.append(_detect_chunk(chunk, index, max_gap_s, near_m))
            bar.update(len(chunk))
    frames = [f for f in frames if len(f)]
    if not frames or not index.airspaces:
        return results.empty()
    result = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return with_nationality(result, table)


def chunks_of_tracks(table: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    """Slices of whole tracks of about ``size`` fixes (a track longer than ``size`` alone) of a
    table sorted by track."""
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


@dataclass
class ChunkDetections:
    """What one chunk of whole tracks gives, with where each passage lies on its track's piece.

    ``passages`` are result rows (no near misses); ``from_first_m`` is the distance (m) along
    the path from the track's first fix in the chunk to the passage's start, ``to_last_m`` from
    the passage's end to the track's last fix; ``counts_first`` / ``counts_last`` say whether
    the passage counts those fixes among its ``fixes_inside``. ``near`` holds the near-miss rows.
    The streaming detector joins passages of consecutive pieces of a track with these.
    """

    passages: pd.DataFrame
    from_first_m: np.ndarray
    to_last_m: np.ndarray
    counts_first: np.ndarray
    counts_last: np.ndarray
    near: pd.DataFrame

    @classmethod
    def empty(cls) -> ChunkDetections:
        none = np.zeros(0)
        return cls(results.empty(), none, none, none.astype(bool), none.astype(bool), results.empty())


def detect_pieces(table: pd.DataFrame, index: AirspaceIndex, max_gap_s: float, near_m: float) -> ChunkDetections:
    """Passages and near misses of a table of whole tracks (or of pieces of tracks), with their
    position relative to each track's first and last fix (see ``ChunkDetections``)."""
    arrays = TrackArrays.from_table(table)
    if len(arrays) == 0 or not index.airspaces:
        return ChunkDetections.empty()
    passages = find_passages(arrays, index, max_gap_s)
    near = _near_table(arrays, index, passages, near_m) if near_m > 0 else results.empty()
    p, cum = passages, passages.pos.from_start
    first, last = arrays.first[p.entry_fix], arrays.last[p.exit_fix]
    return ChunkDetections(p.table, cum[p.entry_fix] + p.entry_s, cum[last] - (cum[p.exit_fix] + p.exit_s),
                           p.f0 == first, p.f1 == last, near)


def _detect_chunk(table: pd.DataFrame, index: AirspaceIndex, max_gap_s: float, near_m: float) -> pd.DataFrame:
    found = detect_pieces(table, index, max_gap_s, near_m)
    frames = [f for f in (found.passages, found.near) if len(f)]
    if not frames:
        return results.empty()
    result = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return sort_result(result)


def sort_result(result: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered along each track and airspace: open-start passages first, others by entry
    time, near misses at their closest time."""
    start = result["entry_time"].where(result["status"] != "open_start", pd.Timestamp.min.tz_localize("UTC"))
    order = start.fillna(result["closest_approach_time"])
    keys = result[["track_id", "airspace", "airspace_id"]].assign(order=order).reset_index(drop=True)
    rows = keys.sort_values(["track_id", "airspace", "airspace_id", "order"], kind="stable").index.to_numpy()
    return result.iloc[rows].reset_index(drop=True)


def _near_table(arrays: TrackArrays, index: AirspaceIndex, passages: Passages, near_m: float) -> pd.DataFrame:
    """Rows (status ``near``) for tracks that came within ``near_m`` of an airspace they never entered."""
    entered = np.unique(passages.track.astype(np.int64) * len(index.airspaces) + passages.airspace)
    pos = passages.pos
    near = distance.closest_approaches(arrays, index, pos, passages.altitudes, entered, near_m)
    lon, lat = pos.point(near.fix, near.s)
    frame = results.empty().reindex(range(len(near)))
    frame["track_id"] = arrays.track_ids[near.track]
    for column, values in results.airspace_columns(index.airspaces, near.airspace).items():
        frame[column] = values
    frame["status"] = "near"
    frame["fixes_inside"] = 0
    frame["disputed_with"] = [[] for _ in range(len(near))]
    frame["closest_approach_m"] = near.separation_m
    frame["closest_approach_time"] = arrays.timestamps(pos.time(near.fix, near.s))
    frame["closest_approach_lat"] = lat
    frame["closest_approach_lon"] = wrap_lon(lon)
    frame["closest_approach_vertical_m"] = near.vertical_m
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
    altitudes: Altitudes
    table: pd.DataFrame
    f0: np.ndarray  # first fix counted inside
    f1: np.ndarray  # last fix counted inside


def find_passages(arrays: TrackArrays, index: AirspaceIndex, max_gap_s: float) -> Passages:
    pieces = inside_pieces(arrays, index)
    pos = Positions(arrays, pieces.seg_len)
    altitudes = Altitudes.of(arrays, pos.from_start)
    limits = Limits.of(index.airspaces)
    p_fix, p_air, p_lo, p_hi = clip_to_limits(altitudes, limits, pieces.seg_len, arrays.last, pieces.fix,
                                              pieces.airspace, pieces.lo, pieces.hi)
    p_fix, p_lo, p_hi = _points_at_segment_ends(arrays, pieces.seg_len, p_fix, p_lo, p_hi)
    return _merge_pieces(arrays, index, pieces.combo, pos, altitudes, p_fix, p_air, p_lo, p_hi, max_gap_s)


def _points_at_segment_ends(arrays: TrackArrays, seg_len: np.ndarray, fix: np.ndarray, lo: np.ndarray,
                            hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A piece that is only the end point of its segment (within TOUCH_M, e.g. a zone's floor
    reached exactly at a fix) is given as the start of the next segment: one position, one
    spelling, so that the passage it belongs to is the same however the track is cut into pieces.
    A piece that begins at its segment's first fix stays there, even on a segment shorter than
    TOUCH_M (two fixes a few nanometres apart): it holds that fix."""
    at_end = (fix < arrays.last[fix]) & (seg_len[fix] > 0) & (lo > 0) & (lo >= seg_len[fix] - TOUCH_M)
    zero = np.zeros(len(fix))
    return np.where(at_end, fix + 1, fix), np.where(at_end, zero, lo), np.where(at_end, zero, hi)


def _merge_pieces(arrays, index, combo, pos: Positions, altitudes: Altitudes, fix, air, lo, hi,
                  max_gap_s) -> Passages:
    """Pieces of one track and airspace that overlap or touch (within TOUCH_M along the path) are
    one passage: it starts where its first piece starts and ends where its furthest piece ends."""
    cum = pos.from_start
    start_S, end_S = cum[fix] + lo, cum[fix] + hi
    track = arrays.track[fix]
    order = np.lexsort((end_S, start_S, track, air))
    fix, air, lo, hi, start_S, end_S, track = (v[order] for v in (fix, air, lo, hi, start_S, end_S, track))
    group = np.cumsum(np.r_[True, (air[1:] != air[:-1]) | (track[1:] != track[:-1])])[:len(fix)]
    reach = pd.Series(end_S).groupby(group).cummax().to_numpy()  # furthest end so far (a piece may lie in another)
    new = np.ones(len(fix), bool)
    new[1:] = (group[1:] != group[:-1]) | (start_S[1:] > reach[:-1] + TOUCH_M)
    passage = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    by_end = np.lexsort((end_S, passage))
    last = by_end[np.r_[passage[by_end][1:] != passage[by_end][:-1], True]] if len(fix) else first
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
    entry_time = arrays.timestamps(t_entry).where(~inside_first)
    exit_time = arrays.timestamps(t_exit).where(~inside_last)
    table = pd.DataFrame({
        "track_id": arrays.track_ids[track],
        **results.airspace_columns(index.airspaces, air),
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
        "closest_approach_vertical_m": np.nan,
    })
    return Passages(track, air, e_fix, e_s, x_fix, x_s, pos, altitudes, table, f0, f1)


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
