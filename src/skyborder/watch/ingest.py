"""Batch filling of the register from a track table: what ``skyborder ingest`` runs per file.

The passages are ``detect``'s (near misses included), each stored with its inside path and the
track from ``context_s`` before its entry to ``context_s`` after its exit; with a policy, the
warnings its replay gives. Written in transactions of at most ``CHUNK_PASSAGES`` passages, so a
huge file never holds one giant transaction; re-ingesting a file updates the same rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..airspace.index import AirspaceIndex
from ..detection.engine import detect
from ..detection.result import passage_path
from ..register.store import Register
from ..tracks import schema
from ..tracks.nationality import annotate
from ..warn.engine import replay
from ..warn.policy import Policy

__all__ = ["CHUNK_PASSAGES", "ingest_tracks", "track_around"]

CHUNK_PASSAGES = 500


def track_around(track: pd.DataFrame, passage: dict, context_s: float) -> pd.DataFrame:
    """The fixes of ``track`` from ``context_s`` before the passage's first point to ``context_s``
    after its last (a near miss: around its closest approach)."""
    times = track["time"]
    start = passage["entry_time"] if passage["status"] != "near" else passage["closest_approach_time"]
    end = passage["exit_time"] if passage["status"] != "near" else passage["closest_approach_time"]
    start = times.iloc[0] if pd.isna(start) else start
    end = times.iloc[-1] if pd.isna(end) else end
    margin = pd.Timedelta(seconds=context_s)
    return track[(times >= start - margin) & (times <= end + margin)]


def ingest_tracks(register: Register, run_id: int, tracks: pd.DataFrame, index: AirspaceIndex,
                  policy: Policy | None = None, max_gap_s: float = 60.0, near_m: float = 20_000.0,
                  context_s: float = 120.0, progress: bool = False) -> dict[str, int]:
    """Detect (and with a policy, warn) on one track table and write it all; returns counts."""
    if len(tracks) == 0:
        return {"fixes": 0, "passages": 0, "warnings": 0}
    table = annotate(schema.normalize(tracks))
    result = detect(table, index, max_gap_s=max_gap_s, near_m=near_m, progress=progress)
    by_track = dict(list(table.groupby("track_id", sort=False)))
    rows = result.to_dict("records")
    for lo in range(0, len(rows), CHUNK_PASSAGES):
        chunk = rows[lo:lo + CHUNK_PASSAGES]
        paths = [passage_path(r, by_track[r["track_id"]]) if r["status"] != "near" else None for r in chunk]
        around = [track_around(by_track[r["track_id"]], r, context_s) for r in chunk]
        register.record(run_id, passages=result.iloc[lo:lo + CHUNK_PASSAGES], paths=paths, tracks=around)
    warnings = 0
    if policy is not None:
        events = replay(table, index, policy)
        for lo in range(0, max(len(events.warnings), 1), 5 * CHUNK_PASSAGES):
            register.record(run_id, warnings=events.warnings.iloc[lo:lo + 5 * CHUNK_PASSAGES])
        register.record(run_id, cleared=events.cleared)
        warnings = len(events.warnings)
    register.record(run_id, aircraft=table[[c for c in ("time", "track_id", "icao24", "callsign", "country",
                                                        "operator", "military") if c in table]])
    return {"fixes": int(np.int64(len(table))), "passages": len(result), "warnings": warnings}
