"""Custom zones from OpenAir airspace files (WinPilot's format, as extended by Naviter), in the
dialects real files use.

Records: ``AC`` class, ``AY`` type (extended format), ``AN`` name, ``AI`` identifier (extended
format; the zone id when given), ``AL`` / ``AH`` floor and ceiling (see ``limits``), ``V X=`` arc
centre, ``V D=+`` / ``V D=-`` direction (clockwise by default, reset at each ``AC``), ``V W=``
airway width (NM), ``DP`` point, ``DA radius, start, end`` arc, ``DB point1, point2`` arc,
``DC radius`` circle, ``DY`` airway centre-line point (radii and widths in nautical miles of
1852 m, angles true bearings in degrees from the centre). Comments (``*`` to the end of the
line), blank lines and records that do not shape a zone (``AT``, ``AF``, ``AG``, ``AA``,
``SP``, ``SB``, unknown ones) are ignored; ``TO`` / ``TC`` terrain blocks are not airspace and
are skipped whole.

Dialects read as XCSoar and aerofiles read them, plus what real files need:

- positions ``39:29:09 N 119:46:40 W``, ``39:29.5N 119:46.5W``, ``39.4858 N 119.7778 W``, signed
  decimals ``39.4858 -119.7778``, degree signs ``39°29'09"N``; a minute or second of exactly 60
  (``47:22:60``, a rounding artefact) is carried; a label after a position (``DP ... W c29``) is
  ignored;
- an arc or circle written before its centre (``DA`` then ``V X=``) takes the next centre of
  its airspace;
- limits with remarks or in any word order (``UNLIM (Mon-Fri)``, ``2900AMSL FT``); a limit that
  cannot be known (``NOTAM``, ``Ask on 122.8``) keeps the zone, at its widest, with the limit
  flagged in ``properties`` and a note (never dropped);
- airways (``DY`` with ``V W=``): a corridor of half the width on each side of the centre line.

A zone that cannot be drawn (a malformed position, an arc without any centre, fewer than three
points) is reported with file and line and skipped; a self-intersecting outline is repaired
(``make_valid`` linework, area kept) and noted, not skipped.

Why not aerofiles (MIT), which reads OpenAir too: its reader drops a whole airspace at the
first record it cannot parse (an unknown record type, a decimal position, a ``DA`` before its
centre), keeps an arc centre from one airspace to the next, and has no decimal or degree-sign
positions; the tests use it as an independent reference for the records both read.

Geometry: arcs and circles are densified along WGS84 geodesics with at most 0.5 degrees of
azimuth between vertices, every vertex at the exact geodesic distance from the centre; the
edges between vertices are then straight in lon/lat like every other zone edge. A ``DB`` arc
runs from its first to its second point exactly; if they lie at different distances from the
centre, the radius changes linearly with azimuth. A ``DA`` arc whose start and end bearing are
equal is a full circle. Longitudes are made continuous along the outline, so a zone across
the antimeridian has longitudes beyond ±180.

Vertical limits, in metres, each with its reference (``Airspace.floor_ref`` / ``ceiling_ref``:
``FL``, ``AMSL``, ``AGL`` or ``SFC``, see ``limits``): ``FL95`` is 9500 ft of pressure altitude
(``FL``, compared with barometric altitude); ``3500ft`` / ``MSL`` / ``ALT`` / ``1000m`` true altitude
(``AMSL``); ``1000ft AGL`` / ``AGND`` / ``ASFC`` heights above the ground (``AGL``); ``5500ft STD``
pressure altitude (``FL``); ``GND`` / ``SFC`` alone the surface (``SFC``); ``UNL`` unlimited. A
missing ``AL`` / ``AH`` is unlimited.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike

import numpy as np
import shapely

from ..errors import BadInput
from ..geodesy import GEOD, geodesic_circle, unwrap_lon
from ..units import NAUTICAL_MILE_M
from .limits import Limit, read_limit
from .model import Airspace
from .shapes import identify, read_bytes, repair

__all__ = ["arc_points", "decode_openair", "limit_reference", "parse_coordinate", "parse_limit", "parse_openair",
           "read_openair"]

MAX_STEP_DEG = 0.5
MAX_RADIUS_NM = 5000.0
AIRWAY_STEP_M = 10_000.0  # airway centre lines are densified to this before offsetting

_NUMBER = r"[+-]?\d+(?:\.\d*)?(?::\d+(?:\.\d*)?){0,2}"
_PAIR = rf"({_NUMBER})\s*([NS])?(?:\s*,\s*|\s+|(?<=[NS]))({_NUMBER})\s*([EW])?"
_COORDINATE = re.compile(rf"\s*{_PAIR}", re.ASCII | re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n?|\n")
_RECORD = re.compile(r"([A-Za-z]+)\s*(.*)", re.ASCII)
_DEGREE_SIGNS = ((re.compile(r"(\d)\s*[°º]\s*"), r"\1:"), (re.compile(r"(\d)\s*['′]\s*"), r"\1:"),
                 (re.compile(r"[\"″]"), ""), (re.compile(r":(?=\s|[NSEWnsew,]|$)"), ""))
_TERRAIN = {"TO", "TC"}


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
    """Zones from OpenAir text; ``source`` names the input in messages (``source:line``).

    Examples
    --------
    >>> zones = parse_openair("AC R\\nAN TRA 1\\nAL FL95\\nAH NOTAM\\nV X=36N 36E\\nDC 5\\n", "f")
    >>> z = zones[0]
    >>> z.name, z.airspace_class, round(z.floor_m, 1), z.ceiling_m, z.properties["ceiling_known"]
    ('TRA 1', 'R', 2895.6, inf, False)
    """
    bad = bad if bad is not None else BadInput()
    zones: list[Airspace] = []
    block: _Block | None = None
    airspaces = 0
    for lineno, raw in enumerate(_LINE_BREAK.split(text), start=1):
        match = _RECORD.match(raw.strip())
        if match is None:  # blank line, comment or junk without a record key
            continue
        key, arg = match.group(1).upper(), match.group(2)
        if key == "AC" or key in _TERRAIN:
            _finish(block, zones, source, bad)
            block = _Block(line=lineno, airspace_class=_strip_comment(arg), ordinal=airspaces,
                           terrain=key in _TERRAIN)
            airspaces += key == "AC"
            continue
        handler = _HANDLERS.get(key)
        if handler is None:
            continue
        if block is None:
            bad.report(source, lineno, f"{key} record before the first AC record",
                       kind="OpenAir record outside an airspace")
            continue
        if block.failed or block.terrain:
            continue
        try:
            block.current_line = lineno
            handler(block, _strip_comment(arg))
        except ValueError as error:
            block.failed = True
            bad.report(source, lineno, f"bad {key} record {raw.strip()!r}: {error}; airspace skipped",
                       kind="bad OpenAir record")
    _finish(block, zones, source, bad)
    return identify(zones)


def parse_coordinate(text: str) -> tuple[float, float]:
    """``(lon, lat)`` in degrees from an OpenAir position (nothing else may follow it).

    Accepts ``39:29:09 N 119:46:40 W``, ``39:29.5N 119:46.5W``, ``39.4858 N 119.7778 W``, degree
    signs ``39°29'09"N 119°46'40"W`` and signed decimals ``39.4858 -119.7778`` (latitude first).
    Raises ValueError otherwise.
    """
    (lon, lat), rest = _leading_coordinate(text)
    if rest.strip():
        raise ValueError("not a 'lat N|S lon E|W' position")
    return lon, lat


def _leading_coordinate(text: str) -> tuple[tuple[float, float], str]:
    """The position at the start of ``text`` and what follows it (a label, or another position)."""
    for pattern, replacement in _DEGREE_SIGNS:
        text = pattern.sub(replacement, text)
    match = _COORDINATE.match(text)
    if match is None:
        raise ValueError("not a 'lat N|S lon E|W' position")
    rest = text[match.end():]
    if rest and not rest[0].isspace() and rest[0] != ",":
        raise ValueError("not a 'lat N|S lon E|W' position")
    return _position(*match.groups()), rest


def parse_limit(text: str) -> float:
    """A vertical limit in metres in its own reference (see ``limits``); ValueError when the
    text gives no limit that can be known (``NOTAM``)."""
    limit = read_limit(text)
    if not limit.known:
        raise ValueError(f"unrecognised altitude {text.strip()!r}")
    return limit.metres


def limit_reference(text: str) -> str:
    """What a vertical limit is measured from: ``FL``, ``AMSL``, ``AGL`` or ``SFC``.

    Examples
    --------
    >>> [limit_reference(t) for t in ("FL95", "2500ft MSL", "1000 ft AGL", "GND", "5500ft STD", "3500")]
    ['FL', 'AMSL', 'AGL', 'SFC', 'FL', 'AMSL']
    """
    return read_limit(text).reference


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


Piece = Callable[[tuple[float, float]], np.ndarray]  # an arc or circle waiting for its centre


@dataclass
class _Block:
    """The airspace being read: from its AC record to the next one."""

    line: int
    airspace_class: str
    ordinal: int  # 0-based count of AC records before it, for the name zone-<ordinal>
    terrain: bool = False
    name: str = ""
    airspace_type: str = ""
    ident: str = ""
    floor: Limit = field(default_factory=lambda: Limit(-math.inf, "AMSL", True, ""))
    ceiling: Limit = field(default_factory=lambda: Limit(math.inf, "AMSL", True, ""))
    centre: tuple[float, float] | None = None
    clockwise: bool = True
    width_m: float | None = None
    pieces: list[np.ndarray | Piece] = field(default_factory=list)
    airway: list[tuple[float, float]] = field(default_factory=list)
    failed: bool = False
    current_line: int = 0  # the line being read
    waiting_line: int = 0  # the first arc or circle still waiting for a centre

    def add_arc(self, piece: Piece) -> None:
        """An arc or circle: drawn now, or when the airspace's centre (V X=) is given."""
        if self.centre is not None:
            self.pieces.append(piece(self.centre))
        else:
            self.pieces.append(piece)
            self.waiting_line = self.waiting_line or self.current_line


