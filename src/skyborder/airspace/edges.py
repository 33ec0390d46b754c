"""Boundary edges of airspaces as flat arrays, and which grid cells each edge meets.

An edge is a straight line in lon/lat (degrees) between two consecutive ring vertices; the
index's grids and the crossing engine work on these arrays, never on shapely objects.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..arrays import expand_ranges

__all__ = ["EdgeSet", "boundary_edges", "edges_in_cells", "split_long_edges"]


@dataclass(frozen=True)
class EdgeSet:
    """Boundary edges (straight in lon/lat), degrees, with the airspace each belongs to."""

    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray
    airspace: np.ndarray  # int32 position in the index's airspace list

    def __len__(self) -> int:
        return len(self.x1)

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(x1, y1, x2, y2, airspace): what identifies the edges (e.g. for a content hash)."""
        return self.x1, self.y1, self.x2, self.y2, self.airspace


def boundary_edges(geometries: list[shapely.Geometry]) -> EdgeSet:
    """All ring edges of the polygons, as arrays, tagged with the geometry's position.

    Examples
    --------
    >>> edges = boundary_edges([shapely.box(0.0, 0.0, 1.0, 2.0)])
    >>> len(edges), float(edges.x1.min()), float(edges.y2.max()), edges.airspace.tolist()
    (4, 0.0, 2.0, [0, 0, 0, 0])
    """
    lines = shapely.boundary(np.asarray(geometries, dtype=object))
    parts, owner = shapely.get_parts(lines, return_index=True)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    same = part_of[1:] == part_of[:-1]
    start = np.flatnonzero(same)
    return EdgeSet(coords[start, 0], coords[start, 1], coords[start + 1, 0], coords[start + 1, 1],
                   owner[part_of[start]].astype(np.int32))


def split_long_edges(edges: EdgeSet, max_len_deg: float) -> tuple[np.ndarray, ...]:
    """Sub-edges no longer than ``max_len_deg`` degrees: (x1, y1, x2, y2, parent edge index)."""
    length = np.hypot(edges.x2 - edges.x1, edges.y2 - edges.y1)
    pieces = np.maximum(np.ceil(length / max_len_deg), 1).astype(np.int64)
    parent = np.repeat(np.arange(len(edges)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = np.arange(len(parent)) - first
    f0, f1 = k / pieces[parent], (k + 1) / pieces[parent]
    dx, dy = edges.x2 - edges.x1, edges.y2 - edges.y1
    return (edges.x1[parent] + f0 * dx[parent], edges.y1[parent] + f0 * dy[parent],
            edges.x1[parent] + f1 * dx[parent], edges.y1[parent] + f1 * dy[parent], parent)


def edges_in_cells(edges: EdgeSet, deg: float, nx: int, ny: int, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """(cell number ``iy * nx + ix``, edge) for every cell of a ``deg``-degree grid that an edge
    meets, each cell widened by ``eps`` degrees on every side.

    Cells whose four (widened) corners all lie strictly on one side of the edge's line are
    dropped, so the list is exact up to the widening.

    Examples
    --------
    >>> e = boundary_edges([shapely.box(0.1, 0.1, 0.9, 0.2)])
    >>> cell, edge = edges_in_cells(e, 0.5, 720, 360, 1e-9)
    >>> sorted(set((cell % 720 - 360).tolist()))  # the box spans the cells from lon 0 and 0.5
    [0, 1]
    """
    x1, y1, x2, y2 = edges.x1, edges.y1, edges.x2, edges.y2
    ix0 = np.clip(np.floor((np.minimum(x1, x2) - eps + 180.0) / deg), 0, nx - 1).astype(np.int64)
    ix1 = np.clip(np.floor((np.maximum(x1, x2) + eps + 180.0) / deg), 0, nx - 1).astype(np.int64)
    iy0 = np.clip(np.floor((np.minimum(y1, y2) - eps + 90.0) / deg), 0, ny - 1).astype(np.int64)
    iy1 = np.clip(np.floor((np.maximum(y1, y2) + eps + 90.0) / deg), 0, ny - 1).astype(np.int64)
    owner, ix = expand_ranges(ix0, ix1)
    owner2, iy = expand_ranges(iy0[owner], iy1[owner])
    edge, ix = owner[owner2], ix[owner2]
    dx, dy = x2[edge] - x1[edge], y2[edge] - y1[edge]
    cx0, cy0 = ix * deg - 180.0 - eps, iy * deg - 90.0 - eps
    width = deg + 2 * eps
    above = np.ones(len(edge), bool)
    below = np.ones(len(edge), bool)
    for cx, cy in ((cx0, cy0), (cx0 + width, cy0), (cx0, cy0 + width), (cx0 + width, cy0 + width)):
        side = dx * (cy - y1[edge]) - dy * (cx - x1[edge])
        above &= side > 0
        below &= side < 0
    keep = ~(above | below)
    return iy[keep] * nx + ix[keep], edge[keep]
