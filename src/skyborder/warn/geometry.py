"""Where an aircraft is relative to a border and to the policy's reference points.

* :func:`border_distance`: the exact geodesic distance to an airspace's lateral boundary (the
  detection layer's ``boundary_distance``: certified brackets on a boundary tree, then pyproj's
  ``Geod`` on the few pieces that can be nearest; data cuts at +-180 degrees are not borders);
* :func:`heading_away`: the direction in which that distance grows fastest, i.e. straight away
  from the nearest boundary point (for an aircraft inside: straight towards it, the shortest way
  out). It is the gradient of the exact distance, taken by central differences over
  ``GRADIENT_STEP_M``: where one boundary point is nearest, the distance near the aircraft is the
  distance to that point (smooth), so the gradient is exact to O(step^2 / distance);
* :func:`nearest_reference`: bearing (true, from the reference to the aircraft) and range of the
  nearest reference point, as a controller says it ("Hmeymim 020, 26 miles").
"""
from __future__ import annotations

import numpy as np

from ..airspace.index import AirspaceIndex
from ..detection.distance import boundary_distance
from ..geodesy import GEOD
from .policy import Reference

__all__ = ["COMPASS_POINTS", "GRADIENT_STEP_M", "border_distance", "compass_point", "heading_away",
           "nearest_reference"]

GRADIENT_STEP_M = 25.0
COMPASS_POINTS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


def border_distance(index: AirspaceIndex, air: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Geodesic distance (m) from each point to the lateral boundary of its airspace ``air``."""
    if len(air) == 0:
        return np.zeros(0)
    return boundary_distance(index, np.asarray(air, dtype=np.int64), np.asarray(lon, float), np.asarray(lat, float))


def heading_away(index: AirspaceIndex, air: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                 inside: np.ndarray) -> np.ndarray:
    """True heading (degrees, 0-360) that leads away from the border: for an aircraft outside,
    away from its nearest boundary point; inside, towards it (out by the shortest way).

    NaN where the two directions disagree by construction (equidistant from two boundary points,
    where the gradient vanishes).
    """
    n = len(air)
    if n == 0:
        return np.zeros(0)
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    probes_lon, probes_lat = [], []
    for azimuth in (0.0, 180.0, 90.0, 270.0):  # north, south, east, west of each point
        plon, plat, _ = GEOD.fwd(lon, lat, np.full(n, azimuth), np.full(n, GRADIENT_STEP_M))
        probes_lon.append(plon)
        probes_lat.append(plat)
    d = border_distance(index, np.tile(np.asarray(air), 4), np.concatenate(probes_lon),
                        np.concatenate(probes_lat)).reshape(4, n)
    d_north, d_east = (d[0] - d[1]) / (2 * GRADIENT_STEP_M), (d[2] - d[3]) / (2 * GRADIENT_STEP_M)
    heading = np.degrees(np.arctan2(d_east, d_north)) % 360.0
    heading = np.where(np.asarray(inside, bool), (heading + 180.0) % 360.0, heading)
    return np.where(np.hypot(d_north, d_east) > 0.5, heading, np.nan)


def compass_point(heading_deg: np.ndarray | float) -> np.ndarray:
    """The nearest of the eight compass points ("north", "north-east", ...) to a heading.

    Examples
    --------
    >>> compass_point(np.array([181.0, 44.0, 359.0])).tolist()
    ['south', 'north-east', 'north']
    """
    heading = np.atleast_1d(np.asarray(heading_deg, float))
    k = np.round(np.nan_to_num(heading) / 45.0).astype(np.int64) % 8
    return np.where(np.isfinite(heading), np.array(COMPASS_POINTS, dtype=object)[k], "")


def nearest_reference(references: tuple[Reference, ...], lon: np.ndarray,
                      lat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(name, bearing deg from the reference to the point, range m) of the nearest reference.

    Empty names and NaN where the policy has no reference points.

    Examples
    --------
    >>> from skyborder.warn.policy import Reference
    >>> lon, lat, _ = GEOD.fwd(35.95, 35.40, 20.0, 26 * 1852.0)
    >>> name, bearing, rng = nearest_reference((Reference("Hmeymim", 35.40, 35.95),), np.array([lon]), np.array([lat]))
    >>> name[0], round(float(bearing[0]), 6), round(float(rng[0]) / 1852.0, 6)
    ('Hmeymim', 20.0, 26.0)
    """
    n = len(lon)
    if not references or n == 0:
        return np.full(n, "", dtype=object), np.full(n, np.nan), np.full(n, np.nan)
    bearings, ranges = [], []
    for ref in references:
        az, _, dist = GEOD.inv(np.full(n, ref.lon), np.full(n, ref.lat), lon, lat)
        bearings.append(np.asarray(az) % 360.0)
        ranges.append(np.asarray(dist))
    rng = np.vstack(ranges)
    best = np.argmin(rng, axis=0)
    cols = np.arange(n)
    names = np.array([r.name for r in references], dtype=object)
    return names[best], np.vstack(bearings)[best, cols], rng[best, cols]
