"""Custom zones from GeoJSON (RFC 7946): a FeatureCollection, one Feature or a bare geometry.

Each Polygon or MultiPolygon feature is one zone. Properties: ``name`` (else ``zone-<index>``,
the 0-based feature index), ``floor_m`` and ``ceiling_m`` (numbers, metres; missing or null =
unlimited, ``-inf`` / ``inf``), ``floor_ref`` and ``ceiling_ref`` (what each is measured from:
``"AMSL"`` true altitude, the default; ``"FL"`` pressure altitude, e.g. FL95 = 2895.6 m;
``"AGL"`` height above the ground; ``"SFC"`` the surface, its value 0 or missing; case does
not matter), ``label`` (optional text), ``class`` (or ``airspace_class``) and ``type`` (or
``airspace_type``); all properties are kept in ``Airspace.properties``. The zone id is the
Feature ``id`` (or an ``id`` property), else one made from what the zone is (``shapes.zone_id``).

Edges are straight lines in lon/lat as RFC 7946 says; they are not densified. Coordinates are
kept exactly as given: a zone across the antimeridian may be written with longitudes beyond
±180 (e.g. 179 -> 181) and stays so (detection unwraps longitudes), or split in two parts at
±180 as RFC 7946 recommends. A ring edge that jumps more than 180 degrees of longitude is kept
as given but reported, since it almost always means such a zone written the wrong way.
Invalid polygons are repaired (``make_valid`` linework, areal part kept) and reported.
"""
from __future__ import annotations

import json
import math
from os import PathLike

import numpy as np
import shapely

from ..errors import BadInput, InputError
from .model import VERTICAL_REFERENCES, Airspace
from .shapes import identify, read_bytes, repair

AREAL_TYPES = ("Polygon", "MultiPolygon")


