"""Custom zone files: pick the reader by content.

A zone file is GeoJSON (the first non-blank character is ``{``) or OpenAir (anything else).
Both readers return :class:`~skyborder.airspace.model.Airspace` objects with ``kind="zone"``;
a zone's name is its ``airspace`` value in results.
"""
from __future__ import annotations

from os import PathLike

from ..errors import BadInput, InputError
from .geojson import parse_geojson_zones
from .model import Airspace
from .openair import decode_openair, parse_openair
from .shapes import read_bytes


def read_zones(path: str | PathLike, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from a GeoJSON or OpenAir file, chosen by content (GeoJSON when it starts with ``{``).

    Bad records are reported to ``bad`` (file and line or feature index) and skipped. Raises
    :class:`InputError` when the file cannot be read or yields no zone at all.
    """
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
