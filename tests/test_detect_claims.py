"""Double claims judged by the length of the path inside the claimed area (detection.claims).

Independent answers: the claimed area is where both states' features hold (``shapely.contains_xy``
on each country), sampled every ``STEP_M`` metres along the geodesic (tests/reference.py); the
length inside is then known to 2 steps per boundary crossing. Synthetic claims have closed forms
(a meridian is a geodesic).
"""
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import reference
from reference import track
from skyborder import detect
from skyborder.airspace import Airspace, world
from skyborder.detection import claims
from skyborder.geodesy import GEOD

STEP_M = 10.0


def passages(result):
    return result[result["status"] != "near"].reset_index(drop=True)


def length_inside_both(first: str, second: str, lon, lat) -> tuple[float, int]:
    """Brute force: ground length (m) of the path inside both countries, and boundary crossings."""
    x, y, _, s = reference.sample_path(np.asarray(lon, float), np.asarray(lat, float), np.arange(len(lon)), STEP_M)
    mid_x, mid_y = 0.5 * (x[1:] + x[:-1]), 0.5 * (y[1:] + y[:-1])
    both = shapely.contains_xy(world.country(first).geometry, mid_x, mid_y) \
        & shapely.contains_xy(world.country(second).geometry, mid_x, mid_y)
    return float(np.diff(s)[both].sum()), int(np.count_nonzero(np.diff(both.astype(int))))


def test_crimea_between_two_fixes_counts():
    # from mainland Ukraine (Melitopol) across the whole of Crimea to the open Black Sea: a 290 km
    # passage with two fixes, neither in Crimea; the old engine judged disputes at the fixes and
    # the exit point (on the claimed area's edge) and reported none
    lon, lat = [35.4, 34.3], [46.85, 44.0]
    result = passages(detect(track(lon, lat, dt_s=1200.0), "UKR", near_m=0))
    expected, crossings = length_inside_both("UKR", "RUS", lon, lat)
    assert expected > 150_000.0 and crossings >= 2
    ukr = result.iloc[0]
    assert list(result["airspace"]) == ["UKR"] and ukr.disputed_with == ["RUS"]
    assert ukr.disputed_length_m == pytest.approx(expected, abs=2 * STEP_M * crossings)
    assert ukr.length_inside_m > ukr.disputed_length_m + 100_000.0  # the mainland part is no dispute


def test_crimea_both_claimants_report_the_same_length():
    lon, lat = [35.4, 34.3], [46.85, 44.0]
    result = passages(detect(track(lon, lat, dt_s=1200.0), "UKR,RUS", near_m=0))
    by = {r.airspace: r for r in result.itertuples()}
    assert by["RUS"].disputed_with == ["UKR"] and by["UKR"].disputed_with == ["RUS"]
    assert by["RUS"].disputed_length_m == pytest.approx(by["UKR"].disputed_length_m, abs=0.01)
    # inside Crimea all along: the RUS passage lies wholly in the claimed area
    assert by["RUS"].disputed_length_m == pytest.approx(by["RUS"].length_inside_m, abs=0.01)


def test_land_entry_from_germany_is_no_dispute():
    # Venlo: Germany to the Netherlands over land; entry and exit points lie on the shared border,
    # which the old engine found "covered" by the neighbour. DEU/NLD is a real double claim
    # (the Ems-Dollard), but 200 km further north.
    result = passages(detect(track([6.30, 6.00], [51.40, 51.40], dt_s=60.0), "NLD,DEU", near_m=0))
    assert set(result["airspace"]) == {"NLD", "DEU"} and len(result) >= 3
    assert all(d == [] for d in result["disputed_with"])
    assert (result["disputed_length_m"] == 0.0).all()


def test_ems_dollard_is_a_dispute():
    lon, lat = [7.0, 7.3], [53.20, 53.45]
    result = passages(detect(track(lon, lat, dt_s=60.0), "NLD,DEU", near_m=0))
    expected, crossings = length_inside_both("NLD", "DEU", lon, lat)
    assert expected > 1000.0
    for row in result.itertuples():
        assert row.disputed_with == ["DEU" if row.airspace == "NLD" else "NLD"]
        assert row.disputed_length_m == pytest.approx(expected, abs=2 * STEP_M * crossings)


