"""Bring polygons given with longitudes beyond +/-180 degrees back into [-180, 180].

Edges are straight in lon/lat, so cutting at the antimeridian and shifting a part by 360
degrees describes exactly the same area.
"""
from __future__ import annotations

import shapely

_WORLD = shapely.box(-180.0, -90.0, 180.0, 90.0)


def fold_into_world(geom: shapely.Geometry) -> shapely.Geometry:
    """The same area with every longitude in [-180, 180] (pieces beyond are cut and shifted)."""
    xmin, _, xmax, _ = geom.bounds
    if xmin >= -180.0 and xmax <= 180.0:
        return geom
    pieces = []
    for shift in range(int((xmin + 180.0) // 360.0), int((xmax + 180.0) // 360.0) + 1):
        window = shapely.box(-180.0 + 360.0 * shift, -90.0, 180.0 + 360.0 * shift, 90.0)
        part = shapely.intersection(geom, window)
        if not part.is_empty:
            pieces.append(shapely.transform(part, lambda xy, s=shift: xy - [360.0 * s, 0.0]))
    polygons = [p for piece in pieces for p in shapely.get_parts(piece) if p.geom_type == "Polygon"]
    return shapely.union_all(polygons)
