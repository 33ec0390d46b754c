"""Border geometry for the map: the embedded airspaces simplified per zoom level, cut to a box.

The page asks for ``/api/airspaces?bbox=W,S,E,N&zoom=Z``. The answer is a GeoJSON
FeatureCollection with four kinds of feature (property ``kind``):

- ``area``      an airspace's polygon (land, internal waters and territorial sea), for the fill;
- ``border``    its boundary as lines, for the outline. Cutting a polygon to the box adds edges
                along the box; the lines are cut from the boundary instead, so no false border is
                drawn. Cuts made by the data at the antimeridian are dropped too (not borders);
- ``disputed``  the area of a real double claim (``world.double_claims``, e.g. Crimea);
- ``zone``      a custom zone being watched.

Simplification: at zoom ``z`` a screen pixel spans ``360 / (256 * 2**z)`` degrees of longitude;
geometry is simplified (Douglas-Peucker, topology kept) to half of that, so the drawing differs
from the full data by less than half a pixel, and coordinates are rounded to match. From zoom
``FULL_ZOOM`` on the data is sent at full resolution (5 decimals, ~1 m). Simplified geometries
are kept per (airspace, level); answers per (level, box snapped outwards to a grid of one tile
width) in a small LRU cache, so panning re-uses them.
"""
from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cached_property

import numpy as np
import shapely

from ..airspace import world
from ..airspace.model import Airspace
from ..errors import InputError

__all__ = ["FULL_ZOOM", "AirspaceLayer", "parse_bbox", "tolerance_deg"]

FULL_ZOOM = 13
TILE_PX = 256
CACHE_SIZE = 64
ANTIMERIDIAN_EPS = 1e-6


def tolerance_deg(level: int) -> float:
    """Simplification tolerance (degrees) at a zoom level: half a pixel, 0 from ``FULL_ZOOM``.

    Examples
    --------
    >>> round(tolerance_deg(0), 4), tolerance_deg(FULL_ZOOM)
    (0.7031, 0.0)
    """
    if level >= FULL_ZOOM:
        return 0.0
    return 0.5 * 360.0 / (TILE_PX * 2.0 ** level)


