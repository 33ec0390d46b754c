"""Zone files as the field writes them: OpenAir dialects (checked against aerofiles, an
independent parser), zone identity, KML polygons, and zones read end to end by ``detect``."""
import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from skyborder.airspace.zones import read_zones
from skyborder.errors import BadInput
from skyborder.geodesy import GEOD
from skyborder.units import FOOT_M, NAUTICAL_MILE_M

DATA = Path(__file__).parent / "data" / "zones"
DIALECTS = DATA / "dialects.openair"


@pytest.fixture(scope="module")
def dialects():
    bad = BadInput()
    return read_zones(DIALECTS, bad), bad


def test_every_airspace_of_every_dialect_is_read_none_dropped(dialects):
    zones, bad = dialects
    text = DIALECTS.read_text()
    assert len(zones) == text.count("\nAC ")  # every AC record gives a zone; the TO terrain block none
    assert bad.total == 0, bad.messages
    by_name = {z.name: z for z in zones}
    unknown = by_name["R 1 NOTAM BOTH"]
    assert (unknown.floor_m, unknown.ceiling_m) == (-math.inf, math.inf)
    assert unknown.properties["floor_known"] is False and unknown.properties["ceiling_known"] is False
    assert by_name["C UNL"].ceiling_m == math.inf and by_name["C UNL"].properties["floor_known"] is False
    assert by_name["D AMSL FT"].ceiling_m == pytest.approx(2900 * FOOT_M)
    assert by_name["W-291 (labels)"].ceiling_m == math.inf and by_name["W-291 (labels)"].floor_m == 0.0
    ask = by_name["R-2508 ASK"]
    assert ask.floor_m == pytest.approx(15000 * FOOT_M) and ask.properties["ceiling_known"] is False
    assert len(bad.notes) == 4  # the four limits that cannot be known, each said once


def test_dp_positions_match_aerofiles_record_for_record(dialects):
    """aerofiles (MIT) reads the same file independently: its DP positions are our vertices."""
    aerofiles = pytest.importorskip("aerofiles.openair")
    zones, _ = dialects
    records = [r for r, error in aerofiles.Reader(io.StringIO(DIALECTS.read_text())) if error is None]
    airspaces = [r for r in records if r["type"] == "airspace"]
    assert [r["name"] for r in airspaces] == [z.name for z in zones]
    assert [r["class"] for r in airspaces] == [z.airspace_class for z in zones]
    assert [(r["floor"], r["ceiling"]) for r in airspaces] == [
        (z.properties["floor"] or None, z.properties["ceiling"] or None) for z in zones]
    checked = 0
    for record, zone in zip(airspaces, zones):
        points = [e["location"] for e in record["elements"] if e["type"] == "point"]
        if len(points) != len(record["elements"]):
            continue
        ours = np.asarray(zone.geometry.exterior.coords)[:-1]
        theirs = np.array([[lon, lat] for lat, lon in points])
        assert np.allclose(ours, theirs, rtol=0, atol=1e-9), zone.name
        checked += 1
    assert checked == 7


def test_circle_and_late_centre_arc(dialects):
    zones, _ = dialects
    by_name = {z.name: z for z in zones}
    circle = np.asarray(by_name["D AMSL FT"].geometry.exterior.coords)
    lon0, lat0 = 138 + 31 / 60 + 50 / 3600, -(34 + 56 / 60 + 42 / 3600)
    dist = GEOD.inv(np.full(len(circle), lon0), np.full(len(circle), lat0), circle[:, 0], circle[:, 1])[2]
    assert np.abs(dist - 3 * NAUTICAL_MILE_M).max() < 0.01
    # "DA 10,270,90" before "V X=": drawn around the centre that follows it (aerofiles uses the
    # previous airspace's centre here), clockwise through north
    arc = np.asarray(by_name["R-2508 ASK"].geometry.exterior.coords)[:-1]
    lon0, lat0 = -117.5, 35.5
    az, _, dist = GEOD.inv(np.full(len(arc), lon0), np.full(len(arc), lat0), arc[:, 0], arc[:, 1])
    assert np.abs(dist - 10 * NAUTICAL_MILE_M).max() < 0.01
    assert az[0] % 360 == pytest.approx(270.0) and az[-1] % 360 == pytest.approx(90.0)
    assert (np.abs(az) <= 90.0 + 1e-9).all()  # the northern half


