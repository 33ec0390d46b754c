"""TEMPORARY stand-in for ``detection.stream.StreamDetector`` (being built in parallel), with
the agreed interface. ``watch.detector`` imports the real one as soon as it exists; delete this
module then.

It keeps, per track, the fixes since the last fix at which no passage was open, and re-runs
``detection.detect`` on them for every batch that brings new fixes to the track. A passage is
reported ``opened`` once its entry is known, ``closed`` when complete; near misses are the least
closest approach over all windows of tracks that never entered, reported at the end. Because a
window always starts at a fix outside every airspace (or at the track's first fix), every
passage it reports is computed from exactly the fixes ``detect`` would use on the whole track.
Cost: a track that stays inside is re-detected over its whole stay on every batch (quadratic):
fine for tests, not for the benchmark figures.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..airspace import world
from ..airspace.index import AirspaceIndex
from ..airspace.model import Airspace
from ..detection import result as results
from ..detection.engine import detect
from ..tracks import schema

__all__ = ["DetectorEvents", "StreamDetector"]

OPEN = ("open_end",)


@dataclass
class DetectorEvents:
    """Passages whose entry became known (``opened``) and complete rows (``closed``)."""

    opened: pd.DataFrame = field(default_factory=results.empty)
    closed: pd.DataFrame = field(default_factory=results.empty)


def _key(row: dict) -> tuple:
    entry = row["entry_time"]
    return (row["track_id"], row["airspace"], "entry" if not pd.isna(entry) else "exit",
            entry if not pd.isna(entry) else row["exit_time"])


class StreamDetector:
    """Passages from track-table batches (see the module docstring; TEMPORARY)."""

    def __init__(self, airspaces: str | list[Airspace] | AirspaceIndex, *, max_gap_s: float = 60.0,
                 near_m: float = 20_000.0) -> None:
        if isinstance(airspaces, str):
            airspaces = world.select(airspaces)
        self.index = airspaces if isinstance(airspaces, AirspaceIndex) else AirspaceIndex(airspaces)
        self.max_gap_s, self.near_m = max_gap_s, near_m
        self._fixes: dict[str, pd.DataFrame] = {}
        self._opened: dict[str, set] = {}
        self._closed: dict[str, set] = {}
        self._entered: set[tuple[str, str]] = set()
        self._near: dict[tuple[str, str], dict] = {}
        self._last: dict[str, pd.Timestamp] = {}

    def feed(self, fixes: pd.DataFrame) -> DetectorEvents:
        """Take a batch; report what it opened and closed."""
        if len(fixes) == 0:
            return DetectorEvents()
        table = schema.normalize(fixes)
        windows = []
        for track_id, new in table.groupby("track_id", sort=False):  # stand-in: per track, not vectorised
            key = str(track_id)
            windows.append(pd.concat([self._fixes[key], new]) if key in self._fixes else new)
            self._last[key] = new["time"].iloc[-1]
        window = pd.concat(windows, ignore_index=True)
        found = detect(window, self.index, max_gap_s=self.max_gap_s, near_m=self.near_m)
        opened, closed = [], []
        for track_id, rows in found.groupby("track_id", sort=False):
            key = str(track_id)
            seen_open, seen_closed = self._opened.setdefault(key, set()), self._closed.setdefault(key, set())
            still_open = False
            for row in rows.to_dict("records"):
                if row["status"] == "near":
                    if (key, row["airspace"]) not in self._entered:
                        best = self._near.get((key, row["airspace"]))
                        if best is None or row["closest_approach_m"] < best["closest_approach_m"]:
                            self._near[(key, row["airspace"])] = row
                    continue
                self._entered.add((key, row["airspace"]))
                self._near.pop((key, row["airspace"]), None)
                if pd.isna(row["exit_time"]):
                    still_open = True
                    if not pd.isna(row["entry_time"]) and _key(row) not in seen_open:
                        seen_open.add(_key(row))
                        opened.append(row)
                elif _key(row) not in seen_closed:
                    seen_closed.add(_key(row))
                    closed.append(row)
            self._keep(key, window[window["track_id"] == track_id], still_open)
        for track_id in set(window["track_id"]) - set(found["track_id"]):
            self._keep(str(track_id), window[window["track_id"] == track_id], False)
        return DetectorEvents(_frame(opened), _frame(closed))

    def _keep(self, key: str, fixes: pd.DataFrame, still_open: bool) -> None:
        """Keep the whole window while a passage is open, else only its last fix."""
        if still_open:
            self._fixes[key] = fixes.reset_index(drop=True)
        else:
            self._fixes[key] = fixes.iloc[[-1]].reset_index(drop=True)
            self._opened[key], self._closed[key] = set(), set()

    def expire(self, now: pd.Timestamp, silence_s: float) -> DetectorEvents:
        """Tracks silent for more than ``silence_s`` s: their open passages close as ``lost``."""
        cutoff = pd.Timestamp(now) - pd.Timedelta(seconds=silence_s)
        silent = [k for k, t in self._last.items() if t < cutoff]
        return self._finish(silent, "lost")

    def flush(self) -> DetectorEvents:
        """End of input: open passages as ``open_end``/``open_start``, near misses final."""
        return self._finish(list(self._last), None)

    def _finish(self, keys: list[str], status: str | None) -> DetectorEvents:
        closed = []
        if keys:
            window = pd.concat([self._fixes[k] for k in keys], ignore_index=True)
            found = detect(window, self.index, max_gap_s=self.max_gap_s, near_m=0.0)
            for row in found.to_dict("records"):
                if pd.isna(row["exit_time"]):
                    if status is not None:
                        row["status"] = status
                    closed.append(row)
        for k in keys:
            for (track, air), row in list(self._near.items()):
                if track == k and (track, air) not in self._entered:
                    closed.append(row)
                    del self._near[(track, air)]
            self._entered = {p for p in self._entered if p[0] != k}
            for store in (self._fixes, self._opened, self._closed, self._last):
                store.pop(k, None)
        return DetectorEvents(closed=_frame(closed))


def _frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return results.empty()
    frame = pd.DataFrame.from_records(rows)
    empty = results.empty()
    for column in empty:
        if column in frame:
            dtype = empty[column].dtype
            values = pd.to_datetime(frame[column], utc=True) if str(dtype).startswith("datetime") else frame[column]
            frame[column] = values.astype(dtype)
    return frame.reset_index(drop=True)
