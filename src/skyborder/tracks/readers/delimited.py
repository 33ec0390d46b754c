"""Delimited text (CSV, SBS) to raw string columns, with each row's physical line number.

Parsing is pyarrow's (vectorised, multi-threaded). Its input is always a :class:`LineBlock`
from :class:`~.stream.LineCutter`: no line in it is longer than the cutter's limit, which is
well below pyarrow's block size, so one huge line can never make pyarrow give up on the whole
block. Threads: pyarrow's reader is run multi-threaded only on input it cannot fail on (lines
checked, UTF-8 repaired); if it fails all the same, the block is parsed again single-threaded,
so that no pyarrow task is left running when the error reaches the command line (such a task
still running at interpreter exit aborts the process with ``terminate called without an
active exception``).
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ...errors import BadInput, InputError
from .columns import Located
from .stream import LineBlock

__all__ = ["BLOCK_BYTES", "first_line", "header_names", "read_delimited", "sniff_delimiter"]

BLOCK_BYTES = 1 << 20  # pyarrow's parsing block; every line given to it is far shorter


def first_line(data: bytes, limit: int = 1 << 16) -> bytes:
    """The bytes before the first line break (\\n, \\r or both, as pyarrow reads them)."""
    head = data[:limit]
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    return head[:min(ends)] if ends else head


def sniff_delimiter(header: bytes) -> str:
    """The most frequent of comma, semicolon and tab in the header line."""
    return max((",", ";", "\t"), key=lambda d: header.count(d.encode()))


def header_names(line: bytes, delimiter: str, source: str) -> list[str]:
    """Column names from a header line (a UTF-8 BOM is dropped)."""
    text = line.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="replace")
    try:
        names = next(csv.reader([text], delimiter=delimiter)) if text.strip() else []
    except csv.Error as err:
        raise InputError(f"{source}: unreadable header line ({err})") from None
    if not names:
        raise InputError(f"{source}: empty file or empty header line")
    return names


def _valid_utf8(data: bytes) -> bytes:
    """``data``, with invalid UTF-8 bytes replaced so that only their own rows fail."""
    if data.isascii():  # the common case, and much faster to check than a full decode
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace").encode("utf-8")


def read_delimited(block: LineBlock, source: str, bad: BadInput, names: Sequence[str],
                   delimiter: str = ",", quoted: bool = True,
                   silent_short: Callable[[str], bool] | None = None,
                   keep: Sequence[str] | None = None) -> Located:
    """Parse whole lines of delimited text (no header) into string columns ``names``.

    Rows with the wrong number of fields are reported with their line and skipped, except
    lines the cutter emptied (already reported) and those for which ``silent_short(text)`` is
    true (skipped quietly). ``keep`` limits the columns returned.
    """
    skipped: list[int] = []
    offset = block.first_line - 1

    def on_invalid(row) -> str:
        skipped.append(row.number)
        line = row.number + offset if row.number is not None else None
        if line is not None and line not in block.blanked and (silent_short is None or not silent_short(row.text)):
            bad.report(source, line, f"expected {row.expected_columns} fields, found {row.actual_columns}",
                       kind="wrong field count")
        return "skip"

    def parse(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(use_threads=threads, column_names=list(names), block_size=BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False,
                                             ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, include_columns=keep))

    data = _valid_utf8(block.data)
    try:
        try:
            table = parse(threads=True)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            table = None  # see the module docstring: fail (or succeed) single-threaded
        if table is None or skipped:  # row numbers are only known single-threaded
            skipped.clear()
            table = parse(threads=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise InputError(f"{source}: not readable as delimited text ({str(err).splitlines()[0]})") from None
    lines = np.setdiff1d(np.arange(1, 1 + table.num_rows + len(skipped)),
                         np.asarray(skipped, dtype=np.int64), assume_unique=True) + offset
    if block.blanked:  # an emptied long line reads as a row of nulls: it was reported already
        kept = ~np.isin(lines, np.fromiter(block.blanked, dtype=np.int64))
        table, lines = table.filter(pa.array(kept)), lines[kept]
    return Located({n: table.column(i) for i, n in enumerate(table.column_names)}, lines, "line", source)