def _decimals(level: int) -> int:
    """Decimals that keep rounding below a tenth of the tolerance (5 at full resolution)."""
    tolerance = tolerance_deg(level)
    return 5 if tolerance == 0 else int(min(5, max(1, math.ceil(-math.log10(tolerance / 10)))))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"W,S,E,N"`` in degrees -> a box clamped to the world; raises ``InputError`` when malformed.

    Examples
    --------
    >>> parse_bbox("35,35.5,37,36.5")
    (35.0, 35.5, 37.0, 36.5)
    >>> parse_bbox("-200,-95,200,95")
    (-180.0, -90.0, 180.0, 90.0)
    """
    parts = text.split(",")
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError:
        raise InputError("bbox must be four numbers W,S,E,N in degrees") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise InputError("bbox must be finite")
    west, east = max(west, -180.0), min(east, 180.0)
    south, north = max(south, -90.0), min(north, 90.0)
    if not (west < east and south < north):
        raise InputError("bbox must have W < E and S < N")
    return west, south, east, north


def _drop_antimeridian_cuts(lines: shapely.Geometry) -> list[np.ndarray]:
    """The boundary lines as coordinate arrays, split where an edge runs along lon = +-180 (a cut
    made by the data, not a border)."""
    out: list[np.ndarray] = []
    for line in shapely.get_parts(lines):
        coords = shapely.get_coordinates(line)
        on_cut = np.abs(np.abs(coords[:, 0]) - 180.0) < ANTIMERIDIAN_EPS
        cut_edge = on_cut[:-1] & on_cut[1:]
        if not cut_edge.any():
            out.append(coords)
            continue
        keep_edge = ~cut_edge
        # runs of kept edges -> pieces of line
        edges = np.flatnonzero(keep_edge)
        if not len(edges):
            continue
        breaks = np.flatnonzero(np.diff(edges) > 1) + 1
        for run in np.split(edges, breaks):
            out.append(coords[run[0]: run[-1] + 2])
    return out


class _Simplified:
    """One airspace at one level: the fill polygon and the border lines."""

    __slots__ = ("area", "border")

    def __init__(self, geometry: shapely.Geometry, level: int):
        tolerance = tolerance_deg(level)
        simple = shapely.simplify(geometry, tolerance, preserve_topology=True) if tolerance else geometry
        decimals = _decimals(level)
        simple = shapely.transform(simple, lambda xy: np.round(xy, decimals))
        self.area = simple
        pieces = _drop_antimeridian_cuts(shapely.boundary(simple))
        self.border = shapely.MultiLineString([p for p in pieces if len(p) >= 2])


class AirspaceLayer:
    """The map's airspace geometry: every embedded country plus custom zones.

    Parameters
    ----------
    watched : sequence of str
        Names of the watched airspaces (ISO alpha-3 codes or zone names): marked ``watched``.
    zones : sequence of Airspace
        Custom zones to draw (kind ``zone``).
    """

    def __init__(self, watched: Sequence[str] = (), zones: Sequence[Airspace] = ()):
        self.watched = frozenset(watched)
        self.zones = tuple(zones)
        self._lock = threading.Lock()
        self._simplified: dict[tuple[str, int], _Simplified] = {}
        self._answers: OrderedDict[tuple, bytes] = OrderedDict()

    @cached_property
    def _airspaces(self) -> list[Airspace]:
        return list(world.countries().values()) + list(self.zones)

    @cached_property
    def _tree(self) -> shapely.STRtree:
        return shapely.STRtree([a.geometry for a in self._airspaces])

    @cached_property
    def disputed(self) -> list[tuple[str, shapely.Geometry]]:
        """The areas of real double claims (``world.double_claims``): (``"A/B"``, MultiPolygon)."""
        return [(f"{claim.first}/{claim.second}", claim.geometry) for claim in world.double_claims()]

    def _level_geometry(self, index: int, level: int) -> _Simplified:
        airspace = self._airspaces[index]
        key = (f"{airspace.kind}:{airspace.name}", level)
        found = self._simplified.get(key)
        if found is None:
            found = self._simplified[key] = _Simplified(airspace.geometry, level)
        return found

    def geojson(self, bbox: tuple[float, float, float, float], zoom: float) -> bytes:
        """The FeatureCollection (UTF-8 JSON) for a box (W, S, E, N degrees) at a zoom level."""
        level = int(min(max(math.floor(zoom), 0), FULL_ZOOM))
        step = 360.0 / 2.0 ** level
        snapped = (max(-180.0, math.floor(bbox[0] / step) * step), max(-90.0, math.floor(bbox[1] / step) * step),
                   min(180.0, math.ceil(bbox[2] / step) * step), min(90.0, math.ceil(bbox[3] / step) * step))
        key = (level, snapped)
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
            answer = self._build(snapped, level)
            self._answers[key] = answer
            if len(self._answers) > CACHE_SIZE:
                self._answers.popitem(last=False)
            return answer

    def _build(self, box: tuple[float, float, float, float], level: int) -> bytes:
        features: list[str] = []
        shape = shapely.box(*box)
        whole_world = box == (-180.0, -90.0, 180.0, 90.0)
        for index in sorted(self._tree.query(shape).tolist()):
            airspace = self._airspaces[index]
            simple = self._level_geometry(index, level)
            area = simple.area if whole_world else shapely.clip_by_rect(simple.area, *box)
            border = simple.border if whole_world else shapely.clip_by_rect(simple.border, *box)
            kind = "zone" if airspace.kind != "country" else "area"
            props = {"kind": kind, "code": airspace.name, "name": airspace.label or airspace.name,
                     "watched": airspace.name in self.watched}
            if not shapely.is_empty(area):
                features.append(_feature(area, props))
            if not shapely.is_empty(border):
                features.append(_feature(border, {**props, "kind": "border" if kind == "area" else "zone_border"}))
        for claimants, overlap in self.disputed:
            if shapely.intersects(overlap, shape):
                clipped = overlap if whole_world else shapely.clip_by_rect(overlap, *box)
                if not shapely.is_empty(clipped):
                    features.append(_feature(clipped, {"kind": "disputed", "code": claimants,
                                                       "name": f"claimed by {claimants.replace('/', ' and ')}",
                                                       "watched": False}))
        return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()


def _feature(geometry: shapely.Geometry, properties: dict) -> str:
    return ('{"type":"Feature","properties":' + json.dumps(properties, ensure_ascii=False)
            + ',"geometry":' + shapely.to_geojson(geometry) + "}")
