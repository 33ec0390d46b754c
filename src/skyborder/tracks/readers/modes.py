"""Mode S readers: AVR text and Beast binary, from files or sockets, decoded with pyModeS.

Times (epoch seconds):
- a 12 MHz counter (AVR ``@``/``<`` lines, Beast messages) with ``start_time`` given is
  relative to it: ``time = start_time + counter / 12e6`` (a capture whose counter starts at 0);
- without ``start_time`` (live feeds: a receiver's counter runs from its own power-up), the
  first stamped frame takes its receive time and later ones keep their counter offsets from
  it: ``time = t_first + (counter - counter_first) / 12e6``; a counter that runs backwards
  (receiver restart) re-anchors on the receive time;
- AVR lines without a counter, and Beast messages whose counter is 0 (sources that do not
  stamp), take the receive time: ``clock()`` when the chunk is fed.
For files, ``clock`` returns the reading start (``start_time``, default now), so untimestamped
lines of a file all share one time: give ``start_time`` (the capture start) for a meaningful
table.

Bad input (reported with file:line for AVR, ``byte N`` for Beast, counted, skipped): truncated
lines or frames, non-hex text, wrong lengths, garbage between Beast frames, bad CRC (kind
``crc``), and implausible or rejected positions (kind ``phantom``).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import numpy as np
import pandas as pd

from ...errors import BadInput, InputError
from ..modes.decode import FrameDecoder
from ..modes.framing import COUNTER_HZ, BeastSplitter, parse_avr_line
from .stream import parse_chunks, read_blocks

TimeLike = float | str | datetime | pd.Timestamp | None
_MAX_LINE = 4096  # a longer unterminated "line" is garbage, not a line still arriving


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
    """What both framings share: the pyModeS-backed decoder and the clock."""

    def __init__(self, source: str, bad: BadInput | None, start_time: TimeLike,
                 clock: Callable[[], float] | None) -> None:
        self.source = source
        self.bad = bad if bad is not None else BadInput()
        self.start_time = epoch_seconds(start_time)
        self.clock = clock or time.time
        self.decoder = FrameDecoder(source, self.bad)
        self._anchor: tuple[float, int] | None = None   # (receive time, counter) of the first stamp

    def _times(self, counters: list[int]) -> np.ndarray:
        """Epoch seconds of each frame from its counter (0 = unstamped: the receive time)."""
        stamped = np.asarray(counters, dtype=np.int64)
        now = self.clock()
        times = np.full(len(stamped), now, dtype=np.float64)
        has = stamped > 0
        if not has.any():
            return times
        if self.start_time is not None:
            times[has] = self.start_time + stamped[has] / COUNTER_HZ
            return times
        if self._anchor is None or stamped[has].min() < self._anchor[1]:
            self._anchor = (now, int(stamped[has][0]))
        t0, c0 = self._anchor
        times[has] = t0 + (stamped[has] - c0) / COUNTER_HZ
        return times

    def flush(self) -> list[dict]:
        return self.decoder.flush()


class AvrParser(_ModesParser):
    """StreamParser for AVR text (``*hex;``, ``@counter hex;``, ``<counter signal hex;``, plain hex)."""

    def __init__(self, source: str = "avr", bad: BadInput | None = None, start_time: TimeLike = None,
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(source, bad, start_time, clock)
        self._partial = b""
        self._line = 0

    def feed(self, chunk: bytes) -> list[dict]:
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        if len(self._partial) > _MAX_LINE:
            self._line += 1
            self.bad.report(self.source, self._line, "line too long", kind="bad line")
            self._partial = b""
        return self._decode_lines(lines)

    def flush(self) -> list[dict]:
        tail, self._partial = self._partial, b""
        return self._decode_lines([tail] if tail.strip() else []) + super().flush()

    def _decode_lines(self, lines: list[bytes]) -> list[dict]:
        frames, counters, where = [], [], []
        first = self._line + 1
        self._line += len(lines)
        for number, line in enumerate(lines, first):
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
        return self.decoder.decode(frames, self._times(counters), where)


class BeastParser(_ModesParser):
    """StreamParser for Beast binary (0x1A framing, escaped, 12 MHz counters)."""

    def __init__(self, source: str = "beast", bad: BadInput | None = None, start_time: TimeLike = None,
                 clock: Callable[[], float] | None = None) -> None:
        super().__init__(source, bad, start_time, clock)
        self._splitter = BeastSplitter()

    def feed(self, chunk: bytes) -> list[dict]:
        messages = [m for m in self._splitter.feed(chunk) if m.length != 2]  # Mode A/C: no address
        self._report_damage()
        return self.decoder.decode([m.frame for m in messages], self._times([m.counter for m in messages]),
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
    """An AVR file as a track table; ``start_time`` is the counter's zero and the time of
    unstamped lines (default: now, and the first stamped line is now)."""
    return _read_file(AvrParser, path, bad, start_time)


def read_beast(path: str, bad: BadInput | None = None, start_time: TimeLike = None) -> pd.DataFrame:
    """A Beast binary file as a track table; ``start_time`` as for ``read_avr``."""
    return _read_file(BeastParser, path, bad, start_time)


def _read_file(parser_class, path: str, bad: BadInput | None, start_time: TimeLike) -> pd.DataFrame:
    start = epoch_seconds(start_time)
    read_at = time.time() if start is None else start
    parser = parser_class(str(path), bad, start, clock=lambda: read_at)
    try:
        return parse_chunks(parser, read_blocks(str(path)))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
