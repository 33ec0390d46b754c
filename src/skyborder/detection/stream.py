"""Streaming, incremental detection: feed batches of fixes, get passages as they open and close.

``StreamDetector`` is the one core behind ``skyborder detect`` on files of any size, the live
watch and archive scans. It keeps, per track, only bounded state: the track's last fix, each
open passage's partial statistics (entry, length so far, altitudes, fixes, longest gap,
deepest point, other claimants), and the running closest approach to each airspace the track
came near. It never holds the fixes of a long passage.

How a batch is processed: each track's fixes in the batch are prefixed with the track's last
fix from earlier batches, and this *piece* of the track goes through the batch engine
(``engine.detect_pieces``) like a whole track. A passage of the previous piece that reached its
last fix and a passage of this piece that starts at that same fix are one passage: their
statistics are joined (lengths add, extremes combine, the shared fix is counted once). Since
every segment between two fixes belongs to exactly one piece, any split of a recording gives
the rows of one in-memory ``detect`` (to float rounding: times within 1 ms, metres within
1 cm; property-tested), as long as the per-piece depth and closest approach are the exact
maxima and minima over the piece.

A missing altitude is interpolated between known ones up to ``FILL_MAX_S`` apart
(``detection.vertical``), so it may depend on fixes not yet received: a track's trailing fixes
without altitude, within that time of its last known altitude, are held back (at most
``FILL_MAX_S`` of fixes per track) until a known altitude or a later time settles them, and
the piece ends at the last settled fix.

A track's passages are final when the track ends: at :meth:`StreamDetector.flush` (end of
input), :meth:`~StreamDetector.finish` (the caller knows these tracks are complete, e.g. a
file sorted by track) or :meth:`~StreamDetector.expire` (tracks silent for a while; a passage
still open is reported with status ``lost``). Near misses are reported then too, since only
the whole track tells whether it ever entered.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..airspace.index import AirspaceIndex, index_for
from ..airspace.model import Airspace
from ..tracks import schema
from . import result as results
from .engine import CHUNK_FIXES, TOUCH_M, ChunkDetections, chunks_of_tracks, detect_pieces, sort_result
from .result import NATIONALITY_COLUMNS, RESULT_COLUMNS
from .vertical import FILL_MAX_S

__all__ = ["DetectorEvents", "DetectorStats", "StreamDetector"]

KEY = ["track_id", "airspace_id"]  # zone names may repeat in a file; ids do not
ENTRY_COLUMNS = ["entry_time", "entry_lat", "entry_lon"]
DEPTH_COLUMNS = ["max_depth_m", "max_depth_lat", "max_depth_lon"]
DTYPES = {c.name: c.dtype for c in results.COLUMNS}


@dataclass
class DetectorEvents:
    """What one call of the detector found.

    ``opened``: result-schema rows of passages that began in this call: their entry is known
    (entry fields set, status ``open_end`` while no exit is seen), or the track's first fix is
    inside (status ``open_start``, entry fields null). A passage may open and close in the same
    call. ``closed``: complete result-schema rows: passages that ended (``closed``, ``gap``),
    passages whose track ended or went silent inside (``open_end``, ``lost``, or ``open_start``
    when inside from the first fix to the end), and near misses of tracks that ended.
    """

    opened: pd.DataFrame
    closed: pd.DataFrame

    def __bool__(self) -> bool:
        return bool(len(self.opened) or len(self.closed))

    @classmethod
    def none(cls) -> DetectorEvents:
        """Nothing opened, nothing closed."""
        return cls(results.empty(), results.empty())


@dataclass(frozen=True)
class DetectorStats:
    """The detector's state in numbers (memory in bytes, estimated from its tables)."""

    tracks: int
    fixes_seen: int
    fixes_dropped: int  # invalid, or earlier than their track's last fix
    fixes_late: int  # of which: earlier than their track's last fix (input not in time order)
    passages_open: int
    passages_closed: int
    near_pending: int
    memory_bytes: int


