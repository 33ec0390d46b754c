"""One incident: a passage (or near miss) with everything a report says about it - its track, the
airspace, its figures with their definitions and uncertainty, the warnings given, and where every
piece came from.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..airspace.model import Airspace
from ..analysis.probability import UNCERTAINTY_COLUMNS
from ..detection.result import COLUMNS, STATUSES
from ..units import FOOT_M
from .text import clock, km

__all__ = ["BOUNDARY_SOURCE", "Fact", "Incident", "Provenance", "file_digest", "safe_name"]

BOUNDARY_SOURCE = ("Embedded world airspaces: OpenStreetMap data via the npm package "
                   "@geo-maps/countries-maritime-10m 0.6.0 (snapshot of November 2017), land, internal waters "
                   "and the territorial sea. © OpenStreetMap contributors, licensed under the Open Database "
                   "License (ODbL) 1.0.")
MEANING = {c.name: c.meaning for c in COLUMNS + UNCERTAINTY_COLUMNS}


@dataclass(frozen=True)
class Fact:
    """One figure of a report: what it is, its value with unit, its definition, its uncertainty."""

    quantity: str
    value: str
    definition: str
    uncertainty: str = ""


@dataclass
class Provenance:
    """Where a report's data came from and how it was made."""

    sources: list[dict[str, str]]
    boundary: str
    parameters: dict[str, str]
    generated: pd.Timestamp = field(default_factory=lambda: pd.Timestamp.now(tz="UTC").floor("s"))
    version: str = __version__


def file_digest(path: str) -> dict[str, str]:
    """A source file's name, size and SHA-256 (so a reader can check they have the same file)."""
    p = Path(path)
    if p.is_dir():
        return {"file": str(p), "size": "folder", "sha256": ""}
    digest = hashlib.sha256()
    with open(p, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"file": str(p), "size": f"{p.stat().st_size:,} bytes", "sha256": digest.hexdigest()}


def safe_name(text: str, limit: int = 40) -> str:
    """A string cut down to letters, digits, ``-`` and ``_`` for use in a file name (no path can be
    smuggled through it).

    Examples
    --------
    >>> safe_name("../../etc/passwd"), safe_name("TR-claim"), safe_name("")
    ('etc_passwd', 'TR-claim', 'x')
    """
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_.-")[:limit]
    return cleaned or "x"


@dataclass
class Incident:
    """A passage or near miss (a ``detect`` row joined with its ``UNCERTAINTY_COLUMNS``), numbered."""

    number: int
    row: pd.Series
    track: pd.DataFrame
    airspace: Airspace
    airspaces: list[Airspace]
    result: pd.DataFrame
    warnings: pd.DataFrame
    provenance: Provenance
    position_error: str

    @property
    def is_near_miss(self) -> bool:
        return self.row["status"] == "near"

    @property
    def stem(self) -> str:
        """File name stem of this incident's files."""
        kind = "near" if self.is_near_miss else "passage"
        return f"{kind}-{self.number:03d}-{safe_name(str(self.row['track_id']))}-{safe_name(self.airspace.name)}"

    @property
    def title(self) -> str:
        r, a = self.row, self.airspace
        name = f"{a.label} ({a.name})" if a.label and a.label != a.name else a.name
        when = r["closest_approach_time"] if self.is_near_miss else (
            r["entry_time"] if not pd.isna(r["entry_time"]) else self.track["time"].iloc[0])
        what = "Near miss of" if self.is_near_miss else "Passage through"
        return f"{what} {name} by {r['track_id']}, {pd.Timestamp(when):%Y-%m-%d}"

    def summary(self) -> str:
        """One or two sentences: what happened, and how sure it is."""
        r = self.row
        if self.is_near_miss:
            text = (f"{r['track_id']} came within {km(r['closest_approach_m'])} km of the {self.airspace.name} "
                    f"boundary at {clock(r['closest_approach_time'])} UTC without entering.")
        else:
            start = "from its first fix" if pd.isna(r["entry_time"]) else f"at {clock(r['entry_time'])} UTC"
            end = "to its last fix" if pd.isna(r["exit_time"]) else f"left at {clock(r['exit_time'])} UTC"
            dur = "" if pd.isna(r["duration_s"]) else f"{r['duration_s']:.1f} s, "
            text = (f"{r['track_id']} was inside {self.airspace.name} {start} and {end}: {dur}"
                    f"{km(r['length_inside_m'])} km flown inside, {km(r['max_depth_m'])} km deep at most.")
        if "p_inside" in r and not pd.isna(r["p_inside"]):
            text += (f" Probability that the true path was inside, given the position error "
                     f"({self.position_error}): {_probability(r)}.")
        return text

    def facts(self) -> list[Fact]:
        """Every figure of the row with its definition and uncertainty."""
        r = self.row
        u = _interval
        facts = [Fact("status", r["status"], STATUSES.get(r["status"], ""))]
        if self.is_near_miss:
            facts += [
                Fact("closest approach", f"{km(r['closest_approach_m'], 3)} km", MEANING["closest_approach_m"]),
                Fact("closest approach at", f"{clock(r['closest_approach_time'])} UTC",
                     MEANING["closest_approach_time"]),
            ]
        else:
            facts += [
                Fact("entry", _time(r["entry_time"]), MEANING["entry_time"]),
                Fact("exit", _time(r["exit_time"]), MEANING["exit_time"]),
                Fact("duration", _value(r["duration_s"], "s", 1), MEANING["duration_s"],
                     u(r, "duration", "s", 1)),
                Fact("length inside", f"{km(r['length_inside_m'], 3)} km", MEANING["length_inside_m"]),
                Fact("maximum depth", f"{km(r['max_depth_m'], 3)} km", MEANING["max_depth_m"],
                     u(r, "depth", "m", 0)),
                Fact("altitude inside", _altitudes(r["min_alt_m"], r["max_alt_m"]),
                     "lowest and highest pressure altitude inside (fixes and the entry and exit points)"),
                Fact("fixes inside", str(int(r["fixes_inside"])), MEANING["fixes_inside"]),
                Fact("longest gap", _value(r["max_gap_s"], "s", 1), MEANING["max_gap_s"]),
            ]
        disputed = r.get("disputed_with")
        if isinstance(disputed, (list, tuple)) and disputed:
            facts.append(Fact("also claimed by", ", ".join(disputed), MEANING["disputed_with"]))
        if "p_inside" in r and not pd.isna(r["p_inside"]):
            facts += [
                Fact("probability inside", _probability(r), MEANING["p_inside"],
                     f"{r['method']}; window {clock(r['window_start'])}–{clock(r['window_end'])} UTC"),
                Fact("position error", f"{r['sigma_m']:.0f} m per axis ({self.position_error})",
                     MEANING["sigma_m"]),
            ]
        for column, name in (("country", "state of registry"), ("operator", "operator"), ("military", "military")):
            if column in r and not pd.isna(r[column]):
                shown = ("yes" if r[column] else "no") if column == "military" else str(r[column])
                facts.append(Fact(name, shown,
                                  "from the ICAO 24-bit address block or the callsign (skyborder.tracks.nationality)"))
        return facts


