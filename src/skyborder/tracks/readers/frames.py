"""Tracks from pandas and GeoPandas DataFrames, and from traffic's JSON records.

:func:`tracks_from_frame` takes

- a DataFrame in the track schema (``time``, ``track_id``, ``lat``, ``lon``, ...) or with any
  column names the CSV reader knows (see ``columns``);
- a DataFrame in traffic's convention, recognised by its column names (``timestamp``,
  ``latitude``, ``longitude`` with ``altitude``, ``geoaltitude``, ``groundspeed`` or
  ``icao24``), without importing traffic: ``altitude`` is barometric altitude in feet,
  ``geoaltitude`` geometric altitude in feet (traffic converts OpenSky's metres to feet),
  ``groundspeed`` knots, ``track`` the track angle in degrees, ``onground`` the ground flag,
  ``flight_id`` the track id (else ``icao24``);
- a GeoDataFrame of points: longitude and latitude from the geometry (reprojected to
  EPSG:4326 when it has another CRS), a Z coordinate as geometric altitude in metres.

A time index (``DatetimeIndex``) is used as the time column when there is none.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"timestamp": pd.to_datetime(["2015-11-24 07:24:00"]), "icao24": ["4ba9c4"],
...                       "latitude": [36.0], "longitude": [35.9], "altitude": [19000.0],
...                       "geoaltitude": [19500.0], "onground": [False]})
>>> tracks_from_frame(frame)[["track_id", "alt_m", "geo_alt_m", "on_ground"]].round(1).values.tolist()
[['4ba9c4', 5791.2, 5943.6, False]]
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from ...errors import BadInput, InputError
from ...sources import Source
from .columns import Located
from .fixes import to_tracks
from .stream import LineCutter

__all__ = ["read_traffic_json_batches", "tracks_from_frame"]

MAX_JSON_BYTES = 1 << 30


def tracks_from_frame(frame: pd.DataFrame, columns: Mapping[str, str] | str | None = None,
                      bad: BadInput | None = None, source: str = "DataFrame",
                      where: np.ndarray | None = None) -> pd.DataFrame:
    """A pandas or GeoPandas DataFrame -> the track table (see the module docstring).

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The fixes, one per row.
    columns : mapping or str, optional
        Explicit column mapping (``{"ts": "time"}`` or ``"ts=time"``), as for CSV.
    bad : BadInput, optional
        Receives rejected rows, located as ``row N`` (1-based) or by ``where``.
    source : str
        Names the input in reports and in the ``source`` column.
    where : array of int, optional
        The line number of each row (for frames built from a text file).

    Returns
    -------
    DataFrame
        The normalised track table.
    """
    bad = bad if bad is not None else BadInput()
    frame = _with_time_column(_points_as_columns(frame, source))
    raw = Located({str(name): _arrow(frame[name], str(name)) for name in frame.columns},
                  np.arange(1, len(frame) + 1) if where is None else np.asarray(where, dtype=np.int64),
                  "row" if where is None else "line", source)
    return to_tracks(raw, columns, bad)


def _points_as_columns(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """A GeoDataFrame's point geometry as ``lon``, ``lat`` (and ``geo_alt_m`` from Z) columns."""
    if not type(frame).__module__.startswith("geopandas"):
        return frame
    import shapely

    crs = getattr(frame, "crs", None)
    if crs is not None and not crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    geometry = frame.geometry.array
    kinds = shapely.get_type_id(geometry)
    present = ~shapely.is_missing(geometry) & ~shapely.is_empty(geometry)
    if (kinds[present] != shapely.GeometryType.POINT).any():
        raise InputError(f"{source}: a GeoDataFrame of tracks needs Point geometries (one per fix)")
    out = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    out["lon"] = np.where(present, shapely.get_x(geometry), np.nan)
    out["lat"] = np.where(present, shapely.get_y(geometry), np.nan)
    if shapely.has_z(geometry).any() and "geo_alt_m" not in out:
        out["geo_alt_m"] = shapely.get_z(geometry)
    return out


def _with_time_column(frame: pd.DataFrame) -> pd.DataFrame:
    names = {str(c).strip().lower() for c in frame.columns}
    if isinstance(frame.index, pd.DatetimeIndex) and not names & {"time", "timestamp"}:
        return frame.rename_axis("time").reset_index()
    return frame


def _arrow(values: pd.Series, name: str) -> pa.ChunkedArray:
    """A column as an Arrow array; mixed object columns become text."""
    try:
        return pa.chunked_array([pa.array(values, from_pandas=True)])
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        text = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
        return pa.chunked_array([pa.array(text, pa.string())])


def read_traffic_json_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000,
                              columns: Mapping[str, str] | str | None = None) -> Iterator[pd.DataFrame]:
    """traffic's JSON (pandas ``to_json``: ``orient="records"``, ``"columns"`` or JSON lines)."""
    data = source.read_all(MAX_JSON_BYTES)
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        frame, lines = _json_lines(data, source.name, bad)
        yield tracks_from_frame(frame, columns, bad, source.name, where=lines)
        return
    if isinstance(doc, list):
        records = [r for r in doc if isinstance(r, dict)]
        for i, r in enumerate(doc):
            if not isinstance(r, dict):
                bad.report(source.name, f"record {i}", "not a JSON object", kind="bad JSON record")
        frame = pd.DataFrame.from_records(records)
    elif isinstance(doc, dict) and doc and all(isinstance(v, dict) for v in doc.values()):
        frame = pd.DataFrame(doc)
    else:
        raise InputError(f"{source.name}: not traffic's JSON (records, columns or lines)")
    yield tracks_from_frame(frame, columns, bad, source.name)


def _json_lines(data: bytes, name: str, bad: BadInput) -> tuple[pd.DataFrame, np.ndarray]:
    """JSON lines as a frame and the line number of each row; bad lines reported."""
    records: list[dict] = []
    lines: list[int] = []
    for block in LineCutter(name, bad).cut([data]):
        for number, text in enumerate(block.data.split(b"\n"), block.first_line):
            if not text.strip() or number in block.blanked:
                continue
            try:
                record = json.loads(text)
            except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
                record = None
            if isinstance(record, dict):
                records.append(record)
                lines.append(number)
            else:
                bad.report(name, number, "not a JSON object", kind="bad JSON line")
    if not records:
        raise InputError(f"{name}: not traffic's JSON (records, columns or lines)")
    return pd.DataFrame.from_records(records), np.asarray(lines, dtype=np.int64)
