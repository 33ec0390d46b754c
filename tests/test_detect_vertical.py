"""Vertical limits compared with the altitude of their own reference (detection.vertical).

Independent answers are closed forms: tracks along the equator (a geodesic of length a * dlon)
at constant speed, altitudes linear in distance, so where a limit is crossed follows from a
ratio. Tolerances: times 1 ms, altitudes 1e-6 m.
"""
import json
import math

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import reference
from reference import track
from skyborder.airspace import Airspace
from skyborder.airspace.geojson import parse_geojson_zones
from skyborder.airspace.openair import parse_openair
from skyborder.detection import detect
from skyborder.detection.vertical import FILL_MAX_S
from skyborder.errors import BadInput
from skyborder.geodesy import GEOD
from skyborder.units import FOOT_M

SPEED = 250.0  # m/s
T0 = pd.Timestamp("2015-11-24T07:20:00Z")
FL = 100 * FOOT_M  # metres of pressure altitude per flight level


def zone(name="Z", **limits) -> Airspace:
    return Airspace(name=name, geometry=shapely.box(-0.5, -0.5, 0.5, 0.5), **limits)


def equator(lons, **columns) -> pd.DataFrame:
    """Fixes along the equator at SPEED m/s, with extra columns (alt_m, geo_alt_m, on_ground)."""
    lons = np.asarray(lons, float)
    table = track(lons, np.zeros(len(lons)), t_s=GEOD.a * np.radians(lons - lons[0]) / SPEED)
    for name, values in columns.items():
        table[name] = values
    return table


def time_at(lon, lon0):
    return T0 + pd.Timedelta(seconds=GEOD.a * math.radians(lon - lon0) / SPEED)


def inside(result):
    return result[result["status"] != "near"].reset_index(drop=True)


def run(table, zones):
    return inside(detect(table, zones, near_m=0))


# ----- references ----------------------------------------------------------------------------
def test_readers_record_each_limit_reference():
    text = """AC R
AN HIGH
AL FL375
AH FL395
DP 0:30:00 N 000:30:00 W
DP 0:30:00 N 000:30:00 E
DP 0:30:00 S 000:30:00 E
AC D
AN LOW
AL GND
AH 2500ft MSL
DP 0:30:00 N 000:30:00 W
DP 0:30:00 N 000:30:00 E
DP 0:30:00 S 000:30:00 E
AC Q
AN HILL
AL 1000 ft AGL
AH 5500ft STD
DP 0:30:00 N 000:30:00 W
DP 0:30:00 N 000:30:00 E
DP 0:30:00 S 000:30:00 E
"""
    high, low, hill = parse_openair(text, "t.txt")
    assert (high.floor_ref, high.ceiling_ref) == ("FL", "FL")
    assert (high.floor_m, high.ceiling_m) == pytest.approx((375 * FL, 395 * FL))
    assert (low.floor_ref, low.ceiling_ref, low.floor_m) == ("SFC", "AMSL", 0.0)
    assert (hill.floor_ref, hill.ceiling_ref) == ("AGL", "FL")
    box = [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": box},
         "properties": {"name": "G", "floor_ref": "sfc", "ceiling_m": 2895.6, "ceiling_ref": "FL"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": box},
         "properties": {"name": "H", "floor_m": 100, "floor_ref": "QNH"}},
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": box},
         "properties": {"name": "I", "floor_m": 100, "floor_ref": "SFC"}}]}
    bad = BadInput()
    (g,) = parse_geojson_zones(json.dumps(doc), "z.geojson", bad)
    assert (g.floor_m, g.floor_ref, g.ceiling_ref) == (0.0, "SFC", "FL")
    assert bad.total == 2 and "floor_ref must be one of FL, AMSL, AGL, SFC" in bad.messages[0]
    assert "reference SFC" in bad.messages[1]


def test_flight_levels_use_pressure_and_amsl_limits_geometric_altitude():
    # barometric FL390 (11,887 m), geometric 12,400 m: 513 m apart, as is common at altitude
    table = equator([-1.0, 1.0], alt_m=390 * FL, geo_alt_m=12_400.0)
    fl = zone("FL375-395", floor_m=375 * FL, floor_ref="FL", ceiling_m=395 * FL, ceiling_ref="FL")
    fl_above = zone("FL400-420", floor_m=400 * FL, floor_ref="FL", ceiling_m=420 * FL, ceiling_ref="FL")
    amsl = zone("AMSL", floor_m=12_100.0, ceiling_m=12_700.0)
    result = run(table, [fl, fl_above, amsl])
    assert sorted(result["airspace"]) == ["AMSL", "FL375-395"]
    for p in result.itertuples():
        assert abs((p.entry_time - time_at(-0.5, -1.0)).total_seconds()) < 1e-3
        assert p.min_alt_m == p.max_alt_m == pytest.approx(390 * FL)  # results report pressure altitude


