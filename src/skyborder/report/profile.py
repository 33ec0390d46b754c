"""The altitude/time panel under a radar map: each track's altitude against UTC time, the time
inside the watched airspace shaded, the airspace's floor and ceiling where it has them.

Altitudes are the track table's ``alt_m`` (pressure altitude, what Mode C/S and flight levels
report), in metres on the left axis and feet on the right.
"""
from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from ..airspace.model import Airspace
from ..units import FOOT_M
from .style import BACKGROUND, GRID, TEXT, VIOLATION

WINDOW_MARGIN = 0.08  # of the visible time span, added each side


def visible_window(tracks: pd.DataFrame, to_plane, half_w: float, half_h: float) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The UTC time span during which any track's fixes are inside the map view (m in the map's
    plane), widened by ``WINDOW_MARGIN``; the whole tracks' span when no fix is in view."""
    x, y = to_plane.transform(tracks["lon"].to_numpy(float), tracks["lat"].to_numpy(float))
    seen = (np.abs(x) <= half_w) & (np.abs(y) <= half_h)
    times = pd.DatetimeIndex(tracks["time"][seen] if seen.any() else tracks["time"])
    t0, t1 = times.min(), times.max()
    pad = max((t1 - t0) * WINDOW_MARGIN, pd.Timedelta(seconds=5))
    return t0 - pad, t1 + pad


def draw_profile(ax, tracks: pd.DataFrame, passages: pd.DataFrame, watched: Airspace | None,
                 colours: dict[str, str], window: tuple[pd.Timestamp, pd.Timestamp]) -> None:
    """Draw the altitude/time panel on ``ax``.

    Parameters
    ----------
    ax : matplotlib Axes
    tracks : DataFrame
        A track table; tracks are drawn in the order and colours of ``colours`` (by track_id).
    passages : DataFrame
        A ``detect`` result; the watched airspace's passages are shaded (open ends run to the
        track's first or last fix).
    watched : Airspace or None
        Its floor and ceiling (m), when finite, are drawn as dashed lines.
    window : (Timestamp, Timestamp)
        The UTC time span shown.
    """
    ax.set_facecolor(BACKGROUND)
    for spine in ax.spines.values():
        spine.set_color(GRID)
    ax.tick_params(colors=TEXT, labelsize=8.5)
    t0, t1 = window
    t0_naive, t1_naive = t0.tz_convert("UTC").tz_localize(None), t1.tz_convert("UTC").tz_localize(None)
    has_altitude = False
    for track_id, colour in colours.items():
        track = tracks[tracks["track_id"] == track_id]
        if "alt_m" not in track or track["alt_m"].isna().all():
            continue
        has_altitude = True
        when = pd.DatetimeIndex(track["time"]).tz_convert("UTC").tz_localize(None)
        ax.plot(when, track["alt_m"].to_numpy(float), color=colour, lw=1.4, marker="o", ms=2.5, zorder=3)
    if watched is not None and not passages.empty:
        rows = passages[(passages["airspace"] == watched.name) & (passages["status"] != "near")]
        for row in rows.to_dict("records"):
            track = tracks[tracks["track_id"] == row["track_id"]]
            start = row["entry_time"] if not pd.isna(row["entry_time"]) else track["time"].min()
            end = row["exit_time"] if not pd.isna(row["exit_time"]) else track["time"].max()
            ax.axvspan(pd.Timestamp(start).tz_convert("UTC").tz_localize(None),
                       pd.Timestamp(end).tz_convert("UTC").tz_localize(None), color=VIOLATION, alpha=0.18, lw=0,
                       zorder=1)
        for limit, name in ((watched.floor_m, "floor"), (watched.ceiling_m, "ceiling")):
            if np.isfinite(limit):
                ax.axhline(limit, color=TEXT, ls="--", lw=0.9, zorder=2)
                ax.text(t0_naive, limit, f" {watched.name} {name}", color=TEXT, fontsize=8, va="bottom")
    if not has_altitude:
        ax.text(0.5, 0.5, "no altitude reported", transform=ax.transAxes, ha="center", va="center", color=TEXT)
    ax.set_xlim(t0_naive, t1_naive)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M:%S"))
    ax.grid(color=GRID, lw=0.5)
    ax.set_ylabel("pressure altitude (m)", color=TEXT, fontsize=9)
    ax.set_xlabel(f"UTC, {t0:%Y-%m-%d}" + (f" (shaded: inside {watched.name})" if watched is not None else ""),
                  color=TEXT, fontsize=9)
    feet = ax.secondary_yaxis("right", functions=(lambda m: m / FOOT_M, lambda ft: ft * FOOT_M))
    feet.tick_params(colors=TEXT, labelsize=8.5)
    feet.set_ylabel("ft", color=TEXT, fontsize=9)
    for spine in feet.spines.values():
        spine.set_color(GRID)
