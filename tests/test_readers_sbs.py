"""SBS-1 BaseStation reader: expected fixes worked out by hand from tests/data/tracks/sample.sbs."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skyborder.errors import BadInput, InputError
from skyborder.tracks.readers.sbs import Groups, SbsParser, read_sbs
from skyborder.tracks.readers.stream import parse_chunks

SAMPLE = Path(__file__).parent / "data" / "tracks" / "sample.sbs"
FT, KT = 0.3048, 1852 / 3600


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_fixes_carry_latest_state_per_aircraft():
    bad = BadInput()
    df = read_sbs(str(SAMPLE), bad=bad)
    assert list(df["track_id"]) == ["151d8a", "151d8a", "4ca2d6", "4ca2d6"]
    assert list(df["time"]) == [_utc("2015-11-24 07:24:04.5"), _utc("2015-11-24 07:24:07"),
                                _utc("2015-11-24 07:24:01"), _utc("2015-11-24 07:24:04.25")]
    assert list(df["lat"]) == [35.9, 35.91, 36.0, 36.01]
    assert list(df["lon"]) == [36.05, 36.06, 36.1, 36.11]
    # line 7 has no altitude: it carries 35025 ft from the MSG,5 of line 5
    assert df["alt_m"].tolist() == pytest.approx([19000 * FT, 19100 * FT, 35000 * FT, 35025 * FT], abs=1e-9)
    # 151d8a has no velocity before line 16 (380 kt, 45 deg from line 15)
    assert np.isnan(df["speed_mps"][0]) and np.isnan(df["heading_deg"][0])
    assert df["speed_mps"][1:].tolist() == pytest.approx([380 * KT, 450 * KT, 450 * KT], abs=1e-9)
    assert df["heading_deg"][1:].tolist() == [45.0, 90.0, 90.0]
    assert list(df["callsign"].fillna("-")) == ["-", "-", "RYR1234", "RYR1234"]
    assert list(df["squawk"].fillna("-")) == ["-", "-", "-", "7700"]  # MSG,6 of line 6 comes between
    assert list(df["icao24"]) == list(df["track_id"])
    assert sorted(int(m.split(":line ")[1].split(":")[0]) for m in bad.messages) == [9, 10, 11, 12, 13, 14]
    assert bad.counts == {"bad position": 1, "bad hex ident": 1, "bad transmission type": 1, "bad time": 1,
                          "wrong field count": 2}


def test_local_time_zone():
    utc = read_sbs(str(SAMPLE))
    berlin = read_sbs(str(SAMPLE), tz="Europe/Berlin")  # CET = UTC+1 in November
    assert list(berlin["time"]) == [t - pd.Timedelta(hours=1) for t in utc["time"]]
    with pytest.raises(InputError, match="time zone"):
        read_sbs(str(SAMPLE), tz="Mars/Olympus")


def test_dst_gap_and_overlap_are_bad_times(tmp_path):
    line = "MSG,3,1,1,4CA2D6,1,{d},{t},{d},{t},,35000,,,36.0,36.1,,,0,0,0,0\n"
    path = tmp_path / "dst.sbs"
    path.write_text(line.format(d="2015/10/25", t="02:30:00.000")  # happens twice in Berlin
                    + line.format(d="2015/03/29", t="02:30:00.000")  # never happens in Berlin
                    + line.format(d="2015/03/29", t="03:30:00"))  # CEST: 01:30 UTC
    bad = BadInput()
    df = read_sbs(str(path), bad=bad, tz="Europe/Berlin")
    assert list(df["time"]) == [_utc("2015-03-29 01:30")]
    assert bad.counts == {"bad time": 2}


@pytest.mark.parametrize("size", [1, 29, 1 << 20])
def test_stream_of_any_split_gives_the_file_result(size):
    data = SAMPLE.read_bytes()
    bad = BadInput()
    parser = SbsParser(str(SAMPLE), bad)
    streamed = parse_chunks(parser, (data[i:i + size] for i in range(0, len(data), size)))
    whole = read_sbs(str(SAMPLE))
    cols = ["time", "track_id", "lat", "lon", "alt_m", "speed_mps", "heading_deg", "callsign", "squawk"]
    pd.testing.assert_frame_equal(streamed[cols], whole[cols])
    assert sorted(m.split(":line ")[1] for m in bad.messages) == sorted(
        m.split(":line ")[1] for m in _bad_of_file())


def _bad_of_file() -> list[str]:
    bad = BadInput()
    read_sbs(str(SAMPLE), bad=bad)
    return bad.messages


def test_last_line_without_newline_and_overlong_garbage():
    parser = SbsParser("feed", BadInput())
    line = b"MSG,3,1,1,4CA2D6,1,2015/11/24,07:24:01.000,2015/11/24,07:24:01.000,,35000,,,36.0,36.1,,,0,0,0,0"
    assert parser.feed(b"X" * 70_000) == []
    assert parser.feed(b"\n" + line) == []
    rows = parser.flush()
    assert [(r["track_id"], r["lat"], r["lon"]) for r in rows] == [("4ca2d6", 36.0, 36.1)]
    assert parser.bad.counts["line too long"] == 1


def test_groups_forward_fill_matches_a_plain_loop():
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 5, 300)
    valid = rng.random(300) < 0.3
    got = Groups(codes).last_valid_index(valid)
    last: dict[int, int] = {}
    want = []
    for i, (c, v) in enumerate(zip(codes, valid)):
        if v:
            last[c] = i
        want.append(last.get(c, -1))
    assert got.tolist() == want


def test_groups_last_rows():
    codes = np.array([2, 0, 2, 1, 0, 2])
    groups = Groups(codes)
    assert dict(zip(groups.codes.tolist(), groups.last_rows.tolist())) == {0: 4, 1: 3, 2: 5}


def test_unresolved_position_is_not_bad_input(tmp_path):
    # dump1090 sends MSG,3 with empty lat/lon until an even/odd CPR pair resolves
    path = tmp_path / "cpr.sbs"
    path.write_text("MSG,3,1,1,4CA2D6,1,2015/11/24,07:24:00.000,2015/11/24,07:24:00.000,,35000,,,,,,,0,0,0,0\n"
                    "MSG,3,1,1,4CA2D6,1,2015/11/24,07:24:00.600,2015/11/24,07:24:00.600,,35000,,,36.0,,,,0,0,0,0\n"
                    "MSG,3,1,1,4CA2D6,1,2015/11/24,07:24:01.000,2015/11/24,07:24:01.000,,35000,,,36.0,36.1,,,0,0,0,0\n")
    bad = BadInput()
    df = read_sbs(str(path), bad=bad)
    assert list(df["time"]) == [_utc("2015-11-24 07:24:01")]
    assert bad.messages == [f"{path}:line 2: position missing or out of range"]  # half a position is bad
