"""Boundary distance: the candidate-edge search against brute force over every edge.

``boundary_distance`` measures only the edges that a k-d tree guess, a box query and an
Andoyer-Lambert lower bound leave; the reference measures every edge of the airspace with the
same exact primitive (distance to a 1 km-split edge in the azimuthal equidistant plane of the
point, itself checked against closed forms in test_detect_analytic.py). Tolerance 1 mm.
"""
import numpy as np
import pytest

from skyborder.airspace import world
from skyborder.airspace.index import AirspaceIndex
from skyborder.detection import distance
from skyborder.geodesy import GEOD

CODES = ["FIN", "RUS", "FJI", "CYP", "LSO", "ATA", "CHL"]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKYBORDER_CACHE", str(tmp_path_factory.mktemp("index-cache")))
        return AirspaceIndex([world.country(c) for c in CODES])


def brute_force(index, air, lon, lat):
    edges = np.flatnonzero(index.edges.airspace == air)
    pieces = distance._Pieces(index, np.zeros(len(edges), np.int64), edges)
    return float(pieces.distances(np.array([lon]), np.array([lat])).min())


@pytest.mark.parametrize("code, lon, lat", [
    ("FIN", 25.0, 65.0), ("FIN", 27.5, 68.9), ("FIN", 29.0, 61.5),  # deep inside, high latitude
    ("RUS", 100.0, 65.0), ("RUS", 179.9, 66.0), ("RUS", -175.0, 67.5),  # Siberia, across 180
    ("FJI", -179.95, -16.8), ("FJI", 178.0, -18.0),
    ("CYP", 33.0, 35.0), ("CYP", 30.0, 30.0),  # inside, and far outside
    ("LSO", 28.2, -29.6), ("ATA", 0.0, -80.0), ("ATA", 140.0, -84.9), ("CHL", -70.0, -30.0),
])
def test_distance_equals_brute_force(index, code, lon, lat):
    air = CODES.index(code)
    d, owner, edge = distance.boundary_distance(index, np.array([air]), np.array([lon]), np.array([lat]))
    assert abs(d[0] - brute_force(index, air, lon, lat)) < 1e-3
    assert len(edge) >= 1


def test_pairs_within_extra_are_all_listed(index):
    # every edge within distance + extra of the point must be among the pairs returned
    air, lon, lat, extra = CODES.index("CYP"), 33.3, 35.1, 5_000.0
    d, owner, edge = distance.boundary_distance(index, np.array([air]), np.array([lon]), np.array([lat]), extra)
    edges = np.flatnonzero(index.edges.airspace == air)
    each = distance._Pieces(index, np.zeros(len(edges), np.int64), edges).distances(np.array([lon]), np.array([lat]))
    assert set(edges[each <= d[0] + extra].tolist()) <= set(edge.tolist())


def test_andoyer_lower_bound_holds():
    rng = np.random.default_rng(4)
    n = 100_000
    lon1, lat1 = rng.uniform(-180, 180, n), rng.uniform(-89.9, 89.9, n)
    dist = np.exp(rng.uniform(np.log(1.0), np.log(1.99e7), n))
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, rng.uniform(0, 360, n), dist)
    exact = GEOD.inv(lon1, lat1, lon2, lat2)[2]
    approx = distance._andoyer(lon1, lat1, lon2, lat2)
    assert np.all(distance.ANDOYER_LOWER * approx <= exact)
    assert np.all(np.abs(approx - exact) <= 2e-4 * exact + 1e-6)  # worst near antipodes
