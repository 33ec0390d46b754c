"""Track formats and dialects of the field, each read from a small file written in it
(tests/data/tracks), with the values expected worked out by hand; and DataFrames in."""

import numpy as np
import pandas as pd
import pytest
import shapely

from samples import DATA
from samples import utc as _t
from skyborder.errors import BadInput
from skyborder.tracks.readers.frames import tracks_from_frame
from skyborder.tracks.readers.sniff import read_tracks, sniff
from skyborder.units import FOOT_M, KNOT_MPS


def test_flightradar24_granular_export():
    bad = BadInput()
    df = read_tracks(str(DATA / "fr24_granular.csv"), bad=bad)
    assert sniff(str(DATA / "fr24_granular.csv")) == "csv"
    assert list(df["track_id"]) == ["34242a02", "34242a02", "35f2ffd9"]
    # "07:41:03Z.515": the Z before the fraction of a second
    assert list(df["time"]) == [_t("2024-01-02 07:41:03.515"), _t("2024-01-02 07:41:08"),
                                _t("2024-01-02 07:41:10.750")]
    assert list(df["icao24"]) == ["4ba9c4", "4ba9c4", "3c4516"]  # 0x4BA9C4: one spelling
    assert df["alt_m"].tolist() == pytest.approx([35000 * FOOT_M, 35025 * FOOT_M, 28000 * FOOT_M])
    assert df["speed_mps"].tolist() == pytest.approx([450 * KNOT_MPS, 451 * KNOT_MPS, 420 * KNOT_MPS])
    assert list(df["country"]) == ["TUR", "TUR", "DEU"] and list(df["operator"]) == ["THY", "THY", "DLH"]
    # the no_position row is not a fix at 0, 0 (skipped quietly, counted); an unflagged 0, 0 is bad input
    assert df.attrs["read_stats"]["no_position"] == 1
    assert bad.messages == [f"{DATA / 'fr24_granular.csv'}:line 5: position 0, 0 is a placeholder, not a fix"]


def test_readsb_json_lines():
    bad = BadInput()
    df = read_tracks(str(DATA / "readsb.jsonl"), bad=bad)
    assert sniff(str(DATA / "readsb.jsonl")) == "readsb-jsonl"
    assert list(df["track_id"]) == ["3c6444", "4ba9c4", "4ba9c4"]  # the line without lat/lon is not a fix
    assert list(df["time"]) == [_t("2023-11-14 22:13:20.600"), _t("2023-11-14 22:13:20.000"),
                                _t("2023-11-14 22:13:21.400")]  # now - seen_pos, per line
    assert np.isnan(df["alt_m"][0]) and df["on_ground"].tolist() == [True, False, False]
    assert df["alt_m"][1:].tolist() == pytest.approx([35000 * FOOT_M, 35050 * FOOT_M])
    assert df["geo_alt_m"][1:].tolist() == pytest.approx([35525 * FOOT_M, 35575 * FOOT_M])
    assert bad.messages == [f"{DATA / 'readsb.jsonl'}:line 3: not a JSON object"]


def test_sbs_with_a_csv_header_line_and_a_surface_position():
    bad = BadInput()
    df = read_tracks(str(DATA / "sample_header.sbs"), bad=bad)
    assert sniff(str(DATA / "sample_header.sbs")) == "sbs" and bad.total == 0
    assert list(df["track_id"]) == ["3c6444", "4ca2d6", "4ca2d6"]
    assert df["on_ground"].tolist() == [True, False, False]  # MSG,2 is a surface position
    assert np.isnan(df["alt_m"][0]) and df["alt_m"][1:].tolist() == pytest.approx([35000 * FOOT_M, 35025 * FOOT_M])
    assert list(df["callsign"].fillna("-")) == ["-", "RYR1234", "RYR1234"]


