"""How well a policy warns on a recording: the figures an APW operator tunes on.

Definitions (times in seconds, from the replayed warnings and ``detect``'s passages):

* an **alert** is one warning episode of an aircraft about an airspace: from its first warning
  (``alert_start``) to the fix at which it cleared (or its last warning, when the recording ends
  first);
* every **real entry** (a passage with an entry time) is matched with the latest alert that began
  at or before the entry and had not ended more than ``look_ahead_s`` before it; its **lead
  time** is entry time minus that alert's start. No such alert: the entry was **missed**.
  ``warnings_before_entry`` counts that alert's warnings up to the entry;
* an alert is a **nuisance** when no entry of the same aircraft into the same airspace falls
  between its start and ``look_ahead_s`` after its end;
* rates are per **flight hour**: the summed span (first to last fix) of every track.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .engine import WarningEvents

__all__ = ["Evaluation", "evaluate", "plot_sweep"]


@dataclass
class Evaluation:
    """Per-entry lead times and the summary figures of one policy on one recording."""

    entries: pd.DataFrame  # track_id, airspace, entry_time, lead_s (NaN when missed), missed, warnings_before_entry
    alerts: pd.DataFrame  # track_id, airspace, alert_start, alert_end, warnings, nuisance
    flight_hours: float
    look_ahead_s: float

    @property
    def summary(self) -> dict[str, float]:
        """entries, missed, median and minimum lead time (s), alerts, nuisance alerts, nuisance
        alerts and warnings per flight hour."""
        leads = self.entries["lead_s"].dropna()
        hours = max(self.flight_hours, 1e-9)
        return {
            "look_ahead_s": self.look_ahead_s,
            "entries": float(len(self.entries)),
            "missed": float(self.entries["missed"].sum()),
            "median_lead_s": float(leads.median()) if len(leads) else float("nan"),
            "min_lead_s": float(leads.min()) if len(leads) else float("nan"),
            "alerts": float(len(self.alerts)),
            "nuisance_alerts": float(self.alerts["nuisance"].sum()),
            "nuisance_per_flight_hour": float(self.alerts["nuisance"].sum()) / hours,
            "warnings_per_flight_hour": float(self.alerts["warnings"].sum()) / hours,
            "flight_hours": self.flight_hours,
        }


def _alerts(events: WarningEvents) -> pd.DataFrame:
    w, c = events.warnings, events.cleared
    if len(w) == 0:
        return pd.DataFrame({"track_id": pd.Series(dtype=object), "airspace": pd.Series(dtype=object),
                             "alert_start": pd.Series(dtype="datetime64[ns, UTC]"),
                             "alert_end": pd.Series(dtype="datetime64[ns, UTC]"),
                             "warnings": pd.Series(dtype="int64")})
    per = w.groupby(["track_id", "airspace", "alert_start"], sort=True)
    alerts = per.agg(last=("time", "max"), warnings=("time", "size")).reset_index()
    ends = c.set_index(["track_id", "airspace", "alert_start"])["time"] if len(c) else None
    if ends is not None:
        keys = pd.MultiIndex.from_frame(alerts[["track_id", "airspace", "alert_start"]])
        cleared = ends.reindex(keys).to_numpy()
        alerts["alert_end"] = pd.Series(cleared, dtype="datetime64[ns, UTC]").fillna(alerts["last"])
    else:
        alerts["alert_end"] = alerts["last"]
    return alerts.drop(columns="last")


def evaluate(tracks: pd.DataFrame, passages: pd.DataFrame, events: WarningEvents, look_ahead_s: float) -> Evaluation:
    """Lead times, misses and nuisance alerts of replayed warnings (see the module docstring)."""
    alerts = _alerts(events)
    horizon = pd.Timedelta(seconds=look_ahead_s)
    real = passages[passages["entry_time"].notna() & (passages["status"] != "near")]
    rows = []
    justified = np.zeros(len(alerts), bool)
    for entry in real[["track_id", "airspace", "entry_time"]].itertuples(index=False):
        mine = alerts[(alerts["track_id"] == entry.track_id) & (alerts["airspace"] == entry.airspace)]
        live = mine[(mine["alert_start"] <= entry.entry_time) & (mine["alert_end"] >= entry.entry_time - horizon)]
        if len(live):
            alert = live.sort_values("alert_start").iloc[-1]
            w = events.warnings
            before = ((w["track_id"] == entry.track_id) & (w["airspace"] == entry.airspace)
                      & (w["alert_start"] == alert["alert_start"]) & (w["time"] <= entry.entry_time)).sum()
            rows.append((entry.track_id, entry.airspace, entry.entry_time,
                         (entry.entry_time - alert["alert_start"]).total_seconds(), False, int(before)))
        else:
            rows.append((entry.track_id, entry.airspace, entry.entry_time, np.nan, True, 0))
        hit = (mine["alert_start"] <= entry.entry_time) & (mine["alert_end"] + horizon >= entry.entry_time)
        justified[np.flatnonzero(alerts.index.isin(mine.index[hit.to_numpy()]))] = True
    entries = pd.DataFrame(rows, columns=["track_id", "airspace", "entry_time", "lead_s", "missed",
                                          "warnings_before_entry"])
    alerts = alerts.assign(nuisance=~justified)
    span = tracks.groupby("track_id")["time"].agg(["min", "max"])
    hours = float(((span["max"] - span["min"]).dt.total_seconds()).sum() / 3600.0) if len(span) else 0.0
    return Evaluation(entries, alerts, hours, look_ahead_s)


def plot_sweep(summaries: list[dict[str, float]], path: str | Path, title: str = "") -> Path:
    """A PNG of median lead time against nuisance alerts per flight hour, one point per T1."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.8), dpi=120)
    ax = figure.add_subplot()
    x = [s["nuisance_per_flight_hour"] for s in summaries]
    y = [s["median_lead_s"] for s in summaries]
    ax.plot(x, y, "o-", color="#d9480f")
    for s, xi, yi in zip(summaries, x, y):
        label = f"T1 {s['look_ahead_s']:g} s" + (f", {s['missed']:.0f} missed" if s["missed"] else "")
        ax.annotate(label, (xi, yi), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xlabel("nuisance alerts per flight hour")
    ax.set_ylabel("median lead time of the first warning (s)")
    ax.set_title(title or "Warning policy: lead time against nuisance rate over a sweep of T1", fontsize=10)
    ax.grid(True, alpha=0.3)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path)
    return path