def test_digitising_slivers_are_no_double_claim():
    rus, fin = world.country("RUS").geometry, world.country("FIN").geometry
    slivers = [p for p in shapely.get_parts(shapely.intersection(rus, fin)) if p.geom_type == "Polygon"]
    areas = np.array([abs(GEOD.geometry_area_perimeter(p)[0]) for p in slivers])
    assert len(slivers) > 40 and areas.sum() > 1e6 > areas.max()  # many, > 1 km2 in all, none of 1 km2
    assert not any({c.first, c.second} == {"RUS", "FIN"} for c in world.double_claims())
    # a track with a fix inside the largest sliver (in both features): no dispute
    inside = shapely.point_on_surface(slivers[int(areas.argmax())])
    assert shapely.contains_xy(rus, inside.x, inside.y) and shapely.contains_xy(fin, inside.x, inside.y)
    table = track([inside.x - 0.3, inside.x, inside.x + 0.3], [inside.y] * 3, dt_s=60.0)
    result = passages(detect(table, "RUS,FIN", near_m=0))
    assert set(result["airspace"]) == {"RUS", "FIN"}
    assert all(d == [] for d in result["disputed_with"])


def test_every_claimed_polygon_is_at_least_one_square_km_and_inside_both_claimants():
    for claim in world.double_claims():
        polygons = shapely.get_parts(claim.geometry)
        km2 = np.array([abs(GEOD.geometry_area_perimeter(p)[0]) / 1e6 for p in polygons])
        assert km2.min() >= 1.0 and claim.area_km2 == pytest.approx(km2.sum(), rel=1e-9)
        point = shapely.point_on_surface(polygons[int(km2.argmax())])
        for code in (claim.first, claim.second):
            assert shapely.contains_xy(world.country(code).geometry, point.x, point.y)
        assert world.country(claim.first).sovereign != claim.second != world.country(claim.second).sovereign


# ----- the rule on a synthetic world: A = box(-1, -1, 1, 1), B = box(0, 0, 2, 2), claimed box(0, 0, 1, 1)
@pytest.fixture
def synthetic_claim(monkeypatch):
    a = Airspace("AAA", shapely.box(-1, -1, 1, 1), kind="country")
    b = Airspace("BBB", shapely.box(0, 0, 2, 2), kind="country")
    claim = world.DoubleClaim("AAA", "BBB", 12_300.0, 12_300.0, shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]))
    monkeypatch.setattr(world, "double_claims", lambda: (claim,))
    claims._claims_index.cache_clear()
    yield [a, b]
    claims._claims_index.cache_clear()


def meridian_track(lon, lat0, lat1):
    return track([lon, lon], [lat0, lat1], dt_s=600.0)


def test_synthetic_crossing_length_is_the_meridian_arc(synthetic_claim):
    result = passages(detect(meridian_track(0.5, -2.0, 3.0), synthetic_claim, near_m=0))
    arc = GEOD.inv(0.5, 0.0, 0.5, 1.0)[2]
    assert list(result["airspace"]) == ["AAA", "BBB"]
    assert list(result["disputed_with"]) == [["BBB"], ["AAA"]]
    assert result["disputed_length_m"].to_numpy() == pytest.approx([arc, arc], abs=1e-3)


@pytest.mark.parametrize(("inside_m", "disputed"), [(0.5, False), (2.0, True)])
def test_synthetic_minimum_length(synthetic_claim, inside_m, disputed):
    # the track ends inside the claimed area, inside_m metres north of its edge
    end_lat = GEOD.fwd(0.5, 0.0, 0.0, inside_m)[1]
    result = passages(detect(meridian_track(0.5, -2.0, end_lat), synthetic_claim, near_m=0))
    a = result[result.airspace == "AAA"].iloc[0]
    assert a.disputed_length_m == pytest.approx(inside_m if disputed else 0.0, abs=1e-3)
    assert a.disputed_with == (["BBB"] if disputed else [])


