"""Custom zones from OpenAir airspace files (WinPilot format, as extended by Naviter).

Records read: ``AC`` class (kept in ``properties["class"]``), ``AN`` name, ``AL`` / ``AH``
floor and ceiling, ``V X=`` arc centre, ``V D=+`` / ``V D=-`` direction (clockwise by default,
reset at each ``AC``), ``DP`` point, ``DA radius, start, end`` arc, ``DB point1, point2`` arc and
``DC radius`` circle (radii in nautical miles of 1852 m, angles as true bearings in degrees
from the centre). Comments (from ``*`` to the end of the line), blank lines and other records
(``AT``, ``AY``, ``SP``, ``SB``, ...) are ignored. A malformed record is reported with file and
line and its whole airspace is skipped; airway segments (``DY``) are reported as unsupported
the same way.

Geometry: arcs and circles are densified along WGS84 geodesics with at most 0.5 degrees of
azimuth between vertices, every vertex at the exact geodesic distance from the centre; the
edges between vertices are then straight in lon/lat like every other zone edge. A ``DB`` arc
runs from its first to its second point exactly; if they lie at different distances from the
centre, the radius changes linearly with azimuth. A ``DA`` arc whose start and end bearing are
equal is a full circle. Longitudes are made continuous along the outline, so a zone across
the antimeridian has longitudes beyond ±180.

Vertical limits, in metres, each with its reference (``Airspace.floor_ref`` / ``ceiling_ref``,
see :func:`limit_reference`): ``FL95`` is 9500 ft of pressure altitude (reference ``FL``, compared
with barometric altitude); ``3500ft`` / ``3500 ft AMSL`` / ``MSL`` / ``ALT``, ``1000m`` are true
altitude (``AMSL``); ``1000ft AGL`` / ``AGND`` / ``ASFC`` / ``GND`` are heights above the ground
(``AGL``); ``5500ft STD`` is pressure altitude (``FL``); a bare number is feet (OpenAir's unit);
``GND`` / ``SFC`` alone are the surface (0 m, ``SFC``). ``UNL`` / ``UNLIM`` / ``UNLTD`` are
unlimited (``inf``). A missing ``AL`` / ``AH`` is unlimited.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from os import PathLike

import numpy as np
import shapely

from ..errors import BadInput
from ..geodesy import GEOD, geodesic_circle, unwrap_lon
from ..units import FOOT_M, NAUTICAL_MILE_M
from .model import Airspace
from .shapes import read_bytes, repair

MAX_STEP_DEG = 0.5
MAX_RADIUS_NM = 5000.0

_NUMBER = r"[+-]?\d+(?:\.\d*)?(?::\d+(?:\.\d*)?){0,2}"
_PAIR = rf"({_NUMBER})\s*([NS])?(?:\s*,\s*|\s+|(?<=[NS]))({_NUMBER})\s*([EW])?"
_COORDINATE = re.compile(rf"\s*{_PAIR}\s*", re.ASCII | re.IGNORECASE)
_TWO_COORDINATES = re.compile(rf"\s*{_PAIR}\s*,\s*{_PAIR}\s*", re.ASCII | re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n?|\n")
_RECORD = re.compile(r"([A-Za-z]+)\s*(.*)", re.ASCII)
_FLIGHT_LEVEL = re.compile(r"FL\s*(\d+(?:\.\d*)?)", re.ASCII)
_HEIGHT = re.compile(r"(\d+(?:\.\d*)?)\s*(FT|F|M)?\s*(AMSL|MSL|ALT|AGL|AGND|ASFC|GND|SFC|STD)?", re.ASCII)
_GROUND = {"GND", "SFC", "GROUND"}
_UNLIMITED = {"UNL", "UNLIM", "UNLTD", "UNLIMITED"}
_SUFFIX_REFERENCE = {"STD": "FL", "AGL": "AGL", "AGND": "AGL", "ASFC": "AGL", "GND": "AGL", "SFC": "AGL"}


def read_openair(path: str | PathLike, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from an OpenAir file (UTF-8, else Windows-1252); bad records go to ``bad``."""
    return parse_openair(decode_openair(read_bytes(path)), str(path), bad)


