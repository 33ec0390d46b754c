"""What every incremental parser shares: the parser protocol and cutting bytes into lines.

A :class:`StreamParser` is fed raw chunks (bytes, any split) as they arrive and returns the
fixes completed so far as dicts keyed by track-table column names; ``flush`` returns what
remains at end of input. The same parsers read files, sockets and standard input.

:class:`LineCutter` turns chunks into blocks of whole lines and keeps line numbers exact: a
line longer than its limit is reported once, as one bad line, and replaced by an empty line,
so it neither takes the rest of the input with it nor shifts the numbers of later lines.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from ...errors import BadInput
from .. import schema

__all__ = ["MAX_LINE_BYTES", "LineBlock", "LineCutter", "StreamParser", "parse_chunks", "rows_to_table"]

MAX_LINE_BYTES = 64 * 1024  # a track-file line is < 1 kB; anything this long is not a line


class StreamParser(Protocol):
    source: str
    bad: BadInput

    def feed(self, chunk: bytes) -> list[dict]:
        """Parse a chunk (any split of the input); return the fixes completed by it."""
        ...

    def flush(self) -> list[dict]:
        """End of input: return fixes still pending."""
        ...


def rows_to_table(rows: list[dict]) -> pd.DataFrame:
    """Fix dicts -> a normalised track table (an empty table when there are none); a ``where``
    key (a parser's location of the fix) is dropped."""
    if not rows:
        return schema.empty()
    frame = pd.DataFrame.from_records(rows)
    return schema.normalize(frame.drop(columns="where", errors="ignore"))


def parse_chunks(parser: StreamParser, chunks: Iterable[bytes]) -> pd.DataFrame:
    """Run a parser over chunks (a file read in blocks, a recording) and return one table."""
    rows: list[dict] = []
    for chunk in chunks:
        rows.extend(parser.feed(chunk))
    rows.extend(parser.flush())
    return rows_to_table(rows)


@dataclass(frozen=True)
class LineBlock:
    """Whole lines: ``data`` (each line ends with ``\\n`` except perhaps the very last of the
    input), the number of its first line (1-based) and the numbers of lines that were too long
    and are now empty in ``data``."""

    data: bytes
    first_line: int
    blanked: frozenset[int] = field(default_factory=frozenset)

    @property
    def lines(self) -> int:
        """How many lines the block holds."""
        return self.data.count(b"\n") + (not self.data.endswith(b"\n"))


class LineCutter:
    """Chunks in, blocks of whole lines out; see the module docstring.

    Parameters
    ----------
    source : str
        Names the input in reports.
    bad : BadInput
        Receives one report per line longer than ``max_line`` bytes (kind ``line too long``).
    max_line : int
        The longest line kept, in bytes (line break excluded).
    first_line : int
        The number of the first line fed.

    Examples
    --------
    >>> cutter = LineCutter("f", bad := BadInput(), max_line=4)
    >>> cutter.feed(b"ab\\ncdefgh")
    LineBlock(data=b'ab\\n', first_line=1, blanked=frozenset())
    >>> cutter.feed(b"ij\\nkl")
    LineBlock(data=b'\\n', first_line=2, blanked=frozenset({2}))
    >>> cutter.flush(), bad.messages
    (LineBlock(data=b'kl', first_line=3, blanked=frozenset()), ['f:line 2: line longer than 4 bytes'])
    """

    def __init__(self, source: str, bad: BadInput, max_line: int = MAX_LINE_BYTES, first_line: int = 1) -> None:
        self.source = source
        self.bad = bad
        self.max_line = max_line
        self.next_line = first_line   # number of the line that starts at the front of _pending
        self._pending = b""
        self._skipping = False        # inside a long line already reported: drop to its end

    def feed(self, chunk: bytes) -> LineBlock | None:
        """The complete lines ``chunk`` finishes (None when it finishes none).

        The block is put together with one copy of the chunk at most (none when the chunk is
        whole lines and nothing is pending).
        """
        blanked: set[int] = set()
        start = 0
        if self._skipping:  # nothing is pending while a long line is skipped
            end = chunk.find(b"\n")
            if end < 0:
                return None
            self._skipping = False
            start = end  # keep the line break: the long line becomes an empty line
            blanked.add(self.next_line)
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            self._pending += chunk
            self._check_pending()
            return None
        if self._pending or start or cut < len(chunk):
            body = b"".join((self._pending, memoryview(chunk)[start:cut]))
        else:
            body = chunk
        self._pending = chunk[cut:]
        first = self.next_line
        body = self._blank_long_lines(body, first, blanked)
        self.next_line = first + body.count(b"\n")
        self._check_pending()
        return LineBlock(body, first, frozenset(blanked))

    def cut(self, chunks: Iterable[bytes]) -> Iterator[LineBlock]:
        """Every block of whole lines of ``chunks``, the last unterminated line included."""
        for chunk in chunks:
            block = self.feed(chunk)
            if block is not None:
                yield block
        tail = self.flush()
        if tail is not None:
            yield tail

    def flush(self) -> LineBlock | None:
        """The last line when the input does not end with a line break."""
        data, self._pending = self._pending, b""
        if self._skipping or not data:
            self._skipping = False
            return None
        first = self.next_line
        self.next_line += 1
        return LineBlock(data, first)

    def _check_pending(self) -> None:
        """An unfinished line already over the limit is reported now and dropped as it comes."""
        if len(self._pending) > self.max_line:
            self._report(self.next_line)
            self._pending = b""
            self._skipping = True

    def _report(self, line: int) -> None:
        self.bad.report(self.source, line, f"line longer than {self.max_line} bytes", kind="line too long")

    def _blank_long_lines(self, body: bytes, first: int, blanked: set[int]) -> bytes:
        """``body`` with every line longer than max_line emptied (reported once each).

        Each step looks for the last line break within max_line + 1 bytes, so a block is
        checked in about len(body) / max_line steps.
        """
        limit = self.max_line
        if len(body) <= limit:
            return body
        pos, parts, start = 0, [], 0
        while len(body) - pos > limit + 1:
            found = body.rfind(b"\n", pos, pos + limit + 1)
            if found >= 0:
                pos = found + 1
                continue
            end = body.find(b"\n", pos)  # a line of more than max_line bytes starts at pos
            line = first + body.count(b"\n", 0, pos)
            if line not in blanked:
                self._report(line)
                blanked.add(line)
            parts.append(body[start:pos])
            start = pos = end
        parts.append(body[start:])
        return b"".join(parts)
