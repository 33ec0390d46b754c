"""IGC flight recorder files (the FAI/IGC format of gliders, paragliders and light aircraft).

One file is one flight, one track: named after the glider registration (``HFGID``), else the
competition id (``HFCID``), else the file name. The date comes from the ``HFDTE`` header
(``HFDTE241115`` or ``HFDTEDATE:241115,01``); fix times are UTC, and a time that goes back by
more than 12 hours is the next day (a flight over midnight).

B records, fixed columns::

    B HHMMSS DDMMmmm N DDDMMmmm E V PPPPP GGGGG
      time   latitude  longitude  | pressure and GNSS altitude, metres
                                  validity: A = 3D fix, V = 2D or no GNSS altitude

Pressure altitude (ICAO standard atmosphere, 1013.25 hPa) goes to ``alt_m``, GNSS altitude to
``geo_alt_m`` (dropped when the validity is ``V``); a logger without a pressure sensor writes
zeros throughout, read as no pressure altitude. A malformed B record is reported with its line.
Parsing is vectorised (pyarrow compute over all B records at once).
"""
from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import BadInput, InputError
from ...sources import Source
from .columns import Located
from .fixes import stem, to_tracks

__all__ = ["read_igc_batches"]

MAX_IGC_BYTES = 256 << 20
B_RECORD = r"^B\d{6}\d{7}[NS]\d{8}[EW][AV][-\d]\d{4}[-\d]\d{4}"
DATE = re.compile(rb"^HFDTE(?:DATE:)?(\d{2})(\d{2})(\d{2})", re.MULTILINE)
NAME = re.compile(rb"^HF(GID|CID)[^:\r\n]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.MULTILINE)
DAY_S = 86_400
ROLLOVER_S = DAY_S // 2


def read_igc_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """An IGC file as one track table (see the module docstring)."""
    data = source.read_all(MAX_IGC_BYTES)
    date = DATE.search(data)
    if date is None:
        raise InputError(f"{source.name}: IGC file without a date header (HFDTE)")
    day, month, year = (int(g) for g in date.groups())
    try:
        midnight = pd.Timestamp(year=2000 + year if year < 80 else 1900 + year, month=month, day=day, tz="UTC")
    except ValueError:
        raise InputError(f"{source.name}: bad IGC date {date.group(0).decode(errors='replace')!r}") from None
    names = {k.decode(): v.decode("utf-8", errors="replace") for k, v in NAME.findall(data)}
    track = names.get("GID") or names.get("CID") or stem(source.name)

    lines = pa.array(data.decode("ascii", errors="replace").split("\n"), pa.string())
    is_b = pc.starts_with(lines, "B").to_numpy(zero_copy_only=False)
    good = pc.match_substring_regex(lines, B_RECORD).to_numpy(zero_copy_only=False) & is_b
    for number in (np.flatnonzero(is_b & ~good) + 1).tolist():
        bad.report(source.name, number, "malformed IGC B record", kind="bad B record")
    rows = np.flatnonzero(good)
    if not len(rows):
        raise InputError(f"{source.name}: IGC file without valid fixes (B records)")
    b = lines.take(pa.array(rows))

    def field(start: int, stop: int) -> np.ndarray:
        return pc.cast(pc.utf8_slice_codeunits(b, start, stop), pa.int64()).to_numpy(zero_copy_only=False)

    def letter(at: int) -> np.ndarray:
        return pc.utf8_slice_codeunits(b, at, at + 1).to_numpy(zero_copy_only=False)

    seconds = field(1, 3) * 3600 + field(3, 5) * 60 + field(5, 7)
    seconds = seconds + DAY_S * np.cumsum(np.r_[0, np.diff(seconds) < -ROLLOVER_S])
    lat = (field(7, 9) + field(9, 14) / 60_000.0) * np.where(letter(14) == "S", -1.0, 1.0)
    lon = (field(15, 18) + field(18, 23) / 60_000.0) * np.where(letter(23) == "W", -1.0, 1.0)
    pressure = field(25, 30).astype(float)
    gnss = np.where(letter(24) == "A", field(30, 35), np.nan).astype(float)
    if not pressure.any():
        pressure[:] = np.nan  # no pressure sensor
    if not np.nan_to_num(gnss).any():
        gnss[:] = np.nan
    epoch = midnight.value // 10**9 + seconds
    columns = {"time": epoch, "track_id": np.full(len(rows), track, dtype=object), "lat": lat, "lon": lon,
               "alt_m": pressure, "geo_alt_m": gnss}
    raw = Located({k: pa.chunked_array([pa.array(v)]) for k, v in columns.items()}, rows + 1, "line", source.name)
    yield to_tracks(raw, bad=bad)
