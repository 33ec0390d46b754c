"""An incident as GIS data: GeoJSON (RFC 7946) and KML (Google Earth, QGIS).

Features: the whole track (``role`` ``track``), the part inside (``inside``), the entry, exit and
deepest points or the closest approach (``entry``, ``exit``, ``max_depth``, ``closest_approach``),
the airspace (``airspace``) and any other claimant (``rival``), both clipped to a box of
``CLIP_M`` around the incident so files stay small (``clipped`` says so). Track legs are WGS84
geodesics, densified to at most ``DENSIFY_M`` so that the straight lines of GeoJSON and KML follow
them; positions carry the pressure altitude (m) as a third coordinate when known.
"""
from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..airspace.model import Airspace
from ..analysis.along import densify_path
from ..detection.result import passage_path
from .export import iso_utc
from .incident import Incident
from .radar_map import rival_airspaces

__all__ = ["incident_features", "to_geojson", "to_kml"]

CLIP_M = 50_000.0


def _coords(lon: np.ndarray, lat: np.ndarray, alt: np.ndarray) -> list[list[float]]:
    if np.isfinite(alt).all():
        return [[float(x), float(y), float(z)] for x, y, z in zip(lon, lat, alt)]
    return [[float(x), float(y)] for x, y in zip(lon, lat)]


def _clip_box(incident: Incident) -> tuple[float, float, float, float]:
    lon, lat = incident.track["lon"].to_numpy(float), incident.track["lat"].to_numpy(float)
    r = incident.row
    keys = ("closest_approach",) if incident.is_near_miss else ("entry", "exit", "max_depth")
    plon = np.array([r[f"{k}_lon"] for k in keys], float)
    plat = np.array([r[f"{k}_lat"] for k in keys], float)
    ok = np.isfinite(plon) & np.isfinite(plat)
    clon = float(np.mean(plon[ok])) if ok.any() else float(np.mean(lon))
    clat = float(np.mean(plat[ok])) if ok.any() else float(np.mean(lat))
    dlat = CLIP_M / 110_000.0
    dlon = dlat / max(math.cos(math.radians(min(abs(clat) + dlat, 89.0))), 0.01)
    return clon - dlon, clat - dlat, clon + dlon, clat + dlat


def incident_features(incident: Incident) -> list[dict[str, Any]]:
    """The incident's features as GeoJSON-like dicts (geometry and properties)."""
    r, track = incident.row, incident.track
    alt = track["alt_m"].to_numpy(float) if "alt_m" in track else None
    features = [_feature("track", _line(*densify_path(track["lon"].to_numpy(float), track["lat"].to_numpy(float),
                                                       alt)),
                         track_id=r["track_id"], first_fix=iso_utc(track["time"].iloc[0]),
                         last_fix=iso_utc(track["time"].iloc[-1]), fixes=len(track))]
    if incident.is_near_miss:
        features.append(_point("closest_approach", r, "closest_approach", r["closest_approach_time"],
                               distance_m=float(r["closest_approach_m"])))
    else:
        path = passage_path(r, track)
        features.append(_feature("inside", _line(*densify_path(path.lon, path.lat, path.alt_m)),
                                 airspace=r["airspace"], entry_time=iso_utc(r["entry_time"]),
                                 exit_time=iso_utc(r["exit_time"]), duration_s=_num(r["duration_s"]),
                                 length_inside_m=_num(r["length_inside_m"]), max_depth_m=_num(r["max_depth_m"]),
                                 p_inside=_num(r.get("p_inside"))))
        for role in ("entry", "exit"):
            if not pd.isna(r[f"{role}_time"]):
                features.append(_point(role, r, role, r[f"{role}_time"]))
        features.append(_point("max_depth", r, "max_depth", None, depth_m=_num(r["max_depth_m"])))
    box = _clip_box(incident)
    features.append(_area("airspace", incident.airspace, box))
    for rival in rival_airspaces(incident.result[incident.result.index == r.name], [incident.airspace]):
        features.append(_area("rival", rival, box))
    return [f for f in features if f["geometry"] is not None]


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _feature(role: str, geometry: dict | None, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"role": role, **properties}}


