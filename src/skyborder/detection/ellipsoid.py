"""Compiled WGS84 primitives for the distance searches: geodesics, Earth-centred coordinates and
certified bounds of a geodesic's length from its chord (metres, degrees, radians where said).

- :func:`inverse` and :func:`direct` are Vincenty's iterative solutions of the two geodesic
  problems (1975), accurate to well under a millimetre (checked against pyproj in the tests);
  :func:`inverse` reports a failure (``nan``) for nearly antipodal points, where callers fall back
  to the chord bounds.
- :func:`ecef` gives Earth-centred, Earth-fixed coordinates; the straight-line distance between
  two surface points (the *chord* ``c``) bounds their geodesic distance ``s`` on both sides:

  * ``s <= geodesic_upper(c) = 2 R_MIN asin(c / (2 R_MIN))``: a geodesic is a space curve whose
    curvature is the ellipsoid's normal curvature in its direction, at most ``1 / R_MIN``
    (``R_MIN = b^2 / a``, the meridian radius at the equator); by Schur's comparison theorem its
    chord is at least that of a circular arc of radius ``R_MIN`` of the same length.
  * ``s >= geodesic_lower(c) = 2 R_LOW asin(c / (2 R_LOW))``: project the geodesic onto the
    plane through the Earth's centre and both ends. The surface normal leaves that plane by at
    most the angle between geodetic and geocentric verticals plus the geodesic's own sway (both
    < 0.007 rad for lines under ``CHORD_LIMIT_M``), so the projection is a plane curve, no longer
    than the geodesic, with curvature at least ``(a^2 / b)^-1`` times ``1 - 3e-5``; a plane arc
    whose curvature is at least k has a chord at most ``(2 / k) sin(k L / 2)``. ``R_LOW`` is
    ``a^2 / b`` enlarged by 1e-4 (a safety factor three times the one needed).

  The two bounds differ by about 2 % of ``c^3 / (24 R^2)``: 2 mm at 50 km, 0.16 m at 200 km.
"""
from __future__ import annotations

import math

import numba as nb

A = 6_378_137.0
F = 1.0 / 298.257223563
B = A * (1.0 - F)
E2 = F * (2.0 - F)
EP2 = E2 / (1.0 - E2)
R_MIN = B * B / A  # smallest radius of curvature (meridian, at the equator)
R_MAX = A * A / B  # largest radius of curvature (at the poles)
R_LOW = R_MAX * (1.0 + 1e-4)
CHORD_LIMIT_M = 3_000_000.0  # the second-order lower bound is used below this chord only
UPPER_LIMIT_M = 12_000_000.0  # the upper bound is used below this chord only
VINCENTY_TOL = 1e-12
VINCENTY_ITER = 200
VINCENTY_ERROR_M = 1e-3  # accepted error of inverse/direct (they are far better)
DEG = math.pi / 180.0


@nb.njit(cache=True)
def ecef(lon: float, lat: float) -> tuple[float, float, float]:
    """Earth-centred, Earth-fixed coordinates (m) of a surface point given in degrees."""
    la, lo = lat * DEG, lon * DEG
    s, c = math.sin(la), math.cos(la)
    n = A / math.sqrt(1.0 - E2 * s * s)
    return n * c * math.cos(lo), n * c * math.sin(lo), n * (1.0 - E2) * s


@nb.njit(cache=True)
def geodesic_upper(chord: float) -> float:
    """Upper bound (m) of the geodesic distance between two surface points ``chord`` metres apart
    (infinite beyond ``UPPER_LIMIT_M``, where the points may be nearly antipodal)."""
    if chord > UPPER_LIMIT_M:
        return math.inf
    return 2.0 * R_MIN * math.asin(chord / (2.0 * R_MIN))


@nb.njit(cache=True)
def geodesic_lower(chord: float) -> float:
    """Lower bound (m) of the geodesic distance between two surface points ``chord`` metres apart
    (the chord itself beyond ``CHORD_LIMIT_M``)."""
    if chord <= 0.0:
        return 0.0
    if chord > CHORD_LIMIT_M:
        return chord
    return 2.0 * R_LOW * math.asin(chord / (2.0 * R_LOW))


@nb.njit(cache=True)
def _series(cos2_alpha: float) -> tuple[float, float]:
    u2 = cos2_alpha * (A * A - B * B) / (B * B)
    big_a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)))
    big_b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)))
    return big_a, big_b


