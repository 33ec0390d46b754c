"""GPX, KML and GeoJSON readers: expected values read off the hand-written samples."""

import pytest

from samples import DATA
from samples import utc as _t
from skyborder.errors import BadInput, InputError
from skyborder.tracks.readers.geojson import read_geojson
from skyborder.tracks.readers.gpx import read_gpx
from skyborder.tracks.readers.kml import read_kml


def test_gpx_tracks_segments_and_bad_points():
    bad = BadInput()
    df = read_gpx(str(DATA / "sample.gpx"), bad=bad)
    assert list(df["track_id"]) == ["SU24-1"] * 3 + ["sample-2"]  # unnamed 2nd trk: file stem + number
    assert list(df["time"]) == [_t("2015-11-24 07:24:00"), _t("2015-11-24 07:24:10.5"),
                                _t("2015-11-24 07:24:30"), _t("2015-11-24 08:00")]  # +02:00 converted
    assert list(df["lat"]) == [35.9, 35.91, 35.92, -33.5]
    # <ele> is GNSS altitude: geometric, not the pressure altitude a flight level is compared with
    assert df["geo_alt_m"][:2].tolist() == [5791.2, 5800.0] and df["geo_alt_m"][2:].isna().all()
    assert "alt_m" not in df
    assert [m.split(":")[1] for m in bad.messages] == ["line 8", "line 12"]


def test_kml_track_linestrings_and_points():
    bad = BadInput()
    df = read_kml(str(DATA / "sample.kml"), bad=bad)
    assert list(df["track_id"]) == ["ED-1"] * 2 + ["RYR1234"] * 2 + ["SU24-1"] * 2 + ["SU24-2"] * 3
    assert list(df["time"][:6]) == [_t("2015-11-24 07:24:00"), _t("2015-11-24 07:24:10.5"),
                                    _t("2015-11-24 07:30:00"), _t("2015-11-24 07:30:05"),
                                    _t("2015-11-24 07:24:00"), _t("2015-11-24 07:24:10")]
    assert list(df["lon"][:6]) == [8.5, 8.6, 10.0, 10.01, 36.05, 36.06]
    assert df["geo_alt_m"][:6].tolist() == [10000.0, 10100.0, 11000.0, 11010.0, 5791.2, 5800.0]
    # TimeSpan 07:24:00-07:25:00 over a meridian 35.0 -> 35.1 -> 35.3 N: the middle point is a third of
    # the way (meridian arc ~ proportional to latitude; the ellipsoid moves it by < 3 ms here)
    span = df[df["track_id"] == "SU24-2"]
    offsets = (span["time"] - _t("2015-11-24 07:24:00")).dt.total_seconds().tolist()
    assert offsets[0] == 0.0 and offsets[2] == 60.0 and offsets[1] == pytest.approx(20.0, abs=0.003)
    assert span["interpolated"].tolist() == [False, True, False]  # the span gives only the ends
    assert not df["interpolated"][:6].any()
    assert span["geo_alt_m"].isna().all()  # clampToGround: not an altitude above sea level
    assert bad.messages == [f"{DATA / 'sample.kml'}:line 36: gx:Track has 1 <when> but 0 <gx:coord>"]


def test_geojson_linestring_times_and_points():
    bad = BadInput()
    df = read_geojson(str(DATA / "sample.geojson"), bad=bad)
    assert list(df["track_id"]) == ["3c6444", "3c6444", "SU24-1", "SU24-1"]
    assert list(df["time"]) == [_t("2015-11-24 07:24:05"), _t("2015-11-24 07:24:15"),
                                _t("2015-11-24 07:24:00"), _t("2015-11-24 07:24:10")]
    assert df["alt_m"].tolist()[0] == 10000.0 and df["alt_m"][1:].isna().all()  # the alt_m property
    assert df["geo_alt_m"].tolist()[2:] == [5791.2, 5800.0]  # a coordinate's third value: geometric
    assert list(df["callsign"].fillna("-")) == ["-", "-", "SU24", "SU24"]
    assert sorted(m.split(":")[1] for m in bad.messages) == ["features[0].coordinates[2]", "features[3]"]


def test_xml_refuses_entities_and_reports_broken_documents(tmp_path):
    bomb = tmp_path / "bomb.gpx"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]><gpx>&a;</gpx>')
    with pytest.raises(InputError, match="document type declaration"):
        read_gpx(str(bomb))
    broken = tmp_path / "broken.kml"
    broken.write_text("<kml><Document>\n<Placemark></Document></kml>")
    with pytest.raises(InputError, match=r"not well-formed XML \(line 2"):
        read_kml(str(broken))
    with pytest.raises(InputError, match="not GPX"):
        read_gpx(str(DATA / "sample.kml"))
    with pytest.raises(InputError, match="not a GeoJSON Feature"):
        read_geojson(str(DATA / "aircraft_mutability.json"))
