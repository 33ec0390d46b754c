"""Custom zone files: pick the reader by content.

A zone file is GeoJSON (the first non-blank character is ``{``), KML (an XML document whose
root is ``<kml>``) or OpenAir (anything else); gzip is decompressed and ``-`` reads standard
input. Every reader returns :class:`~skyborder.airspace.model.Airspace` objects with
``kind="zone"``, each with an ``id`` unique within its file; a zone's name is its ``airspace``
value in results, its id the ``airspace_id``.
"""
from __future__ import annotations

from os import PathLike

from ..errors import BadInput, InputError
from .geojson import parse_geojson_zones
from .kml import parse_kml_zones
from .model import Airspace
from .openair import decode_openair, parse_openair
from .shapes import read_bytes

__all__ = ["read_zones"]


def read_zones(path: str | PathLike, bad: BadInput | None = None) -> list[Airspace]:
    """Zones from a GeoJSON, KML or OpenAir file, chosen by content.

    Bad records are reported to ``bad`` (file and line or feature index) and skipped; what a
    reader did to zones it kept (a repaired outline, a limit that cannot be known) is a note.
    Raises :class:`InputError` when the file cannot be read or yields no zone at all.
    """
    bad = bad if bad is not None else BadInput()
    data = read_bytes(path)
    source = str(path)
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        zones, kind = parse_geojson_zones(data, source, bad), "GeoJSON"
    elif text.startswith(b"<") and b"<kml" in text[:4096].lower():
        zones, kind = parse_kml_zones(data, source, bad), "KML"
    else:
        zones, kind = parse_openair(decode_openair(data), source, bad), "OpenAir"
    if not zones:
        skipped = f"; {bad.summary()}" if bad.total else ""
        raise InputError(f"no usable zone in {source} (read as {kind}{skipped})")
    return zones
