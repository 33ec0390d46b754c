"""GeoJSON tracks (RFC 7946: lon, lat[, altitude in metres]).

- a LineString (or MultiLineString) Feature with a ``times`` property array (ISO-8601 or epoch
  seconds), one per position; optional per-position arrays (or one value for all) of the
  track columns ``alt_m`` (pressure altitude), ``geo_alt_m``, ``on_ground``, ``speed_mps``,
  ``heading_deg``, ``callsign``, ``squawk``, ``interpolated``; the third coordinate is geometric
  altitude (``geo_alt_m`` wins over it). The track is ``track_id``/``icao24``/``name`` of the
  properties, else the Feature ``id``, else the file name.
- Point Features with a ``time`` or ``timestamp`` property: fixes grouped by that same track name.

This is what ``skyborder convert ... out.geojson`` writes.
"""
from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd

from ...errors import BadInput, InputError
from ...sources import Source
from .columns import Located
from .fixes import to_tracks, track_names

__all__ = ["read_geojson", "read_geojson_batches"]

MAX_GEOJSON_BYTES = 256 << 20
NAME_KEYS = ("track_id", "icao24", "hex", "name")
PER_FIX = ("geo_alt_m", "alt_m", "on_ground", "speed_mps", "heading_deg", "callsign", "squawk", "interpolated")
PER_TRACK = ("icao24",)
COLUMNS = ("time", "track_id", "lat", "lon") + PER_FIX + PER_TRACK


def _features(doc: object, path: str) -> list:
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" and isinstance(doc.get("features"), list):
        return doc["features"]
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        return [doc]
    raise InputError(f"{path}: not a GeoJSON Feature or FeatureCollection")


def _track_name(feature: dict, props: dict) -> str | None:
    for key in NAME_KEYS:
        if isinstance(props.get(key), (str, int)) and str(props[key]).strip():
            name = str(props[key]).strip()
            return name.lower() if key in ("icao24", "hex") else name
    return str(feature["id"]) if isinstance(feature.get("id"), (str, int)) else None


def _position(coord: object) -> tuple[object, object, object]:
    if isinstance(coord, list) and len(coord) >= 2:
        return coord[0], coord[1], coord[2] if len(coord) > 2 else None
    return None, None, None


def _dict(value: object) -> dict:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _per_fix(value: object, n: int) -> list:
    """A property as n per-fix values: an array of n values, or one scalar for every fix."""
    if isinstance(value, list):
        return value if len(value) == n else [None] * n
    return [value if isinstance(value, (str, int, float)) else None] * n


def read_geojson(path: str, bad: BadInput | None = None) -> pd.DataFrame:
    """A GeoJSON file's timed LineStrings and timed Points -> the track table."""
    from .sniff import read_tracks

    return read_tracks(path, "geojson", bad)


def read_geojson_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """A GeoJSON document's timed tracks as one track table."""
    path = source.name
    try:
        doc = json.loads(source.read_all(MAX_GEOJSON_BYTES))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise InputError(f"{path}: not valid JSON ({err})") from None
    features: list[dict] = [f if isinstance(f, dict) else {} for f in _features(doc, path)]
    props_of: list[dict] = [_dict(f.get("properties")) for f in features]
    names = track_names([_track_name(f, p) for f, p in zip(features, props_of)], path)
    cols: dict[str, list] = {k: [] for k in COLUMNS}
    where: list[str] = []
    for k, (feature, props, name) in enumerate(zip(features, props_of, names)):
        geometry = _dict(feature.get("geometry"))
        kind, coords = geometry.get("type"), geometry.get("coordinates")
        times: list
        if kind == "Point":
            time = props.get("time", props.get("timestamp"))
            if time is None:
                continue  # a landmark, not a fix
            points, times, label = [coords], [time], f"features[{k}]"
        elif kind in ("LineString", "MultiLineString") and isinstance(coords, list):
            points = coords if kind == "LineString" else [p for part in coords if isinstance(part, list)
                                                           for p in part]
            given = props.get("times")
            if not isinstance(given, list) or len(given) != len(points):
                bad.report(path, f"features[{k}]", f"{kind} needs a 'times' array of {len(points)} values",
                           kind="times do not match points")
                continue
            times, label = given, f"features[{k}].coordinates"
        else:
            continue
        extra = {c: _per_fix(props.get(c), len(points)) for c in PER_FIX}
        for i, (coord, time) in enumerate(zip(points, times)):
            lon, lat, alt = _position(coord)
            cols["time"].append(time)
            cols["track_id"].append(name)
            cols["lat"].append(lat)
            cols["lon"].append(lon)
            cols["geo_alt_m"].append(extra["geo_alt_m"][i] if extra["geo_alt_m"][i] is not None else alt)
            for c in PER_FIX[1:]:
                cols[c].append(extra[c][i])
            for c in PER_TRACK:
                cols[c].append(props.get(c) if isinstance(props.get(c), str) else None)
            where.append(f"{label}[{i}]" if kind != "Point" else label)
    if not where:
        raise InputError(f"{path}: GeoJSON without timed tracks (LineString with 'times' or Points with 'time')")
    yield to_tracks(Located.from_values(cols, where, "text", path), bad=bad)
