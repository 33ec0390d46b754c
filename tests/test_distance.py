"""Depth and closest approach against independent brute force, and the bounds they rest on.

References (``reference.py``): the boundary densified every 0.5-2 m and measured with pyproj's
Geod; the path sampled every 50 m, then every 0.5 m around every sample that may hold the
extreme (the distance is 1-Lipschitz along the path). Reference error < 0.3 m; tolerance 1 m.
Cuts of the data at 180 degrees: the reference runs on the geometry unwrapped across 180 (no
cut at all).
"""
import gc
import math
import tracemalloc
import weakref

import numba as nb
import numpy as np
import pandas as pd
import pytest
import shapely

import reference
from skyborder.airspace import Airspace, world
from skyborder.airspace.index import AirspaceIndex
from skyborder.detection import boundary, detect, distance, ellipsoid, extremes
from skyborder.geodesy import GEOD

TOL_M = 1.0


def star(lon0, lat0, radius_deg, n, seed, name="STAR", **kw) -> Airspace:
    """A concave polygon: n vertices at random radii around a centre."""
    rng = np.random.default_rng(seed)
    angle = np.sort(rng.uniform(0, 2 * np.pi, n))
    r = radius_deg * rng.uniform(0.35, 1.0, n)
    ring = np.column_stack([lon0 + r * np.cos(angle) / np.cos(np.radians(lat0)), lat0 + r * np.sin(angle)])
    return Airspace(name=name, geometry=shapely.Polygon(ring), **kw)


def passages(result):
    return result[result["status"] != "near"]


def assert_depth(result, geometry, lon, lat, coarse_m=50.0):
    """The largest depth of the passages equals the brute-force maximum over the inside path, and
    the reported point is that deep."""
    rows = passages(result)
    ref, _, _ = reference.path_extreme(geometry, lon, lat, +1.0, inside=True, coarse_m=coarse_m)
    got = rows["max_depth_m"].max()
    assert abs(got - ref) < TOL_M, (got, ref)
    best = rows.loc[rows["max_depth_m"].idxmax()]
    at = reference.distances_to_boundary(geometry, best["max_depth_lon"], best["max_depth_lat"])[0]
    assert abs(at - got) < 0.3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_depth_concave_random(seed):
    zone = star(30.0, 45.0, 0.2, 40, seed)
    rng = np.random.default_rng(100 + seed)
    a = rng.uniform(0, 2 * np.pi)
    lon = 30.0 + 0.25 * np.array([np.cos(a), 0.1 * rng.normal(), -np.cos(a)]) / np.cos(np.radians(45.0))
    lat = 45.0 + 0.25 * np.array([np.sin(a), 0.1 * rng.normal(), -np.sin(a)])
    result = detect(reference.track(lon, lat, dt_s=600.0), [zone], near_m=0)
    assert len(passages(result)) >= 1
    assert_depth(result, zone.geometry, lon, lat)


def test_depth_enclave():
    # a square with a hole: the deepest point of a track passing beside the hole is set by it
    outer = shapely.box(10.0, 50.0, 11.0, 50.7)
    hole = shapely.box(10.4, 50.3, 10.6, 50.4)
    zone = Airspace(name="RING", geometry=shapely.Polygon(outer.exterior, [hole.exterior]))
    lon, lat = np.array([9.5, 10.5, 11.5]), np.array([50.45, 50.47, 50.46])
    result = detect(reference.track(lon, lat, dt_s=300.0), [zone], near_m=0)
    assert len(passages(result)) == 1
    assert_depth(result, zone.geometry, lon, lat)


def test_depth_long_passage_many_fixes():
    # 650 km inside a large concave zone, one fix every ~2.3 km
    zone = star(60.0, 50.0, 3.5, 60, 7)
    lon = np.linspace(55.0, 65.0, 300)
    lat = 50.0 + 0.5 * np.sin(np.linspace(0, 3, 300))
    result = detect(reference.track(lon, lat, dt_s=8.0), [zone], near_m=0)
    assert_depth(result, zone.geometry, lon, lat, coarse_m=400.0)


