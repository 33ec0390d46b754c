"""TEMPORARY stand-in for ``detection.stream.StreamDetector`` (built in parallel by the engine
work), with the agreed interface. ``scan.buckets`` imports the real one when it lands on main;
delete this module then.

It keeps every fix it is fed and runs the in-memory ``detection.detect`` once, at ``flush``:
its output is that of one in-memory run by construction, but its memory grows with the bucket
(the real detector keeps only bounded state per aircraft). Fine for the tests, not for the
memory figures.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..airspace.index import AirspaceIndex
from ..airspace.model import Airspace
from ..detection import result as results
from ..detection.engine import detect
from ..tracks import schema

__all__ = ["DetectorEvents", "StreamDetector"]


@dataclass
class DetectorEvents:
    """Passages whose entry became known (``opened``) and complete rows (``closed``)."""

    opened: pd.DataFrame = field(default_factory=results.empty)
    closed: pd.DataFrame = field(default_factory=results.empty)


class StreamDetector:
    """Collects the fed fixes; detects them all at ``flush`` (TEMPORARY, see the module docstring)."""

    def __init__(self, airspaces: str | list[Airspace] | AirspaceIndex, *, max_gap_s: float = 60.0,
                 near_m: float = 20_000.0) -> None:
        self.airspaces, self.max_gap_s, self.near_m = airspaces, max_gap_s, near_m
        self._batches: list[pd.DataFrame] = []

    def feed(self, fixes: pd.DataFrame) -> DetectorEvents:
        """Keep a batch (each track's fixes later than those of its earlier batches)."""
        if len(fixes):
            self._batches.append(fixes)
        return DetectorEvents()

    def flush(self) -> DetectorEvents:
        """End of input: every passage and near miss of the fixes fed."""
        if not self._batches:
            return DetectorEvents()
        tracks = schema.normalize(pd.concat(self._batches, ignore_index=True))
        self._batches = []
        return DetectorEvents(closed=detect(tracks, self.airspaces, max_gap_s=self.max_gap_s, near_m=self.near_m))