def decode_openair(data: bytes) -> str:
    """OpenAir text: UTF-8 (with or without BOM), else the legacy Windows-1252."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_openair(text: str, source: str, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from OpenAir text; ``source`` names the input in messages (``source:line``)."""
    bad = bad if bad is not None else BadInput()
    zones: list[Airspace] = []
    block: _Block | None = None
    airspaces = 0
    for lineno, raw in enumerate(_LINE_BREAK.split(text), start=1):
        match = _RECORD.match(raw.strip())
        if match is None:  # blank line, comment or junk without a record key
            continue
        key, arg = match.group(1).upper(), match.group(2)
        if key == "AC":
            _finish(block, zones, source, bad)
            block = _Block(line=lineno, airspace_class=_strip_comment(arg), ordinal=airspaces)
            airspaces += 1
            continue
        handler = _HANDLERS.get(key)
        if handler is None:
            continue
        if block is None:
            bad.report(source, lineno, f"{key} record before the first AC record",
                       kind="OpenAir record outside an airspace")
            continue
        if block.failed:
            continue
        try:
            handler(block, _strip_comment(arg))
        except ValueError as error:
            block.failed = True
            bad.report(source, lineno, f"bad {key} record {raw.strip()!r}: {error}; airspace skipped",
                       kind="bad OpenAir record")
    _finish(block, zones, source, bad)
    return zones


def parse_coordinate(text: str) -> tuple[float, float]:
    """``(lon, lat)`` in degrees from an OpenAir position.

    Accepts ``39:29:09 N 119:46:40 W``, ``39:29.5N 119:46.5W``, ``39.4858 N 119.7778 W`` and
    signed decimals ``39.4858 -119.7778`` (latitude first). Raises ValueError otherwise.
    """
    match = _COORDINATE.fullmatch(text)
    if match is None:
        raise ValueError("not a 'lat N|S lon E|W' position")
    return _position(*match.groups())


def parse_limit(text: str) -> float:
    """A vertical limit in metres in its own reference (see the module notes and
    :func:`limit_reference`); ValueError if unknown."""
    value = " ".join(text.upper().split())
    if value in _GROUND:
        return 0.0
    if value in _UNLIMITED:
        return math.inf
    if match := _FLIGHT_LEVEL.fullmatch(value):
        return float(match.group(1)) * 100.0 * FOOT_M
    if match := _HEIGHT.fullmatch(value):
        number, unit = float(match.group(1)), match.group(2)
        return number if unit == "M" else number * FOOT_M
    raise ValueError(f"unrecognised altitude {text.strip()!r}")


def limit_reference(text: str) -> str:
    """What a vertical limit is measured from: ``FL``, ``AMSL``, ``AGL`` or ``SFC``
    (``airspace.model.VERTICAL_REFERENCES``); ``AMSL`` for unlimited and unrecognised text.

    Examples
    --------
    >>> [limit_reference(t) for t in ("FL95", "2500ft MSL", "1000 ft AGL", "GND", "5500ft STD", "3500")]
    ['FL', 'AMSL', 'AGL', 'SFC', 'FL', 'AMSL']
    """
    value = " ".join(text.upper().split())
    if value in _GROUND:
        return "SFC"
    if _FLIGHT_LEVEL.fullmatch(value):
        return "FL"
    match = _HEIGHT.fullmatch(value)
    return _SUFFIX_REFERENCE.get(match.group(3) or "", "AMSL") if match else "AMSL"


def arc_points(lon: float, lat: float, start_az: float, sweep_deg: float,
               start_m: float, end_m: float) -> np.ndarray:
    """(n, 2) lon/lat vertices of an arc around a centre, both ends included.

    The arc starts at azimuth ``start_az`` (degrees) and turns ``sweep_deg`` (positive =
    clockwise) in steps of at most 0.5 degrees; the geodesic distance from the centre goes
    linearly from ``start_m`` to ``end_m`` metres.
    """
    steps = max(math.ceil(abs(sweep_deg) / MAX_STEP_DEG - 1e-9), 1)
    t = np.linspace(0.0, 1.0, steps + 1)
    lons, lats, _ = GEOD.fwd(np.full(steps + 1, lon), np.full(steps + 1, lat),
                             start_az + sweep_deg * t, start_m + (end_m - start_m) * t)
    return np.column_stack([lons, lats])