def test_climb_through_floors_of_each_reference():
    # pressure 2000 -> 4000 m, geometric 2200 -> 4200 m over -0.2 .. 0.2 deg: a floor of 3000 m is
    # crossed half-way in pressure altitude (lon 0), 40 % of the way in geometric (lon -0.04)
    table = equator([-0.2, 0.2], alt_m=[2000.0, 4000.0], geo_alt_m=[2200.0, 4200.0])
    result = run(table, [zone("FL", floor_m=3000.0, floor_ref="FL"), zone("AMSL", floor_m=3000.0)])
    by = {p.airspace: p for p in result.itertuples()}
    assert abs((by["FL"].entry_time - time_at(0.0, -0.2)).total_seconds()) < 1e-3
    assert abs((by["AMSL"].entry_time - time_at(-0.04, -0.2)).total_seconds()) < 1e-3
    assert by["FL"].min_alt_m == pytest.approx(3000.0, abs=1e-6)
    assert by["AMSL"].min_alt_m == pytest.approx(2800.0, abs=1e-6)  # pressure altitude at that point


def test_flight_level_falls_back_to_geometric_altitude():
    fl = zone("FL100-200", floor_m=100 * FL, floor_ref="FL", ceiling_m=200 * FL, ceiling_ref="FL")
    above = run(equator([-1.0, 1.0], geo_alt_m=8000.0), [fl])
    assert above.empty  # was "altitude unknown", hence inside
    within = run(equator([-1.0, 1.0], geo_alt_m=4000.0), [fl])
    assert len(within) == 1 and within.iloc[0].min_alt_m == within.iloc[0].max_alt_m == 4000.0


# ----- on the ground -------------------------------------------------------------------------
def test_on_ground_is_at_the_surface():
    zones = [zone("HIGH", floor_m=95 * FL, floor_ref="FL", ceiling_m=245 * FL, ceiling_ref="FL"),
             zone("CTR", floor_m=0.0, floor_ref="SFC", ceiling_m=95 * FL, ceiling_ref="FL"),
             zone("ABOVE-1000FT-AGL", floor_m=1000 * FOOT_M, floor_ref="AGL"),
             zone("BELOW-1000FT-AGL", floor_m=0.0, floor_ref="AGL", ceiling_m=1000 * FOOT_M, ceiling_ref="AGL"),
             zone("AMSL-500", floor_m=500.0)]
    taxiing = equator([-0.7, -0.3, 0.3, 0.7], on_ground=True)
    assert sorted(run(taxiing, zones)["airspace"]) == ["BELOW-1000FT-AGL", "CTR"]
    # pressure altitude below sea level on a high-pressure day is still at or above the surface
    low = equator([-0.7, 0.7], alt_m=-30.0, on_ground=[True, True])
    assert sorted(run(low, zones)["airspace"]) == ["BELOW-1000FT-AGL", "CTR"]


def test_take_off_leaves_the_surface_zone_through_its_agl_ceiling():
    # on the ground at lon -0.2, 600 m (geometric) at lon 0.2: 1000 ft AGL = 304.8 m is reached at
    # 304.8 / 600 of the way
    table = equator([-0.2, 0.2], geo_alt_m=[np.nan, 600.0], on_ground=[True, False])
    result = run(table, [zone("LOW", floor_m=0.0, floor_ref="SFC", ceiling_m=1000 * FOOT_M, ceiling_ref="AGL")])
    frac = 1000 * FOOT_M / 600.0
    assert len(result) == 1
    assert abs((result.iloc[0].exit_time - time_at(-0.2 + 0.4 * frac, -0.2)).total_seconds()) < 1e-3


# ----- missing altitude ----------------------------------------------------------------------
def test_one_missing_altitude_does_not_put_both_segments_inside():
    # 5,000 m, unknown, 5,000 m (134 s apart) under a ceiling of 3,000 m: was a 67 km passage
    # with min = max altitude 5,000 m
    table = equator([-0.3, 0.0, 0.3], alt_m=[5000.0, np.nan, 5000.0])
    assert run(table, [zone(floor_m=0.0, ceiling_m=3000.0)]).empty


