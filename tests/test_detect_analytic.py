"""Detection against answers computed analytically (closed forms on the WGS84 ellipsoid).

Tolerances: crossing times 1 ms, positions 1 m (the engine refines crossings to 0.1 mm), depth
1 m, length 0.05 m.
"""
import math

import numpy as np
import pandas as pd
import pytest
import shapely

from reference import track
from skyborder.airspace import Airspace
from skyborder.detection import detect
from skyborder.geodesy import GEOD, geodesic_circle

A = GEOD.a  # equatorial radius: an arc of the equator is a geodesic of length a * dlon
SPEED = 250.0  # m/s


def equator_track(lon0, lon1, n, track_id="T"):
    """Fixes along the equator at constant SPEED; returns the table and the time of lon x."""
    lons = np.linspace(lon0, lon1, n)
    dist = A * np.radians(np.abs(lons - lon0))
    table = track(lons, np.zeros(n), t_s=dist / SPEED, track_id=track_id)
    return table, lambda x: pd.Timestamp("2015-11-24T07:20:00Z") + pd.Timedelta(
        seconds=A * math.radians(abs(x - lon0)) / SPEED)


def square(lon0, lat0, lon1, lat1, name="SQ", **kw):
    return Airspace(name=name, geometry=shapely.box(lon0, lat0, lon1, lat1), **kw)


def only_passages(result):
    return result[result["status"] != "near"].reset_index(drop=True)


def test_equator_through_square():
    table, time_at = equator_track(-2.0, 2.0, 41)
    r = only_passages(detect(table, [square(-0.5, -0.5, 0.5, 0.5)]))
    assert len(r) == 1
    p = r.iloc[0]
    assert p.status == "closed"
    assert abs((p.entry_time - time_at(-0.5)).total_seconds()) < 1e-3
    assert abs((p.exit_time - time_at(0.5)).total_seconds()) < 1e-3
    assert abs(p.entry_lon + 0.5) * A * math.radians(1) < 1.0 and abs(p.entry_lat) < 1e-8
    assert abs(p.length_inside_m - A * math.radians(1.0)) < 0.05
    assert abs(p.duration_s - A * math.radians(1.0) / SPEED) < 1e-3
    # deepest: the parallels at +-0.5 deg are nearer than the meridian edges; the distance from
    # the equator to latitude 0.5 is the meridian arc
    meridian_arc = GEOD.inv(0.0, 0.0, 0.0, 0.5)[2]
    assert abs(p.max_depth_m - meridian_arc) < 1.0
    assert p.fixes_inside == 11  # fixes at -0.5 ... 0.5 in steps of 0.1 deg lie on/inside


def test_segment_cuts_corner_between_fixes():
    # two fixes both outside, the geodesic between them clips the square's corner
    table = track([-1.0, 1.0], [0.3, 0.7], dt_s=30.0)
    r = only_passages(detect(table, [square(-0.5, -0.5, 0.5, 0.5)]))
    assert len(r) == 1 and r.iloc[0].fixes_inside == 0 and r.iloc[0].status == "closed"
    assert r.iloc[0].exit_lat == pytest.approx(0.5, abs=1e-8)


def test_circle_zone_crossed_through_centre():
    centre = (36.0, 35.9)
    radius = 10 * 1852.0
    ring = geodesic_circle(*centre, radius)
    zone = Airspace(name="R10", geometry=shapely.Polygon(ring))
    # along the meridian through the centre (a geodesic), 40 km each side
    south = GEOD.fwd(centre[0], centre[1], 180.0, 40_000.0)
    north = GEOD.fwd(centre[0], centre[1], 0.0, 40_000.0)
    table = track([south[0], north[0]], [south[1], north[1]], t_s=[0.0, 80_000.0 / SPEED])
    p = only_passages(detect(table, [zone])).iloc[0]
    # vertices lie at azimuths 0 and 180 exactly, so the crossings are those vertices
    assert GEOD.inv(centre[0], centre[1], p.entry_lon, p.entry_lat)[2] == pytest.approx(radius, abs=1.0)
    assert GEOD.inv(centre[0], centre[1], p.exit_lon, p.exit_lat)[2] == pytest.approx(radius, abs=1.0)
    assert p.duration_s == pytest.approx(2 * radius / SPEED, abs=5e-3)
    # depth at the centre: the radius less the sagitta of a 0.5-degree chord
    assert p.max_depth_m == pytest.approx(radius * math.cos(math.radians(0.25)), abs=1.0)


def test_climb_through_floor():
    zone = square(-0.5, -0.5, 0.5, 0.5, floor_m=3000.0, ceiling_m=6000.0)
    # laterally inside all along, climbing 2000 -> 4000 m linearly with distance
    table = track([-0.2, 0.2], [0.0, 0.0], t_s=[0.0, 100.0], alt=[2000.0, 4000.0])
    p = only_passages(detect(table, [zone])).iloc[0]
    assert p.status == "open_end"
    length = A * math.radians(0.4)
    # floor crossed half-way: at lon 0, t = 50 s
    assert abs((p.entry_time - pd.Timestamp("2015-11-24T07:20:50Z")).total_seconds()) < 1e-3
    assert abs(p.entry_lon) * A * math.radians(1) < 1.0
    assert p.min_alt_m == pytest.approx(3000.0, abs=1e-6)
    assert p.length_inside_m == pytest.approx(length / 2, abs=0.05)