def read_geojson_zones(path: str | PathLike, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from a GeoJSON file; bad features are reported to ``bad`` and skipped."""
    return parse_geojson_zones(read_bytes(path), str(path), bad)


def parse_geojson_zones(data: str | bytes, source: str, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from GeoJSON text; ``source`` names the input in messages.

    Raises :class:`InputError` when the text is not JSON or not a GeoJSON object.
    """
    bad = bad if bad is not None else BadInput()
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as error:
        raise InputError(f"{source}: GeoJSON must be UTF-8 ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{source}: not valid JSON (line {error.lineno} column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise InputError(f"{source}: JSON nested too deeply") from None
    zones = []
    for index, feature in enumerate(_features(doc, source)):
        try:
            zone = _zone(feature, index, source, bad)
        except ValueError as error:
            bad.report(source, f"feature {index}", str(error), kind="bad GeoJSON feature")
            continue
        if zone is not None:
            zones.append(zone)
    return identify(zones)


def _features(doc: object, source: str) -> list:
    """The features of a document; a bare geometry counts as one feature without properties."""
    if not isinstance(doc, dict):
        raise InputError(f"{source}: not a GeoJSON FeatureCollection, Feature or geometry")
    kind = doc.get("type")
    if kind == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise InputError(f"{source}: FeatureCollection without a 'features' list")
        return features
    if kind == "Feature":
        return [doc]
    if (isinstance(kind, str) and "coordinates" in doc) or kind == "GeometryCollection":
        return [{"type": "Feature", "geometry": doc, "properties": {}}]
    raise InputError(f"{source}: not a GeoJSON FeatureCollection, Feature or geometry")


def _zone(feature: object, index: int, source: str, bad: BadInput) -> Airspace | None:
    """One zone, or None when the feature is not areal (reported); ValueError when malformed."""
    if not isinstance(feature, dict):
        raise ValueError("not a GeoJSON object")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError("'properties' is not an object")
    geometry = feature.get("geometry")
    geometry = geometry if isinstance(geometry, dict) else {}
    kind = geometry.get("type")
    if kind not in AREAL_TYPES:
        bad.report(source, f"feature {index}", f"geometry {kind or 'missing'} is not a Polygon or MultiPolygon",
                   kind="non-areal GeoJSON feature")
        return None
    polygons = _polygons(geometry.get("coordinates"), kind)
    for ring in (r for p in polygons for r in p):
        if np.any(np.abs(np.diff(ring[:, 0])) > 180.0):
            bad.report(source, f"feature {index}", "ring edge spans more than 180 degrees of longitude; kept as "
                       "given (write longitudes beyond ±180 or split the zone at the antimeridian)",
                       kind="antimeridian jump kept as given")
            break
    geom = shapely.MultiPolygon([shapely.Polygon(p[0], p[1:]) for p in polygons])
    geom = geom.geoms[0] if len(polygons) == 1 else geom
    geom, repaired = repair(geom)
    if geom.is_empty:
        raise ValueError("polygon has no area")
    if repaired:
        bad.note(f"{source}#feature {index}", "invalid polygon repaired (make_valid linework, areal part kept)")
    floor_ref, ceiling_ref = _reference(props, "floor_ref"), _reference(props, "ceiling_ref")
    floor = _limit(props, "floor_m", 0.0 if floor_ref == "SFC" else -math.inf)
    ceiling = _limit(props, "ceiling_m", 0.0 if ceiling_ref == "SFC" else math.inf)
    for key, value, ref in (("floor_m", floor, floor_ref), ("ceiling_m", ceiling, ceiling_ref)):
        if ref == "SFC" and value != 0.0:
            raise ValueError(f"{key} {value} with reference SFC: the surface is 0 (or leave {key} out)")
    if floor >= ceiling:
        raise ValueError(f"floor_m {floor} is not below ceiling_m {ceiling}")
    name = props.get("name")
    label = props.get("label")
    return Airspace(
        name=str(name) if name not in (None, "") else f"zone-{index}",
        geometry=geom, floor_m=floor, ceiling_m=ceiling, floor_ref=floor_ref, ceiling_ref=ceiling_ref,
        label=label if isinstance(label, str) else "", kind="zone",
        source=f"{source}#feature {index}", properties=dict(props),
        id=_text(feature.get("id", props.get("id"))),
        airspace_class=_text(props.get("class", props.get("airspace_class"))),
        airspace_type=_text(props.get("type", props.get("airspace_type"))))


def _text(value: object) -> str:
    """A property as text ("" when missing, null or not a string or number)."""
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _limit(props: dict, key: str, unlimited: float) -> float:
    """A vertical limit in metres AMSL; missing or null means unlimited."""
    value = props.get(key)
    if value is None:
        return unlimited
    if not _is_number(value):
        raise ValueError(f"{key} must be a number of metres, got {value!r}")
    return float(value)


def _reference(props: dict, key: str) -> str:
    """A limit's reference (one of VERTICAL_REFERENCES); missing or null means AMSL."""
    value = props.get(key)
    if value is None:
        return "AMSL"
    if not isinstance(value, str) or value.strip().upper() not in VERTICAL_REFERENCES:
        raise ValueError(f"{key} must be one of {', '.join(VERTICAL_REFERENCES)}, got {value!r}")
    return value.strip().upper()


def _polygons(coords: object, kind: str) -> list[list[np.ndarray]]:
    """Rings (n, 2) arrays of each polygon, validated; unclosed rings are closed."""
    what = f"{kind} coordinates"
    polygons = [coords] if kind == "Polygon" else _nonempty_list(coords, what)
    return [[_ring(r) for r in _nonempty_list(p, what)] for p in polygons]


def _nonempty_list(value: object, what: str) -> list:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{what} must be a non-empty list")
    return value


def _ring(positions: object) -> np.ndarray:
    """One linear ring as an (n, 2) lon/lat array (a third coordinate is dropped)."""
    positions = _nonempty_list(positions, "a ring")
    if not all(isinstance(p, list) and len(p) >= 2 and all(_is_number(c) for c in p[:2]) for p in positions):
        raise ValueError("ring positions must be [lon, lat] numbers")
    ring = np.array([p[:2] for p in positions], dtype=float)
    if not np.all(np.isfinite(ring)) or np.any(np.abs(ring[:, 1]) > 90.0):
        raise ValueError("ring has a latitude outside [-90, 90] or a non-finite coordinate")
    if not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    if len(ring) < 4:
        raise ValueError("ring has fewer than 3 distinct positions")
    return ring


def _is_number(value: object) -> bool:
    """A finite JSON number (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond the float range
        return False
