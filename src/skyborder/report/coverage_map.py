"""The coverage of a set of sensor sites: text and a map (horizon rings, the border stretches seen
and not seen at the altitude, a recorded track and where each site could first have seen it)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..airspace.model import Airspace
from ..analysis.coverage import BorderCoverage
from ..geodesy import GEOD, geodesic_circle
from ..units import FOOT_M
from .radar_map import MapCanvas, RadarMap, _track_colours
from .style import BACKGROUND, TEXT
from .text import clock, km, markdown_table

__all__ = ["coverage_text", "draw_coverage_map", "earliest_warning"]

SEEN, UNSEEN, SITE = "#39d98a", "#ff5d5d", "#ffd23f"


def earliest_warning(sights: pd.DataFrame, passages: pd.DataFrame, airspace: str) -> pd.DataFrame:
    """Per track: the first time any site could see it, by which site, and how long before its first
    entry into ``airspace`` that was (s; NaN without an entry)."""
    rows = []
    for track_id, group in sights.groupby("track_id", sort=False):
        seen = group.dropna(subset=["first_seen"])
        entries = passages[(passages["track_id"] == track_id) & (passages["airspace"] == airspace)]["entry_time"]
        entry = entries.dropna().min() if len(entries) else pd.NaT
        if seen.empty:
            rows.append({"track_id": track_id, "first_seen": pd.NaT, "site": "", "entry_time": entry,
                         "lead_s": np.nan})
            continue
        best = seen.loc[seen["first_seen"].idxmin()]
        lead = (entry - best["first_seen"]).total_seconds() if not pd.isna(entry) else np.nan
        rows.append({"track_id": track_id, "first_seen": best["first_seen"], "site": best["site"],
                     "entry_time": entry, "lead_s": lead})
    return pd.DataFrame(rows, columns=["track_id", "first_seen", "site", "entry_time", "lead_s"])


def coverage_text(cov: BorderCoverage, terrain_files: Sequence[str], k: float,
                  sights: pd.DataFrame | None = None, warnings: pd.DataFrame | None = None) -> str:
    """The coverage as Markdown: each site's horizon and border seen, the stretches, first sights."""
    seen_km = cov.seen_km()
    ground = f"terrain from {len(terrain_files)} DEM file(s)" if terrain_files else "bare Earth (no DEM given)"
    lines = [f"# Coverage of the {cov.airspace} border at {cov.altitude_m:.0f} m ({cov.altitude_m / FOOT_M:.0f} ft)",
             "", f"Line of sight over a {k:.4g}-Earth, {ground}; border points every {cov.step_m:g} m. "
             "Surveillance coverage only.", ""]
    rows = [[s.label, f"{s.lat:.4f} N {s.lon:.4f} E", f"{s.height_m:.0f}", km(h, 1), f"{seen:.1f}"]
            for s, h, seen in zip(cov.sites, cov.horizon_m, seen_km[:-1])]
    lines.append(markdown_table(["site", "position", "antenna m", "horizon km", "border seen km"], rows,
                                right={2, 3, 4}))
    stretches = sorted(cov.stretches(), key=lambda run: -run[2])[:10]
    lines += ["", f"Any site: {seen_km[-1]:.1f} km of the border seen, in {len(cov.stretches())} stretch(es); the "
              "longest:", ""]
    lines.append(markdown_table(["from", "to", "km"], [
        [f"{cov.lat[a]:.4f} N {cov.lon[a]:.4f} E", f"{cov.lat[b]:.4f} N {cov.lon[b]:.4f} E", f"{length:.1f}"]
        for a, b, length in stretches], right={2}))
    if sights is not None and len(sights):
        lines += ["", "## When each site could first have seen each track (UTC)", ""]
        lines.append(markdown_table(["track", "site", "first seen", "range km", "alt m"], [
            [r.track_id, r.site, clock(r.first_seen), km(r.range_m, 1), "–" if pd.isna(r.alt_m) else f"{r.alt_m:.0f}"]
            for r in sights.itertuples()], right={3, 4}))
    if warnings is not None and len(warnings):
        lines += ["", "## Earliest possible warning", ""]
        for r in warnings.itertuples():
            if pd.isna(r.first_seen):
                lines.append(f"- {r.track_id}: no site could see it.")
            elif pd.isna(r.entry_time):
                lines.append(f"- {r.track_id}: first seen {clock(r.first_seen)} by {r.site}; no entry into "
                             f"{cov.airspace}.")
            else:
                lines.append(f"- {r.track_id}: first seen {clock(r.first_seen)} by {r.site}, {r.lead_s:.0f} s before "
                             f"its entry into {cov.airspace} at {clock(r.entry_time)}.")
    return "\n".join(lines)


