"""Live track feeds: a TCP stream, a (growing) file or stdin, delivered as track-table batches.

``open_feed(url)`` accepts

* ``sbs://HOST:PORT`` — SBS-1 / BaseStation text (e.g. dump1090 ``--net-sbs-port``),
* ``beast://HOST:PORT`` — Beast binary (``--net-bo-port``),
* ``raw://HOST:PORT`` or ``avr://HOST:PORT`` — AVR text (``--net-ro-port``),
* a file path, or ``-`` for standard input (format given by ``format=`` or sniffed from the
  first bytes).

and returns a ``Feed``: iterate it for ``pandas.DataFrame`` batches in the track-table schema,
one every ``batch_fixes`` fixes or ``batch_seconds`` seconds, whichever comes first (a quiet
feed yields nothing). Bytes go through the incremental parsers of ``tracks.readers`` (the
``StreamParser`` protocol); malformed lines/frames are reported to ``Feed.bad`` and skipped.

A TCP feed that refuses, drops or ends is reconnected after an exponential backoff delay
(``Backoff``: doubling from ``initial`` up to ``maximum`` seconds, each delay shortened by a
random fraction up to ``jitter`` so that many clients do not reconnect in step). A new parser
is started for every connection: a line or frame cut by the drop is reported as bad, and no
state leaks from one connection to the next. ``Feed.stats`` counts connections, reconnects,
refused attempts, bytes and fixes.

Shutdown: set the ``stop`` event (from any thread), or give ``max_batches`` or ``timeout``
(seconds since the feed was opened). Pending fixes are flushed and yielded as a last batch.
With ``follow=True`` a file is read on as it grows (like ``tail -f``), until stopped.
"""
from __future__ import annotations

import importlib
import os
import random
import select
import socket
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pandas as pd

from ..errors import BadInput, InputError
from .readers.sniff import sniff_bytes
from .readers.stream import StreamParser, rows_to_table

ParserFactory = Callable[[str, BadInput], StreamParser]

