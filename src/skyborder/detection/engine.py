"""``detect``: every passage of every track through every watched airspace.

Pipeline (vectorised, no per-fix Python loop):
1. classify every fix with the grid index (combination of airspaces containing it);
2. segments whose two ends could see a boundary between them (state change, boundary cell,
   long jump) get exact geodesic crossing computation (``crossings``);
3. inside *pieces* (whole segments, parts of segments, lone fixes) are clipped to the
   vertical limits of zones and merged into passages;
4. per passage: times, points, altitudes, fixes, gaps, depth and double claims; then the
   closest approach of tracks that come near but never enter.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..airspace import world
from ..airspace.index import AirspaceIndex
from ..airspace.model import Airspace
from ..arrays import expand_ranges, range_reduce
from ..geodesy import GEOD, wrap_lon
from ..tracks import schema
from . import distance
from . import result as results
from .claims import disputed_with
from .crossings import Segments, inside_stretches
from .paths import Positions, TrackArrays, is_normalized, segment_table
from .result import RESULT_COLUMNS, with_nationality


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
    frame = results.empty().reindex(range(len(value)))
    frame["track_id"] = arrays.track_ids[track]
    for column, values in results.airspace_columns(index.airspaces, air).items():
        frame[column] = values
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


def find_passages(arrays: TrackArrays, index: AirspaceIndex, max_gap_s: float) -> Passages:
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
    p_fix, p_air, p_lo, p_hi = _clip_vertical(arrays, index, seg_len, p_fix, p_air, p_lo, p_hi)
    return _merge_pieces(arrays, index, combo, Positions(arrays, seg_len), p_fix, p_air, p_lo, p_hi, max_gap_s)


def _clip_vertical(arrays, index, seg_len, fix, air, lo, hi):
    """Cut pieces of zones with floor/ceiling to where the altitude is within the limits.

    Altitude is linear in distance along each segment; unknown altitude is not clipped.
    """
    floor, ceiling = _limits(index, air)
    limited = np.isfinite(floor) | np.isfinite(ceiling)
    if not limited.any():
        return fix, air, lo, hi
    nxt = np.minimum(fix + 1, len(arrays) - 1)
    a0 = arrays.alt[fix]
    a1 = np.where(hi > 0, arrays.alt[nxt], a0)
    length = np.where(seg_len[fix] > 0, seg_len[fix], 1.0)
    slope = (a1 - a0) / length  # metres of altitude per metre along
    with np.errstate(divide="ignore", invalid="ignore"):
        s_floor = (floor - a0) / slope
        s_ceil = (ceiling - a0) / slope
    climbing = slope > 0
    v_lo = np.where(slope == 0, np.where((a0 >= floor) & (a0 <= ceiling), -np.inf, np.inf),
                    np.where(climbing, s_floor, s_ceil))
    v_hi = np.where(slope == 0, np.where((a0 >= floor) & (a0 <= ceiling), np.inf, -np.inf),
                    np.where(climbing, s_ceil, s_floor))
    unknown = np.isnan(a0) | np.isnan(a1)
    new_lo = np.where(limited & ~unknown, np.maximum(lo, v_lo), lo)
    new_hi = np.where(limited & ~unknown, np.minimum(hi, v_hi), hi)
    keep = new_hi >= new_lo
    return fix[keep], air[keep], new_lo[keep], new_hi[keep]


def _merge_pieces(arrays, index, combo, pos: Positions, fix, air, lo, hi, max_gap_s) -> Passages:
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
    return _passage_table(arrays, index, combo, pos, p_track, p_air, e_fix, e_s, x_fix, x_s, max_gap_s)


def _passage_table(arrays, index, combo, pos: Positions, track, air, e_fix, e_s, x_fix, x_s,
                   max_gap_s) -> Passages:
    seg_len = pos.seg_len
    member = index.member()
    inside_first = member[combo[e_fix], air] & (e_s == 0) & (e_fix == arrays.first[e_fix])
    inside_first &= _within_limits(index, air, arrays.alt[e_fix])
    last = arrays.last[x_fix]
    reaches_last = (x_fix == last) | ((x_fix + 1 == last) & (x_s >= seg_len[x_fix]))
    inside_last = reaches_last & member[combo[last], air] & _within_limits(index, air, arrays.alt[last])
    t_entry, t_exit = pos.time(e_fix, e_s), pos.time(x_fix, x_s)
    entry_lon, entry_lat = pos.point(e_fix, e_s)
    exit_lon, exit_lat = pos.point(x_fix, x_s)
    alt_entry, alt_exit = pos.alt(e_fix, e_s), pos.alt(x_fix, x_s)
    f0 = np.where(e_s > 0, e_fix + 1, e_fix)
    f1 = np.where((x_s > 0) & (x_s >= seg_len[x_fix]) & (x_fix < arrays.last[x_fix]), x_fix + 1, x_fix)
    fixes_inside = np.maximum(f1 - f0 + 1, 0)
    min_alt = np.fmin(np.fmin(alt_entry, alt_exit), range_reduce(np.fmin, arrays.alt, f0, f1, np.nan))
    max_alt = np.fmax(np.fmax(alt_entry, alt_exit), range_reduce(np.fmax, arrays.alt, f0, f1, np.nan))
    dt = np.r_[np.diff(arrays.t), 0.0]
    last_seg = np.where(x_s > 0, x_fix, x_fix - 1)
    max_gap = range_reduce(np.fmax, dt, e_fix, last_seg, 0.0)
    cum = pos.from_start
    length_inside = (cum[x_fix] + x_s) - (cum[e_fix] + e_s)
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
        "disputed_with": disputed_with(index, arrays, air, f0, f1, entry_lon, entry_lat, exit_lon, exit_lat),
        "closest_approach_m": np.nan,
        "closest_approach_time": pd.Series(pd.NaT, index=range(len(air)), dtype="datetime64[ns, UTC]"),
        "closest_approach_lat": np.nan,
        "closest_approach_lon": np.nan,
    })
    return Passages(track, air, e_fix, e_s, x_fix, x_s, pos, table)


def _limits(index: AirspaceIndex, air: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Floor and ceiling (m) of the listed airspaces."""
    floor = np.array([a.floor_m for a in index.airspaces])
    ceiling = np.array([a.ceiling_m for a in index.airspaces])
    return floor[air], ceiling[air]


def _within_limits(index: AirspaceIndex, air: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """Whether each altitude (m) is within its airspace's limits (unknown altitude counts as within)."""
    floor, ceiling = _limits(index, air)
    return np.isnan(alt) | ((alt >= floor) & (alt <= ceiling))
