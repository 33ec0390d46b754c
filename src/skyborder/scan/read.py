"""Reading one archive file for a scan: only the needed columns, only the row groups in the window.

Parquet files are read in batches of ``BATCH_ROWS`` rows of a row group, with column projection (``needed_columns``): an
OpenSky state-vector file keeps ``time, icao24, lat, lon, baroaltitude, geoaltitude, onground,
callsign, lastposupdate`` and leaves velocity, heading, vertical rate, squawk, alert, spi,
lastcontact and serials on disk. A row group whose time statistics (min/max of every column the
reader may take the time from) lie outside the window is skipped unread. The raw columns then go
through the track readers' own parsing (``tracks.readers``: aliases, units, bad rows reported
with their row number), so a scan reads exactly what ``read_tracks`` would.

CSV files are text: every line is tokenised whatever the projection, and a CSV file has no
statistics; it is read by the track readers as a whole.
"""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import BadInput, InputError
from ..tracks.nationality import annotate
from ..tracks.readers.columns import ALIASES, Located
from ..tracks.readers.fixes import to_tracks
from ..tracks.readers.sniff import read_batches
from .archive import ArchiveFile, TimeWindow

__all__ = ["FileFilter", "ReadStats", "callsign_matcher", "needed_columns", "read_file"]

#: track columns a scan needs: position and time, the aircraft, altitudes, ground state, callsign
NEEDED_TARGETS = frozenset({"time", "track_id", "icao24", "lat", "lon", "alt_m", "alt_ft", "geo_alt_m",
                            "on_ground", "callsign"})
#: OpenSky state-vector columns the readers use beyond the common aliases
OPENSKY_NEEDED = frozenset({"lastposupdate", "baroaltitude", "geoaltitude", "onground"})
BATCH_ROWS = 500_000  # rows of a Parquet or CSV file parsed at once (bounds stage 1's memory)
MILLIS_FROM = 1e11  # as the readers: epoch numbers this large are milliseconds
NATIONALITY = ("country", "operator", "military")


def needed_columns(names: list[str], mapping: Mapping[str, str]) -> list[str]:
    """The file columns a scan reads: those mapped explicitly and those whose (case-insensitive)
    name the track readers take for a needed track column.

    Examples
    --------
    >>> needed_columns(["time", "icao24", "lat", "lon", "velocity", "heading", "callsign", "squawk",
    ...                 "baroaltitude", "lastposupdate", "lastcontact"], {})
    ['time', 'icao24', 'lat', 'lon', 'callsign', 'baroaltitude', 'lastposupdate']
    """
    wanted = {alias for alias, target in ALIASES.items() if target in NEEDED_TARGETS} | OPENSKY_NEEDED
    wanted |= {name.strip().lower() for name, target in mapping.items()}
    return [n for n in names if n.strip().lower() in wanted]


def _time_columns(names: list[str], mapping: Mapping[str, str]) -> list[str]:
    """Every column the readers may take a row's time from (statistics must rule out all)."""
    explicit = [n for n, target in mapping.items() if target == "time"]
    if explicit:
        return [n for n in names if n.strip().lower() in {e.strip().lower() for e in explicit}]
    aliases = {alias for alias, target in ALIASES.items() if target == "time"} | {"lastposupdate"}
    return [n for n in names if n.strip().lower() in aliases]


def _stat_ns(value: object, arrow_type: pa.DataType) -> int | None:
    """A time statistic in ns since 1970 UTC (epoch seconds or milliseconds, or a timestamp)."""
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return int(stamp.value)
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        seconds = float(value)  # type: ignore[arg-type]
        if not np.isfinite(seconds):
            return None
        return int((seconds / 1000.0 if seconds >= MILLIS_FROM else seconds) * 1e9)
    return None


def _row_group_outside(meta: pq.RowGroupMetaData, columns: dict[str, tuple[int, pa.DataType]],
                       window: TimeWindow) -> bool:
    """True when every time column's statistics put the whole row group outside the window."""
    if not columns or not window.bounded:
        return False
    for index, arrow_type in columns.values():
        stats = meta.column(index).statistics
        if stats is None or not stats.has_min_max:
            return False
        low, high = _stat_ns(stats.min, arrow_type), _stat_ns(stats.max, arrow_type)
        if low is None or high is None or window.overlaps(low, high + 1):
            return False
    return True


@dataclass
class ReadStats:
    """What reading one file (or, added up, an archive) did: rows read, fixes of them, fixes kept
    by the filters, Parquet row groups met and skipped by their statistics."""

    rows: int = 0
    fixes: int = 0
    kept: int = 0
    row_groups: int = 0
    row_groups_skipped: int = 0

    def add(self, other: ReadStats) -> None:
        """Add ``other``'s counts to these."""
        for counter in fields(self):
            setattr(self, counter.name, getattr(self, counter.name) + getattr(other, counter.name))


