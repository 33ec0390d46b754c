"""The answers of a claim check (``analysis.claims``) as text, JSON and a map."""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import pandas as pd

from ..airspace.model import Airspace
from ..analysis.claims import CandidatePath, ClaimCheck, candidate_track
from ..detection.engine import detect
from .radar_map import MapLabel, RadarMap, draw_radar_map
from .text import km

KMH = 3.6


def _turn(radius: float) -> str:
    if not math.isfinite(radius):
        return "straight"
    return f"{'right' if radius > 0 else 'left'} turn of {abs(radius) / 1000:.2f} km radius"


def describe_path(path: CandidatePath) -> str:
    """Where a candidate path enters and how it flies (one line)."""
    return (f"entry {path.entry_lat:.4f} N {path.entry_lon:.4f} E, heading {path.heading_deg:03.0f}°, "
            f"{_turn(path.turn_radius_m)}")


def claim_lines(check: ClaimCheck) -> list[str]:
    """The check as Markdown list items: speed, depth against length, the searched geometry, verdict."""
    c = check.claims
    lo, hi = c.speed_mps
    imp_lo, imp_hi = check.implied_speed_mps
    nominal = c.length_m.value / c.duration_s.value
    lines = [
        f"- **Speed**: {km(c.length_m.value)} km in {c.duration_s.value:g} s is {nominal * KMH:.0f} km/h "
        f"({imp_lo * KMH:.0f}–{imp_hi * KMH:.0f} km/h with the figures' rounding); plausible "
        f"{lo * KMH:.0f}–{hi * KMH:.0f} km/h: " + ("consistent." if check.speed_consistent else
                                                   "**cannot both hold**."),
        f"- **Depth against length** (any path, any boundary): every point of a passage is reached from the "
        f"entry point, on the boundary, so it is no deeper than half the passage's length: at most "
        f"{km(check.depth_bound_m)} km for {km(c.length_m.high)} km; claimed depth {km(c.depth_m.value)} km: "
        + ("consistent." if check.depth_bound_consistent else "**cannot both hold**."),
    ]
    where = (f"straight and constant-turn paths entering {check.airspace} within {check.radius_m / 1000:g} km of "
             f"{check.near[1]:.4f} N {check.near[0]:.4f} E; {check.paths_searched:,} paths searched on a "
             f"{check.resolution_m:g} m raster, each answer measured by the detection engine")
    lines.append(f"- **Against the real boundary** ({where}):")
    answers = (
        (check.deepest_at_length, lambda p: f"the deepest passage of about the claimed length ({km(p.length_m)} km) "
                                            f"reaches {km(p.depth_m)} km"),
        (check.shortest_to_depth, lambda p: f"the shortest passage reaching {km(c.depth_m.value)} km deep is "
                                            f"{km(p.length_m)} km long ({p.length_m / hi:.1f}–{p.length_m / lo:.1f} s "
                                            "at a plausible speed)"),
        (check.deepest_in_time, lambda p: f"in {c.duration_s.value:g} s at a plausible speed a passage reaches at most "
                                          f"{km(p.depth_m)} km deep ({km(p.length_m)} km long)"),
        (check.nearest, lambda p: f"nearest consistent alternative: {km(p.length_m)} km long, {km(p.depth_m)} km "
                                  f"deep, {p.duration_s:.1f} s at {p.speed_mps * KMH:.0f} km/h; "
                                  + ("every claim holds" if p.deviation == 0 else
                                     f"the claims would have to change by {p.deviation * 100:.0f} %")),
    )
    for path, text in answers:
        lines.append(f"  - {text(path)} ({describe_path(path)})" if path is not None else
                     "  - no searched path answers this")
    verdict = "the claims can all hold at once" if check.consistent else "the claims cannot all be true of one path"
    lines.append(f"- **Verdict**: {verdict}.")
    return lines


def claims_text(check: ClaimCheck) -> str:
    """The whole check as Markdown."""
    c = check.claims
    head = (f"# Claims against {check.airspace}: {c.duration_s.value:g} s (±{c.duration_s.tolerance:g}), length "
            f"{km(c.length_m.value)} km (±{c.length_m.tolerance:.0f} m), depth {km(c.depth_m.value)} km "
            f"(±{c.depth_m.tolerance:.0f} m)")
    note = ("Depth is skyborder's: the horizontal geodesic distance to the airspace's boundary; length is ground "
            "length inside.")
    return "\n".join([head, "", *claim_lines(check), "", note])


def claims_json(check: ClaimCheck) -> dict[str, Any]:
    """The check as JSON-ready data (SI units)."""
    data = dataclasses.asdict(check)
    data["consistent"] = check.consistent
    data["geometry_consistent"] = check.geometry_consistent
    return _finite(data)


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


ANSWER_LABELS = {"deepest_at_length": "deepest of the claimed length", "shortest_to_depth":
                 "shortest to the claimed depth", "nearest": "nearest consistent alternative"}


def draw_claims_map(check: ClaimCheck, airspace: Airspace, out: Path | str) -> RadarMap:
    """The candidate answers on one map, each run through ``detect`` (its passage, entry, exit and depth)."""
    tracks = []
    for name, label in ANSWER_LABELS.items():
        path = getattr(check, name)
        if path is not None:
            tracks.append(candidate_track(path, track_id=label))
    table = pd.concat(tracks, ignore_index=True)
    result = detect(table, [airspace], near_m=0)
    near_lon, near_lat = check.near
    return draw_radar_map([airspace], table, result, out, title=f"Claims against {check.airspace}: candidate paths",
                          annotations=[MapLabel(near_lon, near_lat, "searched around", "+")], profile=False,
                          note="Straight and constant-turn paths; times are along each path at its speed.")