@dataclass
class _Block:
    """The airspace being read: from its AC record to the next one."""

    line: int
    airspace_class: str
    ordinal: int  # 0-based count of AC records before it, for the name zone-<ordinal>
    name: str = ""
    floor_text: str = ""
    ceiling_text: str = ""
    floor_m: float = -math.inf
    ceiling_m: float = math.inf
    floor_ref: str = "AMSL"
    ceiling_ref: str = "AMSL"
    centre: tuple[float, float] | None = None
    clockwise: bool = True
    pieces: list[np.ndarray] = field(default_factory=list)
    failed: bool = False

    def need_centre(self) -> tuple[float, float]:
        if self.centre is None:
            raise ValueError("no centre (V X=) set before it")
        return self.centre


def _set_name(block: _Block, arg: str) -> None:
    block.name = arg.strip()


def _set_floor(block: _Block, arg: str) -> None:
    block.floor_m, block.floor_text, block.floor_ref = parse_limit(arg), arg.strip(), limit_reference(arg)


def _set_ceiling(block: _Block, arg: str) -> None:
    block.ceiling_m, block.ceiling_text, block.ceiling_ref = parse_limit(arg), arg.strip(), limit_reference(arg)


def _set_variable(block: _Block, arg: str) -> None:
    match = re.fullmatch(r"\s*([A-Za-z])\s*=\s*(.*?)\s*", arg)
    if match is None:
        raise ValueError("expected 'V name=value'")
    name, value = match.group(1).upper(), match.group(2)
    if name == "X":
        block.centre = parse_coordinate(value)
    elif name == "D":
        if value not in ("+", "-"):
            raise ValueError("direction must be + or -")
        block.clockwise = value == "+"
    # W (airway width), Z (zoom) and T are display or DY settings: ignored.


def _add_point(block: _Block, arg: str) -> None:
    block.pieces.append(np.array([parse_coordinate(arg)]))


def _add_arc_by_angles(block: _Block, arg: str) -> None:
    lon, lat = block.need_centre()
    parts = arg.split(",")
    if len(parts) != 3:
        raise ValueError("expected 'DA radius, start angle, end angle'")
    radius_m, start, end = _radius_m(parts[0]), _number(parts[1]), _number(parts[2])
    sweep = (end - start) % 360.0 if block.clockwise else -((start - end) % 360.0)
    if sweep == 0.0:
        sweep = 360.0 if block.clockwise else -360.0
    block.pieces.append(arc_points(lon, lat, start, sweep, radius_m, radius_m))


def _add_arc_by_points(block: _Block, arg: str) -> None:
    lon, lat = block.need_centre()
    match = _TWO_COORDINATES.fullmatch(arg)
    if match is None:
        raise ValueError("expected 'DB point1, point2'")
    first, last = _position(*match.groups()[:4]), _position(*match.groups()[4:])
    (az1, az2), _, (r1, r2) = GEOD.inv([lon, lon], [lat, lat], [first[0], last[0]], [first[1], last[1]])
    if min(r1, r2) == 0.0:
        raise ValueError("an end point is the centre")
    sweep = (az2 - az1) % 360.0 if block.clockwise else -((az1 - az2) % 360.0)
    points = arc_points(lon, lat, az1, sweep, r1, r2)
    points[0], points[-1] = first, last
    block.pieces.append(points)


def _add_circle(block: _Block, arg: str) -> None:
    lon, lat = block.need_centre()
    block.pieces.append(geodesic_circle(lon, lat, _radius_m(arg), MAX_STEP_DEG))


def _reject_airway(block: _Block, arg: str) -> None:
    raise ValueError("airway segments (DY) are not supported; outline the airway with DP points")


_HANDLERS = {
    "AN": _set_name, "AL": _set_floor, "AH": _set_ceiling, "V": _set_variable, "DP": _add_point,
    "DA": _add_arc_by_angles, "DB": _add_arc_by_points, "DC": _add_circle, "DY": _reject_airway,
}


