"""Double claims: which other states also claim the airspace a passage went through."""
from __future__ import annotations

import numpy as np
import shapely

from ..airspace import world
from ..airspace.index import AirspaceIndex
from ..arrays import expand_ranges


def disputed_with(index: AirspaceIndex, arrays, air: np.ndarray, f0: np.ndarray, f1: np.ndarray,
                  entry_lon, entry_lat, exit_lon, exit_lat) -> list[list[str]]:
    """For each passage, the other claimants of the airspace at its fixes or entry/exit points.

    Only real double claims count (``world.double_claims``); a dependency inside its
    sovereign's feature (e.g. French Polynesia in France) is a hierarchy, not a dispute.
    """
    result: list[list[str]] = [[] for _ in range(len(air))]
    rivals = world.rivals()
    for a in np.unique(air):
        airspace = index.airspaces[a]
        if airspace.kind != "country" or airspace.name not in rivals:
            continue
        rows = np.flatnonzero(air == a)
        owner, fix = expand_ranges(f0[rows], np.maximum(f1[rows], f0[rows] - 1))
        lon = np.concatenate([arrays.lon[fix], entry_lon[rows], exit_lon[rows]])
        lat = np.concatenate([arrays.lat[fix], entry_lat[rows], exit_lat[rows]])
        who = np.concatenate([owner, np.arange(len(rows)), np.arange(len(rows))])
        ok = np.isfinite(lon) & np.isfinite(lat)
        for rival in rivals[airspace.name]:
            hit = np.zeros(len(lon), bool)
            hit[ok] = shapely.contains_xy(world.country(rival).geometry, lon[ok], lat[ok])
            for r in np.unique(who[hit]):
                result[rows[r]].append(rival)
    return [sorted(r) for r in result]
