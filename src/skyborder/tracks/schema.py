"""The one track table every reader produces and every consumer reads, defined here once.

A pandas DataFrame, one row per position fix; ``COLUMNS`` lists every column with its dtype,
unit and meaning (only ``REQUIRED`` ones must be present):

==============  ====================  =====  ==========================================================
column          dtype                 unit   meaning
==============  ====================  =====  ==========================================================
time            datetime64[ns, UTC]   UTC    time of the position fix
track_id        string                       one aircraft track (defaults to icao24)
lat, lon        float64               deg    WGS84 latitude, longitude (lon in [-180, 180])
alt_m           float64               m      pressure altitude (barometric, standard atmosphere: what
                                             Mode C/S and flight levels report), metres
geo_alt_m       float64               m      geometric altitude (GNSS), metres
on_ground       boolean                      reported on the surface (at the surface, not "unknown")
speed_mps       float64               m/s    ground speed
heading_deg     float64               deg    track angle, clockwise from true north
callsign        string                       flight identification
icao24          string                       24-bit ICAO address, 6 lower-case hex digits
squawk          string                       Mode A code, 4 octal digits
source          string                       where the fix came from (file, feed)
interpolated    boolean                      position or time invented by the reader, not measured
country         string                       state of registry (ISO alpha-3) from the ICAO address
operator        string                       ICAO airline designator from the callsign
military        boolean                      military by address block or callsign
==============  ====================  =====  ==========================================================

Barometric and geometric altitude differ by hundreds of metres: they are kept apart, and a
vertical limit is compared with the altitude of its own reference (see ``detection``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import TrackSchemaError

__all__ = ["COLUMNS", "REQUIRED", "TrackColumn", "empty", "normalize", "to_utc"]


@dataclass(frozen=True)
class TrackColumn:
    """One track-table column: name, pandas dtype, unit ("" when none), meaning."""

    name: str
    dtype: str
    unit: str
    meaning: str


TRACK_COLUMNS: tuple[TrackColumn, ...] = (
    TrackColumn("time", "datetime64[ns, UTC]", "UTC", "time of the position fix"),
    TrackColumn("track_id", "string", "", "one aircraft track (defaults to icao24)"),
    TrackColumn("lat", "float64", "deg", "WGS84 latitude"),
    TrackColumn("lon", "float64", "deg", "WGS84 longitude in [-180, 180]"),
    TrackColumn("alt_m", "float64", "m", "pressure (barometric) altitude"),
    TrackColumn("geo_alt_m", "float64", "m", "geometric (GNSS) altitude"),
    TrackColumn("on_ground", "boolean", "", "reported on the surface"),
    TrackColumn("speed_mps", "float64", "m/s", "ground speed"),
    TrackColumn("heading_deg", "float64", "deg", "track angle, clockwise from true north"),
    TrackColumn("callsign", "string", "", "flight identification"),
    TrackColumn("icao24", "string", "", "24-bit ICAO address, 6 lower-case hex digits"),
    TrackColumn("squawk", "string", "", "Mode A code, 4 octal digits"),
    TrackColumn("source", "string", "", "where the fix came from (file, feed)"),
    TrackColumn("interpolated", "boolean", "", "position or time invented by the reader, not measured"),
    TrackColumn("country", "string", "", "state of registry (ISO alpha-3) from the ICAO address"),
    TrackColumn("operator", "string", "", "ICAO airline designator from the callsign"),
    TrackColumn("military", "boolean", "", "military by address block or callsign"),
)
REQUIRED = ("time", "track_id", "lat", "lon")
TIME_DTYPE = "datetime64[ns, UTC]"
COLUMNS = tuple(c.name for c in TRACK_COLUMNS)
OPTIONAL_FLOAT = tuple(c.name for c in TRACK_COLUMNS if c.dtype == "float64" and c.name not in REQUIRED)
OPTIONAL_STR = tuple(c.name for c in TRACK_COLUMNS if c.dtype == "string" and c.name not in REQUIRED)
OPTIONAL_BOOL = tuple(c.name for c in TRACK_COLUMNS if c.dtype == "boolean")


def normalize(df: pd.DataFrame, sort: bool = True) -> pd.DataFrame:
    """Return ``df`` as a valid track table: dtypes coerced, UTC times, sorted by track then time.

    Raises TrackSchemaError when a required column is missing.
    """
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise TrackSchemaError(f"track table lacks required column(s): {', '.join(missing)}", tuple(missing))
    out = df.copy(deep=False)  # every column below is replaced whole, never written into
    out["time"] = to_utc(out["time"])
    out["track_id"] = out["track_id"].astype("string")
    for col in ("lat", "lon") + tuple(c for c in OPTIONAL_FLOAT if c in out.columns):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in OPTIONAL_STR:
        if col in out.columns:
            out[col] = out[col].astype("string")
    for col in OPTIONAL_BOOL:
        if col in out.columns:
            out[col] = out[col].astype("boolean")
    if sort:
        out = out.sort_values(["track_id", "time"], kind="stable").reset_index(drop=True)
    return out


def to_utc(values: pd.Series) -> pd.Series:
    """Times as datetime64[ns, UTC]: numbers are epoch seconds, strings ISO-8601 (naive = UTC)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        series = pd.Series(values)
        if series.dt.tz is None:
            return series.dt.tz_localize("UTC").astype("datetime64[ns, UTC]")
        return series.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_datetime(np.asarray(values, dtype="float64") * 1e9, utc=True, unit="ns").to_series(
            index=values.index).astype("datetime64[ns, UTC]")
    return pd.to_datetime(values, utc=True, format="ISO8601").astype("datetime64[ns, UTC]")


def empty() -> pd.DataFrame:
    """An empty track table with every column."""
    return normalize(pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS}))