def test_depth_across_the_antimeridian_zone():
    # a zone given across 180 degrees is cut there when folded; the cut is not a border
    zone = Airspace(name="AM", geometry=shapely.box(179.5, -0.5, 180.5, 0.5))
    lons = np.array([179.0, 179.8, -179.8, -179.0])
    result = passages(detect(reference.track(lons, np.zeros(4), dt_s=60.0), [zone], near_m=0))
    assert len(result) == 1
    expected = GEOD.inv(180.0, 0.0, 180.0, 0.5)[2]  # to the parallel at 0.5 deg, at lon 180
    assert result["max_depth_m"].iloc[0] == pytest.approx(expected, abs=TOL_M)


@pytest.fixture(scope="module")
def fiji(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SKYBORDER_CACHE", str(tmp_path_factory.mktemp("index-cache")))
        return AirspaceIndex([world.country("FJI")])


def unwrapped(geometry):
    """The geometry with its parts west of 0 shifted by 360 degrees: no cut at 180."""
    parts = [shapely.transform(p, lambda xy: xy + [360.0, 0.0]) if p.bounds[2] <= 0.0 else p
             for p in shapely.get_parts(geometry)]
    return shapely.union_all(parts)


def test_depth_fiji_ignores_the_data_cut_at_180(fiji):
    # across Fiji's territorial sea and islands where the data cuts it at 180 degrees
    lon = np.array([179.2, 179.7, -179.8, -179.4])
    lat = np.array([-16.6, -16.5, -16.35, -16.3])
    result = passages(detect(reference.track(lon, lat, dt_s=120.0), fiji, near_m=0))
    geometry = unwrapped(world.country("FJI").geometry)
    ref, _, _ = reference.path_extreme(geometry, np.where(lon < 0, lon + 360.0, lon), lat, +1.0, inside=True)
    assert abs(result["max_depth_m"].max() - ref) < TOL_M
    # the distance to the boundary itself, at points beside the cut
    pts_lon, pts_lat = np.array([179.99, -179.99, 179.5]), np.array([-16.8, -16.3, -16.9])
    got = distance.boundary_distance(fiji, np.zeros(3, np.int64), pts_lon, pts_lat)
    ref = reference.distances_to_boundary(geometry, np.where(pts_lon < 0, pts_lon + 360, pts_lon), pts_lat)
    assert np.all(np.abs(got - ref) < 0.05)


def test_closest_approach_beyond_the_nearest_fix():
    # the fix nearest the island is 8 km north of it; the closest approach is on a long leg that
    # passes 5.5 km south of it, far from that fix (the old search looked only beside the fix)
    island = star(20.0, 40.0, 0.15, 30, 4, name="ISL")
    minx, miny, maxx, maxy = island.geometry.bounds
    north = GEOD.fwd(20.0, maxy, 0.0, 8_000.0)
    south_w = GEOD.fwd(minx - 1.5, miny, 180.0, 5_500.0)
    south_e = GEOD.fwd(maxx + 1.5, miny, 180.0, 5_500.0)
    lon = np.array([19.0, north[0], 21.0, south_e[0], south_w[0]])
    lat = np.array([maxy + 0.1, north[1], maxy + 0.1, south_e[1], south_w[1]])
    result = detect(reference.track(lon, lat, dt_s=400.0), [island], near_m=20_000.0)
    near = result[result["status"] == "near"]
    assert len(near) == 1
    ref, _, _ = reference.path_extreme(island.geometry, lon, lat, -1.0, inside=False)
    assert near["closest_approach_m"].iloc[0] == pytest.approx(ref, abs=TOL_M)
    assert ref < 7_000.0  # south, not the 8 km beside the nearest fix
    assert near["closest_approach_vertical_m"].iloc[0] == 0.0


def test_near_miss_across_a_long_gap_in_bounded_memory():
    # two fixes 800 km apart (a coverage gap); the leg passes 4 km from a small zone
    zone = star(10.0, 0.0, 0.05, 12, 9, name="SMALL")
    minx, miny, maxx, maxy = zone.geometry.bounds
    lat = maxy + 4_000.0 / 110_574.0
    lon = np.array([10.0 - 3.6, 10.0 + 3.6])
    index = AirspaceIndex([zone])
    table = reference.track(lon, [lat, lat], t_s=[0.0, 3_200.0])
    detect(table, index, near_m=20_000.0)  # compile and warm up
    tracemalloc.start()
    result = detect(table, index, near_m=20_000.0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6  # the old per-cell sweep of the leg's reach needed ~22 GB
    near = result[result["status"] == "near"]
    assert len(near) == 1
    ref, _, _ = reference.path_extreme(zone.geometry, lon, np.array([lat, lat]), -1.0, coarse_m=200.0,
                                       inside=False)
    assert near["closest_approach_m"].iloc[0] == pytest.approx(ref, abs=TOL_M)


def test_vertical_limits_give_a_3d_separation():
    zone = Airspace(name="TMA", geometry=shapely.box(0.0, 0.0, 0.4, 0.4), floor_m=0.0, ceiling_m=3_000.0)
    # over the zone at 11,000 m: 8,000 m above it, wherever it is laterally
    over = reference.track([-0.2, 0.2, 0.6], [0.2, 0.2, 0.2], dt_s=60.0, alt=[11_000.0] * 3, track_id="OVER")
    # beside it at 11,000 m, 2 km east of its edge
    east = GEOD.fwd(0.4, 0.2, 90.0, 2_000.0)
    side = reference.track([east[0], east[0]], [0.1, 0.3], dt_s=60.0, alt=[11_000.0] * 2, track_id="SIDE")
    # beside it without altitude: lateral only
    blind = reference.track([east[0], east[0]], [0.1, 0.3], dt_s=60.0, track_id="BLIND")
    table = pd.concat([over, side, blind], ignore_index=True)
    result = detect(table, [zone], near_m=20_000.0).set_index("track_id")
    assert (result["status"] == "near").all()
    assert result.loc["OVER", "closest_approach_m"] == pytest.approx(8_000.0, abs=1e-6)
    assert result.loc["OVER", "closest_approach_vertical_m"] == pytest.approx(8_000.0, abs=1e-6)
    lateral = reference.path_extreme(zone.geometry, [east[0], east[0]], [0.1, 0.3], -1.0, inside=False)[0]
    assert result.loc["SIDE", "closest_approach_m"] == pytest.approx(math.hypot(lateral, 8_000.0), abs=TOL_M)
    assert result.loc["BLIND", "closest_approach_m"] == pytest.approx(lateral, abs=TOL_M)
    assert result.loc["BLIND", "closest_approach_vertical_m"] == 0.0
    # 8 km above the ceiling is not near within 5 km
    assert len(detect(over, [zone], near_m=5_000.0)) == 0
    # alone beside the zone (nothing laterally inside it)
    alone = detect(side, [zone], near_m=20_000.0)
    assert alone["closest_approach_m"].iloc[0] == pytest.approx(math.hypot(lateral, 8_000.0), abs=TOL_M)


def test_vertical_separation_with_floor_and_ceiling_in_different_references():
    # floor 1,000 m above the ground (compared with height), ceiling FL100 (pressure altitude):
    # climbing laterally inside, the aircraft is always above the ceiling, first also under the
    # floor; the two gaps are linear along the leg and the least of their maximum lies between
    # the fixes, where 100 - 300 f = 52 + 300 f (f = 0.08 of the leg): 76 m
    zone = Airspace(name="LAYER", geometry=shapely.box(0.0, 0.0, 1.0, 1.0), floor_m=1_000.0, floor_ref="AGL",
                    ceiling_m=3_048.0, ceiling_ref="FL")
    climb = reference.track([0.3, 0.7], [0.5, 0.5], dt_s=100.0, alt=[3_100.0, 3_400.0]).assign(
        geo_alt_m=[900.0, 1_200.0])
    row = detect(climb, [zone], near_m=20_000.0).iloc[0]
    assert row["status"] == "near"
    assert row["closest_approach_m"] == pytest.approx(76.0, abs=1e-6)
    assert row["closest_approach_vertical_m"] == pytest.approx(76.0, abs=1e-6)
    assert (row["closest_approach_time"] - climb["time"].iloc[0]).total_seconds() == pytest.approx(8.0, abs=1e-3)
    # the same leg beside the zone: the search's vertical part uses the same two references
    beside = climb.assign(lat=[1.2, 1.2])
    lateral = reference.path_extreme(zone.geometry, beside["lon"], beside["lat"], -1.0, inside=False)[0]
    row = detect(beside, [zone], near_m=50_000.0).iloc[0]
    assert row["closest_approach_m"] == pytest.approx(math.hypot(lateral, 76.0), abs=TOL_M)


def test_positions_are_per_track_whatever_the_chunk_length():
    # 2,500 tracks of one 4,000 km leg each (the chunk's total length passes 1e10 m) before a track
    # that crosses a zone with fixes every metre: positions summed over the whole chunk lost that
    # precision (one crossing split into many passages, lengths of the wrong sign)
    zone = Airspace(name="Z", geometry=shapely.box(5.0, 5.0, 5.01, 5.01))
    lon = np.linspace(4.9999, 5.0101, 1_130)
    crossing = reference.track(lon, np.full(len(lon), 5.005), dt_s=0.004, track_id="ZZZ")
    n = 2_500
    filler = pd.DataFrame({"time": pd.Timestamp("2015-11-24T07:20:00Z") + pd.to_timedelta(np.tile([0, 10_000], n), "s"),
                           "track_id": np.repeat([f"F{i:05d}" for i in range(n)], 2),
                           "lat": -40.0, "lon": np.tile([-60.0, -24.0], n)})
    alone = passages(detect(crossing, [zone], near_m=0))
    crowded = passages(detect(pd.concat([filler, crossing], ignore_index=True), [zone], near_m=0))
    assert len(alone) == len(crowded) == 1
    assert crowded["length_inside_m"].iloc[0] == pytest.approx(alone["length_inside_m"].iloc[0], abs=1e-6)
    assert crowded["length_inside_m"].iloc[0] > 0


def test_boundary_trees_do_not_keep_an_index_alive():
    index = AirspaceIndex([star(0.0, 0.0, 0.2, 10, 1)])
    distance.boundary_distance(index, np.zeros(1, np.int64), np.zeros(1), np.zeros(1))
    ref = weakref.ref(index)
    del index
    gc.collect()
    assert ref() is None


# ----- the bounds the search rests on -------------------------------------------------------------
@nb.njit
def _geodesy(lon1, lat1, lon2, lat2):
    n = len(lon1)
    s, az, lo, hi = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    for i in range(n):
        s[i], az[i] = ellipsoid.inverse(lon1[i], lat1[i], lon2[i], lat2[i])
        x1, y1, z1 = ellipsoid.ecef(lon1[i], lat1[i])
        x2, y2, z2 = ellipsoid.ecef(lon2[i], lat2[i])
        c = math.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2 + (z1 - z2) ** 2)
        lo[i], hi[i] = ellipsoid.geodesic_lower(c), ellipsoid.geodesic_upper(c)
    return s, az, lo, hi


@nb.njit
def _direct(lon1, lat1, az, s):
    n = len(lon1)
    x, y = np.empty(n), np.empty(n)
    for i in range(n):
        x[i], y[i] = ellipsoid.direct(lon1[i], lat1[i], az[i], s[i])
    return x, y


def test_geodesics_and_chord_bounds_against_pyproj():
    rng = np.random.default_rng(11)
    n = 50_000
    lon1, lat1 = rng.uniform(-180, 180, n), rng.uniform(-89.9, 89.9, n)
    dist = np.exp(rng.uniform(np.log(0.01), np.log(3.5e6), n))
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, rng.uniform(0, 360, n), dist)
    az12, _, exact = GEOD.inv(lon1, lat1, lon2, lat2)
    s, az, lo, hi = _geodesy(lon1, lat1, lon2, lat2)
    assert np.max(np.abs(s - exact)) < ellipsoid.VINCENTY_ERROR_M
    far = exact > 1.0
    assert np.max(np.abs((np.degrees(az[far]) - az12[far] + 180) % 360 - 180)) < 1e-6
    assert np.all(lo <= exact + 1e-6) and np.all(hi >= exact - 1e-6)
    near = exact < 200_000.0
    assert np.max((hi - lo)[near]) < 0.25  # the bracket is tight where it is used alone
    x, y = _direct(lon1, lat1, np.radians(az12), exact)
    assert np.max(GEOD.inv(x, y, lon2, lat2)[2]) < ellipsoid.VINCENTY_ERROR_M


