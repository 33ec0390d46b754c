"""What every zone reader shares: reading the file, repairing polygons without losing area, and
giving every zone its id.

Kept apart from ``zones`` (which picks a reader) so that the format modules import it and
``zones`` imports them, with no circle.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from os import PathLike, fspath

import shapely

from ..errors import InputError
from ..sources import open_source
from .model import Airspace

__all__ = ["MAX_ZONE_BYTES", "areal_part", "identify", "read_bytes", "repair", "zone_id"]

MAX_ZONE_BYTES = 256 << 20
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def read_bytes(path: str | PathLike) -> bytes:
    """The whole file (gzip decompressed; ``-`` is standard input), at most MAX_ZONE_BYTES;
    an unreadable file raises :class:`InputError` with a one-line message."""
    try:
        with open_source(path) as source:
            return source.read_all(MAX_ZONE_BYTES)
    except InputError as error:
        raise InputError(f"cannot read zones file {fspath(path)}: {str(error).removeprefix(fspath(path) + ': ')}") \
            from None


def zone_id(zone: Airspace) -> str:
    """A stable id for a zone without one: its name as a slug and 8 hex digits of a hash of what
    it is (name, class, type, limits, outline rounded to 1e-7 degree, about 1 cm).

    The same zone gets the same id in every run and wherever it sits in its file; zones that
    share a name (15 "Frankfurt" in a German file) get different ids.

    Examples
    --------
    >>> z = Airspace("Frankfurt", shapely.box(8.5, 50.0, 8.6, 50.1), airspace_class="D")
    >>> zone_id(z)[:10], zone_id(z) == zone_id(dataclasses.replace(z, source="moved:12"))
    ('frankfurt-', True)
    """
    slug = _NOT_SLUG.sub("-", zone.name.lower()).strip("-")[:40] or "zone"
    outline = shapely.set_precision(zone.geometry, 1e-7)
    digest = hashlib.sha1(repr((zone.name, zone.airspace_class, zone.airspace_type, zone.floor_m,
                                zone.ceiling_m)).encode() + shapely.to_wkb(outline, hex=False)).hexdigest()
    return f"{slug}-{digest[:8]}"


def identify(zones: list[Airspace]) -> list[Airspace]:
    """The zones with ``id`` set and unique within the file: the file's own identifier when it
    gives one (OpenAir ``AI``, a GeoJSON ``id``), else :func:`zone_id`; a repeat gets ``-2``,
    ``-3``, ... in file order."""
    seen: Counter = Counter()
    out = []
    for zone in zones:
        base = zone.id.strip() or zone_id(zone)
        seen[base] += 1
        out.append(dataclasses.replace(zone, id=base if seen[base] == 1 else f"{base}-{seen[base]}"))
    return out


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
