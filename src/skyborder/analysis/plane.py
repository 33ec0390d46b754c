"""A local plane around a place: an azimuthal equidistant projection (pyproj AEQD on WGS84)
and an airspace's area and boundary in it.

Distances from the centre are exact; within 30 km of it any distance is true to 1e-5 and a
geodesic is straight to well under a metre, which is what the analyses that work here need
(their stated resolutions are metres). Airspace edges, straight in lon/lat (RFC 7946), are
densified to <= ``DENSIFY_DEG`` before projecting, so they stay true to < 1 m.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely

from ..airspace.model import Airspace
from ..geodesy import GEOD

__all__ = ["LocalPlane"]

DENSIFY_DEG = 0.002


@lru_cache(maxsize=256)
def _transformer(lon0: float, lat0: float) -> pyproj.Transformer:
    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


@dataclass(frozen=True)
class LocalPlane:
    """The AEQD plane (metres, x east, y north) centred on ``(lon0, lat0)`` (degrees)."""

    lon0: float
    lat0: float

    @property
    def forward(self) -> pyproj.Transformer:
        """lon/lat degrees -> plane metres (``always_xy``)."""
        return _transformer(self.lon0, self.lat0)

    def to_plane(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Plane metres of lon/lat degrees."""
        x, y = self.forward.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x), np.asarray(y)

    def to_lonlat(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """lon/lat degrees of plane metres."""
        lon, lat = self.forward.transform(np.asarray(x, float), np.asarray(y, float), direction="INVERSE")
        return np.asarray(lon), np.asarray(lat)

    def lonlat_box(self, half_size_m: float) -> tuple[float, float, float, float]:
        """A lon/lat box (deg) holding the square of ``half_size_m`` around the centre (with room
        to spare: the corners' reach, plus 10 %)."""
        reach = half_size_m * 1.5
        lon_e = GEOD.fwd(self.lon0, self.lat0, 90.0, reach)[0]
        lat_n = GEOD.fwd(self.lon0, self.lat0, 0.0, reach)[1]
        lat_s = GEOD.fwd(self.lon0, self.lat0, 180.0, reach)[1]
        widest = max(abs(lat_n), abs(lat_s))
        dlon = (lon_e - self.lon0) * np.cos(np.radians(self.lat0)) / max(np.cos(np.radians(widest)), 1e-6)
        return self.lon0 - dlon, lat_s, self.lon0 + dlon, lat_n

    def project(self, geometry: shapely.Geometry, half_size_m: float) -> shapely.Geometry:
        """A lon/lat geometry clipped to the box around the square of ``half_size_m`` and projected
        (edges densified first)."""
        clipped = shapely.clip_by_rect(geometry, *self.lonlat_box(half_size_m))
        dense = shapely.segmentize(clipped, DENSIFY_DEG)
        return shapely.transform(dense, self.forward.transform, interleaved=False)

    def area(self, airspace: Airspace, half_size_m: float) -> shapely.Geometry:
        """The airspace's lateral area around the centre, in the plane (valid, prepared). Only the
        part within ``half_size_m`` of the centre is meaningful: beyond it the clip cuts the area."""
        area = shapely.make_valid(self.project(airspace.geometry, half_size_m))
        shapely.prepare(area)
        return area

    def boundary(self, airspace: Airspace, half_size_m: float) -> shapely.Geometry:
        """The airspace's real boundary around the centre in the plane (no clipping edges)."""
        return self.project(airspace.geometry.boundary, half_size_m)