def test_piece_bounds_hold():
    # random lon/lat-straight edges: dense points of each piece lie within its bulge of its chord,
    # and the geodesic distance from random points lies within the piece's bracket
    rng = np.random.default_rng(3)
    checked = 0
    for k in range(40):
        lat0 = rng.uniform(-84, 84)
        lon0 = rng.uniform(-170, 170)
        edge = np.array([[lon0, lat0], [lon0 + rng.uniform(-0.5, 0.5), lat0 + rng.uniform(-0.2, 0.2)],
                         [lon0 + 0.6, lat0 - 0.3]])
        tree = boundary.build_tree(shapely.Polygon(edge))
        v = tree.vert
        for i in np.flatnonzero(v[:-1, boundary.LINK] > 0)[:6]:
            f = np.linspace(0, 1, 201)
            plon = v[i, boundary.LON] + f * (v[i + 1, boundary.LON] - v[i, boundary.LON])
            plat = v[i, boundary.LAT] + f * (v[i + 1, boundary.LAT] - v[i, boundary.LAT])
            xyz = np.array([ellipsoid.ecef(a, b) for a, b in zip(plon, plat)])
            a, b = xyz[0], xyz[-1]
            t = np.clip((xyz - a) @ (b - a) / np.dot(b - a, b - a), 0, 1)
            stray = np.linalg.norm(xyz - (a + t[:, None] * (b - a)), axis=1).max()
            assert stray <= v[i, boundary.BULGE] + 1e-9
            for _ in range(3):
                qlon, qlat, _ = GEOD.fwd(plon[100], plat[100], rng.uniform(0, 360), np.exp(rng.uniform(3, 13)))
                lo, hi = boundary.piece_geodesic(tree, i, qlon, qlat)
                dense = GEOD.inv(np.full(201, qlon), np.full(201, qlat), plon, plat)[2].min()
                # dense sampling overestimates by up to step^2 / (8 d)
                step = GEOD.inv(plon[0], plat[0], plon[1], plat[1])[2]
                assert lo - 1e-6 <= dense and dense - step**2 / (8 * max(lo, 1.0)) - 1e-6 <= hi
                checked += 1
    assert checked > 300


