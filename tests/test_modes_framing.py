"""AVR lines and Beast binary framing: round trips, escaping, resynchronisation, any chunking."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from skyborder.tracks.modes.framing import BeastSplitter, avr_line, beast_frame, parse_avr_line

LONG = bytes.fromhex("8D4840D6202CC371C32CE0576098")
SHORT = bytes.fromhex("2A00516D492B80")
WITH_ESCAPES = bytes.fromhex("8D1A1A1A202CC371C32CE057601A")  # 0x1A in address and parity

frames = st.binary(min_size=7, max_size=7) | st.binary(min_size=14, max_size=14)
counters = st.integers(0, (1 << 48) - 1)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


def run_splitter(chunks: list[bytes]):
    splitter = BeastSplitter()
    out = [m for chunk in chunks for m in splitter.feed(chunk)]
    splitter.finish()
    return out, splitter.errors


def test_avr_line_forms():
    assert avr_line(LONG) == "*8D4840D6202CC371C32CE0576098;"
    assert avr_line(LONG, 0x1E8480) == "@0000001E84808D4840D6202CC371C32CE0576098;"
    assert parse_avr_line(b"@0000001E84808D4840D6202CC371C32CE0576098;") == (LONG, 0x1E8480, None)
    assert parse_avr_line(b"<0000001E8480C82A00516D492B80;") == (SHORT, 0x1E8480, None)
    assert parse_avr_line(b"8d4840d6202cc371c32ce0576098") == (LONG, None, None)
    assert parse_avr_line(b"*7700;") == (None, None, None)  # Mode A/C: nothing to decode


@pytest.mark.parametrize("line, reason", [
    (b"*8D4840D6202CC371C32CE05760", "';'"),
    (b"*8D4840D6202CC371C32CE05760;", "wrong frame length (26"),
    (b"*8D4840D6202CC371C32CE05760ZZ;", "non-hex"),
    (b"@00001E8480;", "timestamp"),
    (b"hello world", "non-hex"),
])
def test_avr_line_errors(line, reason):
    frame, _, error = parse_avr_line(line)
    assert frame is None and reason in error


@given(frames, counters)
def test_avr_round_trip(frame, counter):
    assert parse_avr_line(avr_line(frame, counter).encode()) == (frame, counter, None)


def test_beast_escaping_doubles_every_1a():
    wire = beast_frame(WITH_ESCAPES, counter=0x1A0000001A1A, signal=0x1A)
    body = wire[2:]
    assert wire[:2] == b"\x1a3"
    assert body.replace(b"\x1a\x1a", b"\x1a") == bytes.fromhex("1A0000001A1A") + b"\x1a" + WITH_ESCAPES
    assert len(body) == 7 + 14 + 3 + 1 + 4  # escapes: counter 3, signal 1, frame 4


@given(st.lists(st.tuples(frames, counters, st.integers(0, 255)), max_size=20),
       st.lists(st.integers(0, 10_000), max_size=8))
def test_beast_round_trip_under_any_chunking(items, cuts):
    wire = b"".join(beast_frame(f, c, s) for f, c, s in items)
    got, errors = run_splitter(split(wire, cuts))
    assert [(m.frame, m.counter) for m in got] == [(f, c) for f, c, _ in items]
    assert errors == []
    sizes = [len(beast_frame(f, c, s)) for f, c, s in items]
    assert [m.offset for m in got] == [sum(sizes[:k]) for k in range(len(items))]


def test_beast_garbage_and_truncation_are_reported_with_offsets():
    good = beast_frame(LONG, 1000)
    short = beast_frame(SHORT, 2000)
    truncated = good[:10]                 # a frame cut short by the next one's 0x1A
    wire = b"junk!" + good + b"\x1a\x39zz" + truncated + short + good[:-4]
    got, errors = run_splitter([wire])
    assert [m.frame for m in got] == [LONG, SHORT]
    assert got[0].offset == 5
    assert errors == [
        (0, "5 garbage byte(s) between Beast frames"),
        (5 + len(good), "4 garbage byte(s) between Beast frames"),
        (5 + len(good) + 4, "truncated Beast frame"),
        (5 + len(good) + 4 + 10 + len(short), "truncated Beast frame at end of input (19 bytes)"),
    ]


@given(st.binary(max_size=400), st.lists(st.integers(0, 1000), max_size=5))
def test_beast_random_bytes_never_raise(data, cuts):
    got, errors = run_splitter(split(data, cuts))
    for m in got:
        assert len(m.frame) == m.length and 0 <= m.offset < len(data)
    assert all(0 <= offset < len(data) for offset, _ in errors)


@given(st.binary(max_size=200))
def test_avr_random_lines_never_raise(line):
    frame, counter, error = parse_avr_line(line.strip())
    assert (frame is None) or error is None