def _parquet_batches(file: ArchiveFile, mapping: Mapping[str, str], window: TimeWindow, bad: BadInput,
                     stats: ReadStats) -> Iterator[pd.DataFrame]:
    try:
        parquet = pq.ParquetFile(file.path)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{file.path}: not a readable Parquet file ({str(err).splitlines()[0]})") from None
    arrow_schema = parquet.schema_arrow
    names = list(arrow_schema.names)
    keep = needed_columns(names, mapping)
    leaves = {parquet.metadata.schema.column(j).path: j for j in range(parquet.metadata.num_columns)}
    times = {n: (leaves[n], arrow_schema.field(n).type) for n in _time_columns(names, mapping) if n in leaves}
    first_row = 1
    stats.row_groups += parquet.num_row_groups
    for group in range(parquet.num_row_groups):
        meta = parquet.metadata.row_group(group)
        start, first_row = first_row, first_row + meta.num_rows
        if _row_group_outside(meta, times, window):
            stats.row_groups_skipped += 1
            continue
        try:
            for batch in parquet.iter_batches(BATCH_ROWS, row_groups=[group], columns=keep, use_threads=False):
                stats.rows += batch.num_rows
                columns = {n: pa.chunked_array([batch.column(i)]) for i, n in enumerate(batch.schema.names)}
                raw = Located(columns, np.arange(start, start + batch.num_rows), "row", file.path)
                start += batch.num_rows
                yield to_tracks(raw, mapping, bad)
        except (pa.ArrowException, OSError) as err:
            raise InputError(f"{file.path}: row group {group} unreadable ({str(err).splitlines()[0]})") from None


def _csv_batches(file: ArchiveFile, mapping: Mapping[str, str], bad: BadInput,
                 stats: ReadStats) -> Iterator[pd.DataFrame]:
    for tracks in read_batches(file.path, "csv", bad, columns=dict(mapping) or None, batch_rows=BATCH_ROWS):
        stats.rows += int(tracks.attrs.get("read_stats", {}).get("rows", len(tracks)))
        yield tracks


def callsign_matcher(pattern: str | None) -> re.Pattern | None:
    """``--callsign``: comma-separated shell patterns (``RRR*,RCH?``), case-insensitive, as one regex.

    Examples
    --------
    >>> bool(callsign_matcher("rrr*,RCH?").fullmatch("RRR7213")), bool(callsign_matcher("RCH?").fullmatch("RCH12"))
    (True, False)
    """
    if pattern is None:
        return None
    parts = [p.strip().upper() for p in pattern.split(",") if p.strip()]
    if not parts:
        raise InputError("--callsign: give at least one pattern, e.g. 'RRR*'")
    return re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in parts))


@dataclass(frozen=True)
class FileFilter:
    """The per-fix filters of a scan: the time window and the aircraft addresses (lower-case hex).

    ``callsign`` (a regex from :func:`callsign_matcher`) does not drop fixes: it selects whole
    tracks, so the aircraft that matched anywhere in the archive are found per file and kept
    entirely (a fix without callsign in a matching track is kept).
    """

    window: TimeWindow
    icao24: frozenset[str] | None = None
    callsign: re.Pattern | None = None

    def apply(self, tracks: pd.DataFrame) -> pd.DataFrame:
        """The fixes inside the window, of the listed aircraft."""
        keep = np.ones(len(tracks), dtype=bool)
        ns = tracks["time"].array.asi8
        if self.window.since_ns is not None:
            keep &= ns >= self.window.since_ns
        if self.window.until_ns is not None:
            keep &= ns < self.window.until_ns
        if self.icao24 is not None:
            address = tracks["icao24"] if "icao24" in tracks else tracks["track_id"]
            keep &= address.str.lower().isin(self.icao24).fillna(False).to_numpy(dtype=bool)
        return tracks if keep.all() else tracks[keep].reset_index(drop=True)

    def matching_tracks(self, tracks: pd.DataFrame) -> np.ndarray:
        """Track ids with at least one fix whose callsign matches (empty without a pattern)."""
        if self.callsign is None or "callsign" not in tracks or tracks.empty:
            return np.array([], dtype=object)
        codes, calls = pd.factorize(tracks["callsign"].str.strip().str.upper())
        hits = np.array([self.callsign.fullmatch(c) is not None for c in calls], dtype=bool)
        rows = hits[codes] & (codes >= 0) if len(hits) else np.zeros(len(codes), bool)
        return pd.unique(tracks["track_id"].to_numpy(dtype=object)[rows])


def read_file(file: ArchiveFile, mapping: Mapping[str, str], keep: FileFilter, bad: BadInput,
              stats: ReadStats) -> Iterator[pd.DataFrame]:
    """Track-table batches of one archive file, filtered (``keep``) and with the nationality
    columns (``country``, ``operator``, ``military``); ``stats`` counts as it goes."""
    batches = (_parquet_batches(file, mapping, keep.window, bad, stats) if file.fmt == "parquet"
               else _csv_batches(file, mapping, bad, stats))
    for tracks in batches:
        stats.fixes += len(tracks)
        kept = keep.apply(tracks)
        stats.kept += len(kept)
        if len(kept):
            yield annotate(kept)[[c for c in kept.columns if c not in NATIONALITY] + list(NATIONALITY)]
