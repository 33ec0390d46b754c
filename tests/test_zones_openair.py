"""OpenAir zones: geodesic arcs and circles, limits, positions, bad records, fuzzing."""
import contextlib
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyborder.airspace.openair import parse_coordinate, parse_limit, parse_openair, read_openair
from skyborder.errors import BadInput, InputError
from skyborder.geodesy import GEOD

DATA = Path(__file__).parent / "data" / "zones"
CENTRE_TEXT = "35:54:10N 036:03:40E"  # Yayladağı, Hatay
CENTRE = parse_coordinate(CENTRE_TEXT)  # lon, lat


def one_zone(text: str):
    bad = BadInput()
    zones = parse_openair(text, "test.openair", bad)
    assert bad.total == 0, bad.messages
    assert len(zones) == 1
    return zones[0]


def ring(zone) -> np.ndarray:
    """Exterior vertices without the closing repeat."""
    return np.asarray(zone.geometry.exterior.coords)[:-1]


def from_centre(lon_lat: np.ndarray, centre: tuple[float, float] = CENTRE) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth (degrees, [0, 360)) and geodesic distance (m) of each point from a centre."""
    n = len(lon_lat)
    az, _, dist = GEOD.inv(np.full(n, centre[0]), np.full(n, centre[1]), lon_lat[:, 0], lon_lat[:, 1])
    return np.mod(az, 360.0), dist


# --- circles ------------------------------------------------------------------------------

def test_dc_circle_vertices_are_at_the_geodesic_radius_every_half_degree():
    zone = one_zone(f"AC Q\nAN C\nV X={CENTRE_TEXT}\nDC 10\n")
    az, dist = from_centre(ring(zone))
    assert np.abs(dist - 18520.0).max() < 0.01  # 10 NM = 18520 m exactly
    steps = np.diff(np.sort(az), append=np.sort(az)[0] + 360.0)
    assert steps.max() <= 0.5 + 1e-6
    # Straight lon/lat edges between the vertices cut inside the circle by < 1 m (README claim);
    # the sagitta of a 0.5-degree chord is r (1 - cos 0.25 deg) = 0.18 m.
    pts = ring(zone)
    mid = (pts + np.roll(pts, -1, axis=0)) / 2.0
    _, mid_dist = from_centre(mid)
    assert mid_dist.min() > 18520.0 - 1.0 and mid_dist.max() < 18520.0 + 0.01


def test_dc_circle_area_matches_a_dense_reference_ring():
    zone = one_zone(f"AC Q\nAN C\nV X={CENTRE_TEXT}\nDC 10\n")
    lon, lat = CENTRE
    n_ref = 100_000
    az = np.linspace(0.0, 360.0, n_ref, endpoint=False)
    ref_lon, ref_lat, _ = GEOD.fwd(np.full(n_ref, lon), np.full(n_ref, lat), az, np.full(n_ref, 18520.0))
    ref_area = abs(GEOD.polygon_area_perimeter(ref_lon, ref_lat)[0])
    pts = ring(zone)
    area = abs(GEOD.polygon_area_perimeter(pts[:, 0], pts[:, 1])[0])
    # An inscribed n-gon holds sin(2pi/n) / (2pi/n) of the circle's area (1 - 1.27e-5 for
    # n = 720); the 100000-gon reference is short by 6.6e-10 of it. Measured agreement 8e-11,
    # tolerance 1e-9.
    n = len(pts)
    expected_ratio = math.sin(2 * math.pi / n) / (2 * math.pi / n) / (
        math.sin(2 * math.pi / n_ref) / (2 * math.pi / n_ref))
    assert n == 720
    assert area / ref_area == pytest.approx(expected_ratio, abs=1e-9)
    assert abs(area / ref_area - 1.0) < 2e-5


def test_circle_across_the_antimeridian_is_one_continuous_polygon():
    zone = one_zone("AC R\nAN DATELINE\nV X=17:00S 179:55E\nDC 20\n")
    pts = ring(zone)
    assert np.abs(np.diff(pts[:, 0])).max() < 1.0
    assert pts[:, 0].max() > 180.0  # kept continuous beyond +180, not split
    assert zone.geometry.is_valid and shapely.contains_xy(zone.geometry, 179.0 + 55 / 60, -17.0)


# --- arcs ---------------------------------------------------------------------------------

@pytest.mark.parametrize("direction, start, end, expected_sweep", [
    ("+", 270.0, 290.0, 20.0),
    ("+", 300.0, 60.0, 120.0),   # clockwise through north
    ("-", 60.0, 300.0, -120.0),  # anticlockwise through north
    ("-", 200.0, 270.0, -290.0),  # anticlockwise the long way
])
def test_da_arc_runs_from_start_to_end_bearing(direction, start, end, expected_sweep):
    zone = one_zone(f"AC R\nAN A\nV X={CENTRE_TEXT}\nV D={direction}\nDA 10, {start:g}, {end:g}\n")
    pts = ring(zone)[: math.ceil(abs(expected_sweep) / 0.5) + 1]  # the arc's own vertices
    az, dist = from_centre(pts)
    assert np.abs(dist - 18520.0).max() < 0.01
    assert az[0] == pytest.approx(start % 360.0, abs=1e-9)
    assert az[-1] == pytest.approx(end % 360.0, abs=1e-9)
    turn = np.mod(np.diff(az) * np.sign(expected_sweep), 360.0)  # each step in the arc's direction
    assert turn.max() <= 0.5 + 1e-9
    assert turn.sum() == pytest.approx(abs(expected_sweep), abs=1e-6)


def test_da_with_equal_bearings_is_a_full_circle():
    full = one_zone(f"AC R\nAN A\nV X={CENTRE_TEXT}\nDA 10, 90, 90\n")
    circle = one_zone(f"AC R\nAN C\nV X={CENTRE_TEXT}\nDC 10\n")
    assert len(ring(full)) == 720
    assert np.abs(from_centre(ring(full))[1] - 18520.0).max() < 0.01
    # the same 720 bearings, started at 90 instead of 0 degrees: the same polygon
    assert full.geometry.symmetric_difference(circle.geometry).area < 1e-12 * circle.geometry.area


def test_db_arc_joins_its_two_points_along_the_radius():
    lon, lat = CENTRE
    (lon1, lon2), (lat1, lat2), _ = GEOD.fwd([lon, lon], [lat, lat], [30.0, 100.0], [15000.0, 15000.0])

    def dms(value: float, pos: str, neg: str) -> str:
        sec = round(abs(value) * 3600.0, 3)
        return f"{int(sec // 3600)}:{int(sec % 3600 // 60):02d}:{sec % 60:06.3f}{pos if value >= 0 else neg}"

    p1 = f"{dms(lat1, 'N', 'S')} {dms(lon1, 'E', 'W')}"
    p2 = f"{dms(lat2, 'N', 'S')} {dms(lon2, 'E', 'W')}"
    for direction, sweep in (("+", 70.0), ("-", -290.0)):
        zone = one_zone(f"AC R\nAN B\nV X={CENTRE_TEXT}\nV D={direction}\nDB {p1}, {p2}\n")
        pts = ring(zone)
        assert tuple(pts[0]) == parse_coordinate(p1)
        assert tuple(pts[-1]) == parse_coordinate(p2)
        az, dist = from_centre(pts)
        # p1/p2 were rounded to 1 ms of arc (<= 3 cm), which sets the tolerance
        assert np.abs(dist - 15000.0).max() < 0.05
        turn = np.mod(np.diff(az) * np.sign(sweep), 360.0)
        assert turn.max() <= 0.5 + 1e-6
        assert turn.sum() == pytest.approx(abs(sweep), abs=1e-3)


def test_db_arc_between_different_radii_changes_radius_linearly():
    zone = one_zone(f"AC R\nAN B\nV X={CENTRE_TEXT}\nDP 36N 36E\nDB 36N 36:05E, 35:50N 36:03:40E\n")
    arc = ring(zone)[1:]
    az, dist = from_centre(arc)
    az0, az1 = az[0], az[-1]
    expected = dist[0] + (dist[-1] - dist[0]) * np.mod(az - az0, 360.0) / np.mod(az1 - az0, 360.0)
    assert np.abs(dist - expected).max() < 1e-6


# --- limits and positions -----------------------------------------------------------------

@pytest.mark.parametrize("text, metres", [
    ("FL95", 95 * 100 * 0.3048),
    ("FL 245", 245 * 100 * 0.3048),
    ("fl095", 95 * 100 * 0.3048),
    ("3500ft", 3500 * 0.3048),
    ("3500 ft AMSL", 3500 * 0.3048),
    ("3500FT MSL", 3500 * 0.3048),
    ("3500 MSL", 3500 * 0.3048),
    ("3500", 3500 * 0.3048),
    ("1500 ft AGL", 1500 * 0.3048),  # terrain not modelled: AGL read as above sea level
    ("9500 ft STD", 9500 * 0.3048),
    ("1000m", 1000.0),
    ("1000 m MSL", 1000.0),
    ("GND", 0.0),
    ("SFC", 0.0),
    ("UNL", math.inf),
    ("UNLIM", math.inf),
    ("unltd", math.inf),
    # dialects of real files
    ("3500 ft QNH", 3500 * 0.3048),
    ("-500ft", -500 * 0.3048),
    ("2900AMSL FT", 2900 * 0.3048),
    ("UNL FT", math.inf),
    ("UNLIM (Mon-Fri)", math.inf),
    ("15000ft (Mo-Fri)", 15000 * 0.3048),
    ("FL095", 95 * 100 * 0.3048),
    ("1000 ft GND", 1000 * 0.3048),
])
def test_limits(text, metres):
    assert parse_limit(text) == pytest.approx(metres, abs=1e-9)


def test_feet_are_exactly_0_3048_metres():
    assert parse_limit("10000 ft") == 3048.0
    assert parse_limit("FL100") == 3048.0


@pytest.mark.parametrize("text", ["BY NOTAM", "FL", "ft", "ASK ATC", "", "Ask on 122.8", "BCTA FT", "NOTAM"])
def test_bad_limits_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_limit(text)


@pytest.mark.parametrize("text, lon, lat", [
    ("39:29:09 N 119:46:40 W", -(119 + 46 / 60 + 40 / 3600), 39 + 29 / 60 + 9 / 3600),
    ("39:29:09N 119:46:40W", -(119 + 46 / 60 + 40 / 3600), 39 + 29 / 60 + 9 / 3600),
    ("39:29:09N119:46:40W", -(119 + 46 / 60 + 40 / 3600), 39 + 29 / 60 + 9 / 3600),
    ("39:29.5 N 119:46.1W", -(119 + 46.1 / 60), 39 + 29.5 / 60),
    ("35:54:10.5S 036:03:40.25E", 36 + 3 / 60 + 40.25 / 3600, -(35 + 54 / 60 + 10.5 / 3600)),
    ("35:54:10s, 036:03:40e", 36 + 3 / 60 + 40 / 3600, -(35 + 54 / 60 + 10 / 3600)),
    ("39.4858 N 119.7778 W", -119.7778, 39.4858),
    ("39.4858 -119.7778", -119.7778, 39.4858),
    ("-17.5, 179.9", 179.9, -17.5),
    ("90:00:00N 180:00:00W", -180.0, 90.0),
    ("47:22:60N 008:29:60E", 8.5, 47 + 23 / 60),  # a second of 60: rounding artefacts of real files
    ("39°29'09\"N 119°46'40\"W", -(119 + 46 / 60 + 40 / 3600), 39 + 29 / 60 + 9 / 3600),
])
def test_positions(text, lon, lat):
    got_lon, got_lat = parse_coordinate(text)
    assert got_lon == pytest.approx(lon, abs=1e-12) and got_lat == pytest.approx(lat, abs=1e-12)


@pytest.mark.parametrize("text", [
    "39:61:00N 119:00:00W",   # minutes must be at most 60
    "39:29:60.5N 119:00:00W",  # seconds must be at most 60
    "39.5:29N 119:00W",       # decimals only in the last part
    "91:00N 119:00W",         # latitude beyond 90
    "39:00N 181:00W",         # longitude beyond 180
    "39:00N 119:00",          # one hemisphere letter only
    "-39:00N 119:00W",        # sign and hemisphere
    "39:00E 119:00N",         # letters swapped
    "39:00N",                 # longitude missing
    "N 39 W 119",
])
def test_bad_positions_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_coordinate(text)


# --- records, files and bad input -------------------------------------------------------

def test_sample_file_zones_limits_and_classes():
    bad = BadInput()
    zones = {z.name: z for z in read_openair(DATA / "hatay.openair", bad)}
    assert bad.total == 0, bad.messages
    assert list(zones) == ["TRA HATAY-1", "DANGER YAYLADAGI", "R-ANTAKYA ARCS"]
    tra, circle, arcs = zones.values()
    assert (tra.floor_m, tra.ceiling_m) == pytest.approx((9500 * 0.3048, 24500 * 0.3048))
    assert tra.properties == {"class": "R", "type": "TRA", "floor": "FL95", "ceiling": "FL245",
                              "floor_known": True, "ceiling_known": True}
    assert (tra.floor_ref, tra.ceiling_ref) == ("FL", "FL")
    assert (tra.airspace_class, tra.airspace_type) == ("R", "TRA")
    assert len({z.id for z in zones.values()}) == 3
    assert (circle.floor_m, circle.ceiling_m) == pytest.approx((0.0, 8500 * 0.3048))
    assert (arcs.floor_m, arcs.ceiling_m) == (1000.0, math.inf)
    assert circle.properties["class"] == "Q" and circle.kind == "zone"
    assert tra.source.endswith("hatay.openair:5") and circle.source.endswith("hatay.openair:17")
    # DP outline kept vertex for vertex (the closing repeat dropped and re-added)
    assert len(ring(tra)) == 4 and tuple(ring(tra)[0]) == pytest.approx((35 + 55 / 60, 35 + 58 / 60))
    assert shapely.contains_xy(circle.geometry, 36.0611, 35.9028)
    assert all(z.geometry.is_valid for z in zones.values())


def test_malformed_records_are_reported_with_line_numbers_and_skipped():
    bad = BadInput()
    zones = read_openair(DATA / "broken.openair", bad)
    # a limit that cannot be known keeps its zone, flagged and at its widest: never dropped
    assert [z.name for z in zones] == ["GOOD ONE", "BAD LIMIT", "GOOD TWO"]
    assert zones[1].floor_m == -math.inf and zones[1].properties["floor_known"] is False
    assert len(bad.notes) == 1 and "'BY NOTAM' cannot be known" in bad.notes[0]
    lines = [m.split(":line ")[1].split(":")[0] for m in bad.messages]
    assert lines == ["21", "26", "28"]
    assert "at most 60" in bad.messages[0]
    assert "without a centre" in bad.messages[1] and "2 distinct point" in bad.messages[2]
    assert all(m.startswith(str(DATA / "broken.openair")) for m in bad.messages)


def test_comments_unknown_records_and_names():
    text = ("* header\n\nAC R\nAY TRA\nAT 36N 36E\nSP 0,1,0,0,0\nSB -1,-1,-1\nAF 123.450\n"
            "AN  Name * a comment  \nDP 36N 36E * first\nDP 36:10N 36E\nDP 36:10N 36:10E\n"
            "AC Q\nDP 36N 36E\nDP 36:10N 36E\nDP 36:10N 36:10E\n")
    bad = BadInput()
    zones = parse_openair(text, "x", bad)
    assert bad.total == 0
    assert [z.name for z in zones] == ["Name", "zone-1"]
    assert (zones[0].floor_m, zones[0].ceiling_m) == (-math.inf, math.inf)


def test_records_before_the_first_ac_and_bad_floor_ceiling_order():
    text = "DP 36N 36E\nAC R\nAN LOW\nAL FL100\nAH 1000ft\nDP 36N 36E\nDP 36:10N 36E\nDP 36:10N 36:10E\n"
    bad = BadInput()
    assert parse_openair(text, "y", bad) == []
    assert bad.messages[0].startswith("y:line 1: DP record before the first AC")
    assert bad.messages[1].startswith("y:line 2: airspace 'LOW': floor 'FL100' is not below")


def test_airway_is_a_corridor_and_a_repaired_outline_is_kept():
    text = ("AC R\nAN AWY\nV W=5\nDY 36N 36E\nDY 36N 37E\n"
            "AC R\nAN BOWTIE\nDP 36N 36E\nDP 36:10N 36:10E\nDP 36:10N 36E\nDP 36N 36:10E\n"
            "AC R\nAN NO WIDTH\nDY 36N 36E\nDY 36N 37E\n")
    bad = BadInput()
    zones = parse_openair(text, "z", bad)
    assert [z.name for z in zones] == ["AWY", "BOWTIE"]
    assert bad.messages == ["z:line 12: airspace 'NO WIDTH': airway (DY) without a width (V W=); skipped"]
    assert len(bad.notes) == 1 and "repaired" in bad.notes[0] and bad.notes[0].startswith("z:line 6:")
    # the corridor reaches 2.5 NM on each side of the centre line, and no further
    # (2.5 NM = 4630 m; 10 m allows for the straight lon/lat edges between offset points)
    awy = zones[0].geometry
    (mid_lon, mid_lat), = GEOD.npts(36.0, 36.0, 37.0, 36.0, 1)
    heading = GEOD.inv(mid_lon, mid_lat, 37.0, 36.0)[0]
    for side, inside in ((4620.0, True), (4640.0, False)):
        for turn in (-90.0, 90.0):
            lon, lat, _ = GEOD.fwd(mid_lon, mid_lat, heading + turn, side)
            assert shapely.contains_xy(awy, lon, lat) == inside
    assert shapely.contains_xy(awy, 36.0, 36.0) and shapely.contains_xy(awy, 37.0, 36.0)
    # the bowtie's two triangles are each a quarter of the 10' x 10' square
    square = shapely.box(36.0, 36.0, 36.0 + 1 / 6, 36.0 + 1 / 6).area
    assert zones[1].geometry.area == pytest.approx(square / 2, rel=1e-9)


def test_old_mac_and_windows_line_ends_keep_line_numbers():
    bad = BadInput()
    parse_openair("AC R\r\nAN X\rDP nonsense\nDP 36N 36E\n", "m", bad)
    assert bad.messages[0].startswith("m:line 3: bad DP record")


def test_legacy_windows_1252_file(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("AC R\nAN Ayn al-Arab \xe9t\xe9\nDP 36N 36E\nDP 36:10N 36E\nDP 36:10N 36:10E\n"
                     .encode("cp1252"))
    assert read_openair(path)[0].name == "Ayn al-Arab été"


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read zones file"):
        read_openair(tmp_path / "nope.openair")


# --- fuzzing ------------------------------------------------------------------------------

RECORD = st.sampled_from(["AC", "AN", "AL", "AH", "V X=", "V D=", "V", "DP", "DA", "DB", "DC", "DY", "AT", "*"])
ARGUMENT = st.text(alphabet="0123456789:.,+- NSEWnsewFLTMGDUftm*=\t", max_size=30)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(RECORD, ARGUMENT), max_size=25))
def test_fuzz_record_soup_never_crashes(records):
    text = "\n".join(f"{key} {arg}" for key, arg in records)
    bad = BadInput()
    try:
        zones = parse_openair(text, "fuzz", bad)
    except InputError:
        return
    assert all(z.geometry.is_valid and not z.geometry.is_empty for z in zones)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_fuzz_random_text_never_crashes(text):
    with contextlib.suppress(InputError):
        parse_openair(text, "fuzz", BadInput())
