"""Byte sources: a file, ``-`` (standard input), a FIFO or bytes in memory, opened exactly once.

Every reader of tracks and zones gets its bytes from a :class:`Source`. It is opened once and
read once, front to back: the first bytes are *peeked* into a buffer (to tell the format) and
then handed out again as the start of the stream, so a pipe or a FIFO loses nothing and is
never opened twice. gzip input (recognised by its magic bytes, not its name) is decompressed
as it is read, in bounded pieces, so memory stays bounded whatever the expansion:

- a reader that streams (CSV, SBS, AVR, Beast) holds one block at a time;
- a reader that needs the whole document (JSON, XML) calls :meth:`Source.read_all` with its
  size limit, which stops decompressing as soon as the limit is passed;
- data that expands more than ``MAX_EXPANSION`` times beyond ``EXPANSION_FLOOR`` bytes is a
  decompression bomb (real track files compress 5-30 fold): reading stops there. With a
  ``BadInput`` the bomb is reported as one bad item and what was read before it is kept;
  without one it is an InputError.

Errors are :class:`~skyborder.errors.InputError` with the source's name.

Examples
--------
>>> import gzip
>>> source = Source.from_bytes(gzip.compress(b"time,lat,lon\\n1,2,3\\n"), "t.csv.gz")
>>> source.head[:12], source.compressed
(b'time,lat,lon', True)
>>> b"".join(source.blocks())
b'time,lat,lon\\n1,2,3\\n'
"""
from __future__ import annotations

import io
import os
import stat
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from .errors import BadInput, InputError

__all__ = ["EXPANSION_FLOOR", "HEAD_BYTES", "MAX_EXPANSION", "Source", "open_source"]

HEAD_BYTES = 64 * 1024      # what sniffing sees
READ_BYTES = 1 << 20        # compressed bytes read per call
PIECE_BYTES = 4 << 20       # largest decompressed piece produced at once
MAX_EXPANSION = 200         # decompressed / compressed beyond which gzip data is a bomb ...
EXPANSION_FLOOR = 1 << 30   # ... once more than this many bytes came out
GZIP_MAGIC = b"\x1f\x8b"


class Source:
    """One input, opened once; see the module docstring.

    Parameters
    ----------
    handle : binary file object
        Open for reading; closed by :meth:`close`.
    name : str
        How messages name the input (the path, ``-`` or a label).
    path : str or None
        The path when the input is a regular file or a folder (readers that need random
        access, such as Parquet, may open it themselves); None for pipes, FIFOs and bytes.
    folder : bool
        The input is a folder (of aircraft.json snapshots): no bytes, only ``path``.
    bad : BadInput, optional
        Receives a decompression bomb as one bad item (the stream then ends); without it a
        bomb raises InputError.
    """

    def __init__(self, handle: BinaryIO, name: str, path: str | None = None, folder: bool = False,
                 bad: BadInput | None = None) -> None:
        self.name = name
        self.path = path
        self.folder = folder
        self.bad = bad
        self._handle = handle
        self._buffer: list[bytes] = []
        self._consumed = False
        self._read_size = HEAD_BYTES  # what the peek reads; blocks() sets its own
        self.compressed = False
        self._pieces = self._decoded()
        self.head = self._peek(HEAD_BYTES)

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<bytes>", bad: BadInput | None = None) -> Source:
        """A source over bytes already in memory."""
        return cls(io.BytesIO(data), name, bad=bad)

    # -- reading ---------------------------------------------------------------------------

    def blocks(self, size: int = PIECE_BYTES) -> Iterator[bytes]:
        """The decompressed stream from its first byte, in blocks of about ``size`` bytes (the
        peeked head comes first as a block of its own; nothing is joined or copied).

        May be called once: the input is read as it goes.
        """
        if self._consumed:
            raise RuntimeError(f"{self.name}: the input was already read")
        self._consumed = True
        self._read_size = size
        buffered, self._buffer = self._buffer, []
        yield from buffered
        yield from self._pieces

    def read_all(self, limit: int) -> bytes:
        """The whole decompressed input; InputError if it is larger than ``limit`` bytes."""
        parts: list[bytes] = []
        total = 0
        for block in self.blocks():
            total += len(block)
            if total > limit:
                raise InputError(f"{self.name}: larger than the {_size(limit)} this format is read up to")
            parts.append(block)
        return b"".join(parts)

    def close(self) -> None:
        """Close the underlying handle (standard input is left open)."""
        if self._handle is not getattr(sys.stdin, "buffer", None):
            self._handle.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------

    def _peek(self, size: int) -> bytes:
        """Pull pieces into the buffer until ``size`` bytes are held or the input ends."""
        held = 0
        for piece in self._pieces:
            self._buffer.append(piece)
            held += len(piece)
            if held >= size:
                break
        return b"".join(self._buffer)[:size]

    def _raw(self) -> Iterator[bytes]:
        while True:
            try:
                chunk = self._handle.read(READ_BYTES if self.compressed else self._read_size)
            except OSError as err:
                raise InputError(f"{self.name}: cannot read ({err.strerror or err})") from None
            if not chunk:
                return
            yield chunk

    def _decoded(self) -> Iterator[bytes]:
        raw = self._raw()
        first = next(raw, b"")
        if not first.startswith(GZIP_MAGIC):
            if first:
                yield first
            yield from raw
            return
        self.compressed = True
        yield from _gunzip(_chain([first], raw), self.name, self.bad, lambda: min(self._read_size, PIECE_BYTES))


