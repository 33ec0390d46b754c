"""dump1090/readsb JSON: expected values worked out by hand from the samples in tests/data/tracks."""
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dump1090 import dump1090  # noqa: F401  (fixture: a real dump1090-mutability on 127.0.0.1)
from skyborder.errors import BadInput, InputError
from skyborder.tracks.readers.readsb import read_aircraft_json, read_trace

DATA = Path(__file__).parent / "data" / "tracks"
FT, KT = 0.3048, 1852 / 3600


def _epoch_ms(df: pd.DataFrame) -> list[int]:
    return (df["time"].astype("int64") // 1_000_000).tolist()


def test_mutability_snapshot():
    bad = BadInput()
    df = read_aircraft_json(str(DATA / "aircraft_mutability.json"), bad=bad)
    assert list(df["track_id"]) == ["151d8a", "4b8302", "~2a1b3c"]  # 3c6444 has no position
    assert _epoch_ms(df) == [1448349837_700, 1448349849_500, 1448349849_000]  # now - seen_pos
    assert np.isnan(df["alt_m"][0]) and df["on_ground"].tolist() == [True, False, False]  # "ground"
    assert df["alt_m"][1:].tolist() == pytest.approx([32000 * FT, 10000 * FT], abs=1e-9)
    assert df["speed_mps"][:2].tolist() == pytest.approx([5 * KT, 485 * KT], abs=1e-9)
    assert df["heading_deg"][:2].tolist() == [45.0, 180.0]
    assert df["callsign"][1] == "TUR123" and df["squawk"][1] == "1234"
    assert pd.isna(df["icao24"][2])  # '~': not an ICAO address
    assert bad.messages == [f"{DATA / 'aircraft_mutability.json'}:aircraft[4]: position missing or out of range"]


def test_folder_of_fa_snapshots_keeps_each_position_once():
    bad = BadInput()
    df = read_aircraft_json(str(DATA / "snapshots"), bad=bad)
    assert bad.total == 0
    assert list(df["track_id"]) == ["151d8a", "151d8a", "4b8302"]
    # 151d8a: 1448349860 - 2.5 and 1448349861 - 0.4; 4b8302 seen twice at 1448349860 - 0.3 = 1448349861 - 1.3
    assert _epoch_ms(df) == [1448349857_500, 1448349860_600, 1448349859_700]
    # alt_baro is pressure altitude, alt_geom geometric: kept apart (an FL limit needs the first)
    assert df["alt_m"][2] == pytest.approx(32000 * FT, abs=1e-9)
    assert df["geo_alt_m"][2] == pytest.approx(32450 * FT, abs=1e-9)
    assert df["on_ground"].tolist() == [True, True, False]
    assert df["speed_mps"][2] == pytest.approx(485.2 * KT, abs=1e-9)


def test_globe_history_trace_gzip_inside_json_name():
    raw = (DATA / "trace_full_4b8302.json").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    bad = BadInput()
    df = read_trace(str(DATA / "trace_full_4b8302.json"), bad=bad)
    assert list(df["track_id"]) == ["4b8302"] * 3 + ["4b8302-1"] * 2  # flags bit 1 starts leg 1
    assert _epoch_ms(df) == [1448349240_000, 1448349250_500, 1448349260_000, 1448353200_000, 1448353210_000]
    alt = df["alt_m"].tolist()  # the trace's altitude column is barometric (flags bit 3 clear)
    assert alt[:2] == pytest.approx([32000 * FT, 32000 * FT]) and np.isnan(alt[2])
    assert alt[3:] == pytest.approx([1000 * FT, 1500 * FT], abs=1e-9)
    geo = df["geo_alt_m"].tolist()  # its alt_geom column
    assert geo[0] == pytest.approx(32450 * FT) and np.isnan(geo[1]) and np.isnan(geo[2])
    assert geo[3:] == pytest.approx([1100 * FT, 1600 * FT], abs=1e-9)
    assert df["on_ground"].tolist() == [False, False, True, False, False]
    assert list(df["callsign"]) == ["TUR123"] * 3 + ["TUR124"] * 2
    assert list(df["squawk"]) == ["1234"] * 3 + ["2000"] * 2
    assert list(df["icao24"]) == ["4b8302"] * 5
    where = sorted(m.split(":")[1] for m in bad.messages)
    assert where == ["trace[5]", "trace[6]"]


def test_whole_input_errors(tmp_path):
    broken = tmp_path / "aircraft.json"
    broken.write_text('{"now": 1, "aircraft": [')
    with pytest.raises(InputError, match="not valid JSON"):
        read_aircraft_json(str(broken))
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"now": "soon", "aircraft": []}))
    with pytest.raises(InputError, match="needs numeric 'now'"):
        read_aircraft_json(str(other))
    with pytest.raises(InputError, match="not a readsb trace"):
        read_trace(str(other))
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.json.gz").write_bytes(gzip.compress(b'{"now": 1448349850, "aircraft": '
                                                     b'[{"hex": "abcdef", "lat": 1.0, "lon": 2.0}]}'))
    (folder / "b.json").write_text("[1, 2")
    bad = BadInput()
    df = read_aircraft_json(str(folder), bad=bad)
    assert list(df["track_id"]) == ["abcdef"] and _epoch_ms(df) == [1448349850_000]
    assert bad.counts == {"unreadable file": 1}


def test_real_dump1090_aircraft_json(dump1090):  # noqa: F811
    import time

    from skyborder.geodesy import GEOD
    from skyborder.sim import traffic as simulate

    fleet = (simulate.Aircraft("4ba0c1", "JSONIN1", ((36.40, 35.60), (36.30, 36.00)), 31_000, 440, "3301"),)
    items = simulate.emissions(simulate.Scenario("json", fleet, 6.0))
    last = simulate.truth(items).iloc[-1]
    started = pd.Timestamp.now(tz="UTC").floor("s")
    simulate.push(items, "avr", "127.0.0.1", dump1090.ports["ri"], speed=0)
    path = dump1090.json_dir / "aircraft.json"
    deadline, df = time.monotonic() + 8, None
    while time.monotonic() < deadline:
        time.sleep(0.3)
        try:
            df = read_aircraft_json(str(path), bad=(bad := BadInput()))
        except InputError:  # not written yet, or caught mid-write
            continue
        if "4ba0c1" in set(df["track_id"]):
            break
    assert df is not None and list(df["track_id"]) == ["4ba0c1"] and bad.total == 0
    fix = df.iloc[0]
    # dump1090 shows the last position it decoded: the last one sent, to CPR precision (< 3.8 m at 36 N)
    assert GEOD.inv(fix["lon"], fix["lat"], last["lon"], last["lat"])[2] < 3.8 + 0.1
    assert fix["alt_m"] == pytest.approx(31_000 * FT, abs=1e-6)  # a multiple of 25 ft: exact
    assert (fix["callsign"], fix["squawk"]) == ("JSONIN1", "3301")
    assert started <= fix["time"] <= pd.Timestamp.now(tz="UTC")  # now - seen_pos on dump1090's clock