def _set_name(block: _Block, arg: str) -> None:
    block.name = arg.strip()


def _set_type(block: _Block, arg: str) -> None:
    block.airspace_type = arg.strip()


def _set_ident(block: _Block, arg: str) -> None:
    block.ident = arg.strip()


def _set_floor(block: _Block, arg: str) -> None:
    block.floor = read_limit(arg.strip(), floor=True)


def _set_ceiling(block: _Block, arg: str) -> None:
    block.ceiling = read_limit(arg.strip(), floor=False)


def _set_variable(block: _Block, arg: str) -> None:
    match = re.fullmatch(r"\s*([A-Za-z])\s*=\s*(.*?)\s*", arg)
    if match is None:
        raise ValueError("expected 'V name=value'")
    name, value = match.group(1).upper(), match.group(2)
    if name == "X":
        centre = block.centre = _leading_coordinate(value)[0]
        block.pieces = [p(centre) if callable(p) else p for p in block.pieces]
        block.waiting_line = 0
    elif name == "D":
        if value[:1] not in ("+", "-"):
            raise ValueError("direction must be + or -")
        block.clockwise = value[:1] == "+"
    elif name == "W":
        block.width_m = _radius_m(value)
    # Z (zoom) and T are display settings: ignored.


def _add_point(block: _Block, arg: str) -> None:
    block.pieces.append(np.array([_leading_coordinate(arg)[0]]))