def test_distance_to_a_piece_is_nearly_convex_along_a_geodesic():
    # the worst case of the bound behind extremes._convex_bound: a path poleward of a piece along a
    # parallel, where the distance bends down (concave) by the parallel's geodesic curvature
    for lat0 in (10.0, 45.0, 80.0):
        length_piece = 1_000.0 * math.sqrt(math.cos(math.radians(lat0)))
        dlon = length_piece / (111_320.0 * math.cos(math.radians(lat0)))
        f = np.linspace(0, 1, 4001)
        plon, plat = -dlon / 2 + f * dlon, np.full(len(f), lat0)
        for r in (1_000.0, 50_000.0):
            cx, cy, _ = GEOD.fwd(0.0, lat0, 0.0, r)
            path = 0.9 * length_piece
            s = np.linspace(-path / 2, path / 2, 41)
            qx, qy, _ = GEOD.fwd(np.full(41, cx), np.full(41, cy), np.full(41, 90.0), s)
            d = np.array([GEOD.inv(np.full(len(f), x), np.full(len(f), y), plon, plat)[2].min() for x, y in zip(qx, qy)])
            excess = np.max(d - (d[0] + (d[-1] - d[0]) * (s - s[0]) / path))
            sampling = (length_piece / 4000) ** 2 / (8 * r)
            bend = 1.01 * math.tan(math.radians(lat0)) / ellipsoid.R_MIN
            bound = extremes.SEMI_CONVEXITY * (bend + d.max() / ellipsoid.R_MIN**2) * path**2 / 8
            assert 0.0 < excess - sampling <= bound
            assert excess > 0.3 * bound  # the bound is not loose by much: the case is the worst one
