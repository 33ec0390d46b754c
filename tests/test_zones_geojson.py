"""GeoJSON zones and the format-picking ``read_zones``."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from skyborder.airspace.geojson import parse_geojson_zones, read_geojson_zones
from skyborder.airspace.zones import read_zones
from skyborder.errors import BadInput, InputError

DATA = Path(__file__).parent / "data" / "zones"
SQUARE = [[[35.8, 35.7], [36.2, 35.7], [36.2, 36.0], [35.8, 36.0], [35.8, 35.7]]]


def parse(doc: object, bad: BadInput | None = None):
    return parse_geojson_zones(json.dumps(doc), "t.geojson", bad)


def test_sample_collection():
    bad = BadInput()
    zones = read_geojson_zones(DATA / "zones.geojson", bad)
    assert [z.name for z in zones] == ["Latakia box", "zone-1", "bowtie", "dateline box"]
    box, multi, bowtie, dateline = zones
    assert (box.floor_m, box.ceiling_m, box.label) == (300.0, 7500.5, "test box")
    assert box.properties["name"] == "Latakia box" and box.kind == "zone"
    assert box.source.endswith("zones.geojson#feature 0")
    assert (multi.floor_m, multi.ceiling_m) == (-math.inf, math.inf)
    assert (dateline.floor_m, dateline.ceiling_m) == (-math.inf, 3000.0)
    # edges stay straight in lon/lat: the vertices are exactly the file's, nothing added
    assert np.array_equal(np.asarray(box.geometry.exterior.coords), np.array(SQUARE[0]))
    # a triangle and a square with a triangular hole: 0.005 + (0.04 - 0.005) square degrees
    assert multi.geometry.geom_type == "MultiPolygon"
    assert multi.geometry.area == pytest.approx(0.005 + 0.04 - 0.005, rel=1e-9)
    assert not shapely.contains_xy(multi.geometry, 36.43, 36.6)  # inside the hole
    # the bowtie is repaired into its two triangles, each a quarter of the 0.2 x 0.2 square
    assert bowtie.geometry.is_valid and bowtie.geometry.area == pytest.approx(0.02, rel=1e-9)
    # beyond +180 kept as given
    assert dateline.geometry.bounds == (179.5, -17.0, 180.5, -16.0)
    assert [m.split(": ", 1)[0] for m in bad.messages] == [
        f"{DATA / 'zones.geojson'}:feature {i}" for i in (2, 5)]
    assert "Point" in bad.messages[0] and "floor_m" in bad.messages[1]
    # the bowtie was repaired and kept: a note, not a skipped item
    assert len(bad.notes) == 1 and "feature 3" in bad.notes[0] and "repaired" in bad.notes[0]
    assert len({z.id for z in zones}) == 4 and all(z.id for z in zones)


def test_feature_and_bare_geometry():
    feature = {"type": "Feature", "properties": {"name": "one", "ceiling_m": 1000},
               "geometry": {"type": "Polygon", "coordinates": SQUARE}}
    assert [(z.name, z.ceiling_m) for z in parse(feature)] == [("one", 1000.0)]
    bare = parse({"type": "Polygon", "coordinates": SQUARE})
    assert [(z.name, z.floor_m) for z in bare] == [("zone-0", -math.inf)]
    assert bare[0].geometry.equals(shapely.Polygon(SQUARE[0]))


def test_third_coordinates_dropped_and_unclosed_ring_closed():
    ring = [[35.8, 35.7, 100.0], [36.2, 35.7, 100.0], [36.2, 36.0, 90.0], [35.8, 36.0, 90.0]]
    zone, = parse({"type": "Polygon", "coordinates": [ring]})
    assert zone.geometry.equals(shapely.Polygon(SQUARE[0])) and not zone.geometry.has_z


@pytest.mark.parametrize("props, reason", [
    ({"floor_m": "300"}, "floor_m must be a number"),
    ({"ceiling_m": True}, "ceiling_m must be a number"),
    ({"floor_m": 10 ** 400}, "floor_m must be a number"),
    ({"floor_m": 5000, "ceiling_m": 1000}, "is not below"),
])
def test_bad_limits_are_reported(props, reason):
    bad = BadInput()
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": SQUARE}},
        {"type": "Feature", "properties": {"name": "ok"}, "geometry": {"type": "Polygon", "coordinates": SQUARE}}]}
    assert [z.name for z in parse(doc, bad)] == ["ok"]
    assert bad.messages[0].startswith("t.geojson:feature 0: ") and reason in bad.messages[0]


@pytest.mark.parametrize("geometry, reason", [
    ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "LineString is not a Polygon"),
    (None, "missing is not a Polygon"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0]]]}, "fewer than 3"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, "x"], [1, 1], [0, 0]]]}, "[lon, lat] numbers"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 1], [0, 0]]]}, "latitude outside"),
    ({"type": "Polygon", "coordinates": []}, "coordinates must be a non-empty list"),
    ({"type": "MultiPolygon", "coordinates": [[]]}, "coordinates must be a non-empty list"),
    ({"type": "Polygon", "coordinates": [[]]}, "ring must be a non-empty list"),
    ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}, "no area"),
])
def test_bad_geometries_are_reported_and_skipped(geometry, reason):
    bad = BadInput()
    assert parse({"type": "Feature", "properties": {}, "geometry": geometry}, bad) == []
    assert bad.total == 1 and reason in bad.messages[0]


def test_antimeridian_jump_is_kept_and_reported():
    ring = [[179.5, -17.0], [-179.5, -17.0], [-179.5, -16.0], [179.5, -16.0], [179.5, -17.0]]
    bad = BadInput()
    zone, = parse({"type": "Polygon", "coordinates": [ring]}, bad)
    assert zone.geometry.bounds == (-179.5, -17.0, 179.5, -16.0)  # as given, not reinterpreted
    assert "180 degrees of longitude" in bad.messages[0]


def test_whole_file_errors_are_input_errors(tmp_path):
    with pytest.raises(InputError, match=r"not valid JSON \(line 2 column"):
        parse_geojson_zones('{"type":\n "FeatureCollection", ]', "x", None)
    with pytest.raises(InputError, match="not a GeoJSON"):
        parse({"type": "Topology"})
    with pytest.raises(InputError, match="'features' list"):
        parse({"type": "FeatureCollection", "features": {}})
    with pytest.raises(InputError, match="UTF-8"):
        parse_geojson_zones(b'{"type": "\xff"}', "x")
    with pytest.raises(InputError, match="nested too deeply"):
        parse_geojson_zones('{"a": ' + '[' * 100_000 + ']' * 100_000 + '}', "x")
    with pytest.raises(InputError, match="cannot read zones file"):
        read_geojson_zones(tmp_path / "missing.geojson")


# --- read_zones: the format is chosen by content ------------------------------------------

def test_read_zones_picks_the_format_by_content(tmp_path):
    geojson = tmp_path / "zones.txt"  # the extension does not matter
    geojson.write_text("\ufeff \n" + json.dumps({"type": "Polygon", "coordinates": SQUARE}))
    assert [z.name for z in read_zones(geojson)] == ["zone-0"]
    openair = tmp_path / "zones.json"
    openair.write_text("AC R\nAN X\nDP 36N 36E\nDP 36:10N 36E\nDP 36:10N 36:10E\n")
    assert [z.name for z in read_zones(openair)] == ["X"]
    assert len(read_zones(DATA / "hatay.openair")) == 3
    assert len(read_zones(DATA / "zones.geojson")) == 4


@pytest.mark.parametrize("content, message", [
    (b"", "no usable zone in .* \\(read as OpenAir\\)"),
    (b"hello\nworld\n", "no usable zone"),
    (b'{"type": "FeatureCollection", "features": []}', "no usable zone in .* \\(read as GeoJSON\\)"),
    (b"{ not json", "not valid JSON"),
])
def test_read_zones_rejects_files_without_zones(tmp_path, content, message):
    path = tmp_path / "z"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_zones(path, BadInput())


def test_read_zones_message_counts_skipped_records(tmp_path):
    path = tmp_path / "z"
    path.write_text("AC R\nAN X\nAL BY NOTAM\nDP 36N 36E\n")
    with pytest.raises(InputError, match=r"1 bad OpenAir airspace"):
        read_zones(path)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda s: ("{" + s).encode()))
def test_fuzz_read_zones_raises_only_input_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "z"
    path.write_bytes(content)
    try:
        zones = read_zones(path, BadInput())
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert zones and all(z.geometry.is_valid for z in zones)


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=30)
POSITION = st.lists(st.floats(-200, 200), min_size=2, max_size=3)
RINGS = st.lists(st.lists(POSITION, min_size=1, max_size=8), min_size=1, max_size=3)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["Polygon", "MultiPolygon", "Point"]), RINGS | st.lists(RINGS, max_size=2) | JSON_VALUE,
       st.dictionaries(st.sampled_from(["name", "floor_m", "ceiling_m", "label"]), JSON_VALUE, max_size=4))
def test_fuzz_features_are_zones_or_reported(kind, coordinates, properties):
    feature = {"type": "Feature", "properties": properties, "geometry": {"type": kind, "coordinates": coordinates}}
    bad = BadInput()
    zones = parse_geojson_zones(json.dumps(feature), "fuzz", bad)  # NaN/inf leave as JSON NaN/Infinity
    assert len(zones) == 1 or bad.total >= 1
    assert all(z.geometry.is_valid and not z.geometry.is_empty and z.floor_m < z.ceiling_m for z in zones)