def _add_arc_by_angles(block: _Block, arg: str) -> None:
    parts = arg.split(",")
    if len(parts) != 3:
        raise ValueError("expected 'DA radius, start angle, end angle'")
    radius_m, start, end = _radius_m(parts[0]), _number(parts[1]), _number(parts[2])
    sweep = (end - start) % 360.0 if block.clockwise else -((start - end) % 360.0)
    if sweep == 0.0:
        sweep = 360.0 if block.clockwise else -360.0
    block.add_arc(lambda c: arc_points(c[0], c[1], start, sweep, radius_m, radius_m))


def _add_arc_by_points(block: _Block, arg: str) -> None:
    first, rest = _leading_coordinate(arg)
    if not rest.strip().startswith(","):
        raise ValueError("expected 'DB point1, point2'")
    last, _ = _leading_coordinate(rest.strip()[1:])
    clockwise = block.clockwise

    def draw(centre: tuple[float, float]) -> np.ndarray:
        lon, lat = centre
        (az1, az2), _, (r1, r2) = GEOD.inv([lon, lon], [lat, lat], [first[0], last[0]], [first[1], last[1]])
        sweep = (az2 - az1) % 360.0 if clockwise else -((az1 - az2) % 360.0)
        points = arc_points(lon, lat, az1, sweep, r1, r2)
        points[0], points[-1] = first, last
        return points

    block.add_arc(draw)


def _add_circle(block: _Block, arg: str) -> None:
    radius_m = _radius_m(arg)
    block.add_arc(lambda c: geodesic_circle(c[0], c[1], radius_m, MAX_STEP_DEG))


def _add_airway_point(block: _Block, arg: str) -> None:
    block.airway.append(_leading_coordinate(arg)[0])


_HANDLERS: dict[str, Callable[[_Block, str], None]] = {
    "AN": _set_name, "AY": _set_type, "AI": _set_ident, "AL": _set_floor, "AH": _set_ceiling, "V": _set_variable,
    "DP": _add_point, "DA": _add_arc_by_angles, "DB": _add_arc_by_points, "DC": _add_circle, "DY": _add_airway_point,
}