def test_synthetic_running_along_the_edge_is_no_dispute(synthetic_claim):
    # the equator is a geodesic and the claimed area's southern edge: touching, no length inside
    result = passages(detect(track([-2.0, -0.5, 0.5, 3.0], [0.0] * 4, dt_s=60.0), synthetic_claim, near_m=0))
    assert list(result["airspace"]) == ["AAA"]
    assert result.iloc[0].disputed_with == [] and result.iloc[0].disputed_length_m == 0.0


def test_synthetic_one_fix_inside_the_claimed_area(synthetic_claim):
    result = passages(detect(track([0.5], [0.5]), synthetic_claim, near_m=0))
    assert list(result["disputed_with"]) == [["BBB"], ["AAA"]]
    assert (result["disputed_length_m"] == 0.0).all()


def test_zones_and_near_misses_are_never_disputed():
    zone = Airspace("UKR", shapely.box(33.0, 44.0, 35.0, 46.0))  # a zone called like a country
    result = detect(track([33.5, 34.5], [44.9, 45.1], dt_s=60.0), [zone], near_m=0)
    assert list(result["disputed_with"]) == [[]] and list(result["disputed_length_m"]) == [0.0]
    near = detect(track([36.0, 36.5], [44.5, 44.6], dt_s=60.0), "UKR", near_m=50_000.0)
    assert list(near["status"]) == ["near"] and near["disputed_length_m"].isna().all()


# ----- brute force on random overlapping states ------------------------------------------------
@st.composite
def overlapping_states(draw):
    """Two star-shaped states around nearby centres, their overlap, and a random track."""
    def star(cx, cy):
        n = draw(st.integers(5, 9))
        radii = draw(st.lists(st.floats(0.3, 1.0), min_size=n, max_size=n))
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + draw(st.floats(0, 0.5))
        return shapely.make_valid(shapely.Polygon([(cx + r * np.cos(a), cy + r * np.sin(a))
                                                   for r, a in zip(radii, angles)]))
    a, b = star(0.0, 0.0), star(draw(st.floats(0.3, 0.8)), draw(st.floats(-0.5, 0.5)))
    overlap = [p for p in shapely.get_parts(shapely.intersection(a, b)) if p.geom_type == "Polygon" and p.area > 1e-6]
    n = draw(st.integers(2, 6))
    lon = np.array(draw(st.lists(st.floats(-1.2, 1.8), min_size=n, max_size=n)))
    lat = np.array(draw(st.lists(st.floats(-1.2, 1.2), min_size=n, max_size=n)))
    assume(overlap and np.all(np.hypot(np.diff(lon), np.diff(lat)) > 1e-4))
    return a, b, shapely.MultiPolygon(overlap), lon, lat


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(overlapping_states())
def test_disputed_length_matches_dense_sampling(case):
    a, b, overlap, lon, lat = case
    states = [Airspace("AAA", a, kind="country"), Airspace("BBB", b, kind="country")]
    claim = world.DoubleClaim("AAA", "BBB", 1.0, 1.0, overlap)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(world, "double_claims", lambda: (claim,))
        claims._claims_index.cache_clear()
        result = passages(detect(track(lon, lat, dt_s=60.0), states, near_m=0))
    claims._claims_index.cache_clear()
    x, y, _, s = reference.sample_path(lon, lat, np.arange(len(lon)) * 60.0, STEP_M)
    mx, my = 0.5 * (x[1:] + x[:-1]), 0.5 * (y[1:] + y[:-1])
    both = shapely.contains_xy(a, mx, my) & shapely.contains_xy(b, mx, my)
    expected = np.diff(s)[both].sum()
    tolerance = 2 * STEP_M * (np.count_nonzero(np.diff(both.astype(int))) + 2)
    for code, rival in (("AAA", "BBB"), ("BBB", "AAA")):
        mine = result[result["airspace"] == code]
        assert abs(mine["disputed_length_m"].sum() - expected) <= tolerance
        for row in mine.itertuples():
            assert row.disputed_with == ([rival] if row.disputed_length_m >= claims.MIN_DISPUTED_M else [])
            assert row.disputed_length_m <= row.length_inside_m + 1e-6
