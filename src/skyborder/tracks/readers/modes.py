"""Mode S readers: AVR text and Beast binary, from files or sockets, decoded with pyModeS.

Times (epoch seconds):
- a 12 MHz counter (AVR ``@``/``<`` lines, Beast messages) with ``start_time`` given is
  relative to it: ``time = start_time + counter / 12e6`` (a capture whose counter starts at 0);
- without ``start_time`` (live feeds: a receiver's counter runs from its own power-up), the
  first stamped frame takes its receive time and later ones keep their counter offsets from
  it: ``time = t_first + (counter - counter_first) / 12e6``; a counter that runs backwards
  (receiver restart) re-anchors on the receive time;
- frames without a timestamp (AVR ``*...;`` lines, as dump1090's raw port 30002 writes them,
  and Beast messages whose counter is 0):

  * on a live feed they take the receive time, ``clock()`` when the chunk arrives;
  * in a file nobody knows when they were received. Frame k without a timestamp (counting
    from 0 in file order) gets the time ``start_time + k x 1 ms`` (``start_time`` defaults to
    the moment of reading), which keeps their order and nothing more, and its fixes are
    marked ``interpolated``. Such frames are decoded without pyModeS's speed checks (they
    need real times); CRC is still checked. Every valid position is kept. A note on stderr
    says so once per file.

Bad input (reported with file:line for AVR, ``byte N`` for Beast, counted, skipped): truncated
lines or frames, non-hex text, wrong lengths, garbage between Beast frames, bad CRC (kind
``crc``), and implausible or rejected positions (kind ``phantom``).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeAlias

import numpy as np
import pandas as pd

from ...errors import BadInput, InputError
from ...sources import Source
from ..modes.decode import FrameDecoder
from ..modes.framing import COUNTER_HZ, BeastSplitter, parse_avr_line
from .fixes import finish_table
from .stream import LineCutter

__all__ = ["AvrParser", "BeastParser", "epoch_seconds", "read_avr", "read_avr_batches", "read_beast",
           "read_beast_batches"]

TimeLike: TypeAlias = float | str | datetime | pd.Timestamp | None
MAX_AVR_LINE = 4096   # an AVR line is < 40 bytes: a longer one is garbage
UNTIMED_STEP_S = 1e-3  # in a file, frame k without a timestamp is timed start + k ms
READ_BYTES = 1 << 20


def epoch_seconds(value: TimeLike) -> float | None:
    """Epoch seconds of a time given as seconds, ISO-8601 text (naive = UTC) or datetime."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        stamp = pd.Timestamp(value)
    except ValueError:
        raise InputError(f"not a time: {value!r} (give ISO-8601, e.g. 2015-11-24T07:20:00Z)") from None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.timestamp()