def _gunzip(chunks: Iterator[bytes], name: str, bad: BadInput | None,
            piece_size: Callable[[], int]) -> Iterator[bytes]:
    """Decompressed pieces of at most ``piece_size()`` bytes from gzip data (several members allowed)."""
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    taken = given = 0
    try:
        for chunk in chunks:
            taken += len(chunk)
            data = chunk
            while data:
                piece = decoder.decompress(data, piece_size())
                data = decoder.unconsumed_tail
                if decoder.eof:  # end of one gzip member: another may follow
                    data = decoder.unused_data + data
                    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    if data and not data.startswith(GZIP_MAGIC):
                        raise InputError(f"{name}: data after the end of the gzip stream")
                if piece:
                    given += len(piece)
                    if given > EXPANSION_FLOOR and given > MAX_EXPANSION * taken:
                        reason = (f"gzip data expands more than {MAX_EXPANSION}-fold ({_size(taken)} -> over "
                                  f"{_size(given)}): a decompression bomb; the rest is not read")
                        if bad is None:
                            raise InputError(f"{name}: {reason}")
                        bad.report(name, f"decompressed byte {given}", reason, kind="decompression bomb")
                        return
                    yield piece
        tail = decoder.flush()
        if tail:
            yield tail
    except zlib.error as err:
        raise InputError(f"{name}: broken gzip data ({err})") from None


def _chain(first: list[bytes], rest: Iterator[bytes]) -> Iterator[bytes]:
    yield from first
    yield from rest


def _size(n: int) -> str:
    return f"{n / (1 << 30):.1f} GB" if n >= 1 << 30 else f"{n >> 20} MB" if n >= 1 << 20 else f"{n} bytes"


def open_source(path: str | os.PathLike, bad: BadInput | None = None) -> Source:
    """Open ``path`` once: a file (also a FIFO or a device), a folder, or ``-`` for standard input.

    ``bad``: see :class:`Source`.

    Raises
    ------
    InputError
        When it cannot be opened (missing, no permission).
    """
    name = os.fspath(path)
    if name == "-":
        return Source(sys.stdin.buffer, "-", bad=bad)
    if os.path.isdir(name):
        return Source(io.BytesIO(b""), name, name, folder=True)
    try:
        handle = open(name, "rb")  # noqa: SIM115 - owned by the Source, closed by Source.close
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror or err})") from None
    try:
        regular = stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
        return Source(handle, name, name if regular else None, bad=bad)
    except BaseException:
        handle.close()
        raise