class StreamDetector:
    """Incremental detection over batches of fixes; see the module docstring.

    Parameters
    ----------
    airspaces : str, list of Airspace or AirspaceIndex
        As for ``detect``: ISO codes or ``"all"``, a list, or a prebuilt index.
    max_gap_s : float
        Seconds between fixes inside beyond which a passage has status ``gap``.
    near_m : float
        Metres: closest approach reported for tracks that come this near without entering (0: off).
    chunk_fixes : int
        A batch is processed in chunks of whole track pieces of about this many fixes (bounds
        the working memory of one call).

    Examples
    --------
    >>> import shapely
    >>> zone = Airspace("BOX", shapely.box(10.0, 50.0, 10.2, 50.2))
    >>> detector = StreamDetector([zone], near_m=0)
    >>> fixes = pd.DataFrame({"track_id": "A", "time": [0.0, 60.0, 120.0, 180.0],
    ...                       "lat": 50.1, "lon": [9.9, 10.05, 10.15, 10.3]})
    >>> first = detector.feed(fixes.iloc[:2])  # enters between the first two fixes
    >>> first.opened[["airspace", "status"]].values.tolist(), len(first.closed)
    ([['BOX', 'open_end']], 0)
    >>> later = detector.feed(fixes.iloc[2:])  # and leaves after the third
    >>> later.closed[["airspace", "status", "fixes_inside"]].values.tolist()
    [['BOX', 'closed', 2]]
    >>> len(detector.flush().closed)
    0
    """

    def __init__(self, airspaces: str | list[Airspace] | AirspaceIndex, *, max_gap_s: float = 60.0,
                 near_m: float = 20_000.0, chunk_fixes: int = CHUNK_FIXES):
        self.index = index_for(airspaces)
        self.max_gap_s, self.near_m, self.chunk_fixes = max_gap_s, near_m, chunk_fixes
        self._last = schema.empty().set_index(pd.Index([], dtype=object))  # last fix of each track
        self._carry = schema.empty()  # per track: the last processed fix, then fixes held back
        self._nationality = pd.DataFrame(columns=list(NATIONALITY_COLUMNS), dtype=object)
        self._held = _keyed(_with_join_columns(results.empty()))  # passages that reached their track's last fix
        self._near = _keyed(results.empty())  # best closest approach so far per (track, airspace)
        self._entered = pd.MultiIndex.from_arrays([[], []], names=KEY)
        self._fixes_seen = self._fixes_dropped = self._fixes_late = self._closed_count = 0
        self._nationality_seen: list[str] = []

    # ----- feeding ------------------------------------------------------------------------
    def feed(self, fixes: pd.DataFrame) -> DetectorEvents:
        """Process a batch of fixes (a track table; each track's fixes later than those of its
        earlier batches). Fixes before the last time already seen for their track are dropped
        and counted (``stats().fixes_dropped``); one at that same time is kept, as ``detect``
        keeps it."""
        batch = self._fresh(fixes)
        if batch.empty:
            return self._events([], [])
        in_batch = self._carry["track_id"].isin(batch["track_id"].unique()).to_numpy()
        carried = self._carry[in_batch].reindex(columns=batch.columns)
        piece = schema.normalize(pd.concat([carried, batch], ignore_index=True)) if len(carried) else batch
        self._remember(batch)
        ready, held = _settled(piece)
        self._carry = pd.concat([self._carry[~in_batch], held], ignore_index=True)
        return self._process(ready, pd.Index(carried["track_id"].unique(), dtype=object))

    def _process(self, piece: pd.DataFrame, carried: pd.Index) -> DetectorEvents:
        """Run pieces of tracks through the batch engine and join their passages with the held
        ones; ``carried``: tracks whose piece begins with the last fix processed before."""
        one_fix = piece["track_id"].isin(carried) & ~piece["track_id"].duplicated(keep=False)
        piece = piece[~one_fix.to_numpy()]  # nothing new on these tracks
        opened, closed = [], []
        for chunk in chunks_of_tracks(piece, self.chunk_fixes):
            tracks = pd.Index(chunk["track_id"].unique(), dtype=object)
            found = detect_pieces(chunk, self.index, self.max_gap_s, self.near_m)
            new, done = self._join(found, tracks.intersection(carried))
            opened.append(new)
            closed.append(done)
            self._add_near(found.near)
        return self._events(opened, closed)

    def _fresh(self, fixes: pd.DataFrame) -> pd.DataFrame:
        """The batch as a track table of valid fixes not earlier than each track's last one."""
        if fixes.empty:
            return schema.empty()
        batch = schema.normalize(fixes)
        valid = (np.isfinite(batch["lat"].to_numpy(float)) & np.isfinite(batch["lon"].to_numpy(float))
                 & batch["time"].notna().to_numpy())
        last_ns = pd.DatetimeIndex(self._last["time"].reindex(batch["track_id"].astype(object))).asi8
        ns = pd.DatetimeIndex(batch["time"]).asi8
        later = ns >= last_ns  # NaT (a new track) is the least int64
        self._fixes_seen += len(batch)
        self._fixes_dropped += int((~(valid & later)).sum())
        self._fixes_late += int((valid & (ns < last_ns)).sum())
        return batch[valid & later].reset_index(drop=True)

    def _remember(self, batch: pd.DataFrame) -> None:
        """Keep each track's last fix and first-seen nationality."""
        last = batch.drop_duplicates("track_id", keep="last")
        last = last.set_index(last["track_id"].astype(object).rename(None))
        self._last = pd.concat([self._last.drop(last.index, errors="ignore"), last]) if len(self._last) else last
        present = [c for c in NATIONALITY_COLUMNS if c in batch]
        if present:
            self._nationality_seen = [c for c in NATIONALITY_COLUMNS if c in present or c in self._nationality_seen]
            first = batch.groupby(batch["track_id"].astype(object), sort=False)[present].first().astype(object)
            self._nationality = self._nationality.combine_first(first) if len(self._nationality) else first

    def _join(self, found: ChunkDetections, carried: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Join this chunk's passages with the held ones of the same tracks; returns (opened,
        completed) rows and updates the held passages and the entered pairs."""
        rows = _with_join_columns(found.passages.reset_index(drop=True), found)
        keys = pd.MultiIndex.from_frame(rows[KEY])
        self._entered = self._entered.union(keys.unique())
        held_here = self._held[self._held.index.get_level_values(0).isin(carried)]
        prev = held_here.reindex(keys)
        gap_m = rows["from_first_m"].to_numpy() + prev["to_last_m"].to_numpy(dtype=float)
        joins = rows["track_id"].isin(carried).to_numpy() & (gap_m <= TOUCH_M)  # NaN: nothing held
        joined = _joined(prev[joins].reset_index(drop=True), rows[joins].reset_index(drop=True))
        new = rows[~joins]
        # held passages of these tracks that this piece does not continue end at its first fix
        ended = held_here[~held_here.index.isin(keys[joins])].reset_index(drop=True)
        current = pd.concat([joined, new], ignore_index=True)
        hold = (current["to_last_m"] <= TOUCH_M).to_numpy()
        self._held = pd.concat([self._held[~self._held.index.get_level_values(0).isin(carried)],
                                _keyed(current[hold])])
        completed = [self._final(ended, "open_end"), self._final(current[~hold], "open_end")]
        return new[RESULT_COLUMNS], pd.concat([f for f in completed if len(f)] or [results.empty()],
                                               ignore_index=True)

    def _add_near(self, near: pd.DataFrame) -> None:
        """Keep the least closest approach per (track, airspace)."""
        if near.empty:
            return
        both = pd.concat([self._near.reset_index(drop=True), near[RESULT_COLUMNS]], ignore_index=True)
        best = both.sort_values("closest_approach_m", kind="stable").drop_duplicates(KEY, keep="first")
        self._near = _keyed(best)

    # ----- ending tracks --------------------------------------------------------------------
    def finish(self, track_ids: pd.Index | list[str] | np.ndarray) -> DetectorEvents:
        """The listed tracks are complete (no more fixes will come): their open passages are
        reported with status ``open_end`` and their near misses are final; their state is dropped."""
        return self._end(pd.Index(track_ids, dtype=object), "open_end")

    def expire(self, now: pd.Timestamp, silence_s: float) -> DetectorEvents:
        """Tracks whose last fix is more than ``silence_s`` seconds before ``now`` are over:
        passages still open are reported with status ``lost``, near misses are final, and the
        tracks' state is dropped (a later fix of the same track starts a new track)."""
        now = pd.Timestamp(now)
        now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
        silent = self._last.index[(self._last["time"] < now - pd.Timedelta(seconds=silence_s)).to_numpy()]
        return self._end(silent, "lost")

    def flush(self) -> DetectorEvents:
        """End of input: every track ends; open passages are reported as ``open_end`` (or
        ``open_start`` when inside from the track's first fix), near misses are final."""
        return self.finish(self._last.index)

    def _end(self, tracks: pd.Index, open_status: str) -> DetectorEvents:
        """Fixes held back are processed (nothing more will settle them), then the final rows of
        the tracks' held passages and near misses; then their state is dropped."""
        ending = self._carry["track_id"].isin(tracks).to_numpy()
        rest = self._process(self._carry[ending].reset_index(drop=True), tracks)
        self._carry = self._carry[~ending].reset_index(drop=True)
        held = self._held.index.get_level_values(0).isin(tracks)
        near = self._near.index.get_level_values(0).isin(tracks)
        misses = self._near[near & ~self._near.index.isin(self._entered)].reset_index(drop=True)
        events = self._events([rest.opened], [rest.closed, self._final(self._held[held].reset_index(drop=True),
                                                                        open_status), misses[RESULT_COLUMNS]])
        self._held, self._near = self._held[~held], self._near[~near]
        self._entered = self._entered[~self._entered.get_level_values(0).isin(tracks)]
        self._last = self._last[~self._last.index.isin(tracks)]
        self._nationality = self._nationality[~self._nationality.index.isin(tracks)]
        return events

    def _final(self, rows: pd.DataFrame, open_status: str) -> pd.DataFrame:
        """Completed passages with their final status (``open_status`` when no exit was seen)."""
        if rows.empty:
            return rows[RESULT_COLUMNS] if len(rows.columns) else results.empty()
        out = rows[RESULT_COLUMNS].copy()
        no_entry, no_exit = out["entry_time"].isna().to_numpy(), out["exit_time"].isna().to_numpy()
        gap = (out["max_gap_s"] > self.max_gap_s).to_numpy()
        status = np.where(no_exit, open_status, np.where(gap, "gap", "closed"))
        if open_status != "lost":  # as in a batch: a track inside from its first fix is open_start
            status = np.where(no_entry, "open_start", status)
        else:
            status = np.where(no_entry & ~no_exit, "open_start", status)
        out["status"] = status
        self._closed_count += len(out)
        return out

    # ----- reporting ----------------------------------------------------------------------
    def _events(self, opened: list[pd.DataFrame], closed: list[pd.DataFrame]) -> DetectorEvents:
        return DetectorEvents(self._with_nationality(opened), self._with_nationality(closed))

    def _with_nationality(self, frames: list[pd.DataFrame]) -> pd.DataFrame:
        frames = [f for f in frames if len(f)]
        out = sort_result(pd.concat(frames, ignore_index=True).astype(DTYPES)) if frames else results.empty()
        if self._nationality_seen:
            out = out.join(self._nationality[self._nationality_seen], on="track_id")
        return out

    def stats(self) -> DetectorStats:
        """Tracks held, fixes seen and dropped, passages open and closed so far, near misses
        pending, and an estimate of the memory the state takes (bytes)."""
        frames = (self._last, self._carry, self._held, self._near, self._nationality)
        memory = sum(int(f.memory_usage(deep=True).sum()) for f in frames) + int(self._entered.memory_usage())
        return DetectorStats(len(self._last), self._fixes_seen, self._fixes_dropped, self._fixes_late,
                             len(self._held), self._closed_count, len(self._near), memory)

    def track_ids(self) -> list[str]:
        """The tracks held (seen and not yet finished or expired)."""
        return self._last.index.tolist()