class _ModesParser:
    """What both framings share: the pyModeS-backed decoder and the clock.

    ``in_file`` chooses what frames without a timestamp get (see the module docstring): the
    receive time (live feeds) or ``start_time + k ms`` in file order, marked interpolated.
    """

    def __init__(self, source: str, bad: BadInput | None, start_time: TimeLike,
                 clock: Callable[[], float] | None, in_file: bool = False) -> None:
        self.source = source
        self.bad = bad if bad is not None else BadInput()
        self.start_time = epoch_seconds(start_time)
        self.clock = clock or time.time
        self.in_file = in_file
        self._decoder: FrameDecoder | None = None
        self._anchor: tuple[float, int] | None = None   # (receive time, counter) of the first stamp
        self._untimed = 0                               # frames without a timestamp so far (files)

    def _times(self, counters: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """Epoch seconds of each frame from its counter (0 = unstamped), and which were invented."""
        stamped = np.asarray(counters, dtype=np.int64)
        now = self.clock()
        times = np.full(len(stamped), now, dtype=np.float64)
        has = stamped > 0
        invented = ~has if self.in_file else np.zeros(len(stamped), dtype=bool)
        if invented.any():
            base = self.start_time if self.start_time is not None else now
            times[invented] = base + (self._untimed + np.arange(int(invented.sum()))) * UNTIMED_STEP_S
            self._untimed += int(invented.sum())
        if not has.any():
            return times, invented
        if self.start_time is not None:
            times[has] = self.start_time + stamped[has] / COUNTER_HZ
            return times, invented
        if self._anchor is None or stamped[has].min() < self._anchor[1]:
            self._anchor = (now, int(stamped[has][0]))
        t0, c0 = self._anchor
        times[has] = t0 + (stamped[has] - c0) / COUNTER_HZ
        return times, invented

    def _decode(self, frames: list[bytes], counters: list[int], where: list) -> list[dict]:
        if not frames:
            return []
        times, invented = self._times(counters)
        if self._decoder is None:  # the first frames decide: a capture with or without timestamps
            untimed = bool(invented.all())
            self._decoder = FrameDecoder(self.source, self.bad, timed=not untimed)
            if untimed:
                self.bad.note(self.source, "frames carry no timestamps: frame k is timed start + k ms in "
                              "file order, its fixes are marked interpolated")
        return self._decoder.decode(frames, times, where, invented)

    def flush(self) -> list[dict]:
        return self._decoder.flush() if self._decoder is not None else []


class AvrParser(_ModesParser):
    """StreamParser for AVR text (``*hex;``, ``@counter hex;``, ``<counter signal hex;``, plain hex)."""

    def __init__(self, source: str = "avr", bad: BadInput | None = None, start_time: TimeLike = None,
                 clock: Callable[[], float] | None = None, in_file: bool = False) -> None:
        super().__init__(source, bad, start_time, clock, in_file)
        self._cutter = LineCutter(source, self.bad, MAX_AVR_LINE)

    def feed(self, chunk: bytes) -> list[dict]:
        block = self._cutter.feed(chunk)
        return self._decode_lines(block.data, block.first_line) if block is not None else []

    def flush(self) -> list[dict]:
        block = self._cutter.flush()
        rows = self._decode_lines(block.data, block.first_line) if block is not None else []
        return rows + super().flush()

    def _decode_lines(self, data: bytes, first: int) -> list[dict]:
        frames, counters, where = [], [], []
        for number, line in enumerate(data.split(b"\n"), first):
            line = line.strip()
            if not line:
                continue
            frame, counter, error = parse_avr_line(line)
            if error is not None:
                self.bad.report(self.source, number, error, kind="bad line")
            elif frame is not None:
                frames.append(frame)
                counters.append(counter or 0)
                where.append(number)
        return self._decode(frames, counters, where)


class BeastParser(_ModesParser):
    """StreamParser for Beast binary (0x1A framing, escaped, 12 MHz counters)."""

    def __init__(self, source: str = "beast", bad: BadInput | None = None, start_time: TimeLike = None,
                 clock: Callable[[], float] | None = None, in_file: bool = False) -> None:
        super().__init__(source, bad, start_time, clock, in_file)
        self._splitter = BeastSplitter()

    def feed(self, chunk: bytes) -> list[dict]:
        messages = [m for m in self._splitter.feed(chunk) if m.length != 2]  # Mode A/C: no address
        self._report_damage()
        return self._decode([m.frame for m in messages], [m.counter for m in messages],
                            [f"byte {m.offset}" for m in messages])

    def flush(self) -> list[dict]:
        self._splitter.finish()
        self._report_damage()
        return super().flush()

    def _report_damage(self) -> None:
        for offset, reason in self._splitter.errors:
            self.bad.report(self.source, f"byte {offset}", reason, kind="bad frame")
        self._splitter.errors.clear()


def read_avr(path: str, bad: BadInput | None = None, start_time: TimeLike = None) -> pd.DataFrame:
    """An AVR file as a track table; ``start_time`` is the counter's zero and the time of the
    first frame without a timestamp (default: now)."""
    from .sniff import read_tracks

    return read_tracks(path, "avr", bad, **_start(start_time))


def read_beast(path: str, bad: BadInput | None = None, start_time: TimeLike = None) -> pd.DataFrame:
    """A Beast binary file as a track table; ``start_time`` as for ``read_avr``."""
    from .sniff import read_tracks

    return read_tracks(path, "beast", bad, **_start(start_time))


def _start(start_time: TimeLike) -> dict:
    return {} if start_time is None else {"start_time": start_time}


def read_avr_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000,
                     start_time: TimeLike = None) -> Iterator[pd.DataFrame]:
    """AVR text as track tables of about ``batch_rows`` fixes (times: see the module docstring)."""
    yield from _batches(AvrParser, source, bad, batch_rows, start_time)


def read_beast_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000,
                       start_time: TimeLike = None) -> Iterator[pd.DataFrame]:
    """Beast binary as track tables of about ``batch_rows`` fixes (times: see the module docstring)."""
    yield from _batches(BeastParser, source, bad, batch_rows, start_time)


def _batches(parser_class: type[AvrParser] | type[BeastParser], source: Source, bad: BadInput, batch_rows: int,
             start_time: TimeLike) -> Iterator[pd.DataFrame]:
    start = epoch_seconds(start_time)
    read_at = time.time() if start is None else start
    parser = parser_class(source.name, bad, start, clock=lambda: read_at, in_file=True)
    rows: list[dict] = []
    for chunk in source.blocks(READ_BYTES):
        rows.extend(parser.feed(chunk))
        if len(rows) >= batch_rows:
            yield _table(rows, source.name, bad)
            rows = []
    rows.extend(parser.flush())
    yield _table(rows, source.name, bad)


def _table(rows: list[dict], source: str, bad: BadInput) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame()
    frame = pd.DataFrame.from_records(rows)
    where = frame.pop("where").to_numpy(dtype=object)
    frame["time"] = pd.to_datetime(np.round(frame["time"].to_numpy(dtype=float) * 1e6).astype(np.int64),
                                   unit="us", utc=True)
    return finish_table(frame, source, bad, where=where)