def _time(ts: Any) -> str:
    return "–" if pd.isna(ts) else f"{pd.Timestamp(ts):%Y-%m-%d} {clock(ts)} UTC"


def _value(value: Any, unit: str, digits: int) -> str:
    return "–" if pd.isna(value) else f"{value:.{digits}f} {unit}"


def _altitudes(lo: float, hi: float) -> str:
    if pd.isna(lo):
        return "not reported"
    return (f"{lo:.0f} m ({lo / FOOT_M:,.0f} ft)" if abs(hi - lo) < 0.5 else
            f"{lo:.0f}–{hi:.0f} m ({lo / FOOT_M:,.0f}–{hi / FOOT_M:,.0f} ft)")


def _probability(row: pd.Series) -> str:
    if row["method"] == "analytic":
        return f"{row['p_inside']:.3f} (analytic)"
    return f"{row['p_inside']:.3f} (Monte Carlo, {int(row['samples'])} paths, standard error {row['p_stderr']:.3f})"


def _interval(row: pd.Series, name: str, unit: str, digits: int) -> str:
    """``5-95 %: low–high unit (median m)`` from the uncertainty columns, or "" without them."""
    low, median, high = (row.get(f"{name}_{q}_{unit}") for q in ("low", "median", "high"))
    if low is None or pd.isna(low):
        return ""
    scale, shown = (1000.0, "km") if unit == "m" else (1.0, unit)
    d = 3 if unit == "m" else digits
    return (f"90 % interval {low / scale:.{d}f}–{high / scale:.{d}f} {shown}, median {median / scale:.{d}f} {shown} "
            "(position error only)")


def incidents_from(result: pd.DataFrame, uncertainty: pd.DataFrame, tracks: pd.DataFrame,
                   airspaces: Sequence[Airspace], provenance: Provenance, position_error: str,
                   warnings: pd.DataFrame | None = None, near_misses: bool = False) -> list[Incident]:
    """The incidents of a ``detect`` result: its passages numbered from 1 in its order (see
    ``report.selection``), then, when asked, its near misses."""
    by_name = {a.name: a for a in airspaces}
    joined = result.join(uncertainty)
    rows = [r for _, r in joined.iterrows() if r["status"] != "near"]
    if near_misses:
        rows += [r for _, r in joined.iterrows() if r["status"] == "near"]
    out = []
    empty = warnings.iloc[0:0] if warnings is not None else pd.DataFrame()
    for number, row in enumerate(rows, start=1):
        track = tracks[tracks["track_id"] == row["track_id"]]
        airspace = by_name[row["airspace"]]
        mine = empty if warnings is None else warnings[(warnings["track_id"] == row["track_id"])
                                                       & (warnings["airspace"] == row["airspace"])]
        out.append(Incident(number, row, track, airspace, [airspace] + [a for a in airspaces if a is not airspace],
                            result[result["track_id"] == row["track_id"]], mine, provenance, position_error))
    return out
