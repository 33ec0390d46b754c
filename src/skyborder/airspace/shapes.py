"""What every zone reader shares: reading the file, and repairing polygons without losing area.

Kept apart from ``zones`` (which picks a reader) so that the format modules import it and
``zones`` imports them, with no circle.
"""
from __future__ import annotations

from os import PathLike

import shapely

from ..errors import InputError

__all__ = ["areal_part", "read_bytes", "repair"]


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
