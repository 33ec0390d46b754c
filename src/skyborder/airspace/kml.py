"""Custom zones from KML (Google Earth): every Placemark with a Polygon (also inside a
MultiGeometry) is one zone.

A zone is named after its Placemark (else ``zone-<index>``, the 0-based Placemark index) and
identified by the Placemark's ``id`` attribute when it has one. Its ``outerBoundaryIs`` ring
is the outline and ``innerBoundaryIs`` rings are holes (lon,lat[,alt] coordinates; altitudes
of the outline are ignored: a polygon's height says nothing about limits). Limits, class and
type come from ``ExtendedData`` (``Data`` or ``SimpleData``) named ``floor_m`` / ``ceiling_m``
(metres above mean sea level; missing = unlimited), ``class`` and ``type``. Edges are straight
in lon/lat, as for GeoJSON. Placemarks without a Polygon (points, paths) are not zones and are
passed over; a malformed Polygon is reported with its line and skipped.
"""
from __future__ import annotations

import math

import numpy as np
import shapely

from ..errors import BadInput, InputError
from ..xmltree import Node, parse_xml
from .model import Airspace
from .shapes import identify, repair

__all__ = ["parse_kml_zones"]


def parse_kml_zones(data: bytes, source: str, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from a KML document; ``source`` names it in messages.

    Examples
    --------
    >>> doc = (b'<kml><Placemark id="tra-7"><name>TRA 7</name><ExtendedData><Data name="ceiling_m">'
    ...        b'<value>3000</value></Data></ExtendedData><Polygon><outerBoundaryIs><LinearRing>'
    ...        b'<coordinates>36,35 36.1,35 36.1,35.1 36,35</coordinates></LinearRing></outerBoundaryIs>'
    ...        b'</Polygon></Placemark></kml>')
    >>> zone = parse_kml_zones(doc, "z.kml")[0]
    >>> zone.id, zone.name, zone.ceiling_m, round(zone.geometry.area, 3)
    ('tra-7', 'TRA 7', 3000.0, 0.005)
    """
    bad = bad if bad is not None else BadInput()
    root = parse_xml(data, source)
    if root.tag != "kml":
        raise InputError(f"{source}: not KML (root element <{root.tag}>)")
    zones = []
    for index, placemark in enumerate(root.iter("Placemark")):
        polygons = list(placemark.iter("Polygon"))
        if not polygons:
            continue
        try:
            zones.append(_zone(placemark, polygons, index, source, bad))
        except ValueError as error:
            bad.report(source, placemark.line, f"Placemark {index}: {error}; skipped", kind="bad KML zone")
    return identify(zones)


def _zone(placemark: Node, polygons: list[Node], index: int, source: str, bad: BadInput) -> Airspace:
    parts = []
    for polygon in polygons:
        outer = [_ring(n) for b in polygon.children if b.tag == "outerBoundaryIs" for n in b.iter("coordinates")]
        inner = [_ring(n) for b in polygon.children if b.tag == "innerBoundaryIs" for n in b.iter("coordinates")]
        if len(outer) != 1:
            raise ValueError(f"a Polygon needs one outerBoundaryIs ring, found {len(outer)}")
        parts.append(shapely.Polygon(outer[0], inner))
    geometry, repaired = repair(parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts))
    if geometry.is_empty:
        raise ValueError("polygon has no area")
    if repaired:
        bad.note(f"{source}:line {placemark.line}", "invalid polygon repaired (make_valid linework, areal part kept)")
    data = _extended_data(placemark)
    floor, ceiling = _limit(data, "floor_m", -math.inf), _limit(data, "ceiling_m", math.inf)
    if floor >= ceiling:
        raise ValueError(f"floor_m {floor} is not below ceiling_m {ceiling}")
    name = placemark.child_text("name") or f"zone-{index}"
    return Airspace(name=name, geometry=geometry, floor_m=floor, ceiling_m=ceiling, kind="zone",
                    source=f"{source}:{placemark.line}", properties=data, id=placemark.attrs.get("id", ""),
                    airspace_class=data.get("class", ""), airspace_type=data.get("type", ""))


def _ring(coordinates: Node) -> np.ndarray:
    """A ring's (n, 2) lon/lat from "lon,lat[,alt] lon,lat[,alt] ..." text."""
    try:
        ring = np.array([[float(v) for v in token.split(",")[:2]] for token in coordinates.text.split()])
    except ValueError:
        raise ValueError(f"line {coordinates.line}: coordinates are not 'lon,lat[,alt]' numbers") from None
    if ring.ndim != 2 or ring.shape[1] != 2 or not np.isfinite(ring).all() or (np.abs(ring[:, 1]) > 90).any():
        raise ValueError(f"line {coordinates.line}: coordinates are not 'lon,lat[,alt]' numbers")
    if len(ring) and not np.array_equal(ring[0], ring[-1]):
        ring = np.vstack([ring, ring[:1]])
    if len(ring) < 4:
        raise ValueError(f"line {coordinates.line}: a ring needs 3 distinct positions")
    return ring


def _extended_data(placemark: Node) -> dict[str, str]:
    data: dict[str, str] = {}
    for node in list(placemark.iter("Data")) + list(placemark.iter("SimpleData")):
        key = node.attrs.get("name", "").strip()
        value = node.child_text("value") if node.tag == "Data" else node.text
        if key and value is not None:
            data[key] = value
    return data


def _limit(data: dict[str, str], key: str, unlimited: float) -> float:
    if key not in data or not data[key].strip():
        return unlimited
    try:
        value = float(data[key])
    except ValueError:
        raise ValueError(f"{key} must be a number of metres, got {data[key]!r}") from None
    if math.isnan(value):
        raise ValueError(f"{key} must be a number of metres, got {data[key]!r}")
    return value