def _settled(piece: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a track table (sorted by track and time) into what can be processed now and what
    is carried to the next batch.

    A fix is unsettled when its altitude (pressure or geometric) is missing, it is not on the
    ground, and a known value lies before it on its track while none lies after, with the
    track's latest time still within ``FILL_MAX_S`` of that known one: a later fix could still
    fill it. Returns (ready, carried): ready ends, per track, at the last settled fix; carried
    starts there and holds the unsettled fixes after it.

    Examples
    --------
    >>> t = pd.Timestamp("2015-11-24T07:00:00Z") + pd.to_timedelta([0, 10, 20, 400], unit="s")
    >>> piece = pd.DataFrame({"track_id": ["A", "A", "A", "B"], "time": t, "lat": 0.0, "lon": 0.0,
    ...                       "alt_m": [1000.0, np.nan, np.nan, np.nan]})
    >>> ready, carried = _settled(piece)
    >>> ready.index.tolist(), carried.index.tolist()
    ([0, 3], [0, 1, 2, 3])
    """
    n = len(piece)
    ids = piece["track_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if n else np.zeros(0, np.int64)
    track = np.cumsum(np.r_[False, ids[1:] != ids[:-1]]) if n else np.zeros(0, np.int64)
    last = np.r_[starts[1:], n] - 1
    t = pd.DatetimeIndex(piece["time"]).asi8 / 1e9
    ground = piece["on_ground"].astype("boolean").fillna(False).to_numpy(bool) if "on_ground" in piece \
        else np.zeros(n, bool)
    first_open = last + 1  # per track: first unsettled fix (none: one past the last)
    for column in ("alt_m", "geo_alt_m"):
        if column not in piece:
            continue
        known = ~np.isnan(piece[column].to_numpy(float)) | ground
        index = np.arange(n)
        prev = np.maximum.accumulate(np.where(known, index, -1))
        last_known = prev[last]
        waiting = (last_known >= starts) & (last_known < last)
        waiting &= t[last] - t[np.maximum(last_known, 0)] <= FILL_MAX_S
        first_open = np.where(waiting, np.minimum(first_open, last_known + 1), first_open)
    position = np.arange(n) - starts[track] if n else np.zeros(0, np.int64)
    cut = first_open - starts  # per track: fixes ready
    ready = position < cut[track]
    carried = position >= np.minimum(cut, last - starts + 1)[track] - 1
    return piece[ready], piece[carried]


def _keyed(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows indexed by (track_id, airspace)."""
    return rows.set_index(pd.MultiIndex.from_frame(rows[KEY].astype(object)))


def _with_join_columns(rows: pd.DataFrame, found: ChunkDetections | None = None) -> pd.DataFrame:
    """Result rows with where they lie on their piece of track (see ``ChunkDetections``)."""
    if found is None:
        none = np.zeros(0)
        return rows.assign(from_first_m=none, to_last_m=none, counts_first=none.astype(bool),
                           counts_last=none.astype(bool))
    return rows.assign(from_first_m=found.from_first_m, to_last_m=found.to_last_m, counts_first=found.counts_first,
                       counts_last=found.counts_last)


def _joined(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """One passage from its part ``a`` (ending at a track piece's last fix) and part ``b`` (starting
    at that fix in the next piece), row by row: entry of a, exit of b, extremes combined."""
    out = b.copy()
    out[ENTRY_COLUMNS] = a[ENTRY_COLUMNS]
    out["from_first_m"] = a["from_first_m"]
    out["counts_first"] = a["counts_first"]
    deeper_a = (a["max_depth_m"] >= b["max_depth_m"]) | b["max_depth_m"].isna()
    out[DEPTH_COLUMNS] = a[DEPTH_COLUMNS].where(deeper_a, b[DEPTH_COLUMNS])
    out["length_inside_m"] = a["length_inside_m"] + b["length_inside_m"]
    # unknown anywhere inside makes the range unknown (detection.vertical): NaN propagates
    out["min_alt_m"] = np.minimum(a["min_alt_m"], b["min_alt_m"])
    out["max_alt_m"] = np.maximum(a["max_alt_m"], b["max_alt_m"])
    shared = (a["counts_last"].astype(bool) & b["counts_first"].astype(bool)).astype(np.int64)
    out["fixes_inside"] = (a["fixes_inside"] + b["fixes_inside"] - shared).astype(np.int64)
    out["max_gap_s"] = np.fmax(a["max_gap_s"], b["max_gap_s"])
    out["disputed_with"] = [sorted(set(x) | set(y)) for x, y in zip(a["disputed_with"], b["disputed_with"])]
    out["disputed_length_m"] = a["disputed_length_m"] + b["disputed_length_m"]
    out["duration_s"] = (out["exit_time"] - out["entry_time"]).dt.total_seconds()
    return out