def _line(lon: np.ndarray, lat: np.ndarray, alt: np.ndarray) -> dict | None:
    if len(lon) == 0:
        return None
    if len(lon) == 1:
        return {"type": "Point", "coordinates": _coords(lon, lat, alt)[0]}
    return {"type": "LineString", "coordinates": _coords(lon, lat, alt)}


def _point(role: str, row: pd.Series, prefix: str, when: Any, **properties: Any) -> dict[str, Any]:
    lon, lat = row[f"{prefix}_lon"], row[f"{prefix}_lat"]
    geometry = None if pd.isna(lon) or pd.isna(lat) else {"type": "Point", "coordinates": [float(lon), float(lat)]}
    return _feature(role, geometry, time=iso_utc(when), **properties)


def _area(role: str, airspace: Airspace, box: tuple[float, float, float, float]) -> dict[str, Any]:
    clipped = shapely.clip_by_rect(airspace.geometry, *box)
    geometry = None if clipped.is_empty else json.loads(shapely.to_geojson(clipped))
    return _feature(role, geometry, airspace=airspace.name, name=airspace.label or airspace.name, clipped=True,
                    floor_m=_num(airspace.floor_m) if math.isfinite(airspace.floor_m) else None,
                    ceiling_m=_num(airspace.ceiling_m) if math.isfinite(airspace.ceiling_m) else None,
                    source=airspace.source)


def to_geojson(incident: Incident) -> str:
    """The incident as a GeoJSON FeatureCollection (RFC 7946, WGS84 lon/lat)."""
    return json.dumps({"type": "FeatureCollection", "name": incident.stem, "features": incident_features(incident)},
                      ensure_ascii=False)


KML_COLOURS = {"track": "ff5d5dff", "inside": "ffffffff", "airspace": "8024d2ff", "rival": "80d97aff"}  # aabbggrr


def to_kml(incident: Incident) -> str:
    """The incident as KML 2.2 (simplekml): the track and its inside part at their altitudes, the
    points with their times, the airspace and rivals as translucent polygons on the ground."""
    import simplekml

    kml = simplekml.Kml(name=incident.title)
    kml.document.description = incident.summary()
    for feature in incident_features(incident):
        role, geometry, props = feature["properties"]["role"], feature["geometry"], feature["properties"]
        description = "\n".join(f"{k}: {v}" for k, v in props.items() if v is not None and k != "role")
        if geometry["type"] == "LineString":
            item = kml.newlinestring(name=role, coords=[tuple(c) for c in geometry["coordinates"]],
                                     description=description)
            has_alt = len(geometry["coordinates"][0]) == 3
            item.altitudemode = simplekml.AltitudeMode.absolute if has_alt else simplekml.AltitudeMode.clamptoground
            item.style.linestyle.color = KML_COLOURS.get(role, "ffffffff")
            item.style.linestyle.width = 4 if role == "inside" else 2
        elif geometry["type"] == "Point":
            item = kml.newpoint(name=role.replace("_", " "), coords=[tuple(geometry["coordinates"][:2])],
                                description=description)
            when = props.get("time")
            if when:
                item.timestamp.when = when
        else:
            polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            folder = kml.newfolder(name=f"{role} {props['airspace']}")
            for rings in polygons:
                poly = folder.newpolygon(name=props["name"], outerboundaryis=[tuple(c) for c in rings[0]],
                                         innerboundaryis=[[tuple(c) for c in ring] for ring in rings[1:]],
                                         description=description)
                poly.style.polystyle.color = KML_COLOURS.get(role, "80ffffff")
                poly.style.linestyle.color = "ff3fd2ff"
    return kml.kml()
