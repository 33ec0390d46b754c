"""WGS84 geodesy helpers shared by every layer (metres, degrees, seconds).

Conventions (see README "Geometry conventions"):
- between two fixes an aircraft follows the WGS84 geodesic; time and altitude are linear in
  distance along it;
- polygon edges from data files are straight lines in lon/lat (RFC 7946);
- OpenAir arcs and circles are densified along geodesics at <= 0.5 degree steps.
"""
from __future__ import annotations

import numpy as np
import pyproj

GEOD = pyproj.Geod(ellps="WGS84")


def wrap_lon(lon: np.ndarray | float) -> np.ndarray | float:
    """Longitude wrapped into [-180, 180) degrees."""
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0


def unwrap_lon(lon: np.ndarray, breaks: np.ndarray | None = None) -> np.ndarray:
    """Make consecutive longitudes continuous (no jump > 180 degrees) along an array.

    ``breaks`` (bool, same length) marks the first fix of each new track, where the
    running offset is reset.
    """
    lon = np.asarray(lon, dtype=float)
    step = np.diff(lon, prepend=lon[:1])
    jump = np.where(step > 180.0, -360.0, np.where(step < -180.0, 360.0, 0.0))
    if breaks is not None:
        jump[breaks] = 0.0
        offset = np.cumsum(jump)
        starts = np.flatnonzero(breaks)
        base = np.repeat(offset[starts], np.diff(np.append(starts, len(lon))))
        return lon + offset - base
    return lon + np.cumsum(jump)


def inverse(lon1, lat1, lon2, lat2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised inverse problem: (forward azimuth deg, back azimuth deg, distance m)."""
    return GEOD.inv(lon1, lat1, lon2, lat2)


def forward(lon, lat, azimuth_deg, distance_m) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised direct problem: the point ``distance_m`` from (lon, lat) along an azimuth."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth_deg, distance_m)
    return lon2, lat2


def densify_geodesic(lon1: float, lat1: float, lon2: float, lat2: float, max_step_m: float) -> np.ndarray:
    """Points along the geodesic from 1 to 2 (ends included) no more than ``max_step_m`` apart.

    Returns an (n, 2) array of lon, lat with longitudes continuous from ``lon1``.
    """
    az, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    n = max(int(np.ceil(dist / max_step_m)), 1)
    s = np.linspace(0.0, dist, n + 1)
    lons, lats, _ = GEOD.fwd(np.full(n + 1, lon1), np.full(n + 1, lat1), np.full(n + 1, az), s)
    lons[-1], lats[-1] = lon2, lat2
    return np.column_stack([unwrap_lon(np.r_[lon1, lons])[1:], lats])


def geodesic_circle(lon: float, lat: float, radius_m: float, max_step_deg: float = 0.5) -> np.ndarray:
    """Closed ring (n, 2) of points ``radius_m`` from a centre, one every <= ``max_step_deg`` of azimuth."""
    n = int(np.ceil(360.0 / max_step_deg))
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_m))
    ring = np.column_stack([unwrap_lon(lons), lats])
    return np.vstack([ring, ring[:1]])


_A = GEOD.a
_E2 = GEOD.es
SHORT_SEGMENT_M = 5_000.0  # below this (and away from the poles) segment_lengths is local
POLAR_LAT = 80.0


def segment_lengths(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic length (m) of many segments, fast where they are short.

    Segments shorter than SHORT_SEGMENT_M with both ends within POLAR_LAT degrees of the equator
    use the plane tangent at the mid-latitude with the ellipsoid's meridional and
    prime-vertical radii (error below 1 cm there, checked in the tests); the others are solved
    exactly with ``GEOD.inv``.
    """
    lon1, lat1, lon2, lat2 = (np.asarray(v, dtype=float) for v in (lon1, lat1, lon2, lat2))
    phi = np.radians(0.5 * (lat1 + lat2))
    w = 1.0 - _E2 * np.sin(phi) ** 2
    dx = _A / np.sqrt(w) * np.cos(phi) * np.radians(wrap_lon(lon2 - lon1))
    dy = _A * (1.0 - _E2) / w**1.5 * np.radians(lat2 - lat1)
    length = np.hypot(dx, dy)
    exact = np.flatnonzero(~(length < SHORT_SEGMENT_M) | (np.maximum(np.abs(lat1), np.abs(lat2)) > POLAR_LAT))
    if len(exact):
        length[exact] = GEOD.inv(lon1[exact], lat1[exact], lon2[exact], lat2[exact])[2]
    return length
