"""Units, defined once (exact by definition unless said otherwise).

Everything inside skyborder is SI: metres, seconds, metres per second, degrees for angles and
positions. Readers convert on the way in, reports on the way out.
"""
from __future__ import annotations

import math

__all__ = [
           "FLIGHT_LEVEL_M",
           "FOOT_M",
           "FPM_MPS",
           "KNOT_MPS",
           "MAX_METRES_PER_DEGREE_LON",
           "MEAN_EARTH_RADIUS_M",
           "MEAN_METRES_PER_DEGREE",
           "MIN_METRES_PER_DEGREE_LAT",
           "MIN_METRES_PER_DEGREE_LON",
           "NAUTICAL_MILE_M",
           "STATUTE_MILE_M",
]

FOOT_M = 0.3048  # international foot
NAUTICAL_MILE_M = 1852.0
STATUTE_MILE_M = 1609.344
KNOT_MPS = NAUTICAL_MILE_M / 3600.0
FPM_MPS = FOOT_M / 60.0  # feet per minute (vertical rate)
FLIGHT_LEVEL_M = 100.0 * FOOT_M  # one flight level: 100 ft of pressure altitude

# Earth figures for rough bounds, margins and grids only (geodesic figures come from pyproj's WGS84)
MEAN_EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius R1
MEAN_METRES_PER_DEGREE = math.pi * MEAN_EARTH_RADIUS_M / 180.0  # ~111.195 km
# bounds on WGS84 degree lengths, safe for boxes that must contain a given distance
MIN_METRES_PER_DEGREE_LAT = 110_000.0  # the meridional degree is >= 110.57 km everywhere
MIN_METRES_PER_DEGREE_LON = 111_000.0  # times cos(latitude): below the parallel degree (111.32 km at the equator)
MAX_METRES_PER_DEGREE_LON = 112_000.0  # above any degree of latitude or of parallel (times cos)
