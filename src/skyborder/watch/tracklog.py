"""The fixes ``watch`` keeps to store each passage's path and the track around it, in bounded memory.

* a trail of every aircraft over the last ``context_s`` seconds, thinned to the first fix of
  each ``step_s`` bucket (kept in chunks of a few seconds, dropped whole when they age out);
* every fix of aircraft being *recorded*: from ``context_s`` before a passage's entry until
  ``context_s`` after its exit (at most ``max_fixes`` per aircraft: beyond that every other fix
  is dropped, so a very long stay is kept at a coarser step);
* each aircraft's first fix, so that the path of a passage open from the track's start begins
  where ``detect`` would begin it.

Look-ups take many aircraft at once (``start``, ``fixes``): one pass over the trail serves every
aircraft a batch opens or closes passages for, so a busy batch costs one scan, not one per
passage.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["TrackLog"]

COLUMNS = ("time", "track_id", "lon", "lat", "alt_m")
CHUNK_S = 5.0           # a trail chunk spans at most this many seconds of data time ...
CHUNK_ROWS = 50_000     # ... and holds at most this many fixes


def _empty() -> pd.DataFrame:
    return _EMPTY.copy()


_EMPTY = pd.DataFrame(columns=list(COLUMNS))


def _ids(keys: Iterable[str]) -> pd.Index:
    """Track ids as a hash table for ``_among`` (built once, asked many times)."""
    return pd.Index(list(dict.fromkeys(keys)), dtype=object)


def _among(values: Any, ids: pd.Index) -> np.ndarray:
    """Which ``values`` (track ids) are among ``ids`` (unique, object dtype: ``isin`` on
    Arrow-backed strings converts element by element)."""
    return ids.get_indexer(np.asarray(values, dtype=object)) >= 0


class TrackLog:
    """See the module docstring. Not thread-safe.

    Examples
    --------
    >>> import pandas as pd
    >>> log = TrackLog(context_s=60.0)
    >>> t0 = pd.Timestamp("2015-11-24T07:24:00Z")
    >>> log.add(pd.DataFrame({"time": t0 + pd.to_timedelta([0.0, 0.4, 1.0, 0.0], unit="s"),
    ...                       "track_id": ["a", "a", "a", "b"], "lon": [36.0, 36.1, 36.2, 35.0],
    ...                       "lat": [35.9] * 4, "alt_m": 5800.0}))
    >>> fixes = log.fixes(["a", "b", "c"])
    >>> fixes["a"]["lon"].tolist(), len(fixes["b"]), len(fixes["c"])  # the trail keeps one fix a second
    ([36.0, 36.2], 1, 0)
    >>> log.start(["a"])
    >>> log.add(pd.DataFrame({"time": [t0 + pd.Timedelta(seconds=1.5)], "track_id": ["a"], "lon": [36.3],
    ...                       "lat": [35.9], "alt_m": [5800.0]}))
    >>> log.fixes(["a"])["a"]["lon"].tolist()  # recorded: every fix from now on
    [36.0, 36.2, 36.3]
    """

    def __init__(self, context_s: float = 120.0, step_s: float = 1.0, max_fixes: int = 20_000) -> None:
        self.context_s, self.step_s, self.max_fixes = context_s, step_s, max_fixes
        # (first time, last time, thinned fixes) of each chunk of the trail, oldest first
        self._chunks: deque[tuple[pd.Timestamp, pd.Timestamp, pd.DataFrame]] = deque()
        self._recording: dict[str, list[pd.DataFrame]] = {}
        self._first = _empty().set_index("track_id", drop=False)

    def add(self, batch: pd.DataFrame) -> None:
        """Take a batch of fixes (a track table)."""
        if len(batch) == 0:
            return
        fixes = batch[[c for c in COLUMNS if c in batch]].copy()
        if "alt_m" not in fixes:
            fixes["alt_m"] = np.nan
        fixes["track_id"] = fixes["track_id"].astype(str).to_numpy(object)  # object: hashed look-ups below
        firsts = fixes.drop_duplicates("track_id")
        new = firsts[~_among(firsts["track_id"], self._first.index)]
        if len(new):
            new = new.set_index("track_id", drop=False)
            self._first = pd.concat([self._first, new]) if len(self._first) else new
        self._append_trail(self._thinned(fixes))
        if self._recording:
            rec = fixes[_among(fixes["track_id"], _ids(self._recording))]
            for track_id, rows in rec.groupby("track_id", sort=False):
                self._append(str(track_id), rows)

    def _thinned(self, fixes: pd.DataFrame) -> pd.DataFrame:
        """The first fix of each aircraft in each ``step_s`` bucket."""
        bucket = pd.DatetimeIndex(fixes["time"]).asi8 // int(self.step_s * 1e9)
        return fixes[~pd.DataFrame({"t": fixes["track_id"].to_numpy(), "b": bucket}).duplicated().to_numpy()]

    def _append_trail(self, thinned: pd.DataFrame) -> None:
        """Add to the newest chunk while it is young and small, else start a chunk."""
        start, end = thinned["time"].min(), thinned["time"].max()
        if self._chunks:
            first, last, frame = self._chunks[-1]
            if (end - first).total_seconds() <= CHUNK_S and len(frame) + len(thinned) <= CHUNK_ROWS:
                merged = self._thinned(pd.concat([frame, thinned], ignore_index=True))
                self._chunks[-1] = (min(first, start), max(last, end), merged)
                return
        self._chunks.append((start, end, thinned))

    def _append(self, track_id: str, rows: pd.DataFrame) -> None:
        parts = self._recording[track_id]
        parts.append(rows)
        if sum(len(p) for p in parts) > self.max_fixes:
            merged = pd.concat(parts, ignore_index=True)
            self._recording[track_id] = [merged.iloc[::2]]

    def trim(self, now: pd.Timestamp) -> None:
        """Drop trail chunks older than ``context_s`` before ``now``."""
        cutoff = pd.Timestamp(now) - pd.Timedelta(seconds=self.context_s)
        while self._chunks and self._chunks[0][1] < cutoff:
            self._chunks.popleft()

    def _trails(self, track_ids: Iterable[str]) -> pd.DataFrame:
        """The thinned trails of some aircraft, in one frame (one pass over the chunks)."""
        wanted = _ids(track_ids)
        if wanted.empty:
            return _empty()
        parts = [c[_among(c["track_id"], wanted)] for _, _, c in self._chunks]
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else _empty()

    def start(self, track_ids: Iterable[str]) -> None:
        """Record every fix of these aircraft from now on (their trails so far included)."""
        new = [str(t) for t in dict.fromkeys(track_ids) if str(t) not in self._recording]
        if not new:
            return
        trails = self._trails(new)
        by_track = dict(tuple(trails.groupby("track_id", sort=False))) if len(trails) else {}
        for track_id in new:
            self._recording[track_id] = [by_track.get(track_id, _empty())]

    def stop(self, track_id: str) -> None:
        self._recording.pop(track_id, None)

    def recording(self) -> list[str]:
        return list(self._recording)

    def fixes(self, track_ids: Iterable[str]) -> dict[str, pd.DataFrame]:
        """What is kept of each aircraft (recorded fixes, else the trail), its first fix first, in
        time order; an aircraft never seen gets an empty table."""
        ids = [str(t) for t in dict.fromkeys(track_ids)]
        parts = [self._first[_among(self._first.index, _ids(ids))].reset_index(drop=True)]
        parts += [p for t in ids if t in self._recording for p in self._recording[t]]
        parts.append(self._trails(t for t in ids if t not in self._recording))
        parts = [p for p in parts if len(p)]
        out: dict[str, pd.DataFrame] = {}
        if parts:
            kept = pd.concat(parts, ignore_index=True)
            kept = kept[~kept[["track_id", "time"]].duplicated(keep="last").to_numpy()]
            kept = kept.sort_values(["track_id", "time"], kind="stable")
            out = {str(t): g.reset_index(drop=True) for t, g in kept.groupby("track_id", sort=False)}
        return {t: out[t] if t in out else _empty() for t in ids}

    def forget(self, track_ids: list[str]) -> None:
        """Drop what is kept of aircraft that were given up."""
        for track_id in track_ids:
            self._recording.pop(track_id, None)
        if track_ids:
            self._first = self._first[~_among(self._first.index, _ids(track_ids))]

    @property
    def size(self) -> int:
        """Fixes held (trail and recordings)."""
        trail = sum(len(c) for _, _, c in self._chunks)
        return trail + sum(len(p) for parts in self._recording.values() for p in parts)
