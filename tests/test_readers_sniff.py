"""Format sniffing by content, read_tracks dispatch, the writers and their round trips."""
import shutil
from pathlib import Path

import pandas as pd
import pytest

from skyborder.errors import BadInput, InputError, OutputFormatError
from skyborder.tracks.readers.sniff import read_tracks, sniff
from skyborder.tracks.writers import format_for, write_tracks

DATA = Path(__file__).parent / "data" / "tracks"


@pytest.mark.parametrize("name, fmt", [
    ("messy.csv", "csv"), ("opensky_states.csv", "csv"), ("mapped.csv", "csv"), ("sample.sbs", "sbs"),
    ("aircraft_mutability.json", "aircraft-json"), ("snapshots", "aircraft-json"),
    ("trace_full_4b8302.json", "readsb-trace"), ("sample.gpx", "gpx"), ("sample.kml", "kml"),
    ("sample.geojson", "geojson"),
])
def test_sniff_by_content(name, fmt):
    assert sniff(str(DATA / name)) == fmt


def test_geojson_mentioning_aircraft_is_still_geojson(tmp_path):
    path = tmp_path / "f.json"
    path.write_text('{"features": [{"properties": {"aircraft": "A321", "now": 1, "time": 1448349840}, '
                    '"geometry": {"type": "Point", "coordinates": [1, 2]}, "type": "Feature"}], '
                    '"type": "FeatureCollection"}')
    assert sniff(str(path)) == "geojson"
    assert read_tracks(str(path))["lon"].tolist() == [1.0]


def test_content_wins_over_the_name(tmp_path):
    fake = tmp_path / "feed.csv"
    shutil.copy(DATA / "sample.sbs", fake)
    df = read_tracks(str(fake))
    assert list(df["track_id"]) == ["151d8a", "151d8a", "4ca2d6", "4ca2d6"]
    binary = tmp_path / "x.dat"
    binary.write_bytes(b"\x00\x01\x02 nothing known")
    with pytest.raises(InputError, match="cannot tell the track format"):
        read_tracks(str(binary))


def test_forced_format_options_and_mapping():
    df = read_tracks(str(DATA / "sample.sbs"), input_format="basestation", tz="Europe/Berlin")
    assert df["time"].min() == pd.Timestamp("2015-11-24 06:24:01", tz="UTC")
    df = read_tracks(str(DATA / "mapped.csv"), columns="ts=time,plane=track_id,y=lat,x=lon")
    assert list(df["track_id"]) == ["SU24-1", "SU24-1"]
    with pytest.raises(InputError, match="unknown track format"):
        read_tracks(str(DATA / "sample.sbs"), input_format="pcap")
    with pytest.raises(InputError, match="column mapping applies to CSV"):
        read_tracks(str(DATA / "sample.gpx"), columns="a=time")
    with pytest.raises(InputError, match=r"option.*tz.*gpx"):
        read_tracks(str(DATA / "sample.gpx"), tz="UTC")


@pytest.mark.parametrize("ext", [".csv", ".parquet", ".geojson"])
def test_round_trip_through_every_writer(tmp_path, ext):
    original = read_tracks(str(DATA / "sample.sbs"))
    out = tmp_path / f"tracks{ext}"
    write_tracks(original, str(out))
    back = read_tracks(str(out), bad=(bad := BadInput()))
    assert bad.total == 0
    cols = ["time", "track_id", "lat", "lon", "alt_m", "speed_mps", "heading_deg", "callsign", "icao24",
            "squawk", "on_ground", "country", "operator", "military"]
    pd.testing.assert_frame_equal(back[cols], original[cols])


def test_geojson_writer_one_fix_track_is_a_point(tmp_path):
    original = read_tracks(str(DATA / "sample.gpx"))  # track sample-2 has one fix
    out = tmp_path / "t.geojson"
    write_tracks(original, str(out))
    text = out.read_text()
    assert '"type":"Point"' in text and '"time":"2015-11-24T08:00:00.000000Z"' in text
    back = read_tracks(str(out))
    pd.testing.assert_frame_equal(back[["time", "track_id", "lat", "lon", "geo_alt_m"]],
                                  original[["time", "track_id", "lat", "lon", "geo_alt_m"]])


def test_output_format_from_extension():
    assert [format_for(p) for p in ("a.CSV", "b.parquet", "c.geojson")] == ["csv", "parquet", "geojson"]
    with pytest.raises(OutputFormatError, match="cannot tell the output format"):
        format_for("tracks.xlsx")


def test_summary_names_what_reading_tidied():
    from skyborder.tracks.readers.sniff import summary

    text = summary(read_tracks(str(DATA / "messy.csv")))
    assert text == "4 fixes in 2 tracks (1 repeated fixes dropped, 1 fixes out of time order sorted)"
    assert summary(read_tracks(str(DATA / "mapped.csv"), columns="ts=time,y=lat,x=lon")) == "2 fixes in 1 tracks"


def test_mode_s_captures_are_sniffed_and_detected(tmp_path):
    """AVR and Beast captures from the simulator are recognised by content and read by detect."""
    from skyborder.cli import main
    from skyborder.sim import traffic as simulate

    items = simulate.emissions(simulate.border_approach(120.0))
    for fmt in ("avr", "beast"):
        path = tmp_path / f"capture.bin{fmt}"
        simulate.write(items, fmt, str(path), 0.0)
        assert sniff(str(path)) == fmt
        assert main(["detect", str(path), "--airspace", "TUR,SYR", "--format", "csv",
                     "--start-time", "2015-11-24T07:20:00Z", "-o", str(tmp_path / f"{fmt}.csv")]) == 0
        assert "TUR" in (tmp_path / f"{fmt}.csv").read_text()
    plain = tmp_path / "plain.txt"
    plain.write_text("8D4840D6202CC371C32CE0576098\n")
    assert sniff(str(plain)) == "avr"
