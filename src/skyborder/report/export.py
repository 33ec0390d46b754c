"""Detection results out: a readable table, CSV, JSON, GeoJSON and GeoParquet.

Columns, their order and the JSON keys come from the one result schema (``detection.result``).
Text from the input (track ids, zone names) is made safe (``safetext``): control characters
escaped in the table and in CSV, spreadsheet formula starts neutralised in CSV.
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from ..detection.result import JSON_KEYS, TIME_COLUMNS, passage_path, to_geodataframe
from ..safetext import csv_column, escape_column


def iso_utc(value: Any) -> str | None:
    """ISO-8601 UTC with microseconds and a ``Z``, or None for a missing time."""
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return iso_utc(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(result: pd.DataFrame, keys: list[str] | None = None) -> list[dict]:
    """Rows as JSON-ready dicts (times ISO-8601 UTC, NaN/NaT as None)."""
    keys = keys or list(result.columns)
    return [{k: _plain(row[k]) for k in keys} for row in result[keys].to_dict("records")]


def to_json(result: pd.DataFrame, keys: list[str] | None = None) -> str:
    """A JSON array of passages with exactly ``keys`` (default JSON_KEYS)."""
    return json.dumps(records(result, keys or JSON_KEYS), indent=1, ensure_ascii=False)


def to_csv(result: pd.DataFrame) -> str:
    out = result.copy()
    for c in TIME_COLUMNS:
        if c in out:
            out[c] = [iso_utc(v) for v in out[c]]
    if "disputed_with" in out:
        out["disputed_with"] = [";".join(v) for v in out["disputed_with"]]
    for c in out.columns:
        if c not in TIME_COLUMNS and out[c].dtype == object:
            out[c] = csv_column(out[c])
    return out.to_csv(index=False)


def to_table(result: pd.DataFrame) -> str:
    """A readable fixed-width table (times to 0.1 s, distances in m, one row per passage)."""
    if result.empty:
        return "no passages and no near misses"
    view = pd.DataFrame({
        "track": result["track_id"],
        "airspace": result["airspace"],
        "status": result["status"],
        "entry (UTC)": [_short_time(v) for v in result["entry_time"]],
        "exit (UTC)": [_short_time(v) for v in result["exit_time"]],
        "dur s": result["duration_s"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}"),
        "depth m": result["max_depth_m"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
        "length m": result["length_inside_m"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
        "alt m": [_alt_range(lo, hi) for lo, hi in zip(result["min_alt_m"], result["max_alt_m"])],
        "fixes": result["fixes_inside"],
        "closest m": result["closest_approach_m"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
        "also claimed by": [",".join(v) for v in result["disputed_with"]],
    })
    for extra in ("country", "operator"):
        if extra in result and result[extra].notna().any():
            view[extra] = result[extra].astype("string").fillna("")
    if "military" in result and result["military"].fillna(False).astype(bool).any():
        view["military"] = np.where(result["military"].fillna(False).astype(bool), "yes", "")
    return view.apply(escape_column).to_string(index=False)


def _short_time(value: Any) -> str:
    if pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S.%f")[:-5]


def _alt_range(lo: float, hi: float) -> str:
    if pd.isna(lo):
        return ""
    return f"{lo:.0f}" if abs(hi - lo) < 0.5 else f"{lo:.0f}-{hi:.0f}"


def to_geojson(result: pd.DataFrame, tracks: pd.DataFrame) -> str:
    """Passages as LineStrings (their inside path: entry point, fixes inside, exit point); near
    misses as the Point of their closest approach."""
    features = []
    by_track = dict(list(tracks.groupby("track_id", sort=False)))
    for row in result.to_dict("records"):
        props = {k: _plain(v) for k, v in row.items()}
        geometry: dict[str, Any]
        if row["status"] == "near":
            geometry = {"type": "Point", "coordinates": [row["closest_approach_lon"], row["closest_approach_lat"]]}
        else:
            path = passage_path(row, by_track[row["track_id"]])
            coords = [[float(x), float(y)] for x, y in zip(path.lon, path.lat)]
            geometry = {"type": "LineString", "coordinates": coords} if len(coords) > 1 else \
                {"type": "Point", "coordinates": coords[0] if coords else None}
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def write_geoparquet(result: pd.DataFrame, tracks: pd.DataFrame, path: str) -> None:
    """The result as GeoParquet (geometry as in :func:`to_geojson`; ``disputed_with`` joined by
    ``;``), readable by ``geopandas.read_parquet`` and QGIS."""
    frame = to_geodataframe(result, tracks)
    frame["disputed_with"] = [";".join(v) for v in frame["disputed_with"]]
    frame.to_parquet(path, index=False)
