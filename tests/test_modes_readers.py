"""AVR and Beast readers: encoded trajectories come back as tracks; bad input is reported, skipped."""
import math

import numpy as np
import pandas as pd
import pyModeS as pms
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyborder.errors import BadInput, InputError
from skyborder.geodesy import GEOD
from skyborder.sim import encode
from skyborder.sim import traffic as simulate
from skyborder.tracks.modes.crc import parity
from skyborder.tracks.modes.framing import avr_line, beast_frame
from skyborder.tracks.readers.modes import AvrParser, BeastParser, read_avr, read_beast
from skyborder.units import KNOT_MPS as KNOTS_TO_MPS

START = 1_448_349_840.0          # 2015-11-24 07:24:00 UTC
CPR_HALF_CELL_M = 3.8            # at 35-37 N (see test_modes_encode.cpr_half_cell_m)


@pytest.fixture(scope="module")
def traffic():
    items = simulate.emissions(simulate.border_approach(60.0))
    return items, simulate.truth(items)


def write(tmp_path, fmt, items, name=None):
    path = tmp_path / (name or f"traffic.{fmt}")
    simulate.write(items, fmt, str(path))
    return str(path)


def matched(table: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Join fixes to the true positions by aircraft and time (to the microsecond)."""
    fixes = table.assign(time_s=(table["time"].astype("int64") / 1e9 - START).round(6))
    return fixes.merge(truth.assign(time_s=truth["time_s"].round(6)), on=["icao24", "time_s"],
                       suffixes=("", "_true"), validate="one_to_one")


def distance_m(m: pd.DataFrame) -> np.ndarray:
    return GEOD.inv(m["lon"].to_numpy(), m["lat"].to_numpy(), m["lon_true"].to_numpy(), m["lat_true"].to_numpy())[2]


@pytest.mark.parametrize("fmt, reader", [("avr", read_avr), ("beast", read_beast)])
def test_every_position_comes_back(tmp_path, traffic, fmt, reader):
    items, truth = traffic
    bad = BadInput()
    table = reader(write(tmp_path, fmt, items), bad, start_time=START)
    assert bad.total == 0
    m = matched(table, truth)
    assert len(m) == len(table) == len(truth)          # every position frame -> exactly one fix
    assert distance_m(m).max() < CPR_HALF_CELL_M
    assert np.array_equal(m["alt_m"], m["alt_m_true"])  # altitudes are multiples of 25 ft
    assert set(table["track_id"]) == {a.icao24 for a in simulate.border_approach().aircraft}
    assert (table["track_id"] == table["icao24"]).all()
    assert table["source"].eq(str(tmp_path / f"traffic.{fmt}")).all()


def test_fixes_carry_identity_and_velocity(tmp_path, traffic):
    items, truth = traffic
    table = read_beast(write(tmp_path, "beast", items), start_time=START)
    fleet = {a.icao24: a for a in simulate.border_approach().aircraft}
    last = table.groupby("icao24").tail(1).set_index("icao24")
    for icao, ac in fleet.items():
        assert last.loc[icao, "callsign"] == ac.callsign
        assert last.loc[icao, "squawk"] == ac.squawk
        # velocity is sent as whole-knot east/north components, decoded to a whole knot
        assert abs(last.loc[icao, "speed_mps"] / KNOTS_TO_MPS - ac.speed_kt) <= 1.0 + math.sqrt(0.5)
    m = matched(table, truth).dropna(subset=["heading_deg"])
    turn = (m["heading_deg"] - m["track_deg"] + 180) % 360 - 180
    # heading comes from the previous velocity report (0.25 s earlier): within a degree on these routes
    assert np.abs(turn).max() < 1.0


def test_untimestamped_avr_file_keeps_every_position_in_order(tmp_path, traffic):
    """dump1090's raw port writes no timestamps: frame k gets start + k ms, every position is kept
    (the same positions as from the stamped capture), each fix marked interpolated, one note."""
    items, _ = traffic
    plain = tmp_path / "plain.avr"
    plain.write_text("".join(avr_line(e.frame) + "\n" for e in items))
    stamped = tmp_path / "stamped.avr"
    stamped.write_text("".join(avr_line(e.frame, simulate.counter(e.time_s)) + "\n" for e in items))
    bad = BadInput()
    table = read_avr(str(plain), bad, start_time="2015-11-24T07:24:00")
    reference = read_avr(str(stamped), start_time=START)
    assert bad.total == 0 and len(bad.notes) == 1 and "start + k ms" in bad.notes[0]
    key = ["icao24", "lat", "lon"]
    assert len(table) == len(reference) == sum(e.kind == "position" for e in items)
    pd.testing.assert_frame_equal(table.sort_values(key)[key].reset_index(drop=True),
                                  reference.sort_values(key)[key].reset_index(drop=True))
    offsets_ms = (table["time"] - pd.Timestamp(START, unit="s", tz="UTC")).dt.total_seconds() * 1000
    assert np.allclose(offsets_ms, offsets_ms.round()) and offsets_ms.min() >= 0
    assert offsets_ms.max() < len(items)  # one millisecond per frame, in file order
    assert table["interpolated"].all() and not reference["interpolated"].any()


def test_stream_receive_time_comes_from_the_clock(traffic):
    items, _ = traffic
    parser = AvrParser("socket", start_time=0.0, clock=lambda: 1234.5)
    rows = parser.feed("".join(avr_line(e.frame) + "\n" for e in items[:60]).encode()) + parser.flush()
    assert rows and {r["time"] for r in rows} == {1234.5}


def test_live_counters_are_anchored_on_the_first_receive_time(traffic):
    # a receiver up for 10 hours: its counter is far from zero when we connect
    items, truth = traffic
    uptime = 10 * 3600 * 12_000_000
    wire = b"".join(beast_frame(e.frame, simulate.counter(e.time_s) + uptime) for e in items[:200])
    parser = BeastParser("live", clock=lambda: START + items[0].time_s)
    table = pd.DataFrame(parser.feed(wire) + parser.flush())
    assert len(matched(table.assign(time=pd.to_datetime(table["time"], unit="s", utc=True)), truth)) == len(table)
    # the receiver restarts: its counter drops back, the next frame is anchored on the clock again
    parser.clock = lambda: START + 5000.0
    rows = parser.feed(b"".join(beast_frame(e.frame, simulate.counter(e.time_s)) for e in items[200:400]))
    assert rows and min(r["time"] for r in rows) >= START + 5000.0


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(0, 10**6), max_size=12), fmt=st.sampled_from(["avr", "beast"]))
def test_any_chunking_gives_the_same_table(traffic, cuts, fmt):
    items = traffic[0][:300]
    wire = b"".join(data for _, data in simulate.serialize(items, fmt))
    points = sorted({c % (len(wire) + 1) for c in cuts})
    parser_class = AvrParser if fmt == "avr" else BeastParser
    whole = parser_class(start_time=START)
    expected = whole.feed(wire) + whole.flush()
    chunked = parser_class(start_time=START)
    rows = []
    for a, b in zip([0, *points], [*points, len(wire)]):
        rows += chunked.feed(wire[a:b])
    rows += chunked.flush()
    key = lambda r: (r["icao24"], r["time"])
    assert sorted(rows, key=key) == sorted(expected, key=key)
    assert len(expected) == sum(e.kind == "position" for e in items)


def flip(frame: bytes, bit: int) -> bytes:
    value = int.from_bytes(frame, "big") ^ (1 << (len(frame) * 8 - 1 - bit))
    return value.to_bytes(len(frame), "big")


def test_bad_avr_lines_are_reported_with_line_numbers(tmp_path, traffic):
    items, truth = traffic
    lines = [avr_line(e.frame, simulate.counter(e.time_s)) for e in items[:200]]
    position_rows = [i for i, e in enumerate(items[:200]) if e.kind == "position"]
    corrupted = position_rows[10]
    lines[corrupted] = avr_line(flip(items[corrupted].frame, 60), simulate.counter(items[corrupted].time_s))
    lines[20] = lines[20][:-5]                       # truncated
    lines[30] = "*8D4840D6ZZ2CC371C32CE0576098;"      # non-hex
    lines[40] = "*8D4840D6202CC371C32CE05760;"        # 26 digits
    path = tmp_path / "bad.avr"
    path.write_text("\n".join(lines) + "\n")
    bad = BadInput()
    table = read_avr(str(path), bad, start_time=START)
    assert bad.counts == {"bad line": 3, "crc": 1}
    assert f"{path}:line {corrupted + 1}: bad CRC" in bad.messages
    assert any(msg.startswith(f"{path}:line 21: ") for msg in bad.messages)
    assert any(msg.startswith(f"{path}:line 31: non-hex") for msg in bad.messages)
    assert any(msg.startswith(f"{path}:line 41: wrong frame length") for msg in bad.messages)
    # all the other position frames decode, right where they should be
    m = matched(table, truth)
    expected = sum(items[i].kind == "position" for i in range(200) if i not in (corrupted, 20, 30, 40))
    assert len(m) == len(table) == expected
    assert distance_m(m).max() < CPR_HALF_CELL_M


def test_bad_crc_frames_never_reach_cpr_pairing(tmp_path):
    # An odd frame whose CPR latitude was hit by noise, between two good even frames: pyModeS on
    # its own would pair it and emit a position 1.3 km off; the reader drops it first.
    ac = simulate.Aircraft("4b1234", "NOISE1", ((35.9, 36.0), (35.9, 36.5)), 30_000, 400)
    items = simulate.emissions(simulate.Scenario("noise", (ac,), 30.0))
    positions = [e for e in items if e.kind == "position"]
    victim = positions[5]
    assert int.from_bytes(victim.frame[6:7], "big") & 0x04 == 0x04  # odd format
    broken = flip(victim.frame, 32 + 22 + 8)  # CPR latitude bit of weight 2^-9 zone: 1.3 km
    control = pms.PipeDecoder()   # the pitfall itself: pyModeS alone positions the broken frame
    for e in positions:
        result = control.decode((broken if e is victim else e.frame).hex(), timestamp=e.time_s)
        if e is victim:
            assert result["crc_valid"] is False
            off = GEOD.inv(result["longitude"], result["latitude"], e.lon, e.lat)[2]
            assert 1000 < off < 1600
    wire = b"".join(beast_frame(broken if e is victim else e.frame, simulate.counter(e.time_s))
                    for e in items)
    bad = BadInput()
    parser = BeastParser("noisy", bad, start_time=START)
    rows = parser.feed(wire) + parser.flush()
    assert bad.counts == {"crc": 1}
    fixes = pd.DataFrame(rows)
    assert len(fixes) == len(positions) - 1
    m = matched(fixes.assign(time=pd.to_datetime(fixes["time"], unit="s", utc=True)), simulate.truth(items))
    assert distance_m(m).max() < CPR_HALF_CELL_M


def test_phantom_position_is_reported_and_dropped(traffic):
    items, truth = traffic
    items = list(items[:400])
    ac = items[0].aircraft
    later = [e for e in items if e.kind == "position" and e.aircraft is ac][20]
    # a CRC-valid frame of the same aircraft, 3 degrees (330 km) north, 1 s after a real one
    far = encode.extended_squitter(ac.icao24, encode.airborne_position_me(
        later.lat + 3.0, later.lon, ac.alt_ft, odd=bool(later.frame[6] & 0x04)))
    wire = b"".join(beast_frame(e.frame, simulate.counter(e.time_s)) for e in items)
    wire += beast_frame(far, simulate.counter(items[-1].time_s + 0.5))
    bad = BadInput()
    parser = BeastParser("phantom", bad, start_time=START)
    rows = parser.feed(wire) + parser.flush()
    assert bad.counts == {"phantom": 1}
    assert len(rows) == sum(e.kind == "position" for e in items)


def test_three_frames_are_released_at_end_of_input():
    # pyModeS needs three agreeing pairs before it trusts an aircraft; flush releases the rest
    ac = simulate.Aircraft("4b9999", "SHORT1", ((35.9, 36.0), (35.9, 36.5)), 20_000, 300)
    items = [e for e in simulate.emissions(simulate.Scenario("short", (ac,), 1.5)) if e.kind == "position"]
    assert len(items) == 3
    parser = BeastParser("short", start_time=START)
    rows = parser.feed(b"".join(beast_frame(e.frame, simulate.counter(e.time_s)) for e in items))
    assert rows == []
    rows = parser.flush()
    assert len(rows) == 3
    m = matched(pd.DataFrame(rows).assign(time=lambda d: pd.to_datetime(d["time"], unit="s", utc=True)),
                simulate.truth(items))
    assert distance_m(m).max() < CPR_HALF_CELL_M


def test_squawk_only_from_addresses_seen_in_squitters(traffic):
    items, _ = traffic
    stranger = encode.surveillance_identity(0x123456, "7500")
    wire = beast_frame(stranger, 1) + b"".join(beast_frame(e.frame, simulate.counter(e.time_s))
                                               for e in items[:300])
    parser = BeastParser(start_time=START)
    rows = parser.feed(wire) + parser.flush()
    assert "7500" not in {r["squawk"] for r in rows}
    assert "123456" not in {r["icao24"] for r in rows}


def test_beast_garbage_is_reported_by_offset(tmp_path, traffic):
    items, truth = traffic
    chunks = [beast_frame(e.frame, simulate.counter(e.time_s)) for e in items[:100]]
    offset = sum(map(len, chunks[:50]))
    path = tmp_path / "garbage.beast"
    path.write_bytes(b"".join(chunks[:50]) + b"\x00\xffnoise\x1a\x1a" + b"".join(chunks[50:]))
    bad = BadInput()
    table = read_beast(str(path), bad, start_time=START)
    assert bad.messages == [f"{path}:byte {offset}: 9 garbage byte(s) between Beast frames"]
    assert len(matched(table, truth)) == sum(e.kind == "position" for e in items[:100])


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_avr(str(tmp_path / "nope.avr"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=64) | st.sampled_from(
    [b"\x1a3", b"\x1a2", b"\x1a\x1a", b"*8D", b";\n", b"@0000", b"\n"]), max_size=30))
def test_random_input_never_raises(chunks):
    for parser in (AvrParser("fuzz", start_time=0.0), BeastParser("fuzz", start_time=0.0)):
        rows = [r for chunk in chunks for r in parser.feed(chunk)] + parser.flush()
        assert all(-90 <= r["lat"] <= 90 for r in rows)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(alphabet="0123456789ABCDEF*@;<xZ \t", max_size=40), max_size=40))
def test_random_avr_lines_never_raise(lines):
    bad = BadInput()
    parser = AvrParser("fuzz", bad, start_time=0.0)
    parser.feed("\n".join(lines).encode())
    parser.flush()
    assert bad.total <= len(lines)



@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0x8D, 0x8E, 0x90, 0x28, 0x2A, 0xA8]), st.binary(min_size=10, max_size=10)),
                min_size=1, max_size=30))
def test_random_crc_valid_frames_never_raise(heads):
    # random content behind a valid CRC (DF17/18 squitters, DF5/DF21 from known addresses) goes
    # all the way into pyModeS: whatever it holds, the reader must not fail
    known = encode.extended_squitter(0xABCDEF, encode.identification_me("KNOWN"))
    frames = [known]
    for head, body in heads:
        if head in (0x8D, 0x8E, 0x90):  # DF17, DF17 CA 6, DF18
            data = bytes([head]) + body
            frames.append(data + parity(data).to_bytes(3, "big"))
        else:  # DF5 short / DF21 long with the known address
            data = bytes([head]) + (body[:3] if head != 0xA8 else body)
            frames.append(data + (parity(data) ^ 0xABCDEF).to_bytes(3, "big"))
    parser = BeastParser("fuzz", start_time=0.0)
    rows = parser.feed(b"".join(beast_frame(f, 12_000_000 * (i + 1)) for i, f in enumerate(frames)))
    rows += parser.flush()
    assert all(-90 <= r["lat"] <= 90 and -180 <= r["lon"] < 180 for r in rows)


def test_antimeridian_crossing_stays_in_range():
    ac = simulate.Aircraft("c81234", "DATELN1", ((-17.0, 179.8), (-16.8, -179.7)), 39_000, 480)
    items = simulate.emissions(simulate.Scenario("dateline", (ac,), 300.0))
    truth = simulate.truth(items)
    assert (truth["lon"] > 179.9).any() and (truth["lon"] < -179.9).any()
    parser = BeastParser("dateline", start_time=START)
    rows = parser.feed(b"".join(beast_frame(e.frame, simulate.counter(e.time_s)) for e in items)) + parser.flush()
    table = pd.DataFrame(rows).assign(time=lambda d: pd.to_datetime(d["time"], unit="s", utc=True))
    assert table["lon"].between(-180, 180, inclusive="left").all()
    m = matched(table, truth)
    assert len(m) == len(truth) and distance_m(m).max() < 3.9  # half a CPR cell at 17 S