def test_igc_pressure_and_gnss_altitude_over_midnight():
    bad = BadInput()
    df = read_tracks(str(DATA / "flight.igc"), bad=bad)
    assert sniff(str(DATA / "flight.igc")) == "igc"
    assert set(df["track_id"]) == {"D-1234"}  # the glider registration (HFGID)
    assert list(df["time"]) == [_t("2015-11-24 07:24:00"), _t("2015-11-24 07:24:10"), _t("2015-11-24 07:24:20"),
                                _t("2015-11-24 23:59:59"), _t("2015-11-25 00:00:05")]  # past midnight: next day
    assert df["lat"][0] == pytest.approx(35 + 54 / 60) and df["lon"][0] == pytest.approx(36 + 3 / 60)
    assert df["alt_m"].tolist() == [1234.0, 1250.0, 1260.0, 1270.0, 1275.0]  # pressure altitude
    gnss = df["geo_alt_m"].tolist()
    assert gnss[:2] == [1300.0, 1320.0] and np.isnan(gnss[2]) and gnss[3:] == [1340.0, 1345.0]  # V: no GNSS alt
    assert bad.messages == [f"{DATA / 'flight.igc'}:line 11: malformed IGC B record"]


def test_traffic_json_records():
    bad = BadInput()
    df = read_tracks(str(DATA / "traffic_records.json"), bad=bad)
    assert sniff(str(DATA / "traffic_records.json")) == "traffic-json" and bad.total == 0
    assert list(df["track_id"]) == ["DLH4AB_1", "THY6CJ_1", "THY6CJ_1"]  # flight_id
    assert list(df["time"]) == [_t("2015-11-24 07:24"), _t("2015-11-24 07:24"), _t("2015-11-24 07:24:10")]
    # traffic's altitude and geoaltitude are feet, groundspeed knots, track the track angle
    assert df["alt_m"][1:].tolist() == pytest.approx([35000 * FOOT_M, 35025 * FOOT_M])
    assert df["geo_alt_m"][1:].tolist() == pytest.approx([35500 * FOOT_M, 35525 * FOOT_M])
    assert df["speed_mps"][1] == pytest.approx(450 * KNOT_MPS) and df["heading_deg"].tolist() == [270.0, 91.0, 91.5]
    assert df["on_ground"].tolist() == [True, False, False] and list(df["country"]) == ["DEU", "TUR", "TUR"]


def test_traffic_dataframe_and_geodataframe():
    records = pd.read_json(DATA / "traffic_records.json", orient="records", dtype=False)
    records["timestamp"] = pd.to_datetime(records["timestamp"], unit="ms", utc=True)
    from_frame = read_tracks(records)
    from_file = read_tracks(str(DATA / "traffic_records.json"))
    columns = ["time", "track_id", "lat", "lon", "alt_m", "geo_alt_m", "on_ground", "speed_mps", "icao24"]
    pd.testing.assert_frame_equal(from_frame[columns], from_file[columns])
    geopandas = pytest.importorskip("geopandas")
    points = geopandas.GeoDataFrame(
        {"time": ["2015-11-24T07:24:00Z", "2015-11-24T07:24:10Z"], "icao24": ["4ba9c4", "4ba9c4"]},
        geometry=[shapely.Point(35.9, 36.0, 10000.0), shapely.Point(35.95, 36.01, 10010.0)], crs="EPSG:4326")
    df = tracks_from_frame(points)
    assert df["lon"].tolist() == [35.9, 35.95] and df["geo_alt_m"].tolist() == [10000.0, 10010.0]
    projected = points.to_crs("EPSG:3857")  # another CRS: brought back to lon/lat
    assert read_tracks(projected)["lon"].tolist() == pytest.approx([35.9, 35.95], abs=1e-9)


def test_time_index_and_schema_named_frame():
    frame = pd.DataFrame({"track_id": ["a", "a"], "lat": [1.0, 2.0], "lon": [3.0, 4.0]},
                         index=pd.DatetimeIndex(["2015-11-24 07:24", "2015-11-24 07:25"], tz="UTC"))
    df = read_tracks(frame)
    assert list(df["time"]) == [_t("2015-11-24 07:24"), _t("2015-11-24 07:25")]


def test_convert_writes_nationality_and_altitude_columns(tmp_path):
    from skyborder.cli import main

    out = tmp_path / "t.csv"
    assert main(["convert", str(DATA / "traffic_records.json"), str(out)]) == 0
    table = pd.read_csv(out)
    assert {"alt_m", "geo_alt_m", "on_ground", "country", "operator", "military"} <= set(table.columns)
    assert table["country"].tolist() == ["DEU", "TUR", "TUR"]
