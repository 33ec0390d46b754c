"""Custom zone files: pick the reader by content and share what both readers need.

A zone file is GeoJSON (the first non-blank character is ``{``) or OpenAir (anything else).
Both readers return :class:`~skyborder.airspace.model.Airspace` objects with ``kind="zone"``;
a zone's name is its ``airspace`` value in results.
"""
from __future__ import annotations

from os import PathLike

import shapely

from ..errors import BadInput, InputError
from .model import Airspace


def read_bytes(path: str | PathLike) -> bytes:
    """The whole file; an unreadable file raises :class:`InputError` with a one-line message."""
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise InputError(f"cannot read zones file {path}: {error.strerror or error}") from None


def areal_part(geom: shapely.Geometry) -> shapely.Geometry:
    """The polygonal part of a geometry (lines and points that ``make_valid`` may add are dropped)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def repair(geom: shapely.Geometry) -> tuple[shapely.Geometry, bool]:
    """A valid areal geometry and whether a repair was needed.

    Invalid input is repaired with ``make_valid(method="linework")`` (the method that keeps
    enclaves and holes right) and only its areal part is kept; the result may be empty.
    """
    if shapely.is_valid(geom):
        return geom, False
    return areal_part(shapely.make_valid(geom, method="linework")), True


def read_zones(path: str | PathLike, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from a GeoJSON or OpenAir file, chosen by content (GeoJSON when it starts with ``{``).

    Bad records are reported to ``bad`` (file and line or feature index) and skipped. Raises
    :class:`InputError` when the file cannot be read or yields no zone at all.
    """
    # The format modules import read_bytes/repair from here, so they are imported on use.
    from .geojson import parse_geojson_zones
    from .openair import decode_openair, parse_openair

    bad = bad if bad is not None else BadInput()
    data = read_bytes(path)
    source = str(path)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        zones = parse_geojson_zones(data, source, bad)
        kind = "GeoJSON"
    else:
        zones = parse_openair(decode_openair(data), source, bad)
        kind = "OpenAir"
    if not zones:
        skipped = f"; {bad.summary()}" if bad.total else ""
        raise InputError(f"no usable zone in {source} (read as {kind}{skipped})")
    return zones