def _finish(block: _Block | None, zones: list[Airspace], source: str, bad: BadInput) -> None:
    """Turn a fully read airspace into a zone, or report why it cannot be one."""
    if block is None or block.failed or block.terrain:
        return
    what = f"airspace {block.name or '(unnamed)'!r}"
    if block.waiting_line:
        bad.report(source, block.waiting_line, f"{what}: arc or circle without a centre (no V X= in its "
                   "airspace); skipped", kind="bad OpenAir airspace")
        return
    try:
        geometry = _outline(block)
        if block.floor.metres >= block.ceiling.metres:
            raise ValueError(f"floor {block.floor.text!r} is not below ceiling {block.ceiling.text!r}")
    except ValueError as error:
        bad.report(source, block.line, f"{what}: {error}; skipped", kind="bad OpenAir airspace")
        return
    geometry, repaired = repair(geometry)
    if geometry.is_empty:
        bad.report(source, block.line, f"{what} has no area; skipped", kind="bad OpenAir airspace")
        return
    if repaired:
        bad.note(f"{source}:line {block.line}", f"{what}: self-intersecting outline repaired "
                 "(make_valid linework, areal part kept)")
    for limit, which in ((block.floor, "floor"), (block.ceiling, "ceiling")):
        if not limit.known:
            widest = "the bottom of the airspace" if which == "floor" else "unlimited"
            bad.note(f"{source}:line {block.line}", f"{what}: {which} {limit.text!r} cannot be known; "
                     f"zone kept with its {which} taken as {widest} (flagged {which}_known=false)")
    zones.append(Airspace(
        name=block.name or f"zone-{block.ordinal}", geometry=geometry,
        floor_m=block.floor.metres, ceiling_m=block.ceiling.metres, floor_ref=block.floor.reference,
        ceiling_ref=block.ceiling.reference, kind="zone", source=f"{source}:{block.line}",
        id=block.ident, airspace_class=block.airspace_class, airspace_type=block.airspace_type,
        properties={"class": block.airspace_class, "type": block.airspace_type,
                    "floor": block.floor.text, "ceiling": block.ceiling.text,
                    "floor_known": block.floor.known, "ceiling_known": block.ceiling.known}))


def _outline(block: _Block) -> shapely.Geometry:
    """The zone's area: an airway corridor, or one polygon from its points, arcs and circles."""
    if block.airway:
        if block.pieces:
            raise ValueError("both an outline (DP/DA/DB/DC) and an airway (DY)")
        if block.width_m is None:
            raise ValueError("airway (DY) without a width (V W=)")
        return _corridor(np.array(block.airway), block.width_m / 2.0)
    return _polygon([p for p in block.pieces if not callable(p)])


def _polygon(pieces: list[np.ndarray]) -> shapely.Polygon:
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


def _corridor(line: np.ndarray, half_width_m: float) -> shapely.Geometry:
    """The area within ``half_width_m`` of a centre line of (lon, lat) points: per geodesic
    segment a band offset on both sides (densified every AIRWAY_STEP_M), and a geodesic circle
    at every point (the joins)."""
    if len(line) < 2:
        raise ValueError("airway needs at least 2 DY points")
    parts = [shapely.Polygon(geodesic_circle(lon, lat, half_width_m, MAX_STEP_DEG)) for lon, lat in line]
    for (lon1, lat1), (lon2, lat2) in zip(line[:-1], line[1:]):
        _, _, length = GEOD.inv(lon1, lat1, lon2, lat2)
        n = max(int(math.ceil(length / AIRWAY_STEP_M)) - 1, 0)
        inner = GEOD.npts(lon1, lat1, lon2, lat2, n) if n else []
        lons = np.array([lon1, *[p[0] for p in inner], lon2])
        lats = np.array([lat1, *[p[1] for p in inner], lat2])
        forward, _, _ = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
        forward = np.r_[forward, forward[-1]]
        left = GEOD.fwd(lons, lats, forward - 90.0, np.full(len(lons), half_width_m))
        right = GEOD.fwd(lons, lats, forward + 90.0, np.full(len(lons), half_width_m))
        band = np.vstack([np.column_stack(left[:2]), np.column_stack(right[:2])[::-1]])
        band[:, 0] = unwrap_lon(band[:, 0])
        parts.append(shapely.make_valid(shapely.Polygon(band)))
    return shapely.union_all(parts)


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
    """Degrees from ``d``, ``d:m`` or ``d:m:s`` (only the last part may have decimals; a minute
    or second of exactly 60 is carried, as files rounded to the second write it)."""
    sign = -1.0 if text.startswith("-") else 1.0
    parts = text.lstrip("+-").split(":")
    if any("." in p for p in parts[:-1]):
        raise ValueError(f"{text!r}: only the last part may have decimals")
    values = [float(p) for p in parts]
    if any(v > 60.0 for v in values[1:]):
        raise ValueError(f"{text!r}: minutes and seconds must be at most 60")
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
