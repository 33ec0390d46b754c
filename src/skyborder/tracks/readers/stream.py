"""The shape every incremental parser shares, so files, sockets and stdin use the same code.

A parser is fed raw chunks (bytes) as they arrive and returns the fixes completed so far as
dicts keyed by track-table column names; ``flush`` returns what remains at end of input.
Byte offsets / line numbers for BadInput reports are counted across chunks by the parser.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pandas as pd

from ...errors import BadInput
from .. import schema


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
    """Fix dicts -> a normalised track table (an empty table when there are none)."""
    if not rows:
        return schema.empty()
    return schema.normalize(pd.DataFrame.from_records(rows))


def parse_chunks(parser: StreamParser, chunks: Iterable[bytes]) -> pd.DataFrame:
    """Run a parser over an iterable of chunks (a file read in blocks) and return one table."""
    rows: list[dict] = []
    for chunk in chunks:
        rows.extend(parser.feed(chunk))
    rows.extend(parser.flush())
    return rows_to_table(rows)


def read_blocks(path: str, block_size: int = 1 << 20) -> Iterable[bytes]:
    """A file's bytes in blocks of ``block_size``."""
    with open(path, "rb") as handle:
        while block := handle.read(block_size):
            yield block
