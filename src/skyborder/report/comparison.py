"""A comparison of two tracks of one flight, as text, JSON and one map with both."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..airspace.model import Airspace
from ..analysis.compare import LABELS, Comparison
from .export import records
from .radar_map import RadarMap, draw_radar_map
from .text import clock, km, markdown_table, seconds

VERDICT_KEYS = ["track_id", "airspace", "status", "entry_time", "exit_time", "duration_s", "length_inside_m",
                "max_depth_m", "closest_approach_m", "closest_approach_time"]


def _verdict(row: pd.Series | None) -> str:
    if row is None:
        return "no passage, not near"
    if row["status"] == "near":
        return "no passage (near miss)"
    if pd.isna(row["entry_time"]) and pd.isna(row["exit_time"]):
        return "inside from first to last fix"
    return {"closed": "passage", "gap": "passage (gap in the fixes)", "open_start": "passage (starts inside)",
            "open_end": "passage (ends inside)"}[row["status"]]


def _verdict_rows(comparison: Comparison, airspaces: Sequence[Airspace],
                  p_inside: pd.Series | None) -> list[list[str]]:
    rows = []
    for airspace in airspaces:
        for label, name in zip(LABELS, comparison.names):
            found = comparison.verdict(label, airspace.name)
            if found.empty:
                rows.append([f"{label} ({name})", airspace.name, _verdict(None)] + ["–"] * 8)
            for index, r in found.iterrows():
                p = "–" if p_inside is None or pd.isna(p_inside.get(index)) else f"{p_inside[index]:.3f}"
                rows.append([f"{label} ({name})", airspace.name, _verdict(r), clock(r["entry_time"]),
                             clock(r["exit_time"]), seconds(r["duration_s"]), km(r["length_inside_m"]),
                             km(r["max_depth_m"]), km(r["closest_approach_m"]), clock(r["closest_approach_time"]), p])
    return rows


def comparison_text(comparison: Comparison, airspaces: Sequence[Airspace], sources: tuple[str, str],
                    uncertainty: pd.DataFrame | None = None, error_label: str = "") -> str:
    """The comparison as readable text (Markdown): time span, separation, clock offset, verdicts (with
    the probability of each verdict's passage when ``uncertainty`` is given, indexed like the result)."""
    c = comparison
    lines = [f"# Comparison: A = {c.names[0]} ({sources[0]}), B = {c.names[1]} ({sources[1]})", ""]
    if len(c.times):
        sep = c.separation_m
        i_min, i_max = int(np.nanargmin(sep)), int(np.nanargmax(sep))
        step = (c.times[1] - c.times[0]).total_seconds() if len(c.times) > 1 else 0.0
        lines += [
            f"- Common time span: {c.times[0]:%Y-%m-%d} {clock(c.times[0])} to {clock(c.times[-1])} UTC "
            f"({len(c.times)} times, every {step:g} s).",
            f"- Separation (WGS84 geodesic, same instant): min {km(sep[i_min])} km at {clock(c.times[i_min])}, "
            f"median {km(float(np.nanmedian(sep)))} km, max {km(sep[i_max])} km at {clock(c.times[i_max])} UTC.",
        ]
    else:
        lines.append("- The two tracks do not overlap in time: no separation at common times.")
    if np.isfinite(c.offset_separation_m):
        lines.append(f"- Clock offset: B lies closest to A when its times are shifted by {c.offset_s:+.2f} s "
                     f"(mean separation {km(c.offset_separation_m)} km).")
    p_inside = None if uncertainty is None else uncertainty["p_inside"]
    lines += ["", "## Verdicts (times UTC, distances km)", "",
              markdown_table(["track", "airspace", "verdict", "entry", "exit", "duration s", "length", "depth",
                              "closest", "closest at", "p inside"], _verdict_rows(c, airspaces, p_inside),
                             right={5, 6, 7, 8, 10})]
    if uncertainty is not None:
        lines += ["", f"p inside: the probability that the true path was inside during the passage (or around the "
                      f"closest approach), given the position error ({error_label})."]
    return "\n".join(lines)


def comparison_json(comparison: Comparison, sources: tuple[str, str],
                    uncertainty: pd.DataFrame | None = None) -> dict[str, Any]:
    """The comparison as JSON-ready data (times ISO-8601 UTC, metres, seconds)."""
    c = comparison
    verdicts = c.result[VERDICT_KEYS].copy()
    if uncertainty is not None:
        verdicts = verdicts.join(uncertainty[["p_inside", "p_stderr"]])
    verdicts["track_id"] = verdicts["track_id"].map(dict(zip(LABELS, c.names)))
    verdicts.insert(0, "version", c.result["track_id"])
    return {
        "a": {"track_id": c.names[0], "source": sources[0]},
        "b": {"track_id": c.names[1], "source": sources[1]},
        "separation": records(pd.DataFrame({"time": c.times, "separation_m": c.separation_m})),
        "offset_s": c.offset_s,
        "offset_separation_m": None if not np.isfinite(c.offset_separation_m) else c.offset_separation_m,
        "verdicts": records(verdicts),
    }


def draw_comparison_map(comparison: Comparison, airspaces: Sequence[Airspace], out: Path | str) -> RadarMap:
    """One map with both tracks (A red, B blue), their passages and closest approaches."""
    c = comparison
    labels = {label: f"{label}: {name}" for label, name in zip(LABELS, c.names)}
    return draw_radar_map(list(airspaces), c.tracks, c.result, out, title=f"A: {c.names[0]}  vs  B: {c.names[1]}",
                          track_colours={"A": "#ff5d5d", "B": "#4fd1ff"}, track_labels=labels, profile=True)
