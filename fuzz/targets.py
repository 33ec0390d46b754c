"""The byte-level parsers under coverage-guided fuzzing, one function per target.

Each function takes arbitrary bytes and must either return or raise ``InputError`` (a whole
input refused with a clear message); any other exception, a hang or a crash is a bug. Each also
checks an invariant: reading the bytes in two pieces gives what reading them whole gives, and
every reported location lies inside the input. The fuzz scripts (``fuzz_<target>.py``) run them
under atheris; ``tests/test_fuzz_regressions.py`` replays the stored corpus and the crashes
found so far in the ordinary test suite.
"""
from __future__ import annotations

from collections.abc import Callable

from skyborder.airspace.openair import decode_openair, parse_openair
from skyborder.errors import BadInput, InputError
from skyborder.tracks.modes.framing import BeastSplitter
from skyborder.tracks.readers.modes import AvrParser, BeastParser
from skyborder.tracks.readers.sbs import SbsParser

START = 1_448_349_840.0


def _split(data: bytes) -> int:
    """Where to cut the input for the two-piece read (taken from the data itself)."""
    return data[0] * len(data) // 256 if data else 0


def _rows(parser_class: Callable, data: bytes, pieces: list[bytes]) -> tuple[list[dict], BadInput]:
    bad = BadInput(keep=10**9)
    parser = parser_class("fuzz", bad, start_time=START) if parser_class is not SbsParser else parser_class("fuzz", bad)
    rows = [row for piece in pieces for row in parser.feed(piece)] + parser.flush()
    return rows, bad


def _same_both_ways(parser_class: Callable, data: bytes) -> tuple[list[dict], BadInput]:
    cut = _split(data)
    whole, bad_whole = _rows(parser_class, data, [data])
    parts, bad_parts = _rows(parser_class, data, [data[:cut], data[cut:]])
    key = lambda r: (str(r["track_id"]), r["time"], r["lat"], r["lon"])
    assert sorted(map(key, whole)) == sorted(map(key, parts)), "chunking changed the fixes"
    assert bad_whole.total == bad_parts.total, "chunking changed the bad-input count"
    return whole, bad_whole


def beast(data: bytes) -> None:
    """Beast framing, then decoding: offsets inside the input, in order; chunking changes nothing."""
    splitter = BeastSplitter()
    messages = splitter.feed(data)
    splitter.finish()
    offsets = [m.offset for m in messages] + [o for o, _ in splitter.errors]
    assert all(0 <= o < max(len(data), 1) for o in offsets), "a location outside the input"
    assert [m.offset for m in messages] == sorted(m.offset for m in messages)
    assert all(len(m.frame) == m.length for m in messages)
    _same_both_ways(BeastParser, data)


def avr(data: bytes) -> None:
    """AVR text: line numbers within the input; chunking changes nothing."""
    _, bad = _same_both_ways(AvrParser, data)
    lines = data.count(b"\n") + 1
    assert all(1 <= int(m.split(":line ")[1].split(":")[0]) <= lines for m in bad.messages if ":line " in m)


def sbs(data: bytes) -> None:
    """SBS text: every fix has a valid position; chunking changes nothing."""
    try:
        rows, _ = _same_both_ways(SbsParser, data)
    except InputError:
        return
    assert all(abs(r["lat"]) <= 90 and abs(r["lon"]) <= 180 for r in rows)


def openair(data: bytes) -> None:
    """OpenAir text: every zone valid and non-empty, with a unique id."""
    try:
        zones = parse_openair(decode_openair(data), "fuzz", BadInput(keep=10**9))
    except InputError:
        return
    assert all(z.geometry.is_valid and not z.geometry.is_empty for z in zones)
    assert len({z.id for z in zones}) == len(zones)


TARGETS: dict[str, Callable[[bytes], None]] = {"beast": beast, "avr": avr, "sbs": sbs, "openair": openair}