@nb.njit(cache=True)
def _delta_sigma(big_b: float, sin_s: float, cos_s: float, cos2sm: float) -> float:
    c2 = cos2sm * cos2sm
    return big_b * sin_s * (cos2sm + big_b / 4.0 * (cos_s * (-1.0 + 2.0 * c2)
                                                     - big_b / 6.0 * cos2sm * (-3.0 + 4.0 * sin_s * sin_s)
                                                     * (-3.0 + 4.0 * c2)))


@nb.njit(cache=True)
def inverse(lon1: float, lat1: float, lon2: float, lat2: float) -> tuple[float, float]:
    """Geodesic distance (m) from point 1 to point 2 and the forward azimuth at 1 (radians,
    clockwise from north); ``(nan, nan)`` if the iteration fails (nearly antipodal points)."""
    dlon = ((lon2 - lon1 + 180.0) % 360.0 - 180.0) * DEG
    u1 = math.atan2((1.0 - F) * math.sin(lat1 * DEG), math.cos(lat1 * DEG))
    u2 = math.atan2((1.0 - F) * math.sin(lat2 * DEG), math.cos(lat2 * DEG))
    su1, cu1, su2, cu2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = dlon
    for _ in range(VINCENTY_ITER):
        sl, cl = math.sin(lam), math.cos(lam)
        t1 = cu2 * sl
        t2 = cu1 * su2 - su1 * cu2 * cl
        sin_s = math.sqrt(t1 * t1 + t2 * t2)
        if sin_s == 0.0:
            return 0.0, 0.0
        cos_s = su1 * su2 + cu1 * cu2 * cl
        sigma = math.atan2(sin_s, cos_s)
        sin_a = cu1 * cu2 * sl / sin_s
        cos2_a = 1.0 - sin_a * sin_a
        cos2sm = cos_s - 2.0 * su1 * su2 / cos2_a if cos2_a != 0.0 else 0.0
        c = F / 16.0 * cos2_a * (4.0 + F * (4.0 - 3.0 * cos2_a))
        previous = lam
        lam = dlon + (1.0 - c) * F * sin_a * (sigma + c * sin_s * (cos2sm + c * cos_s * (-1.0 + 2.0 * cos2sm * cos2sm)))
        if abs(lam - previous) < VINCENTY_TOL:
            big_a, big_b = _series(cos2_a)
            s = B * big_a * (sigma - _delta_sigma(big_b, sin_s, cos_s, cos2sm))
            sl, cl = math.sin(lam), math.cos(lam)
            return s, math.atan2(cu2 * sl, cu1 * su2 - su1 * cu2 * cl)
    return math.nan, math.nan


@nb.njit(cache=True)
def direct(lon1: float, lat1: float, azimuth: float, s: float) -> tuple[float, float]:
    """The point (lon, lat degrees; lon continuous from ``lon1``) ``s`` metres from point 1
    along the geodesic leaving it at ``azimuth`` (radians, clockwise from north)."""
    if s == 0.0:
        return lon1, lat1
    sa1, ca1 = math.sin(azimuth), math.cos(azimuth)
    u1 = math.atan2((1.0 - F) * math.sin(lat1 * DEG), math.cos(lat1 * DEG))
    su1, cu1 = math.sin(u1), math.cos(u1)
    sigma1 = math.atan2(su1, cu1 * ca1)
    sin_a = cu1 * sa1
    cos2_a = 1.0 - sin_a * sin_a
    big_a, big_b = _series(cos2_a)
    sigma = s / (B * big_a)
    cos2sm = math.cos(2.0 * sigma1 + sigma)
    for _ in range(VINCENTY_ITER):
        cos2sm = math.cos(2.0 * sigma1 + sigma)
        new = s / (B * big_a) + _delta_sigma(big_b, math.sin(sigma), math.cos(sigma), cos2sm)
        done = abs(new - sigma) < VINCENTY_TOL
        sigma = new
        if done:
            break
    cos2sm = math.cos(2.0 * sigma1 + sigma)
    ss, cs = math.sin(sigma), math.cos(sigma)
    tmp = su1 * ss - cu1 * cs * ca1
    lat2 = math.atan2(su1 * cs + cu1 * ss * ca1, (1.0 - F) * math.sqrt(sin_a * sin_a + tmp * tmp))
    lam = math.atan2(ss * sa1, cu1 * cs - su1 * ss * ca1)
    c = F / 16.0 * cos2_a * (4.0 + F * (4.0 - 3.0 * cos2_a))
    dlon = lam - (1.0 - c) * F * sin_a * (sigma + c * ss * (cos2sm + c * cs * (-1.0 + 2.0 * cos2sm * cos2sm)))
    return lon1 + dlon / DEG, lat2 / DEG
