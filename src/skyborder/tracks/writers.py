"""Track table -> CSV, Parquet or GeoJSON (the format follows the file extension).

CSV and GeoJSON write times as ISO-8601 UTC with microseconds (``2015-11-24T07:24:00.000000Z``);
Parquet keeps ``datetime64[ns, UTC]``. GeoJSON has one LineString Feature per track with the
per-fix ``times`` (and ``alt_m``, ``geo_alt_m``, ``on_ground``, ``speed_mps``, ``heading_deg``,
``callsign``, ``squawk``, ``interpolated`` when present, null where unknown) as property arrays,
or a Point Feature with ``time`` for a one-fix track; per-track values (``icao24``, ``source``,
``country``, ``operator``, ``military``) are single properties. The GeoJSON reader reads both back.

CSV text cells are made safe for spreadsheets (``safetext.csv_column``): control characters
escaped, a leading ``=``, ``+``, ``-``, ``@`` neutralised with ``'``.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..errors import OutputFormatError
from ..safetext import csv_column
from . import schema

__all__ = ["FORMATS", "format_for", "iso_times", "to_geojson", "write_tracks"]

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".geojson": "geojson", ".json": "geojson"}
PER_FIX = ("alt_m", "geo_alt_m", "on_ground", "speed_mps", "heading_deg", "callsign", "squawk", "interpolated")
PER_TRACK = ("icao24", "source", "country", "operator", "military")


def format_for(path: str) -> str:
    """``csv``, ``parquet`` or ``geojson`` from the extension of ``path``."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise OutputFormatError(f"{path}: cannot tell the output format; use .csv, .parquet or .geojson")
    return FORMATS[ext]


def iso_times(times: pd.Series) -> np.ndarray:
    """datetime64[ns, UTC] -> ISO-8601 strings with microseconds and a ``Z``."""
    values = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    return np.char.add(np.datetime_as_string(values, unit="us"), "Z")


def write_tracks(df: pd.DataFrame, path: str, fmt: str | None = None) -> None:
    """Write a track table to ``path`` (format from ``fmt`` or the extension)."""
    fmt = fmt or format_for(path)
    df = schema.normalize(df)
    if fmt == "parquet":
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)
    elif fmt == "csv":
        out = df.assign(time=iso_times(df["time"]))
        for column in schema.OPTIONAL_STR + ("track_id",):
            if column in out:
                out[column] = csv_column(out[column])
        pacsv.write_csv(pa.Table.from_pandas(out, preserve_index=False), path)
    elif fmt == "geojson":
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(to_geojson(df), handle, separators=(",", ":"))
            handle.write("\n")
    else:
        raise OutputFormatError(f"unknown output format {fmt!r}")


def _plain(values: pd.Series) -> list:
    """Values for JSON: NaN/NA -> null, NumPy scalars -> Python."""
    return [None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v for v in values.tolist()]


def to_geojson(df: pd.DataFrame) -> dict:
    """A normalised track table -> a GeoJSON FeatureCollection, one Feature per track."""
    times = iso_times(df["time"]) if len(df) else np.array([], dtype=str)
    lon, lat = df["lon"].to_numpy(), df["lat"].to_numpy()
    starts = np.flatnonzero(np.r_[True, df["track_id"].to_numpy()[1:] != df["track_id"].to_numpy()[:-1]]) \
        if len(df) else np.array([], dtype=int)
    ends = np.r_[starts[1:], len(df)]
    features = []
    for a, b in zip(starts.tolist(), ends.tolist()):
        props: dict = {"track_id": str(df["track_id"].iat[a])}
        for col in PER_TRACK:
            if col in df.columns:
                known = df[col].iloc[a:b].dropna()
                props[col] = _plain(known.iloc[:1])[0] if len(known) else None
        coords = np.column_stack([lon[a:b], lat[a:b]]).tolist()
        if b - a == 1:
            geometry = {"type": "Point", "coordinates": coords[0]}
            props["time"] = str(times[a])
            props.update({c: _plain(df[c].iloc[a:b])[0] for c in PER_FIX if c in df.columns})
        else:
            geometry = {"type": "LineString", "coordinates": coords}
            props["times"] = times[a:b].tolist()
            props.update({c: _plain(df[c].iloc[a:b]) for c in PER_FIX if c in df.columns})
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}
