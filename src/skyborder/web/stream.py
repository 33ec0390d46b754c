"""The live push: one server-sent-events (SSE) stream per client, fed by a hub.

Two kinds of message go out:

- ``aircraft`` frames (the whole live picture, once a second): encoded to JSON **once** per
  frame and the same bytes handed to every client. A client only ever gets the newest frame:
  if it reads slowly it skips frames instead of queueing them, so no client can fall behind
  by more than one frame and the server's memory does not grow with slow readers;
- events (``warning``, ``warning_cleared``, ``passage_opened``, ``passage_closed``,
  ``feed_down``, ``feed_up``, ``acknowledged``): queued per client in a bounded queue; when a
  client's queue overflows the oldest events are dropped and the client is sent ``resync``
  (the page then re-reads the lists through the REST API).

``Hub.publish_event`` may be called from any thread (the watch runs in its own); everything
else runs on the server's event loop. Events from other threads wait in one bounded hand-over
queue (``EVENT_BACKLOG``) that the loop empties in one go: a burst from the watch never grows the
loop's work without bound; when it overflows, the oldest events are dropped and every client is
sent ``resync``, as for a slow client.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .model import AIRCRAFT_COLUMNS, FLOAT_COLUMNS, TEXT_COLUMNS

__all__ = ["Frame", "Hub", "encode_aircraft", "sse_message"]

HEARTBEAT_S = 15.0
EVENT_BACKLOG = 512
# decimals sent per float column: ~1 m in position, 1 m in altitude, 0.1 in the rest
DECIMALS = {"lat": 5, "lon": 5, "alt_m": 0, "speed_mps": 1, "track_deg": 1, "vrate_mps": 1, "age_s": 1}


def _float_list(values: Any, decimals: int) -> list[float | None]:
    """Rounded floats with NaN/inf as None (JSON null)."""
    array = np.round(np.asarray(values, dtype=float), decimals)
    return [x if math.isfinite(x) else None for x in array.tolist()]


def encode_aircraft(table: pd.DataFrame, now_s: float, status: dict[str, Any]) -> bytes:
    """The aircraft frame as compact column-wise JSON (UTF-8).

    ``{"time": now_s, "count": n, "status": {...}, "columns": {name: [values...]}}`` with every
    name of ``model.AIRCRAFT_COLUMNS``; a column missing from ``table`` is sent empty ('' for
    text, null for numbers, false for ``military``).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = encode_aircraft(pd.DataFrame({"icao24": ["4b8e21"], "lat": [36.2], "lon": [35.95]}),
    ...                         1.5, {"feed": "up"})
    >>> import json; data = json.loads(frame)
    >>> data["count"], data["columns"]["icao24"], data["columns"]["alt_m"], data["columns"]["military"]
    (1, ['4b8e21'], [None], [False])
    """
    n = len(table)
    columns: dict[str, list] = {}
    for name in AIRCRAFT_COLUMNS:
        present = name in table.columns
        if name in FLOAT_COLUMNS:
            columns[name] = _float_list(table[name] if present else np.full(n, np.nan), DECIMALS[name])
        elif name in TEXT_COLUMNS:
            columns[name] = table[name].fillna("").astype(str).tolist() if present else [""] * n
        else:  # military
            columns[name] = table[name].fillna(False).astype(bool).tolist() if present else [False] * n
    body = {"time": round(now_s, 3), "count": n, "status": status, "columns": columns}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def sse_message(kind: str, data: bytes) -> bytes:
    """One SSE message: ``event: kind`` and the JSON (which has no newline) as its data."""
    return b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n"


@dataclass
class Frame:
    """The newest aircraft frame: its number, the JSON, and the same wrapped as an SSE message."""

    seq: int = 0
    json: bytes = b'{"time":0,"count":0,"status":{},"columns":{}}'
    message: bytes = b""


@dataclass(eq=False)
class _Client:
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    events: deque = field(default_factory=lambda: deque(maxlen=EVENT_BACKLOG))
    overflowed: bool = False
    frame_seq: int = 0


class Hub:
    """Fan-out of frames and events to the connected SSE clients (see the module docstring).

    Parameters
    ----------
    max_clients : int
        Streams allowed at once; a client beyond it is refused (HTTP 503).
    """

    def __init__(self, max_clients: int = 100):
        self.max_clients = max_clients
        self.frame = Frame()
        self._clients: set[_Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.events_published = 0
        self.events_dropped = 0
        self._handover: deque[bytes] = deque()
        self._handover_lock = threading.Lock()
        self._handover_overflowed = False
        self._drain_scheduled = False

    @property
    def clients(self) -> int:
        return len(self._clients)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the server's event loop (done when the app starts)."""
        self._loop = loop

    def publish_frame(self, data: bytes) -> None:
        """Make ``data`` (an encoded aircraft frame) the newest frame and wake every client.
        Call on the event loop."""
        self.frame = Frame(self.frame.seq + 1, data, sse_message("aircraft", data))
        for client in self._clients:
            client.wake.set()

    def publish_event(self, event: dict[str, Any]) -> None:
        """Queue an event (a JSON-able dict with ``event``) for every client; thread-safe."""
        data = json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=str).encode()
        kind = str(event.get("event", "event"))
        message = sse_message(kind if kind.isidentifier() else "event", data)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with self._handover_lock:
            if len(self._handover) >= EVENT_BACKLOG:
                self._handover.popleft()
                self._handover_overflowed = True
                self.events_dropped += 1
            self._handover.append(message)
            if self._drain_scheduled:
                return
            self._drain_scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        """On the loop: hand the waiting events to the clients (a ``resync`` first if some were lost)."""
        with self._handover_lock:
            messages, self._handover = self._handover, deque()
            overflowed, self._handover_overflowed = self._handover_overflowed, False
            self._drain_scheduled = False
        if overflowed:
            for client in self._clients:
                client.overflowed = True
                client.wake.set()
        for message in messages:
            self._deliver(message)

    def _deliver(self, message: bytes) -> None:
        self.events_published += 1
        for client in self._clients:
            if len(client.events) == client.events.maxlen:
                client.overflowed = True
                self.events_dropped += 1
            client.events.append(message)
            client.wake.set()

    async def stream(self, first_frame: bool = True) -> AsyncIterator[bytes]:
        """The SSE byte stream of one client, until it disconnects (the server cancels it)."""
        if len(self._clients) >= self.max_clients:
            raise OverflowError("too many live clients")
        client = _Client()
        self._clients.add(client)
        try:
            yield b"retry: 2000\n\n"
            if first_frame and self.frame.seq:
                client.frame_seq = self.frame.seq
                yield self.frame.message
            while True:
                try:
                    await asyncio.wait_for(client.wake.wait(), HEARTBEAT_S)
                except TimeoutError:
                    yield b": heartbeat " + str(int(time.time())).encode() + b"\n\n"
                    continue
                client.wake.clear()
                if client.overflowed:
                    client.overflowed = False
                    client.events.clear()
                    yield sse_message("resync", b"{}")
                while client.events:
                    yield client.events.popleft()
                if client.frame_seq != self.frame.seq:
                    client.frame_seq = self.frame.seq
                    yield self.frame.message
        finally:
            self._clients.discard(client)
