"""CSV / Parquet / OpenSky reader: expected values are read off the hand-written samples."""
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from skyborder.errors import BadInput, InputError
from skyborder.tracks.readers.tabular import parse_column_map, read_table

DATA = Path(__file__).parent / "data" / "tracks"
T0 = pd.Timestamp("2015-11-24T07:24:00Z")  # = epoch 1448349840 (date -u -d)


def test_messy_csv_keeps_good_rows_and_reports_bad_lines():
    bad = BadInput()
    df = read_table(str(DATA / "messy.csv"), bad=bad)
    # lines 2, 3, 13 (4ca2d6, hex upper/lower case is one aircraft) and 14 (3c6444) survive
    assert list(df["track_id"]) == ["3c6444", "4ca2d6", "4ca2d6", "4ca2d6"]
    assert list(df["time"]) == [T0 + pd.Timedelta(seconds=5), T0 - pd.Timedelta(hours=1, seconds=10),
                                T0, T0 + pd.Timedelta(seconds=10)]
    assert list(df["lat"]) == [50.0, 35.9, 36.0, 36.1]
    assert list(df["lon"]) == [8.5, 36.0, 36.1, 36.2]
    assert np.isnan(df["alt_m"][0]) and list(df["alt_m"][1:]) == [8900.0, 9000.0, 9100.0]
    assert df["callsign"][0] == "DLH4"
    assert str(df["time"].dtype) == "datetime64[ns, UTC]"
    lines = {m.split(":")[1] for m in bad.messages}
    assert lines == {f"line {n}" for n in (4, 5, 6, 7, 8, 9, 10, 11, 12)}
    assert bad.counts == {"bad latitude": 3, "bad longitude": 1, "bad time": 2, "wrong field count": 2,
                          "duplicate fix": 1}
    assert all(m.startswith(str(DATA / "messy.csv") + ":") for m in bad.messages)
    assert any("line 6: longitude '181'" in m for m in bad.messages)
    assert df.attrs["read_stats"]["out_of_order"] == 1  # line 13 goes back in time
    assert df.attrs["read_stats"]["duplicates"] == 1


def test_opensky_state_vectors():
    bad = BadInput()
    df = read_table(str(DATA / "opensky_states.csv"), bad=bad)
    assert bad.total == 0  # re-sent positions and rows without a position are normal in OpenSky
    assert list(df["track_id"]) == ["151d8a", "4b8302", "4b8302"]
    assert list(df["time"].astype("int64")) == [1448349850_000_000_000, 1448349839_500_000_000,
                                                1448349859_250_000_000]
    # barometric and geometric altitude kept apart: an FL limit is compared with the first
    assert list(df["alt_m"]) == [7010.4, 9753.6, 9753.6]  # baroaltitude
    assert df["geo_alt_m"].tolist()[:2] == [7100.0, 9875.52] and np.isnan(df["geo_alt_m"].iloc[2])
    assert not df["on_ground"].any()
    assert list(df["speed_mps"]) == [220.0, 250.5, 251.0]
    assert list(df["heading_deg"]) == [45.0, 180.0, 180.0]
    assert list(df["callsign"]) == ["SVA101", "TUR123", "TUR123"]
    assert list(df["squawk"].fillna("-")) == ["-", "1234", "1234"]
    stats = df.attrs["read_stats"]
    assert (stats["duplicates"], stats["no_position"]) == (1, 1)


def test_column_mapping_with_units_and_semicolons():
    df = read_table(str(DATA / "mapped.csv"), columns="ts=time,plane=track_id,y=lat,x=lon,altitude=alt_ft,kts=speed_kt")
    assert list(df["track_id"]) == ["SU24-1", "SU24-1"]
    assert df["alt_m"].tolist() == pytest.approx([19000 * 0.3048, 19100 * 0.3048], abs=1e-9)
    assert df["speed_mps"].tolist() == pytest.approx([450 * 1852 / 3600, 460 * 1852 / 3600], abs=1e-9)
    assert df["lon"].tolist() == [36.1, 36.12]


def test_missing_columns_are_whole_input_errors():
    path = str(DATA / "mapped.csv")
    with pytest.raises(InputError, match=r"mapped\.csv.*no lat, lon column"):
        read_table(path)
    with pytest.raises(InputError, match=r"mapped\.csv.*no column 'when'"):
        read_table(path, columns={"when": "time"})
    with pytest.raises(InputError, match="unknown track column"):
        parse_column_map("ts=tiempo")
    with pytest.raises(InputError, match="FILE_COLUMN=TRACK_COLUMN"):
        parse_column_map("ts")
    with pytest.raises(InputError, match="cannot read"):
        read_table(str(DATA / "no-such-file.csv"))