def test_second_60_and_labels(dialects):
    zones, _ = dialects
    by_name = {z.name: z for z in zones}
    first = np.asarray(by_name["SECOND 60"].geometry.exterior.coords)[0]
    assert first == pytest.approx([8.5, 47 + 23 / 60], abs=1e-12)
    labelled = np.asarray(by_name["W-291 (labels)"].geometry.exterior.coords)[:-1]
    assert len(labelled) == 4 and labelled[0] == pytest.approx([-118.0, 32.5])


def test_zone_ids_are_unique_stable_and_independent_of_position(dialects, tmp_path):
    zones, _ = dialects
    ids = [z.id for z in zones]
    assert len(set(ids)) == len(ids) and all(ids)
    frankfurt = [z for z in zones if z.name == "Frankfurt"]
    assert len(frankfurt) == 3 and len({z.id for z in frankfurt}) == 3
    assert frankfurt[0].id == "b3836bab-6bc3-48c1-b918-01c2559e26fa"  # the file's own AI identifier
    assert (frankfurt[0].airspace_class, frankfurt[0].airspace_type) == ("D", "CTR")
    # the same file read again, and with its airspaces in another order: the same ids
    blocks = DIALECTS.read_text().split("\n\n")
    shuffled = tmp_path / "shuffled.openair"
    shuffled.write_text("\n\n".join(blocks[::-1]) + "\n")
    again = {z.name + z.airspace_class + str(z.floor_m): z.id for z in read_zones(shuffled)}
    assert again == {z.name + z.airspace_class + str(z.floor_m): z.id for z in zones}
    assert [z.id for z in read_zones(DIALECTS)] == ids


def test_kml_polygons_are_zones():
    bad = BadInput()
    zones = read_zones(DATA / "zones.kml", bad)
    assert [z.name for z in zones] == ["TRA HATAY-2", "TWIN"]
    tra, twin = zones
    assert (tra.id, tra.airspace_class, tra.airspace_type) == ("tra-hatay-2", "R", "TRA")
    assert (tra.floor_m, tra.ceiling_m) == (2895.6, 7467.6)
    assert tra.geometry.area == pytest.approx(0.04 - 0.01, rel=1e-12)  # the hole is cut out
    assert not shapely.contains_xy(tra.geometry, 36.0, 36.0) and shapely.contains_xy(tra.geometry, 35.92, 35.92)
    assert twin.geometry.geom_type == "MultiPolygon" and twin.geometry.area == pytest.approx(0.01, rel=1e-12)
    assert len(bad.messages) == 1 and "line 41" in bad.messages[0]  # the broken ring; the point is no zone


def test_detect_results_carry_zone_identity_and_a_clean_file_exits_0(tmp_path):
    from skyborder.cli import main

    track = tmp_path / "t.csv"
    track.write_text("time,track_id,lat,lon,alt_ft\n2024-03-01T08:00:00Z,A,50.02,8.40,1000\n"
                     "2024-03-01T08:01:00Z,A,50.02,8.60,1000\n")
    out = tmp_path / "r.csv"
    assert main(["detect", str(track), "--zones", str(DIALECTS), "--format", "csv", "--near", "0",
                 "-o", str(out)]) == 0
    result = pd.read_csv(out)
    assert result["airspace"].tolist() == ["Frankfurt"]
    assert result["airspace_id"].tolist() == ["b3836bab-6bc3-48c1-b918-01c2559e26fa"]
    assert (result["airspace_class"].tolist(), result["airspace_type"].tolist()) == (["D"], ["CTR"])