def test_descent_through_ceiling_and_out_sideways():
    zone = square(-0.5, -0.5, 0.5, 0.5, floor_m=0.0, ceiling_m=5000.0)
    lons = np.array([0.0, 0.4, 1.0])
    table = track(lons, np.zeros(3), t_s=A * np.radians(lons) / SPEED, alt=[9000.0, 1000.0, 1000.0])
    r = only_passages(detect(table, [zone]))
    assert len(r) == 1
    p = r.iloc[0]
    # 9000 - 8000 f = 5000 at f = 0.5 of the first leg: lon 0.2; then out through the side at 0.5
    assert p.entry_lon == pytest.approx(0.2, abs=1e-8)
    assert p.exit_lon == pytest.approx(0.5, abs=1e-8)
    assert p.duration_s == pytest.approx(A * math.radians(0.3) / SPEED, abs=1e-3)
    assert p.max_alt_m == pytest.approx(5000.0, abs=1e-6) and p.min_alt_m == 1000.0


def test_antimeridian_square_and_track():
    zone = Airspace(name="AM", geometry=shapely.box(179.5, -0.5, 180.5, 0.5))
    lons = np.array([179.0, 179.6, 179.9, -179.9, -179.6, -179.0])
    dist = A * np.radians(np.unwrap(np.radians(lons)) * 180 / np.pi - 179.0)
    table = track(lons, np.zeros(6), t_s=dist / SPEED)
    p = only_passages(detect(table, [zone])).iloc[0]
    assert p.length_inside_m == pytest.approx(A * math.radians(1.0), abs=0.05)
    assert p.entry_lon == pytest.approx(179.5, abs=1e-8)
    assert p.exit_lon == pytest.approx(-179.5, abs=1e-8)
    assert p.duration_s == pytest.approx(A * math.radians(1.0) / SPEED, abs=1e-3)


def test_islands_give_two_passages():
    islands = Airspace(name="ISL", geometry=shapely.MultiPolygon([shapely.box(-1, -0.2, -0.6, 0.2),
                                                                  shapely.box(0.6, -0.2, 1, 0.2)]))
    table, time_at = equator_track(-2.0, 2.0, 5)
    r = only_passages(detect(table, [islands]))
    assert len(r) == 2
    for p, (lo, hi) in zip(r.itertuples(), [(-1.0, -0.6), (0.6, 1.0)]):
        assert abs((p.entry_time - time_at(lo)).total_seconds()) < 1e-3
        assert abs((p.exit_time - time_at(hi)).total_seconds()) < 1e-3


def test_concave_border_grazed_and_reentered():
    # a U open to the north: the track along the equator crosses both arms
    u_shape = Airspace(name="U", geometry=shapely.Polygon(
        [(-1, -1), (1, -1), (1, 1), (0.5, 1), (0.5, -0.5), (-0.5, -0.5), (-0.5, 1), (-1, 1)]))
    table, time_at = equator_track(-2.0, 2.0, 3)
    r = only_passages(detect(table, [u_shape]))
    assert [round(p.entry_lon, 9) for p in r.itertuples()] == [-1.0, 0.5]
    assert [round(p.exit_lon, 9) for p in r.itertuples()] == [-0.5, 1.0]


def test_single_fix_inside():
    table = track([0.1], [0.1], dt_s=1.0)
    r = only_passages(detect(table, [square(-0.5, -0.5, 0.5, 0.5)]))
    assert len(r) == 1 and r.iloc[0].status == "open_start" and r.iloc[0].fixes_inside == 1
    assert r.iloc[0].length_inside_m == 0.0


def test_near_miss_reports_closest_approach():
    # a V whose tip at (0, 0.7) is the unique closest point to the square's top edge (lat 0.5)
    table = track([-0.1, 0.0, 0.1], [0.9, 0.7, 0.9], dt_s=30.0)
    r = detect(table, [square(-0.5, -0.5, 0.5, 0.5)], near_m=50_000.0)
    assert list(r["status"]) == ["near"]
    expected = GEOD.inv(0.0, 0.5, 0.0, 0.7)[2]  # meridian arc from 0.5 to 0.7 deg
    assert r.iloc[0].closest_approach_m == pytest.approx(expected, abs=1.0)
    assert abs((r.iloc[0].closest_approach_time - pd.Timestamp("2015-11-24T07:20:30Z")).total_seconds()) < 0.05


def test_far_track_is_not_near():
    table = track([-0.1, 0.1], [0.9, 0.9], dt_s=30.0)
    assert len(detect(table, [square(-0.5, -0.5, 0.5, 0.5)], near_m=20_000.0)) == 0


def test_gap_status():
    table = track([-1.0, 0.0, 1.0], [0.0, 0.0, 0.0], t_s=[0.0, 200.0, 400.0])
    r = only_passages(detect(table, [square(-0.5, -0.5, 0.5, 0.5)], max_gap_s=60.0))
    assert r.iloc[0].status == "gap" and r.iloc[0].max_gap_s == 200.0
