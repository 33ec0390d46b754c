"""The one result schema: a passage (or near miss) per row, defined here once.

Every consumer derives from this module: the exports (table, CSV, JSON, GeoJSON, GeoParquet),
the maps, and the register and web API. A column's dtype, unit and meaning are listed once in
``COLUMNS``; ``RESULT_COLUMNS`` and ``JSON_KEYS`` are derived from it.

The path of a passage (the part of the track inside: entry point, the fixes strictly between,
exit point; the track's first or last fix where the passage is open) is worked out here too,
by :func:`passage_path`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..airspace.model import Airspace

__all__ = ["COLUMNS", "JSON_KEYS", "NATIONALITY_COLUMNS", "RESULT_COLUMNS", "STATUSES", "Column", "PassagePath",
           "airspace_columns", "empty", "passage_path", "to_geodataframe", "with_nationality"]

UTC_NS = "datetime64[ns, UTC]"


@dataclass(frozen=True)
class Column:
    """One result column: name, pandas dtype, unit ("" when none), meaning, and whether JSON output
    carries it."""

    name: str
    dtype: str
    unit: str
    meaning: str
    json: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("track_id", "object", "", "the track (aircraft) the passage belongs to"),
    Column("airspace", "object", "", "the airspace: ISO alpha-3 code of a country, or a zone's name"),
    Column("airspace_id", "object", "", "unique id of the airspace: a country's ISO code, a zone's id in its file"),
    Column("airspace_class", "object", "", "the zone's class as its file gives it (OpenAir AC); empty for a country"),
    Column("airspace_type", "object", "", "the zone's type (OpenAir AY); \"country\" for a country"),
    Column("entry_time", UTC_NS, "UTC", "when the path crossed the boundary inwards (null when open_start)"),
    Column("exit_time", UTC_NS, "UTC", "when the path crossed the boundary outwards (null when open_end)"),
    Column("duration_s", "float64", "s", "exit_time - entry_time (null when open)"),
    Column("entry_lat", "float64", "deg", "latitude of the entry point, on the boundary"),
    Column("entry_lon", "float64", "deg", "longitude of the entry point, on the boundary"),
    Column("exit_lat", "float64", "deg", "latitude of the exit point, on the boundary"),
    Column("exit_lon", "float64", "deg", "longitude of the exit point, on the boundary"),
    Column("max_depth_m", "float64", "m",
           "largest horizontal geodesic distance to the airspace's lateral boundary reached inside"),
    Column("max_depth_lat", "float64", "deg", "latitude where max_depth_m was reached", json=False),
    Column("max_depth_lon", "float64", "deg", "longitude where max_depth_m was reached", json=False),
    Column("length_inside_m", "float64", "m", "ground length flown inside, along the geodesics"),
    Column("min_alt_m", "float64", "m",
           "lowest altitude inside (entry/exit points and fixes): pressure altitude, else geometric, 0 on the "
           "ground without altitude, short gaps interpolated (detection.vertical); null when unknown anywhere inside"),
    Column("max_alt_m", "float64", "m", "highest altitude inside, the same altitude as min_alt_m"),
    Column("fixes_inside", "int64", "", "number of position fixes inside"),
    Column("max_gap_s", "float64", "s", "longest time between consecutive fixes over the passage"),
    Column("status", "object", "", "closed, open_start, open_end, gap, lost or near (see STATUSES)"),
    Column("disputed_with", "object", "",
           "other states sharing a real double claim the passage ran inside for >= 1 m (list; detection.claims)"),
    Column("disputed_length_m", "float64", "m",
           "ground length of the passage inside areas of double claims (0 when none; null for near misses)"),
    Column("closest_approach_m", "float64", "m",
           "near misses: least separation from the airspace, sqrt(lateral^2 + vertical^2): lateral geodesic "
           "distance to its area (0 above or below it), vertical distance to its floor or ceiling"),
    Column("closest_approach_time", UTC_NS, "UTC", "near misses: when the least distance was reached"),
    Column("closest_approach_lat", "float64", "deg", "near misses: latitude of the closest point", json=False),
    Column("closest_approach_lon", "float64", "deg", "near misses: longitude of the closest point", json=False),
    Column("closest_approach_vertical_m", "float64", "m",
           "near misses: vertical part of closest_approach_m (0 within the vertical limits, without limits, or "
           "when the altitude is unknown)", json=False),
)
RESULT_COLUMNS: list[str] = [c.name for c in COLUMNS]
JSON_KEYS: list[str] = [c.name for c in COLUMNS if c.json]
TIME_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.dtype == UTC_NS)
NATIONALITY_COLUMNS = ("country", "operator", "military")
STATUSES = {
    "closed": "entered and left, fixes no more than max_gap_s apart",
    "open_start": "the track starts inside: no entry seen",
    "open_end": "the track ends inside: no exit seen",
    "gap": "entered and left, but fixes around the passage are more than max_gap_s apart",
    "lost": "streaming only: the track fell silent while inside (StreamDetector.expire): no exit seen; "
            "entry_time is null when it was inside from its first fix",
    "near": "never entered, came within the near distance: only closest_approach_* are set",
}


def empty() -> pd.DataFrame:
    """A result with no rows and every column of the right dtype.

    Examples
    --------
    >>> from skyborder.detection.result import empty, RESULT_COLUMNS
    >>> frame = empty()
    >>> list(frame.columns) == RESULT_COLUMNS, len(frame)
    (True, 0)
    >>> str(frame["entry_time"].dtype)
    'datetime64[ns, UTC]'
    """
    return _EMPTY.copy()


# built once: a frame of 40 typed columns takes milliseconds to build, a copy microseconds (the
# streaming detector asks for one on every batch without passages)
_EMPTY = pd.DataFrame({c.name: pd.Series(dtype=c.dtype) for c in COLUMNS})


def airspace_columns(airspaces: Sequence[Airspace], air: np.ndarray) -> dict[str, np.ndarray]:
    """The airspace columns of result rows (``airspace``, ``airspace_id``, ``airspace_class``,
    ``airspace_type``) for airspace indices ``air`` into ``airspaces``.

    Examples
    --------
    >>> import shapely
    >>> zones = [Airspace("Frankfurt", shapely.box(0, 0, 1, 1), id="frankfurt-1", airspace_class="D"),
    ...          Airspace("TUR", shapely.box(1, 0, 2, 1), kind="country")]
    >>> {k: v.tolist() for k, v in airspace_columns(zones, np.array([1, 0])).items()}["airspace_id"]
    ['TUR', 'frankfurt-1']
    """
    table = np.array([(a.name, a.key, a.airspace_class, a.airspace_type or ("country" if a.kind == "country" else ""))
                      for a in airspaces], dtype=object).reshape(-1, 4)
    return {name: table[air, k] for k, name in enumerate(("airspace", "airspace_id", "airspace_class",
                                                           "airspace_type"))}


def with_nationality(result: pd.DataFrame, tracks: pd.DataFrame) -> pd.DataFrame:
    """The result with the tracks' nationality columns (``country``, ``operator``, ``military``)
    joined by ``track_id``, where the tracks carry them."""
    present = [c for c in NATIONALITY_COLUMNS if c in tracks]
    if not present:
        return result
    per_track = tracks.groupby("track_id", sort=False)[present].first()
    return result.join(per_track, on="track_id")


@dataclass(frozen=True)
class PassagePath:
    """The part of a track inside one passage: points in order (degrees, UTC times, metres).

    Consecutive points are joined by WGS84 geodesics. Empty for a near miss.
    """

    lon: np.ndarray
    lat: np.ndarray
    time: pd.DatetimeIndex
    alt_m: np.ndarray

    def __len__(self) -> int:
        return len(self.lon)


def passage_path(passage: pd.Series | dict, track: pd.DataFrame) -> PassagePath:
    """The inside path of one passage: its entry point (or, when ``open_start``, the track's first
    fix), the track's fixes strictly between entry and exit, and its exit point (or, when
    ``open_end``, the last fix).

    Parameters
    ----------
    passage : Series or dict
        One result row.
    track : DataFrame
        The fixes of that passage's track (a track table, sorted by time).

    Returns
    -------
    PassagePath
        Points in time order; empty for a near miss. Entry and exit altitudes are interpolated
        linearly in time between the fixes around them.
    """
    if passage["status"] == "near" or track.empty:
        return PassagePath(np.zeros(0), np.zeros(0), pd.DatetimeIndex([], tz="UTC"), np.zeros(0))
    ns = pd.DatetimeIndex(track["time"]).as_unit("ns").asi8  # integer nanoseconds: no Timestamp per fix
    alt = track["alt_m"].to_numpy(float) if "alt_m" in track else np.full(len(track), np.nan)
    start, end = passage["entry_time"], passage["exit_time"]
    start_ns = None if pd.isna(start) else pd.Timestamp(start).as_unit("ns").value
    end_ns = None if pd.isna(end) else pd.Timestamp(end).as_unit("ns").value
    keep = np.ones(len(track), bool)
    if start_ns is not None:
        keep &= ns > start_ns
    if end_ns is not None:
        keep &= ns < end_ns
    lon, lat = track["lon"].to_numpy(float)[keep], track["lat"].to_numpy(float)[keep]
    when, alts = ns[keep], alt[keep]
    seconds = (ns - ns[0]) / 1e9

    def alt_at(t_ns: int) -> float:
        if len(ns) < 2 or np.isnan(alt).all():
            return float(alt[0])
        return float(np.interp((t_ns - ns[0]) / 1e9, seconds, alt))

    if start_ns is not None:
        lon, lat = np.r_[passage["entry_lon"], lon], np.r_[passage["entry_lat"], lat]
        when, alts = np.r_[start_ns, when], np.r_[alt_at(start_ns), alts]
    if end_ns is not None:
        lon, lat = np.r_[lon, passage["exit_lon"]], np.r_[lat, passage["exit_lat"]]
        when, alts = np.r_[when, end_ns], np.r_[alts, alt_at(end_ns)]
    return PassagePath(lon, lat, pd.DatetimeIndex(pd.to_datetime(np.asarray(when, np.int64), utc=True)), alts)


def to_geodataframe(result: pd.DataFrame, tracks: pd.DataFrame):
    """The result as a GeoDataFrame (EPSG:4326): each passage's inside path as a LineString (a
    Point when it has one point), each near miss as the Point of its closest approach.

    Parameters
    ----------
    result : DataFrame
        A ``detect`` result.
    tracks : DataFrame
        The track table it was computed from.

    Returns
    -------
    geopandas.GeoDataFrame
        The result's columns and ``geometry``. The lines join the points straight in lon/lat;
        their legs are geodesics in the model (densify for long legs when drawing).
    """
    import geopandas as gpd
    import shapely

    by_track = dict(list(tracks.groupby("track_id", sort=False)))
    geometries = []
    for row in result.to_dict("records"):
        if row["status"] == "near":
            geometries.append(shapely.Point(row["closest_approach_lon"], row["closest_approach_lat"]))
            continue
        path = passage_path(row, by_track.get(row["track_id"], tracks.iloc[0:0]))
        coords = np.column_stack([path.lon, path.lat])
        geometries.append(shapely.LineString(coords) if len(coords) > 1
                          else shapely.Point(coords[0]) if len(coords) else None)
    return gpd.GeoDataFrame(result.copy(), geometry=geometries, crs="EPSG:4326")
