"""What an archive is: its files, the period each one covers by its name, and the scan's time window.

An ARCHIVE argument is a file, a folder (searched recursively) or a glob. Track files are Parquet
and CSV (``.parquet``, ``.parq``, ``.csv``, ``.csv.gz``, ``.tsv``); other files in a folder are
ignored, a file named explicitly is always read.

A file's period is told by its path, the narrowest that any part of it states:

- OpenSky's hourly state vectors: ``states_2017-06-05-14.parquet`` and the dataset's folders
  ``2017-06-05/14/`` (the hour from 14:00 UTC);
- hive partitions: ``hour=1496671200`` (epoch seconds of the hour, as OpenSky's Impala tables
  key them), ``hour=2017-06-05-14``, ``date=2017-06-05`` (or ``day=``) with ``hour=14`` below it.

A file whose period lies wholly outside ``--since/--until`` (widened by ``NAME_SLACK_S``: a fix's
time may precede its file's hour, as OpenSky's stale positions do) is not opened.
"""
from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

import pandas as pd

from ..errors import InputError

__all__ = ["NAME_SLACK_S", "ArchiveFile", "TimeWindow", "find_files", "period_of"]

HOUR_NS = 3_600_000_000_000
DAY_NS = 24 * HOUR_NS
NAME_SLACK_S = 3600.0
TRACK_SUFFIXES = (".parquet", ".parq", ".csv", ".csv.gz", ".tsv", ".tsv.gz")
_HOUR_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})[-T_](\d{2})(?!\d)")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_HOUR = re.compile(r"^\d{1,2}$")
_EPOCH_HOUR = re.compile(r"^\d{9,11}$")


@dataclass(frozen=True)
class TimeWindow:
    """The scan's time window ``[since, until)`` in nanoseconds since 1970 UTC (None: open).

    Examples
    --------
    >>> window = TimeWindow.parse("2017-06-05", "2017-06-05T12:00")
    >>> window.overlaps(window.since_ns - 1, window.since_ns), window.overlaps(window.until_ns, window.until_ns + 1)
    (False, False)
    """

    since_ns: int | None = None
    until_ns: int | None = None

    @classmethod
    def parse(cls, since: str | None, until: str | None) -> TimeWindow:
        """From ISO-8601 texts (naive = UTC); InputError when unreadable or empty."""
        window = cls(_instant(since, "--since"), _instant(until, "--until"))
        if window.since_ns is not None and window.until_ns is not None and window.until_ns <= window.since_ns:
            raise InputError("--until must be later than --since")
        return window

    @property
    def bounded(self) -> bool:
        return self.since_ns is not None or self.until_ns is not None

    def overlaps(self, start_ns: int, end_ns: int) -> bool:
        """Whether the half-open period ``[start_ns, end_ns)`` meets the window."""
        return ((self.until_ns is None or start_ns < self.until_ns)
                and (self.since_ns is None or end_ns > self.since_ns))


def _instant(text: str | None, option: str) -> int | None:
    if text is None:
        return None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise InputError(f"{option}: {text!r} is not an ISO-8601 time (e.g. 2017-06-05T14:00Z)") from None
    if pd.isna(stamp):
        raise InputError(f"{option}: {text!r} is not a time")
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return int(stamp.value)


@dataclass(frozen=True)
class ArchiveFile:
    """One file of the archive: its number in the scan (the order of the in-memory equivalent),
    path, format (``parquet`` or ``csv``) and the period ``[start_ns, end_ns)`` its path states."""

    index: int
    path: str
    fmt: str
    start_ns: int | None
    end_ns: int | None

    def outside(self, window: TimeWindow) -> bool:
        """True when the path's period, widened by ``NAME_SLACK_S``, misses the window."""
        if self.start_ns is None or self.end_ns is None or not window.bounded:
            return False
        slack = int(NAME_SLACK_S * 1e9)
        return not window.overlaps(self.start_ns - slack, self.end_ns + slack)


def _stamp(year: str, month: str, day: str, hour: str = "0") -> int | None:
    try:
        return int(pd.Timestamp(int(year), int(month), int(day), int(hour), tz="UTC").value)
    except ValueError:
        return None


def period_of(path: str) -> tuple[int, int] | None:
    """The period ``(start_ns, end_ns)`` a file's path states, or None (see the module docstring).

    Examples
    --------
    >>> hour = period_of("states/2017-06-05/14/states_2017-06-05-14.parquet")
    >>> [str(pd.Timestamp(t, tz="UTC")) for t in hour]
    ['2017-06-05 14:00:00+00:00', '2017-06-05 15:00:00+00:00']
    >>> period_of("archive/hour=1496671200/part-0.parquet") == hour
    True
    >>> period_of("archive/date=2017-06-05/hour=14/part-0.parquet") == hour
    True
    >>> period_of("flights.csv") is None
    True
    """
    periods: list[tuple[int, int]] = []
    day: int | None = None
    for part in os.path.normpath(path).split(os.sep):
        key, sep, value = part.partition("=")
        key, value = (key.lower(), value) if sep else ("", part)
        date = _DATE.match(value)
        if date and key in ("", "date", "day"):
            day = _stamp(*date.groups())
            if day is not None:
                periods.append((day, day + DAY_NS))
        elif key == "hour" and _EPOCH_HOUR.match(value):
            start = int(value) * 1_000_000_000
            periods.append((start, start + HOUR_NS))
        elif key in ("hour", "") and _HOUR.match(value) and day is not None and int(value) < 24:
            start = day + int(value) * HOUR_NS
            periods.append((start, start + HOUR_NS))
        elif (hour := _HOUR_NAME.search(value)) is not None and (key in ("hour", "") or not sep):
            hour_start = _stamp(*hour.groups())
            if hour_start is not None:
                periods.append((hour_start, hour_start + HOUR_NS))
    if not periods:
        return None
    return max(p[0] for p in periods), min(p[1] for p in periods)


def _is_track_file(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(TRACK_SUFFIXES) and not os.path.basename(lower).startswith((".", "_"))


def _format(path: str) -> str:
    with open(path, "rb") as handle:
        return "parquet" if handle.read(4) == b"PAR1" else "csv"


def find_files(archive: list[str]) -> list[ArchiveFile]:
    """The track files of the ARCHIVE arguments, numbered in order (by stated period, then path).

    Raises InputError when an argument matches nothing or no track file is found.
    """
    paths: list[str] = []
    for item in archive:
        if os.path.isdir(item):
            found = [os.path.join(root, name) for root, _, names in os.walk(item) for name in names
                     if _is_track_file(name)]
        elif os.path.isfile(item):
            found = [item]
        else:
            found = [p for p in glob.glob(item, recursive=True) if os.path.isfile(p)]
            if not found:
                raise InputError(f"{item}: no such file, folder or matching glob")
        paths.extend(found)
    paths = sorted({os.path.abspath(p) for p in paths})
    if not paths:
        raise InputError(f"no Parquet or CSV track file in {', '.join(archive)}")
    periods = {p: period_of(p) for p in paths}
    far = (2**62, 2**62)
    paths.sort(key=lambda p: (periods[p] or far, p))
    files = []
    for index, path in enumerate(paths):
        period = periods[path]
        try:
            fmt = _format(path)
        except OSError as err:
            raise InputError(f"{path}: cannot read ({err.strerror or err})") from None
        files.append(ArchiveFile(index, path, fmt, *(period if period else (None, None))))
    return files
