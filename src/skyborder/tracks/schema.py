"""The one track table every reader produces and every consumer reads.

Columns (a pandas DataFrame, one row per fix):

==============  ========================  ==============================================
column          dtype                     meaning
==============  ========================  ==============================================
time            datetime64[ns, UTC]       time of the position fix
track_id        string                    one aircraft track (defaults to icao24)
lat, lon        float64                   WGS84 degrees (lon in [-180, 180])
alt_m           float64 (optional)        altitude above mean sea level, metres
speed_mps       float64 (optional)        ground speed, metres per second
heading_deg     float64 (optional)        track angle, degrees clockwise from true north
callsign        string (optional)
icao24          string (optional)         24-bit ICAO address, 6 lower-case hex digits
squawk          string (optional)         Mode A code, 4 octal digits
source          string (optional)         where the fix came from (file, feed)
==============  ========================  ==============================================

Readers may add ``country``, ``operator``, ``military`` (see ``tracks.nationality``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import TrackSchemaError

REQUIRED = ("time", "track_id", "lat", "lon")
OPTIONAL_FLOAT = ("alt_m", "speed_mps", "heading_deg")
OPTIONAL_STR = ("callsign", "icao24", "squawk", "source")
COLUMNS = REQUIRED + OPTIONAL_FLOAT + OPTIONAL_STR

FEET_TO_M = 0.3048
KNOTS_TO_MPS = 1852.0 / 3600.0


def normalize(df: pd.DataFrame, sort: bool = True) -> pd.DataFrame:
    """Return ``df`` as a valid track table: dtypes coerced, UTC times, sorted by track then time.

    Raises TrackSchemaError when a required column is missing.
    """
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise TrackSchemaError(f"track table lacks required column(s): {', '.join(missing)}", tuple(missing))
    out = df.copy()
    out["time"] = to_utc(out["time"])
    out["track_id"] = out["track_id"].astype("string")
    for col in ("lat", "lon") + tuple(c for c in OPTIONAL_FLOAT if c in out.columns):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    for col in OPTIONAL_STR:
        if col in out.columns:
            out[col] = out[col].astype("string")
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
