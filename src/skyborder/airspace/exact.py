"""The reference point test: shapely, grouped by airspace (for builds and rare fallbacks)."""
from __future__ import annotations

import numpy as np
import shapely

from ..arrays import groups

__all__ = ["contains_and_touches"]


def contains_and_touches(geometries: list[shapely.Geometry], air: np.ndarray, lon: np.ndarray,
                         lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each point (degrees) lies in the interior of its airspace ``geometries[air[i]]``
    (``shapely.contains_xy``), and whether it lies in or on it (``intersects_xy``).

    Examples
    --------
    >>> inside, touching = contains_and_touches([shapely.box(0, 0, 1, 1)], np.array([0, 0, 0]),
    ...                                         np.array([0.5, 1.0, 2.0]), np.array([0.5, 0.5, 0.5]))
    >>> inside.tolist(), touching.tolist()
    ([True, False, False], [True, True, False])
    """
    inside, touching = np.zeros(len(air), bool), np.zeros(len(air), bool)
    for a, rows in groups(np.asarray(air)):
        geom = geometries[a]
        inside[rows] = shapely.contains_xy(geom, lon[rows], lat[rows])
        touching[rows] = shapely.intersects_xy(geom, lon[rows], lat[rows])
    return inside, touching
