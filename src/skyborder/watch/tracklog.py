"""The fixes ``watch`` keeps to store each passage's path and the track around it, in bounded memory.

* a trail of every aircraft over the last ``context_s`` seconds, thinned to the first fix of
  each ``step_s`` bucket (kept as per-batch chunks, dropped whole when they age out);
* every fix of aircraft being *recorded*: from ``context_s`` before a passage's entry until
  ``context_s`` after its exit (at most ``max_fixes`` per aircraft: beyond that every other fix
  is dropped, so a very long stay is kept at a coarser step);
* each aircraft's first fix, so that the path of a passage open from the track's start begins
  where ``detect`` would begin it.
"""
from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

__all__ = ["TrackLog"]

COLUMNS = ("time", "track_id", "lon", "lat", "alt_m")


class TrackLog:
    """See the module docstring. Not thread-safe."""

    def __init__(self, context_s: float = 120.0, step_s: float = 1.0, max_fixes: int = 20_000) -> None:
        self.context_s, self.step_s, self.max_fixes = context_s, step_s, max_fixes
        self._chunks: deque[tuple[pd.Timestamp, pd.DataFrame]] = deque()
        self._recording: dict[str, list[pd.DataFrame]] = {}
        self._first: dict[str, pd.DataFrame] = {}

    def add(self, batch: pd.DataFrame) -> None:
        """Take a batch of fixes (a track table)."""
        if len(batch) == 0:
            return
        fixes = batch[[c for c in COLUMNS if c in batch]].copy()
        if "alt_m" not in fixes:
            fixes["alt_m"] = np.nan
        firsts = fixes.drop_duplicates("track_id")
        new = firsts[~firsts["track_id"].isin(self._first.keys())]
        self._first.update({str(t): new.iloc[[i]] for i, t in enumerate(new["track_id"])})
        bucket = (pd.DatetimeIndex(fixes["time"]).asi8 // int(self.step_s * 1e9))
        thinned = fixes[~pd.DataFrame({"t": fixes["track_id"].to_numpy(), "b": bucket}).duplicated().to_numpy()]
        self._chunks.append((fixes["time"].max(), thinned))
        if self._recording:
            rec = fixes[fixes["track_id"].isin(self._recording.keys())]
            for track_id, rows in rec.groupby("track_id", sort=False):
                self._append(str(track_id), rows)

    def _append(self, track_id: str, rows: pd.DataFrame) -> None:
        parts = self._recording[track_id]
        parts.append(rows)
        if sum(len(p) for p in parts) > self.max_fixes:
            merged = pd.concat(parts, ignore_index=True)
            self._recording[track_id] = [merged.iloc[::2]]

    def trim(self, now: pd.Timestamp) -> None:
        """Drop trail chunks older than ``context_s`` before ``now``."""
        cutoff = pd.Timestamp(now) - pd.Timedelta(seconds=self.context_s)
        while self._chunks and self._chunks[0][0] < cutoff:
            self._chunks.popleft()

    def trail(self, track_id: str) -> pd.DataFrame:
        """The thinned trail of one aircraft."""
        parts = [c[c["track_id"] == track_id] for _, c in self._chunks]
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))

    def start(self, track_id: str) -> None:
        """Record every fix of an aircraft from now on (its trail so far included)."""
        if track_id not in self._recording:
            self._recording[track_id] = [self.trail(track_id)]

    def stop(self, track_id: str) -> None:
        self._recording.pop(track_id, None)

    def recording(self) -> list[str]:
        return list(self._recording)

    def fixes(self, track_id: str) -> pd.DataFrame:
        """What is kept of one aircraft (recorded fixes, else the trail), its first fix first, in time order."""
        parts = self._recording.get(track_id) or [self.trail(track_id)]
        first = self._first.get(track_id)
        frames = [f for f in ([first] if first is not None else []) + parts if f is not None and len(f)]
        if not frames:
            return pd.DataFrame(columns=list(COLUMNS))
        out = pd.concat(frames, ignore_index=True)
        out = out.drop_duplicates("time", keep="last").sort_values("time", kind="stable")
        return out.reset_index(drop=True)

    def forget(self, track_ids: list[str]) -> None:
        """Drop what is kept of aircraft that were given up."""
        for track_id in track_ids:
            self._recording.pop(track_id, None)
            self._first.pop(track_id, None)

    @property
    def size(self) -> int:
        """Fixes held (trail and recordings)."""
        return sum(len(c) for _, c in self._chunks) + sum(len(p) for parts in self._recording.values() for p in parts)