def _finish(block: _Block | None, zones: list[Airspace], source: str, bad: BadInput) -> None:
    """Turn a fully read airspace into a zone, or report why it cannot be one."""
    if block is None or block.failed:
        return
    what = f"airspace {block.name or '(unnamed)'!r}"
    try:
        geometry = _outline(block.pieces)
        if block.floor_m >= block.ceiling_m:
            raise ValueError(f"floor {block.floor_text!r} is not below ceiling {block.ceiling_text!r}")
    except ValueError as error:
        bad.report(source, block.line, f"{what}: {error}; skipped",
                   kind="bad OpenAir airspace")
        return
    geometry, repaired = repair(geometry)
    if geometry.is_empty:
        bad.report(source, block.line, f"{what} has no area; skipped",
                   kind="bad OpenAir airspace")
        return
    if repaired:
        bad.report(source, block.line, f"{what}: self-intersecting outline repaired (make_valid linework, "
                   "areal part kept)", kind="repaired OpenAir outline")
    zones.append(Airspace(
        name=block.name or f"zone-{block.ordinal}", geometry=geometry,
        floor_m=block.floor_m, ceiling_m=block.ceiling_m, floor_ref=block.floor_ref, ceiling_ref=block.ceiling_ref,
        kind="zone", source=f"{source}:{block.line}",
        properties={"class": block.airspace_class, "floor": block.floor_text, "ceiling": block.ceiling_text}))


def _outline(pieces: list[np.ndarray]) -> shapely.Polygon:
    """One polygon from the points, arcs and circles in file order, longitudes made continuous."""
    if not pieces:
        raise ValueError("no DP, DA, DB or DC records")
    ring = np.vstack(pieces)
    ring = ring[np.r_[True, np.any(np.diff(ring, axis=0) != 0.0, axis=1)]]
    ring[:, 0] = unwrap_lon(ring[:, 0])
    if np.allclose(ring[0], ring[-1], rtol=0.0, atol=1e-9):  # closed in the file or a full turn
        ring = ring[:-1]
    if len(ring) < 3:
        raise ValueError(f"outline has {len(ring)} distinct point(s), needs 3")
    if np.ptp(ring[:, 0]) >= 359.0:
        raise ValueError("outline encloses a pole, which is not supported")
    return shapely.Polygon(ring)


def _position(lat_text: str, ns: str | None, lon_text: str, ew: str | None) -> tuple[float, float]:
    """``(lon, lat)`` from the matched parts of a position."""
    if (ns is None) != (ew is None):
        raise ValueError("give both hemisphere letters or neither")
    lat, lon = _degrees(lat_text), _degrees(lon_text)
    if ns is not None and ew is not None:
        if lat_text[0] in "+-" or lon_text[0] in "+-":
            raise ValueError("a sign and a hemisphere letter together")
        lat = -lat if ns.upper() == "S" else lat
        lon = -lon if ew.upper() == "W" else lon
    if abs(lat) > 90.0 or abs(lon) > 180.0:
        raise ValueError("latitude beyond 90 or longitude beyond 180 degrees")
    return lon, lat


def _degrees(text: str) -> float:
    """Degrees from ``d``, ``d:m`` or ``d:m:s`` (only the last part may have decimals)."""
    sign = -1.0 if text.startswith("-") else 1.0
    parts = text.lstrip("+-").split(":")
    if any("." in p for p in parts[:-1]):
        raise ValueError(f"{text!r}: only the last part may have decimals")
    values = [float(p) for p in parts]
    if any(v >= 60.0 for v in values[1:]):
        raise ValueError(f"{text!r}: minutes and seconds must be below 60")
    return sign * sum(v / 60.0**i for i, v in enumerate(values))


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value


def _radius_m(text: str) -> float:
    """A radius in nautical miles as metres; it must be positive and at most MAX_RADIUS_NM."""
    radius_nm = _number(text)
    if not 0.0 < radius_nm <= MAX_RADIUS_NM:
        raise ValueError(f"radius {radius_nm} NM is not in (0, {MAX_RADIUS_NM:g}]")
    return radius_nm * NAUTICAL_MILE_M


def _strip_comment(arg: str) -> str:
    """A record's argument without a trailing ``*`` comment."""
    return arg.split("*", 1)[0].strip()