def draw_coverage_map(cov: BorderCoverage, airspace: Airspace, out: Path | str,
                      tracks: pd.DataFrame | None = None, sights: pd.DataFrame | None = None) -> RadarMap:
    """Sites, their horizon rings at the altitude, the border points seen (green) and not (red), and
    a recorded track with where each site first saw it."""
    lon = [s.lon for s in cov.sites] + list(cov.lon)
    lat = [s.lat for s in cov.sites] + list(cov.lat)
    centre = (float(np.mean([s.lon for s in cov.sites])), float(np.mean([s.lat for s in cov.sites])))
    reach = GEOD.inv(np.full(len(lon), centre[0]), np.full(len(lat), centre[1]), lon, lat)[2]
    canvas = MapCanvas([airspace], centre, 1.1 * max(float(np.max(reach, initial=0.0)), 10_000.0))
    ax = canvas.ax
    for i, (site, horizon) in enumerate(zip(cov.sites, cov.horizon_m)):
        ring = geodesic_circle(site.lon, site.lat, float(horizon))
        ax.plot(*canvas.xy(ring[:, 0], ring[:, 1]), color=SITE, lw=0.9, ls="--", zorder=3,
                label=f"horizon at {cov.altitude_m:.0f} m" if i == 0 else None)
        ax.plot(*canvas.xy(site.lon, site.lat), "^", color=SITE, ms=10, mec=BACKGROUND, zorder=7)
        ax.annotate(site.label, canvas.xy(site.lon, site.lat), xytext=(7, 5), textcoords="offset points", color=SITE,
                    fontsize=9, zorder=7)
    seen = cov.seen.any(axis=0)
    for mask, colour, name in ((seen, SEEN, "border seen"), (~seen, UNSEEN, "border not seen")):
        if mask.any():
            ax.plot(*canvas.xy(cov.lon[mask], cov.lat[mask]), ".", color=colour, ms=3, zorder=4, label=name)
    if tracks is not None and len(tracks):
        colours = _track_colours(tracks, None)
        for track_id, track in tracks.groupby("track_id", sort=False):
            ax.plot(*canvas.xy(track["lon"].to_numpy(), track["lat"].to_numpy()), color=colours[track_id], lw=1.3,
                    zorder=5, label=f"{track_id} path")
        if sights is not None:
            seen = sights.dropna(subset=["first_seen"])
            first = seen.loc[seen.groupby("track_id")["first_seen"].idxmin()] if len(seen) else seen
            for i, r in enumerate(first.itertuples()):
                ax.plot(*canvas.xy(r.lon, r.lat), "o", color=TEXT, ms=6, mec=BACKGROUND, zorder=8,
                        label="first seen by any site" if i == 0 else None)
                ax.annotate(f"{r.track_id}: {clock(r.first_seen)} ({r.site})", canvas.xy(r.lon, r.lat),
                            xytext=(6, -12), textcoords="offset points", color=TEXT, fontsize=8.5, zorder=8)
    return canvas.save(out, f"Coverage of the {cov.airspace} border at {cov.altitude_m:.0f} m",
                       note="Line of sight from each site (effective-Earth radio horizon, terrain when given); "
                            "surveillance only.")