# format -> (module, class) of its StreamParser; imported when first used
PARSERS: dict[str, tuple[str, str]] = {
    "sbs": ("skyborder.tracks.readers.sbs", "SbsParser"),
    "avr": ("skyborder.tracks.readers.modes", "AvrParser"),
    "beast": ("skyborder.tracks.readers.modes", "BeastParser"),
}
SCHEMES = {"sbs": "sbs", "beast": "beast", "raw": "avr", "avr": "avr"}
_READ_SIZE = 1 << 16


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays in seconds: ``initial * factor**attempt`` capped at ``maximum``, then
    multiplied by a uniform random factor in ``[1 - jitter, 1]``."""

    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random) -> float:
        """The wait before reconnect attempt ``attempt`` (0 for the first retry), in seconds."""
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        return base * (1.0 - self.jitter * rng.random())


@dataclass
class FeedStats:
    """Counters of a running feed (bad lines/frames are in ``Feed.bad``)."""

    connections: int = 0        # successful TCP connections, the first included
    reconnects: int = 0         # successful connections after the first
    refused: int = 0            # failed connection attempts (refused, unreachable, timed out)
    drops: int = 0              # connections that ended or failed after being established
    bytes: int = 0
    fixes: int = 0
    batches: int = 0
    waits: deque = field(default_factory=lambda: deque(maxlen=100))  # last backoff delays, s


def parser_factory(fmt: str) -> ParserFactory:
    """The StreamParser constructor for a format name (``sbs``, ``avr``, ``beast``)."""
    if fmt not in PARSERS:
        raise InputError(f"unknown feed format {fmt!r} (known: {', '.join(sorted(PARSERS))})")
    module_name, class_name = PARSERS[fmt]
    try:
        parser_class = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as error:
        raise InputError(f"the {fmt} parser is not available ({error})") from None
    return lambda source, bad: parser_class(source=source, bad=bad)


def sniff_format(head: bytes) -> str:
    """Guess a feed format from its first bytes (the readers' own sniffer, limited to feeds)."""
    fmt = sniff_bytes(head)
    if fmt not in ("sbs", "avr", "beast"):
        raise InputError("cannot tell the feed format from its first bytes: give format='sbs', 'avr' or 'beast'")
    return fmt


class Feed:
    """An iterable of track-table batches from one feed; see the module docstring."""

    def __init__(self, url: str, *, format: str | None = None, batch_fixes: int = 1000,
                 batch_seconds: float = 1.0, follow: bool = False,
                 stop: threading.Event | None = None, max_batches: int | None = None,
                 timeout: float | None = None, backoff: Backoff = Backoff(),
                 max_retries: int | None = None, connect_timeout: float = 5.0,
                 poll_seconds: float = 0.1, bad: BadInput | None = None,
                 factory: ParserFactory | None = None, seed: int | None = None) -> None:
        if batch_fixes < 1 or batch_seconds <= 0 or poll_seconds <= 0:
            raise ValueError("batch_fixes must be >= 1, batch_seconds and poll_seconds > 0")
        self.url = url
        self.scheme, self.address = _split_url(url)
        self.format = SCHEMES[self.scheme] if self.scheme else format
        self.batch_fixes = batch_fixes
        self.batch_seconds = batch_seconds
        self.follow = follow
        self.stop = stop or threading.Event()
        self.max_batches = max_batches
        self.backoff = backoff
        self.max_retries = max_retries
        self.connect_timeout = connect_timeout
        self.poll_seconds = poll_seconds
        self.bad = bad if bad is not None else BadInput()
        self.stats = FeedStats()
        self._factory = factory
        self._rng = random.Random(seed)
        self._deadline = None if timeout is None else time.monotonic() + timeout

    # ------------------------------------------------------------------ batching
    def __iter__(self) -> Iterator[pd.DataFrame]:
        rows: list[dict] = []
        last_batch = time.monotonic()
        for parser, chunk in self._parsed_chunks():
            if chunk is None:                     # a parser is finished: connection dropped or end
                rows.extend(parser.flush())
            elif chunk:
                rows.extend(parser.feed(chunk))
            now = time.monotonic()
            if not rows:
                last_batch = now                  # the batch clock starts with its first fix
                continue
            while len(rows) >= self.batch_fixes or (rows and now - last_batch >= self.batch_seconds):
                batch, rows = rows[:self.batch_fixes], rows[self.batch_fixes:]
                yield self._batch(batch)
                last_batch = now
                if self._limit_reached():
                    return
        while rows and not self._limit_reached():   # stopped or ended: what is left
            batch, rows = rows[:self.batch_fixes], rows[self.batch_fixes:]
            yield self._batch(batch)

    def _batch(self, rows: list[dict]) -> pd.DataFrame:
        self.stats.fixes += len(rows)
        self.stats.batches += 1
        return rows_to_table(rows)

    def _limit_reached(self) -> bool:
        return self.max_batches is not None and self.stats.batches >= self.max_batches

    def _done(self) -> bool:
        """True when the feed should end: stopped, timed out or enough batches."""
        if self._limit_reached() or self.stop.is_set():
            return True
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _parsed_chunks(self) -> Iterator[tuple[StreamParser | None, bytes | None]]:
        """(parser, chunk) pairs: b"" is an idle tick (parser may be None while waiting to
        reconnect), a None chunk ends that parser (flush it)."""
        if self.scheme:
            yield from self._tcp_chunks()
        else:
            yield from self._local_chunks()

    def _new_parser(self, fmt: str) -> StreamParser:
        """A fresh parser: the given ``factory`` if any, else the one registered for ``fmt``."""
        return (self._factory or parser_factory(fmt))(self.url, self.bad)

    # ------------------------------------------------------------------ TCP
    def _tcp_chunks(self) -> Iterator[tuple[StreamParser | None, bytes | None]]:
        """Connect, receive, and after a refusal or a drop wait ``backoff.delay(attempt)`` and
        retry. ``attempt`` grows with every wait and is reset by a connection that delivered
        data, so a server that accepts and hangs up at once is also backed off."""
        attempt = refused_in_row = 0
        while not self._done():
            try:
                conn = socket.create_connection(self.address, timeout=self.connect_timeout)
            except OSError as error:
                self.stats.refused += 1
                refused_in_row += 1
                if self.max_retries is not None and refused_in_row > self.max_retries:
                    raise InputError(f"cannot connect to {self.url}: {error}") from None
            else:
                refused_in_row = 0
                self.stats.connections += 1
                self.stats.reconnects += self.stats.connections > 1
                parser = self._new_parser(self.format)
                received = self.stats.bytes
                with conn:
                    conn.settimeout(self.poll_seconds)
                    yield from self._receive(conn, parser)
                yield parser, None
                if self._done():
                    return
                self.stats.drops += 1
                if self.stats.bytes > received:
                    attempt = 0
            yield from self._idle_wait(self.backoff.delay(attempt, self._rng))
            attempt += 1

    def _receive(self, conn: socket.socket, parser: StreamParser) -> Iterator[tuple[StreamParser, bytes]]:
        """Chunks from one connection until it ends, fails or the feed is done."""
        while not self._done():
            try:
                chunk = conn.recv(_READ_SIZE)
            except TimeoutError:
                yield parser, b""
                continue
            except OSError:
                return
            if not chunk:
                return
            self.stats.bytes += len(chunk)
            yield parser, chunk

    def _idle_wait(self, seconds: float) -> Iterator[tuple[None, bytes]]:
        """Sleep ``seconds`` in poll-sized steps, yielding idle ticks, unless the feed is done."""
        self.stats.waits.append(seconds)
        end = time.monotonic() + seconds
        while not self._done() and (left := end - time.monotonic()) > 0:
            self.stop.wait(min(left, self.poll_seconds))
            yield None, b""

    # ------------------------------------------------------------------ files and stdin
    def _local_chunks(self) -> Iterator[tuple[StreamParser, bytes | None]]:
        if self.address == "-":
            fd, handle = sys.stdin.buffer.fileno(), None
        else:
            try:
                handle = open(self.address, "rb")  # noqa: SIM115 - closed in the finally below
            except OSError as error:
                raise InputError(f"cannot read {self.address}: {error.strerror}") from None
            fd = handle.fileno()
        try:
            known = self.format or self._factory
            parser = self._new_parser(self.format) if known else None
            for chunk in self._read_fd(fd, tail=self.follow and handle is not None):
                if parser is None:
                    if not chunk:
                        continue
                    parser = self._new_parser(sniff_format(chunk))
                self.stats.bytes += len(chunk)
                yield parser, chunk
            if parser is not None:
                yield parser, None
        finally:
            if handle is not None:
                handle.close()

    def _read_fd(self, fd: int, tail: bool) -> Iterator[bytes]:
        """Chunks of a file descriptor; b"" while waiting. A regular file ends at its end unless
        ``tail``; a pipe ends when its writer closes it."""
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        while not self._done():
            if not regular:
                ready, _, _ = select.select([fd], [], [], self.poll_seconds)
                if not ready:
                    yield b""
                    continue
            chunk = os.read(fd, _READ_SIZE)
            if chunk:
                yield chunk
            elif not (regular and tail):
                return
            else:
                self.stop.wait(self.poll_seconds)
                yield b""


def _split_url(url: str) -> tuple[str | None, tuple[str, int] | str]:
    """(scheme, (host, port)) for a network URL, (None, path) for a file path or ``-``."""
    if "://" not in url:
        return None, url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InputError(f"unknown feed scheme {scheme!r} in {url!r} (use sbs://, beast://, raw://)")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise InputError(f"feed URL {url!r} needs HOST:PORT, e.g. {scheme}://127.0.0.1:30003")
    return scheme, (parts.hostname, port)


def open_feed(url: str, **options) -> Feed:
    """Open a feed (see ``Feed`` and the module docstring for URLs and options)."""
    return Feed(url, **options)
