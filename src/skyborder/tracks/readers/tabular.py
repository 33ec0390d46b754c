"""CSV and Parquet track tables, including OpenSky state vectors, Flightradar24 exports and
tables in traffic's column convention.

Columns are found by name (see ``columns``): an explicit mapping first, then what the column
names reveal, then common aliases. CSV: the delimiter is the most frequent of comma,
semicolon and tab in the header line; leading ``#`` comment lines are skipped; gzip is
decompressed as it is read. Times are epoch seconds or ISO-8601 (naive = UTC).

Both are read in batches with bounded memory: CSV in blocks of whole lines (a line longer
than ``MAX_CSV_LINE`` bytes is one bad line), Parquet one record batch at a time. A row with a
bad time, latitude or longitude, or the wrong number of fields, is reported with its physical
line (header = line 1) or its row number and skipped.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ...errors import BadInput, InputError
from ...sources import Source, open_source
from .columns import Located, parse_column_map
from .delimited import first_line, header_names, read_delimited, sniff_delimiter
from .fixes import to_tracks
from .stream import LineBlock, LineCutter

__all__ = ["MAX_CSV_LINE", "MAX_PARQUET_BYTES", "read_table", "read_table_batches"]

MAX_CSV_LINE = 1 << 20               # one CSV line; longer is one bad line
MAX_PARQUET_BYTES = 4 << 30          # Parquet that must be held in memory (from a pipe or gzip)
BYTES_PER_ROW = 96                   # to size CSV blocks from the batch size ...
MIN_BLOCK_BYTES = 64 << 10           # ... within these bounds (memory: a few blocks at a time)
MAX_BLOCK_BYTES = 32 << 20


def read_table(path: str, columns: Mapping[str, str] | str | None = None, bad: BadInput | None = None,
               default_track: str | None = None) -> pd.DataFrame:
    """A CSV (optionally gzip-compressed) or Parquet track table -> the track table.

    ``columns`` maps file columns to track columns (``{"ts": "time"}`` or ``"ts=time"``); targets
    ``alt_ft``, ``geo_alt_ft`` and ``speed_kt`` convert feet and knots. A file without an aircraft
    column (track_id/icao24/hex/...) is one track named after the file (or ``default_track``).
    """
    from .sniff import read_tracks

    fmt = "parquet" if _is_parquet_file(path) else "csv"
    options = {} if default_track is None else {"default_track": default_track}
    return read_tracks(path, fmt, bad, columns=columns, **options)


def _is_parquet_file(path: str) -> bool:
    with open_source(path) as source:
        return source.head[:4] == b"PAR1"


def read_table_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000,
                       columns: Mapping[str, str] | str | None = None,
                       default_track: str | None = None) -> Iterator[pd.DataFrame]:
    """Track tables of about ``batch_rows`` rows each, in file order (see the module docstring)."""
    mapping = parse_column_map(columns)
    if source.head[:4] == b"PAR1":
        yield from _parquet_batches(source, bad, batch_rows, mapping, default_track)
    else:
        yield from _csv_batches(source, bad, batch_rows, mapping, default_track)


def _parquet_batches(source: Source, bad: BadInput, batch_rows: int, mapping: Mapping[str, str],
                     default_track: str | None) -> Iterator[pd.DataFrame]:
    try:
        if source.path is not None and not source.compressed:
            parquet = pq.ParquetFile(source.path)
        else:
            parquet = pq.ParquetFile(pa.BufferReader(source.read_all(MAX_PARQUET_BYTES)))
        row = 1
        produced = False
        for record_batch in parquet.iter_batches(batch_size=batch_rows, use_threads=False):
            table = pa.Table.from_batches([record_batch])
            raw = Located({n: table.column(i) for i, n in enumerate(table.column_names)},
                          np.arange(row, row + table.num_rows), "row", source.name)
            row += table.num_rows
            produced = True
            yield to_tracks(raw, mapping, bad, default_track)
        if not produced:
            empty = parquet.schema_arrow.empty_table()
            raw = Located({n: empty.column(i) for i, n in enumerate(empty.column_names)},
                          np.zeros(0, np.int64), "row", source.name)
            yield to_tracks(raw, mapping, bad, default_track)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{source.name}: not a readable Parquet file ({str(err).splitlines()[0]})") from None


class _CsvHeader:
    """The header line of a CSV stream, found past leading ``#`` comment lines."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.names: list[str] | None = None
        self.delimiter = ","

    def take(self, block: LineBlock) -> LineBlock | None:
        """The rest of ``block`` once the header is known (None while still in comments)."""
        if self.names is not None:
            return block
        data, line = block.data, block.first_line
        while data:
            end = data.find(b"\n")
            text, rest = (data, b"") if end < 0 else (data[:end], data[end + 1:])
            if not text.startswith(b"#") and line not in block.blanked:
                head = first_line(text)
                self.delimiter = sniff_delimiter(head)
                self.names = header_names(head, self.delimiter, self.source)
                return LineBlock(rest, line + 1, frozenset(n for n in block.blanked if n > line)) if rest else None
            data, line = rest, line + 1
        return None


def _csv_batches(source: Source, bad: BadInput, batch_rows: int, mapping: Mapping[str, str],
                 default_track: str | None) -> Iterator[pd.DataFrame]:
    """Blocks of whole lines parsed as they come; their raw columns are gathered (zero-copy)
    until a batch has ``batch_rows`` rows, then checked and finished at once."""
    cutter = LineCutter(source.name, bad, MAX_CSV_LINE)
    header = _CsvHeader(source.name)
    block_bytes = int(np.clip(batch_rows * BYTES_PER_ROW, MIN_BLOCK_BYTES, MAX_BLOCK_BYTES))
    chunks: Iterator[bytes] = source.blocks(block_bytes)
    if b"\r" in source.head and b"\n" not in source.head:  # classic Mac OS line ends
        chunks = (chunk.replace(b"\r", b"\n") for chunk in chunks)
    pending: list[Located] = []
    held = 0
    produced = False
    for block in cutter.cut(chunks):
        body = header.take(block)
        if body is None or not body.data:
            continue
        raw = read_delimited(body, header.source, bad, header.names or [], delimiter=header.delimiter)
        pending.append(raw)
        held += len(raw.where)
        if held >= batch_rows:
            produced = True
            yield to_tracks(_joined(pending), mapping, bad, default_track)
            pending, held = [], 0
    if header.names is None:
        raise InputError(f"{source.name}: empty file or empty header line")
    if pending or not produced:  # a header without rows: still check that its columns are usable
        yield to_tracks(_joined(pending) if pending else _no_rows(header), mapping, bad, default_track)


def _joined(parts: list[Located]) -> Located:
    """Raw columns of consecutive blocks as one (Arrow chunks: nothing is copied)."""
    if len(parts) == 1:
        return parts[0]
    first = parts[0]
    columns = {name: pa.chunked_array([c for p in parts for c in p.columns[name].chunks], first.columns[name].type)
               for name in first.columns}
    return Located(columns, np.concatenate([p.where for p in parts]), first.unit, first.source)


def _no_rows(header: _CsvHeader) -> Located:
    return Located({n: pa.chunked_array([], pa.string()) for n in header.names or []}, np.zeros(0, np.int64),
                   "line", header.source)
