"""Tallies: passages, distinct aircraft and warnings per country, airspace, military and period,
with the change against the previous period and each group's share ("how many intercepts involved
Russian aircraft this year?").

Definitions:

- a *passage* is a register row whose status is not ``near``; it falls in the period of its anchor
  time (``anchor_time`` when the register gives it, else ``entry_time``: open passages are placed at
  their first point);
- *aircraft* are counted once per group and period, by ICAO address (the track id where there is
  none);
- *warnings* are the warning records of the group's aircraft in the period (by their own time);
- *change* is ``100 * (n - n_prev) / n_prev`` against the same group's previous period (empty
  when the previous period had none); *share* is the group's part of all passages of the period;
- periods: calendar or fiscal years (``year_start``: the first month, e.g. 4 for April-March, as
  Japan reports scrambles; a fiscal year is named by the calendar year it starts in, ``FY2015`` =
  April 2015 - March 2016), quarters of that year, months, ISO weeks.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["GROUP_KEYS", "PERIODS", "draw_tally_chart", "parse_by", "period_of", "tally", "tally_table"]

PERIODS = ("year", "quarter", "month", "week")
GROUP_KEYS = ("country", "airspace", "military")
COUNT_COLUMNS = ("passages", "aircraft", "warnings", "change_pct", "share_pct")


def parse_by(text: str) -> tuple[list[str], str | None]:
    """``--by``: group keys and at most one period, e.g. ``country,year`` -> (["country"], "year")."""
    keys = [k.strip().lower() for k in text.split(",") if k.strip()]
    unknown = [k for k in keys if k not in GROUP_KEYS + PERIODS]
    periods = [k for k in keys if k in PERIODS]
    if unknown or len(periods) > 1 or len(set(keys)) != len(keys):
        raise InputError(f"--by {text!r}: any of {', '.join(GROUP_KEYS)} and at most one of {', '.join(PERIODS)}")
    return [k for k in keys if k in GROUP_KEYS], (periods[0] if periods else None)


def period_of(times: pd.Series, period: str, year_start: int = 1) -> tuple[pd.Series, pd.Series]:
    """Each time's period label and ordinal (consecutive periods have consecutive ordinals).

    Examples
    --------
    >>> t = pd.Series(pd.to_datetime(["2015-03-31T23:00:00Z", "2015-04-01T00:00:00Z"]))
    >>> period_of(t, "year", 4)[0].tolist(), period_of(t, "quarter", 4)[0].tolist()
    (['FY2014', 'FY2015'], ['FY2014-Q4', 'FY2015-Q1'])
    >>> period_of(t, "week")[0].tolist()
    ['2015-W14', '2015-W14']
    """
    if not 1 <= year_start <= 12:
        raise InputError("--year-start must be a month number, 1 to 12")
    times = pd.to_datetime(times, utc=True)
    year, month = times.dt.year.to_numpy(), times.dt.month.to_numpy()
    shifted = year * 12 + (month - 1) - (year_start - 1)  # months since the fiscal epoch
    fiscal_year = shifted // 12
    prefix = "" if year_start == 1 else "FY"
    if period == "year":
        return pd.Series([f"{prefix}{y}" for y in fiscal_year], index=times.index), pd.Series(fiscal_year, times.index)
    if period == "quarter":
        quarter = (shifted % 12) // 3 + 1
        return (pd.Series([f"{prefix}{y}-Q{q}" for y, q in zip(fiscal_year, quarter)], index=times.index),
                pd.Series(fiscal_year * 4 + quarter - 1, times.index))
    if period == "month":
        return (pd.Series([f"{y}-{m:02d}" for y, m in zip(year, month)], index=times.index),
                pd.Series(year * 12 + month - 1, times.index))
    iso = times.dt.isocalendar()
    monday = (times.dt.tz_localize(None).dt.normalize() - pd.to_timedelta(times.dt.day_of_week, unit="D"))
    ordinal = (monday - pd.Timestamp("1970-01-05")).dt.days // 7
    return (pd.Series([f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"])], index=times.index),
            pd.Series(ordinal.to_numpy(), times.index))


def _group_values(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The grouping columns as readable labels (unknown where missing; military as military/civil)."""
    out = pd.DataFrame(index=frame.index)
    for key in keys:
        if key == "military":
            values = frame["military"] if "military" in frame else pd.Series(pd.NA, index=frame.index)
            known = values.notna()
            out[key] = np.where(~known, "unknown", np.where(values.fillna(False).astype(bool), "military", "civil"))
        else:
            values = frame[key] if key in frame else pd.Series(pd.NA, index=frame.index)
            out[key] = values.astype("object").where(values.notna(), "unknown").astype(str)
    return out


def _in_period(times: pd.Series, since: Any, until: Any) -> pd.Series:
    keep = times.notna()
    if since is not None:
        keep &= times >= pd.Timestamp(since).tz_convert("UTC") if pd.Timestamp(since).tzinfo else \
            times >= pd.Timestamp(since).tz_localize("UTC")
    if until is not None:
        keep &= times < pd.Timestamp(until).tz_convert("UTC") if pd.Timestamp(until).tzinfo else \
            times < pd.Timestamp(until).tz_localize("UTC")
    return keep