def test_file_without_aircraft_column_is_one_track(tmp_path):
    path = tmp_path / "su24.csv"
    path.write_text("time,lat,lon\n1448349840,36.0,36.0\n1448349841.25,36.001,36.0\n")
    df = read_table(str(path))
    assert list(df["track_id"]) == ["su24", "su24"]
    assert list(df["time"].astype("int64")) == [1448349840_000_000_000, 1448349841_250_000_000]
    assert list(df["source"]) == ["su24.csv"] * 2


def test_parquet_with_typed_columns_reports_rows(tmp_path):
    times = pa.array([0, 1000, 2000], pa.timestamp("ms"))  # naive = UTC
    table = pa.table({"time": times, "icao24": ["abc123"] * 3, "latitude": [1.0, float("nan"), 3.0],
                      "longitude": [10.0, 20.0, 30.0], "altitude_m": pa.array([100, None, 300], pa.int32())})
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    bad = BadInput()
    df = read_table(str(path), bad=bad)
    assert list(df["time"].astype("int64")) == [0, 2_000_000_000]
    assert list(df["alt_m"]) == [100.0, 300.0]
    assert bad.messages == [f"{path}:row 2: latitude nan is not a number in [-90, 90]"]


def test_invalid_utf8_only_fails_its_row(tmp_path):
    path = tmp_path / "enc.csv"
    path.write_bytes(b"time,id,lat,lon\n1448349840,a,1,2\n1448349841,a,\xff\xfe,2\n1448349842,a,3,4\n")
    bad = BadInput()
    df = read_table(str(path), bad=bad)
    assert list(df["lat"]) == [1.0, 3.0]
    assert bad.counts == {"bad latitude": 1} and ":line 3:" in bad.messages[0]


def test_gzip_csv_and_tab_delimiter(tmp_path):
    import gzip
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"Time\tHex\tLat\tLon\n2015-11-24T07:24:00Z\tABC123\t1.5\t-2.5\n"))
    df = read_table(str(path))
    assert (df["track_id"][0], df["icao24"][0], df["lat"][0], df["lon"][0]) == ("abc123", "abc123", 1.5, -2.5)


def test_flightradar24_export():
    bad = BadInput()
    df = read_table(str(DATA / "SU24_1b2c3d4.csv"), bad=bad)
    assert list(df["track_id"]) == ["SU24_1b2c3d4"] * 3  # one flight per file: the file name
    assert list(df["time"]) == [T0, T0 + pd.Timedelta(seconds=10), T0 + pd.Timedelta(seconds=30)]
    assert list(df["lat"]) == [35.9, 35.88, 35.84] and list(df["lon"]) == [36.05] * 3  # from "lat,lon"
    assert df["alt_m"][:2].tolist() == pytest.approx([19000 * 0.3048, 19025 * 0.3048], abs=1e-9)  # feet
    assert df["speed_mps"][:2].tolist() == pytest.approx([450 * 1852 / 3600, 452 * 1852 / 3600], abs=1e-9)
    assert df["heading_deg"][:2].tolist() == [180.0, 181.0]
    assert [m.split(":")[1] for m in bad.messages] == ["line 4"]  # Position "nowhere"


def test_epoch_milliseconds(tmp_path):
    path = tmp_path / "ms.csv"
    path.write_text("time,hex,lat,lon\n1448349840123,abc123,1,2\n1448349841,abc123,1,2.1\n99999999999999,abc123,1,3\n")
    bad = BadInput()
    df = read_table(str(path), bad=bad)
    assert list(df["time"].astype("int64")) == [1448349840_123_000_000, 1448349841_000_000_000]
    assert bad.counts == {"bad time": 1}  # 1e14 ms is past 2100


def test_old_mac_line_ends(tmp_path):
    path = tmp_path / "cr.csv"
    path.write_bytes(b"time,id,lat,lon\r1448349840,a,1,2\r1448349841,a,3,4\r")
    df = read_table(str(path))
    assert list(df["lat"]) == [1.0, 3.0]


def test_leading_comment_lines_are_skipped_and_line_numbers_stay_physical(tmp_path):
    path = tmp_path / "commented.csv"
    path.write_text("# reconstructed track: an approximation\n# source: a published map\n"
                    "time,track_id,lat,lon\n2015-11-24T07:24:00Z,A,35.8,36.1\n2015-11-24T07:24:04Z,A,x,36.0\n")
    bad = BadInput()
    table = read_table(str(path), bad=bad)
    assert len(table) == 1 and table["lat"].iloc[0] == 35.8
    assert bad.total == 1 and bad.messages[0].startswith(f"{path}:line 5:")
