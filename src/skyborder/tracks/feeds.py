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

A connection that delivers nothing for ``idle_timeout`` seconds (default 60) is dropped and
reconnected like any other drop: a server that accepts and never sends cannot hang the feed.
TCP keepalive is switched on (probes after ``KEEPALIVE_IDLE_S`` seconds of silence), so a peer
that vanished without closing is noticed by the operating system too.

Connection state: every change is recorded as a :class:`FeedState` (up or down, when, why):
``connected to HOST:PORT``; ``connection refused``, ``closed by the server``, ``no data for
60 s``, ``end of input`` ... A consumer such as ``skyborder watch`` either drains them with
``Feed.state_changes()`` (thread-safe: call it from any thread, e.g. after each batch) or
registers ``Feed.on_state(callback)``, called with each FeedState in the thread that iterates
the feed, as the change happens. A run of refused attempts is one "down" change, not one per
attempt. ``Feed.is_up`` is the current state (None before the first attempt).

Shutdown: set the ``stop`` event (from any thread), or give ``max_batches`` or ``timeout``
(seconds since the feed was opened). Pending fixes are flushed and yielded as a last batch.
With ``follow=True`` a file is read on as it grows (like ``tail -f``), until stopped.
"""
from __future__ import annotations

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
from .readers import registry
from .readers.stream import StreamParser, rows_to_table

__all__ = ["Backoff", "Feed", "FeedState", "FeedStats", "open_feed", "parser_factory", "sniff_format"]

ParserFactory = Callable[[str, BadInput], StreamParser]
_READ_SIZE = 1 << 16
KEEPALIVE_IDLE_S = 30     # TCP keepalive: first probe after this much silence, seconds
KEEPALIVE_INTERVAL_S = 10  # then one probe every this many seconds ...
KEEPALIVE_PROBES = 3       # ... and the connection is dead after this many unanswered


@dataclass(frozen=True)
class FeedState:
    """One change of a feed's connection state.

    Attributes
    ----------
    up : bool
        Connected (or, for a file, open and being read).
    time : float
        When the change happened, epoch seconds (UTC).
    reason : str
        Why, in a few words (``"connected to 127.0.0.1:30003"``, ``"no data for 60 s"``).
    """

    up: bool
    time: float
    reason: str

    @property
    def state(self) -> str:
        """``"up"`` or ``"down"``."""
        return "up" if self.up else "down"


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


def _feed_names() -> list[str]:
    return sorted(f.name for f in registry.feed_formats())


def parser_factory(fmt: str) -> ParserFactory:
    """The StreamParser constructor for a format name (``sbs``, ``avr``, ``beast``)."""
    try:
        parser_class = registry.lookup(fmt).parser_class()
    except InputError:
        raise InputError(f"unknown feed format {fmt!r} (known: {', '.join(_feed_names())})") from None
    return lambda source, bad: parser_class(source=source, bad=bad)


def sniff_format(head: bytes) -> str:
    """Guess a feed format from its first bytes (the readers' own sniffer, limited to feeds)."""
    fmt = registry.sniff_bytes(head)
    if fmt not in _feed_names():
        raise InputError("cannot tell the feed format from its first bytes: give format="
                         + ", ".join(repr(n) for n in _feed_names()))
    return fmt


class Feed:
    """An iterable of track-table batches from one feed; see the module docstring."""

    def __init__(self, url: str, *, format: str | None = None, batch_fixes: int = 1000,
                 batch_seconds: float = 1.0, follow: bool = False,
                 stop: threading.Event | None = None, max_batches: int | None = None,
                 timeout: float | None = None, backoff: Backoff = Backoff(),
                 max_retries: int | None = None, connect_timeout: float = 5.0,
                 poll_seconds: float = 0.1, bad: BadInput | None = None,
                 factory: ParserFactory | None = None, seed: int | None = None,
                 idle_timeout: float | None = 60.0, keepalive: bool = True) -> None:
        if batch_fixes < 1 or batch_seconds <= 0 or poll_seconds <= 0:
            raise ValueError("batch_fixes must be >= 1, batch_seconds and poll_seconds > 0")
        if idle_timeout is not None and idle_timeout <= 0:
            raise ValueError("idle_timeout must be > 0 (or None: never)")
        self.url = url
        self.scheme, self.address = _split_url(url)
        self.format = registry.schemes()[self.scheme].name if self.scheme else format
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
        self.idle_timeout = idle_timeout
        self.keepalive = keepalive
        self._factory = factory
        self._rng = random.Random(seed)
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._states: deque[FeedState] = deque(maxlen=10_000)
        self._states_lock = threading.Lock()
        self._callbacks: list[Callable[[FeedState], None]] = []
        self.is_up: bool | None = None

    # ------------------------------------------------------------------ connection state
    def state_changes(self) -> list[FeedState]:
        """The state changes since the last call, oldest first (thread-safe)."""
        with self._states_lock:
            changes = list(self._states)
            self._states.clear()
        return changes

    def on_state(self, callback: Callable[[FeedState], None]) -> None:
        """Call ``callback(FeedState)`` on every state change, in the iterating thread."""
        self._callbacks.append(callback)

    def _set_state(self, up: bool, reason: str) -> None:
        if self.is_up is up and not up:
            return  # still down: one change for a run of failures
        self.is_up = up
        change = FeedState(up, time.time(), reason)
        with self._states_lock:
            self._states.append(change)
        for callback in self._callbacks:
            callback(change)

    # ------------------------------------------------------------------ batching
    def __iter__(self) -> Iterator[pd.DataFrame]:
        rows: list[dict] = []
        last_batch = time.monotonic()
        for parser, chunk in self._parsed_chunks():
            if parser is None:                    # waiting to reconnect: an idle tick
                pass
            elif chunk is None:                   # a parser is finished: connection dropped or end
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

    def _new_parser(self, fmt: str | None) -> StreamParser:
        """A fresh parser: the given ``factory`` if any, else the one registered for ``fmt``."""
        factory = self._factory or parser_factory(fmt or "")
        return factory(self.url, self.bad)

    # ------------------------------------------------------------------ TCP
    def _tcp_chunks(self) -> Iterator[tuple[StreamParser | None, bytes | None]]:
        """Connect, receive, and after a refusal or a drop wait ``backoff.delay(attempt)`` and
        retry. ``attempt`` grows with every wait and is reset by a connection that delivered
        data, so a server that accepts and hangs up at once is also backed off."""
        attempt = refused_in_row = 0
        assert isinstance(self.address, tuple) and self.format is not None
        host, port = self.address
        while not self._done():
            try:
                conn = socket.create_connection((host, port), timeout=self.connect_timeout)
            except OSError as error:
                self.stats.refused += 1
                refused_in_row += 1
                self._set_state(False, f"cannot connect: {error.strerror or error}")
                if self.max_retries is not None and refused_in_row > self.max_retries:
                    raise InputError(f"cannot connect to {self.url}: {error}") from None
            else:
                refused_in_row = 0
                self.stats.connections += 1
                self.stats.reconnects += self.stats.connections > 1
                parser = self._new_parser(self.format)
                received = self.stats.bytes
                self._set_state(True, f"connected to {host}:{port}")
                ending: list[str] = []
                with conn:
                    if self.keepalive:
                        _keepalive(conn)
                    conn.settimeout(self.poll_seconds)
                    yield from self._receive(conn, parser, ending)
                yield parser, None
                if self._done():
                    self._set_state(False, "feed stopped")
                    return
                self._set_state(False, ending[0] if ending else "connection ended")
                self.stats.drops += 1
                if self.stats.bytes > received:
                    attempt = 0
            yield from self._idle_wait(self.backoff.delay(attempt, self._rng))
            attempt += 1

    def _receive(self, conn: socket.socket, parser: StreamParser,
                 ending: list[str]) -> Iterator[tuple[StreamParser, bytes]]:
        """Chunks from one connection until it ends, fails, idles out or the feed is done; why
        it ended is appended to ``ending``."""
        last_data = time.monotonic()
        while not self._done():
            try:
                chunk = conn.recv(_READ_SIZE)
            except TimeoutError:
                if self.idle_timeout is not None and time.monotonic() - last_data >= self.idle_timeout:
                    ending.append(f"no data for {self.idle_timeout:g} s")
                    return
                yield parser, b""
                continue
            except OSError as error:
                ending.append(f"connection failed: {error.strerror or error}")
                return
            if not chunk:
                ending.append("closed by the server")
                return
            last_data = time.monotonic()
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
        assert isinstance(self.address, str)
        if self.address == "-":
            fd, handle = sys.stdin.buffer.fileno(), None
        else:
            try:
                handle = open(self.address, "rb")  # noqa: SIM115 - closed in the finally below
            except OSError as error:
                raise InputError(f"cannot read {self.address}: {error.strerror}") from None
            fd = handle.fileno()
        self._set_state(True, f"reading {self.address}")
        try:
            parser = self._new_parser(self.format) if self.format or self._factory else None
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
            self._set_state(False, "end of input")
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


def _keepalive(conn: socket.socket) -> None:
    """Switch on TCP keepalive with short timers where the platform allows setting them."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", KEEPALIVE_IDLE_S), ("TCP_KEEPINTVL", KEEPALIVE_INTERVAL_S),
                        ("TCP_KEEPCNT", KEEPALIVE_PROBES)):
        option = getattr(socket, name, None)
        if option is not None:
            conn.setsockopt(socket.IPPROTO_TCP, option, value)


def _split_url(url: str) -> tuple[str | None, tuple[str, int] | str]:
    """(scheme, (host, port)) for a network URL, (None, path) for a file path or ``-``."""
    if "://" not in url:
        return None, url
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in registry.schemes():
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
