"""`claims`: published figures against each other and the real boundary.

Independent answers: on a disc of radius R (a geodesic circle), a straight chord of length L
reaches R - sqrt(R^2 - L^2/4) deep, and reaching depth d takes a chord of 2 sqrt(R^2 - (R - d)^2);
the implied speed of the 2015 figures is computed here from the unit definitions; every answer is
re-measured by running its path through ``detect``.
"""
from __future__ import annotations

import json
import math

import pytest
import shapely

from skyborder.airspace import world
from skyborder.airspace.model import Airspace
from skyborder.analysis.claims import Claimed, Claims, candidate_track, check_claims
from skyborder.cli import main
from skyborder.cli.claims import parse_speed_range
from skyborder.detection.engine import detect
from skyborder.geodesy import geodesic_circle

R = 3000.0
CENTRE = (20.0, 45.0)
CELL = 20.0


@pytest.fixture(scope="module")
def disc() -> Airspace:
    return Airspace("DISC", shapely.Polygon(geodesic_circle(*CENTRE, R)))


def chord_depth(length: float) -> float:
    return R - math.sqrt(R * R - length * length / 4)


def chord_length(depth: float) -> float:
    return 2 * math.sqrt(R * R - (R - depth) ** 2)


@pytest.fixture(scope="module")
def disc_check(disc):
    claims = Claims(Claimed(17.0, 0.5), Claimed(4000.0, 0.0), Claimed(1000.0, 0.0))
    return check_claims(disc, claims, near=CENTRE, radius_m=4000.0, resolution_m=CELL, turns=False)


def test_deepest_chord_of_a_length(disc_check):
    p = disc_check.deepest_at_length
    assert abs(p.length_m - 4000.0) <= 3 * CELL  # the search's slack (2 cells) and the raster's error (1 cell)
    assert p.depth_m == pytest.approx(chord_depth(p.length_m), abs=2.0)  # the engine's figures, exact
    assert not math.isfinite(p.turn_radius_m)


def test_shortest_chord_to_a_depth(disc_check):
    p = disc_check.shortest_to_depth
    assert p.depth_m >= 1000.0 - 2 * CELL - 2.0
    assert p.length_m == pytest.approx(chord_length(p.depth_m), abs=2.0)
    assert p.length_m <= chord_length(1000.0) + 3 * CELL


def test_consistent_claims_are_found_consistent(disc_check):
    # 4 km and 1 km are not both chord figures (a 4 km chord is 0.76 km deep): but a nearby path is
    assert disc_check.speed_consistent and disc_check.depth_bound_consistent
    length = chord_length(1000.0)
    claims = Claims(Claimed(length / 250.0, 0.5), Claimed(length, 30.0), Claimed(1000.0, 30.0))
    check = check_claims(Airspace("DISC", shapely.Polygon(geodesic_circle(*CENTRE, R))), claims, near=CENTRE,
                         radius_m=4000.0, resolution_m=CELL, turns=False)
    assert check.consistent and check.nearest.deviation == 0.0


def test_depth_beyond_half_the_length_is_refused(disc):
    claims = Claims(Claimed(17.0, 0.5), Claimed(1000.0, 5.0), Claimed(600.0, 5.0))
    check = check_claims(disc, claims, near=CENTRE, radius_m=4000.0, resolution_m=CELL, turns=False)
    assert check.depth_bound_m == pytest.approx(502.5) and not check.depth_bound_consistent
    assert not check.consistent
    # whatever the search finds obeys the bound (the engine's exact figures)
    for path in (check.deepest_at_length, check.shortest_to_depth, check.nearest):
        assert path.depth_m <= path.length_m / 2 + 1.0


@pytest.fixture(scope="module")
def su24():
    mile = 1609.344
    claims = Claims(Claimed(17.0, 0.5), Claimed(1.15 * mile, 0.005 * mile), Claimed(1.36 * mile, 0.005 * mile),
                    speed_mps=(960 / 3.6 * 0.85, 960 / 3.6 * 1.15))
    return check_claims(world.country("TUR"), claims, near=(36.15, 35.812), radius_m=3000.0, resolution_m=20.0)


def test_2015_figures(su24):
    lo, hi = su24.implied_speed_mps
    assert lo * 3.6 == pytest.approx(1.145 * 1609.344 / 17.5 * 3.6) and hi * 3.6 == pytest.approx(
        1.155 * 1609.344 / 16.5 * 3.6)
    assert round(1.15 * 1609.344 / 17 * 3.6) == 392
    assert not su24.speed_consistent and not su24.depth_bound_consistent and not su24.consistent
    assert su24.nearest.deviation > 0.2


def test_answers_are_what_detect_measures_on_them(su24):
    turkey = world.country("TUR")
    for path in (su24.deepest_at_length, su24.shortest_to_depth, su24.deepest_in_time, su24.nearest):
        result = detect(candidate_track(path, step_m=10.0), [turkey], near_m=0)
        closed = result[result["status"] == "closed"]
        best = closed.iloc[(closed["length_inside_m"] - path.length_m).abs().argmin()]
        assert best["length_inside_m"] == pytest.approx(path.length_m, abs=3.0)
        assert best["max_depth_m"] == pytest.approx(path.depth_m, abs=3.0)
        assert path.depth_m <= path.length_m / 2 + 1.0


def test_speed_ranges():
    assert parse_speed_range("960km/h") == pytest.approx((960 / 3.6 * 0.85, 960 / 3.6 * 1.15))
    assert parse_speed_range("200:300m/s") == (200.0, 300.0)
    assert parse_speed_range("700:1100km/h") == pytest.approx((700 / 3.6, 1100 / 3.6))


def test_claims_command(tmp_path, capsys):
    zone = tmp_path / "disc.geojson"
    ring = geodesic_circle(*CENTRE, R).tolist()
    zone.write_text(json.dumps({"type": "Feature", "properties": {"name": "DISC"},
                                "geometry": {"type": "Polygon", "coordinates": [ring]}}))
    args = ["claims", "--zones", str(zone), "--duration", "17", "--length", "4km", "--depth", "1.0km",
            "--resolution", "20", "--radius", "4000"]
    assert main(args + ["--map", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    assert "Depth against length" in out and "nearest consistent alternative" in out
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    assert main(args + ["--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["airspace"] == "DISC" and data["deepest_at_length"]["length_m"] > 0
    assert main(["claims", "--airspace", "TUR", "--duration", "17", "--length", "1.15furlongs",
                 "--depth", "1mi"]) == 2
    assert "unknown length unit" in capsys.readouterr().err
    assert main(["claims", "--airspace", "TUR", "--duration", "17", "--length", "1.15mi", "--depth", "1mi"]) == 2
    assert "--near" in capsys.readouterr().err