def tally(passages: pd.DataFrame, warnings: pd.DataFrame | None, keys: Sequence[str], period: str | None,
          since: Any = None, until: Any = None, year_start: int = 1) -> pd.DataFrame:
    """Passages, distinct aircraft and warnings per group (``keys``) and period (see the module
    docstring for every definition).

    Returns
    -------
    DataFrame
        ``keys``, ``period`` (when asked), then ``COUNT_COLUMNS``; sorted by period, then by
        passages (most first). ``change_pct`` is NaN without a period or a previous count.
    """
    when = passages["anchor_time"] if "anchor_time" in passages else passages["entry_time"]
    when = pd.to_datetime(when, utc=True)
    rows = passages[(passages["status"] != "near") & _in_period(when, since, until)]
    when = when[rows.index]
    columns = list(keys) + (["period"] if period else [])
    table = _group_values(rows, keys)
    aircraft = rows["icao24"].where(rows["icao24"].notna(), rows["track_id"]) if "icao24" in rows else rows["track_id"]
    table["aircraft_id"] = aircraft.astype(str)
    ordinals = pd.DataFrame(columns=["period", "ordinal"])
    if period:
        table["period"], table["ordinal"] = period_of(when, period, year_start)
        ordinals = table[["period", "ordinal"]].drop_duplicates()
    grouped = table.groupby(columns, dropna=False) if columns else table.groupby(lambda _: 0)
    counts = pd.DataFrame({"passages": grouped.size(), "aircraft": grouped["aircraft_id"].nunique()})
    counts["warnings"] = 0
    if warnings is not None and len(warnings):
        w_time = pd.to_datetime(warnings["time"], utc=True)
        w = warnings[_in_period(w_time, since, until)]
        w_table = _group_values(w, keys)
        if period:
            w_table["period"], w_table["ordinal"] = period_of(w_time[w.index], period, year_start)
            ordinals = pd.concat([ordinals, w_table[["period", "ordinal"]]]).drop_duplicates()
        w_counts = (w_table.groupby(columns, dropna=False) if columns else w_table.groupby(lambda _: 0)).size()
        counts = counts.join(w_counts.rename("warnings_given"), how="outer")
        counts["warnings"] = counts.pop("warnings_given").fillna(0)
        counts = counts.fillna({"passages": 0, "aircraft": 0})
    counts = counts.astype({"passages": "int64", "aircraft": "int64", "warnings": "int64"}).reset_index()
    if not columns:
        counts = counts.drop(columns=counts.columns[0])
    counts["change_pct"] = np.nan
    if period:
        counts = counts.merge(ordinals.drop_duplicates("period"), on="period", how="left")
        prev = counts[list(keys) + ["ordinal", "passages"]].assign(ordinal=lambda f: f["ordinal"] + 1)
        merged = counts.merge(prev, on=list(keys) + ["ordinal"], how="left", suffixes=("", "_prev"))
        before = merged["passages_prev"].fillna(0).to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            counts["change_pct"] = np.where(before > 0, 100.0 * (counts["passages"] - before) / before, np.nan)
        totals = counts.groupby("period")["passages"].transform("sum").to_numpy(float)
    else:
        totals = np.full(len(counts), float(counts["passages"].sum()))
    with np.errstate(divide="ignore", invalid="ignore"):
        counts["share_pct"] = np.where(totals > 0, 100.0 * counts["passages"].to_numpy(float) / totals, np.nan)
    order = ["ordinal", "passages"] if period else ["passages"]
    counts = counts.sort_values(order, ascending=[True, False] if period else [False], kind="stable")
    return counts[columns + list(COUNT_COLUMNS)].reset_index(drop=True)


def tally_table(counts: pd.DataFrame) -> str:
    """A readable table: percentages to 0.1, change with a sign, "new" where there was none before."""
    if counts.empty:
        return "no passages in the register for this selection"
    view = counts.copy()
    view["change_pct"] = [("new" if p > 0 else "") if pd.isna(c) else f"{c:+.1f} %"
                          for c, p in zip(counts["change_pct"], counts["passages"])]
    if "period" not in counts:
        view = view.drop(columns="change_pct")
    view["share_pct"] = [("" if pd.isna(s) else f"{s:.1f} %") for s in counts["share_pct"]]
    return view.rename(columns={"change_pct": "change", "share_pct": "share"}).to_string(index=False)


def draw_tally_chart(counts: pd.DataFrame, out: Path | str, title: str = "Passages by period") -> Path:
    """A stacked bar chart of passages per period (one colour per group; the ten largest groups,
    the rest as "other")."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    keys = [c for c in counts.columns if c in GROUP_KEYS]
    frame = counts.copy()
    frame["group"] = frame[keys].astype(str).agg(" / ".join, axis=1) if keys else "all"
    if "period" not in frame:
        frame["period"] = "all"
    top = frame.groupby("group")["passages"].sum().nlargest(10).index
    frame.loc[~frame["group"].isin(top), "group"] = "other"
    pivot = frame.pivot_table(index="period", columns="group", values="passages", aggfunc="sum", fill_value=0,
                              sort=False)
    fig = Figure(figsize=(10, 5.5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    bottom = np.zeros(len(pivot))
    for group in pivot.columns:
        ax.bar(range(len(pivot)), pivot[group].to_numpy(), bottom=bottom, label=str(group))
        bottom += pivot[group].to_numpy()
    ax.set_xticks(range(len(pivot)), [str(p) for p in pivot.index], rotation=45 if len(pivot) > 8 else 0,
                  ha="right" if len(pivot) > 8 else "center")
    ax.set_ylabel("passages")
    ax.set_title(title)
    ax.legend(fontsize=8, title=" / ".join(keys) if keys else None)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out)
    return out