def test_missing_altitude_is_interpolated_in_distance():
    # 2000 m, unknown, 4000 m at lon -0.2, 0.0, 0.2 (t = 0, 50, 200 s): 3000 m at the middle fix,
    # half-way in distance (interpolating in time would give 2500 m there), in both references
    table = track([-0.2, 0.0, 0.2], [0.0] * 3, t_s=[0.0, 50.0, 200.0], alt=[2000.0, np.nan, 4000.0])
    table["geo_alt_m"] = table["alt_m"]
    result = run(table, [zone("FL", floor_m=3000.0, floor_ref="FL"), zone("AMSL", floor_m=3000.0)])
    assert sorted(result["airspace"]) == ["AMSL", "FL"]
    for p in result.itertuples():
        assert abs((p.entry_time - table["time"][1]).total_seconds()) < 1e-3
        assert (p.min_alt_m, p.max_alt_m) == pytest.approx((3000.0, 4000.0), abs=1e-6)


def test_missing_altitude_over_a_long_gap_stays_unknown_between_the_known_fixes():
    # fixes FILL_MAX_S + 100 s apart: 5,000 m, unknown, 5,000 m, 5,000 m, all inside laterally
    lons = np.array([-0.3, -0.1, 0.1, 0.3])
    table = track(lons, np.zeros(4), t_s=np.arange(4) * (FILL_MAX_S + 100.0), alt=[5000.0, np.nan, 5000.0, 5000.0])
    result = run(table, [zone(floor_m=0.0, ceiling_m=3000.0)])
    # unknown on the two segments touching the fix without altitude, and only there
    assert len(result) == 1
    p = result.iloc[0]
    assert p.entry_time == table["time"][0] and p.exit_time == table["time"][2]
    assert math.isnan(p.min_alt_m) and math.isnan(p.max_alt_m)  # unknown along the passage


# ----- brute force: mixed references on random tracks ----------------------------------------
STEP_M = 20.0
limit = st.one_of(st.none(), st.floats(0.0, 6000.0))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 6), data=st.data(), floor=limit, ceiling=limit,
       floor_ref=st.sampled_from(["FL", "AMSL"]), ceiling_ref=st.sampled_from(["FL", "AMSL"]))
def test_length_inside_matches_dense_sampling_with_mixed_references(n, data, floor, ceiling, floor_ref, ceiling_ref):
    if floor is not None and ceiling is not None and floor >= ceiling:
        floor, ceiling = ceiling - 1.0, floor + 1.0
    box = zone(floor_m=-math.inf if floor is None else floor, floor_ref=floor_ref,
               ceiling_m=math.inf if ceiling is None else ceiling, ceiling_ref=ceiling_ref)
    coords = st.floats(-0.9, 0.9)
    lon = np.array(data.draw(st.lists(coords, min_size=n, max_size=n)))
    lat = np.array(data.draw(st.lists(coords, min_size=n, max_size=n)))
    pressure = np.array(data.draw(st.lists(st.floats(0.0, 7000.0), min_size=n, max_size=n)))
    geometric = pressure + np.array(data.draw(st.lists(st.floats(-600.0, 600.0), min_size=n, max_size=n)))
    assume(np.all(np.hypot(np.diff(lon), np.diff(lat)) > 1e-4))  # segments of some length
    table = track(lon, lat, dt_s=60.0, alt=pressure)
    table["geo_alt_m"] = geometric
    got = run(table, [box])["length_inside_m"].sum()
    # reference: samples every STEP_M along the geodesics, altitude linear in distance per segment
    x, y, _, s = reference.sample_path(lon, lat, np.arange(n) * 60.0, STEP_M)
    s_fix = np.r_[0.0, np.cumsum(GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2])]
    mid = 0.5 * (s[1:] + s[:-1])
    by_ref = {"FL": np.interp(mid, s_fix, pressure), "AMSL": np.interp(mid, s_fix, geometric)}
    ok = shapely.contains_xy(box.geometry, 0.5 * (x[1:] + x[:-1]), 0.5 * (y[1:] + y[:-1]))
    ok &= by_ref[floor_ref] >= box.floor_m
    ok &= by_ref[ceiling_ref] <= box.ceiling_m
    expected = np.diff(s)[ok].sum()
    changes = np.count_nonzero(np.diff(ok.astype(int))) + 2
    assert abs(got - expected) <= 2 * STEP_M * changes
