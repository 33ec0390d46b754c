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
           "parse_quantity",
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


# ----- quantities typed by people ("1.15mi", "960km/h", "FL190") ------------------------------
_UNITS: dict[str, dict[str, float]] = {
    "length": {"m": 1.0, "km": 1000.0, "mi": STATUTE_MILE_M, "nmi": NAUTICAL_MILE_M, "nm": NAUTICAL_MILE_M,
               "ft": FOOT_M},
    "speed": {"m/s": 1.0, "km/h": 1000.0 / 3600.0, "kmh": 1000.0 / 3600.0, "kt": KNOT_MPS, "kts": KNOT_MPS,
              "knots": KNOT_MPS, "mph": STATUTE_MILE_M / 3600.0},
    "duration": {"s": 1.0, "min": 60.0, "h": 3600.0},
    "altitude": {"m": 1.0, "ft": FOOT_M, "fl": FLIGHT_LEVEL_M},
}
_DEFAULT_UNIT = {"length": "m", "speed": "m/s", "duration": "s", "altitude": "m"}


def parse_quantity(text: str, kind: str) -> tuple[float, float]:
    """A number with an optional unit, as typed on a command line, in SI with its rounding.

    Parameters
    ----------
    text : str
        e.g. ``"1.15mi"`` (statute), ``"1.15 nmi"`` or ``"1.15NM"`` (nautical), ``"960km/h"``,
        ``"450kt"``, ``"17"`` or ``"17s"``, ``"19000ft"`` or ``"FL190"``; no unit means metres,
        metres per second or seconds.
    kind : {"length", "speed", "duration", "altitude"}

    Returns
    -------
    value, half_step : float
        The value in m, m/s or s, and half a unit of its last written digit in the same unit (the
        rounding a published figure carries: "1.15 mi" is 1.15 +- 0.005 mi).

    Raises
    ------
    InputError
        When the text is not a number with a known unit of that kind.

    Examples
    --------
    >>> [round(v, 3) for v in parse_quantity("1.15mi", "length")]
    [1850.746, 8.047]
    >>> round(parse_quantity("FL190", "altitude")[0], 6), parse_quantity("17", "duration")
    (5791.2, (17.0, 0.5))
    """
    from .errors import InputError

    units = _UNITS[kind]
    raw = text.strip().replace(" ", "").lower()
    if kind == "altitude" and raw.startswith("fl"):
        number, unit = raw[2:], "fl"
    else:
        split = len(raw) - len(raw.lstrip("+-.0123456789eE"))
        while split > 0 and raw[split - 1] in "eE":  # "5e" of "5em" is not an exponent
            split -= 1
        number, unit = raw[:split], raw[split:] or _DEFAULT_UNIT[kind]
    if unit not in units:
        raise InputError(f"{text!r}: unknown {kind} unit {unit!r} (known: {', '.join(units)})")
    try:
        value = float(number)
    except ValueError:
        raise InputError(f"{text!r}: not a {kind} (a number with an optional unit, e.g. "
                         f"{'1.15mi' if kind == 'length' else '960km/h' if kind == 'speed' else '17s'})") from None
    decimals = len(number.split(".")[1]) if "." in number and "e" not in number else 0
    return value * units[unit], 0.5 * 10.0 ** -decimals * units[unit]
