"""The one warning schema: a warning record per row (and the record of an alert that clears).

Like ``detection.result.COLUMNS`` for passages, ``WARNING_COLUMNS`` lists every column once with
its dtype, unit and meaning; the register's tables, the JSON output and the web API derive from
it. ``JSON_KEYS`` are the keys ``skyborder warnings --format json`` prints.
"""
from __future__ import annotations

import pandas as pd

from ..detection.result import Column

__all__ = ["CLEARED_COLUMNS", "JSON_KEYS", "WARNING_COLUMNS", "conform", "empty_cleared", "empty_warnings"]

UTC_NS = "datetime64[ns, UTC]"

WARNING_COLUMNS: tuple[Column, ...] = (
    Column("time", UTC_NS, "UTC", "time of the fix that raised or repeated the warning"),
    Column("track_id", "object", "", "the track (aircraft)"),
    Column("airspace", "object", "", "the airspace warned about (ISO alpha-3 or zone name)"),
    Column("stage", "object", "", "predicted, imminent or inside"),
    Column("predicted_entry_time", UTC_NS, "UTC", "when the predicted path enters (null when inside or not predicted)"),
    Column("predicted_entry_lat", "float64", "deg", "latitude of the predicted entry point"),
    Column("predicted_entry_lon", "float64", "deg", "longitude of the predicted entry point"),
    Column("time_to_entry_s", "float64", "s", "predicted_entry_time - time (null when inside or not predicted)"),
    Column("distance_m", "float64", "m", "geodesic distance to the airspace's lateral boundary (inside: depth)"),
    Column("heading_away_deg", "float64", "deg", "true heading straight away from the border (inside: the way out)"),
    Column("message", "object", "", "the warning text from the policy's template"),
    Column("reference", "object", "", "the policy's nearest reference point"),
    Column("reference_bearing_deg", "float64", "deg", "true bearing from the reference point to the aircraft"),
    Column("reference_range_m", "float64", "m", "geodesic range from the reference point"),
    Column("lat", "float64", "deg", "the aircraft's reported latitude"),
    Column("lon", "float64", "deg", "the aircraft's reported longitude"),
    Column("alt_m", "float64", "m", "its pressure altitude (null when unknown)"),
    Column("speed_mps", "float64", "m/s", "estimated ground speed"),
    Column("track_deg", "float64", "deg", "estimated track, clockwise from true north"),
    Column("turn_rate_deg_s", "float64", "deg/s", "estimated turn rate, positive to the right"),
    Column("vertical_rate_mps", "float64", "m/s", "estimated vertical rate"),
    Column("icao24", "object", "", "24-bit ICAO address"),
    Column("callsign", "object", "", "flight identification"),
    Column("squawk", "object", "", "Mode A code"),
    Column("country", "object", "", "state of registry (ISO alpha-3) from the ICAO address"),
    Column("military", "object", "", "military by address block or callsign (true/false/null)"),
    Column("alert_start", UTC_NS, "UTC", "time of the first warning of this alert (episode)"),
    Column("repeat", "int64", "", "1 for an alert's first warning, then 2, 3, ..."),
    Column("policy", "object", "", "name of the warning policy"),
)
JSON_KEYS: list[str] = ["time", "track_id", "airspace", "stage", "predicted_entry_time", "time_to_entry_s",
                        "distance_m", "message", "heading_away_deg", "reference", "reference_bearing_deg",
                        "reference_range_m", "icao24", "callsign", "alert_start", "repeat"]

CLEARED_COLUMNS: tuple[Column, ...] = (
    Column("time", UTC_NS, "UTC", "time of the fix at which the alert cleared (or when the track was given up)"),
    Column("track_id", "object", "", "the track (aircraft)"),
    Column("airspace", "object", "", "the airspace"),
    Column("stage", "object", "", "the stage the alert was at"),
    Column("reason", "object", "", "clear (condition gone), lost (track silent) or evicted"),
    Column("alert_start", UTC_NS, "UTC", "time of the alert's first warning"),
    Column("warnings", "int64", "", "warnings given in the alert"),
    Column("policy", "object", "", "name of the warning policy"),
)


def empty_warnings() -> pd.DataFrame:
    """A warning table with no rows and every column of the right dtype.

    Examples
    --------
    >>> frame = empty_warnings()
    >>> len(frame), str(frame["time"].dtype), "message" in frame
    (0, 'datetime64[ns, UTC]', True)
    """
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in WARNING_COLUMNS})


def empty_cleared() -> pd.DataFrame:
    """A table of cleared alerts with no rows."""
    return pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in CLEARED_COLUMNS})


def conform(frame: pd.DataFrame, columns: tuple[Column, ...]) -> pd.DataFrame:
    """``frame`` with exactly ``columns``, in order, each of its declared dtype (so tables from
    different calls concatenate without dtype drift)."""
    return pd.DataFrame({c.name: frame[c.name].astype(c.dtype) for c in columns})
