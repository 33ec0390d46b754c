"""``Watch``: a feed, the streaming passage detector, the warning engine, the register and the
event stream, composed.

Two threads: a reader iterates the feed and puts its batches on a bounded queue (for a network
feed, when the queue is full the batch is dropped and counted: a burst never grows memory or
stalls the socket; a file or standard input waits instead, so a recording is never cut); the
caller's thread takes what is waiting off the queue, joined into one batch of at most
``coalesce_fixes`` fixes (a quiet feed is processed batch by batch, with the least delay; a busy one
in larger batches, which cost far less per fix), and, for each: passages opened and closed
(``detector``), warnings raised, repeated and cleared (``warn``), one register transaction for
all of it, then the events (only after the commit). About once a second it also gives up
aircraft silent for ``silence_s`` (their open passages close as ``lost``, their alerts clear),
stores the tracks that followed closed passages, applies acknowledgements made in the register
(by the web page), writes the aircraft seen and the status line, and publishes the live picture
(``picture.LivePicture``) when one is attached (``watch --serve``).

``stop`` (a ``threading.Event``; the CLI sets it on SIGTERM/SIGINT) ends the run: the queue is
drained, open passages are written as ``open_end``, the run is closed in the register.
"""
from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

import pandas as pd

from ..airspace.index import AirspaceIndex
from ..detection.result import passage_path
from ..detection.stream import DetectorEvents, StreamDetector
from ..errors import RegisterError
from ..register.store import Register
from ..tracks import schema
from ..tracks.nationality import annotate
from ..warn.engine import WarningEngine, WarningEvents
from ..warn.policy import Policy
from .events import EventWriter
from .picture import LivePicture
from .tracklog import TrackLog

__all__ = ["Watch", "WatchOptions", "WatchStats"]


@dataclass
class WatchOptions:
    """Tunables of a watch (seconds, metres)."""

    silence_s: float = 120.0        # an aircraft silent this long is given up (passages lost, alerts cleared)
    max_gap_s: float = 60.0         # detect's max_gap_s
    near_m: float = 20_000.0        # detect's near_m
    context_s: float = 120.0        # track kept before a passage's entry and after its exit
    queue_batches: int = 256        # bounded queue between the reader and the processing
    coalesce_fixes: int = 20_000    # batches waiting on the queue are processed together up to this many fixes
    housekeeping_s: float = 1.0     # expiry, acknowledgements, aircraft seen, status line
    status_every_s: float = 2.0     # 0: no status line
    aircraft_every_s: float = 10.0  # how often the aircraft seen are written
    passages: bool = True           # False: warnings only, no passage detection


@dataclass
class WatchStats:
    """Counters of a run."""

    batches: int = 0
    fixes: int = 0
    dropped_batches: int = 0
    dropped_fixes: int = 0
    passages_opened: int = 0
    passages_closed: int = 0
    warnings: int = 0
    cleared: int = 0
    events: int = 0
    feed_state: str = "starting"
    started: float = field(default_factory=time.monotonic)


class Watch:
    """A live watch over one feed (see the module docstring).

    Parameters
    ----------
    feed : iterable of DataFrame
        Track-table batches, e.g. ``tracks.feeds.open_feed(url)`` (its ``stop`` and ``stats``
        are used when present).
    airspaces : AirspaceIndex
        What is watched.
    policy : Policy
        The warning policy.
    register : Register, optional
        Where passages and warnings are written (None: nowhere).
    events : EventWriter, optional
        Where the events go.
    source : str
        Name of the feed for the run's provenance.
    picture : LivePicture, optional
        Kept up to date when given: every batch goes in, and it is published each housekeeping round.
    """

    def __init__(self, feed: Iterable[pd.DataFrame], airspaces: AirspaceIndex, policy: Policy,
                 register: Register | None = None, events: EventWriter | None = None, source: str = "",
                 options: WatchOptions | None = None, status: IO[str] | None = None,
                 picture: LivePicture | None = None) -> None:
        self.feed, self.index, self.policy = feed, airspaces, policy
        self.options = options or WatchOptions()
        self.register, self.events = register, events or EventWriter(None)
        self.source = source
        self.status_stream = status
        self.picture = picture
        self.detector = StreamDetector(airspaces, max_gap_s=self.options.max_gap_s, near_m=self.options.near_m)
        self.warner = WarningEngine(airspaces, policy)
        self.log = TrackLog(self.options.context_s)
        self.stats = WatchStats()
        self.stop = getattr(feed, "stop", None) or threading.Event()
        self._queue: queue.Queue[pd.DataFrame | None] = queue.Queue(maxsize=self.options.queue_batches)
        self._data_time: pd.Timestamp | None = None
        self._data_wall = time.monotonic()
        self._pending_tracks: dict[int, tuple[str, pd.Timestamp]] = {}  # passage id -> (track, until)
        self._open: dict[str, int] = {}  # track -> number of its open (entered) passages
        self._aircraft: list[pd.DataFrame] = []
        self._ack_seen = 0
        self._feed_seen = (0, 0, 0)
        self._reader_error: BaseException | None = None
        self.run_id: int | None = None

    # ------------------------------------------------------------------ running
    def run(self) -> WatchStats:
        """Run until the feed ends or ``stop`` is set; returns the counters."""
        if self.register is not None:
            self.run_id = self.register.begin_run("watch", self.source, self._provenance())
            self._ack_seen = int(self.register.acknowledgements()["id"].max() or 0) \
                if len(self.register.acknowledgements()) else 0
        reader = threading.Thread(target=self._read, name="skyborder-feed", daemon=True)
        reader.start()
        status = "done"
        last_house = 0.0
        try:
            while True:
                batch, ended = self._take()
                if len(batch):
                    self._process(batch)
                if ended:
                    break
                now = time.monotonic()
                if now - last_house >= self.options.housekeeping_s:
                    self._housekeeping()
                    last_house = now
                if self.stop.is_set() and self._queue.empty() and not reader.is_alive():
                    break
            if self._reader_error is not None:
                raise self._reader_error
            if self.stop.is_set():
                status = "interrupted"
        except BaseException:
            status = "failed"
            self.stop.set()
            raise
        finally:
            if status != "failed":
                self._finish()
            elif self.register is not None and self.run_id is not None:
                with contextlib.suppress(RegisterError):  # the failure itself is what the caller reports
                    self.register.end_run(self.run_id, status, self._counters())
            self._status(final=True)
        return self.stats

    def _take(self) -> tuple[pd.DataFrame, bool]:
        """The batches waiting on the queue (waiting up to 0.1 s for one), joined up to
        ``coalesce_fixes`` fixes; and whether the feed ended."""
        try:
            first = self._queue.get(timeout=0.1)
        except queue.Empty:
            return pd.DataFrame(), False
        if first is None:
            return pd.DataFrame(), True
        batches, fixes, ended = [first], len(first), False
        while fixes < self.options.coalesce_fixes:
            try:
                more = self._queue.get_nowait()
            except queue.Empty:
                break
            if more is None:
                ended = True
                break
            batches.append(more)
            fixes += len(more)
        return (batches[0] if len(batches) == 1 else pd.concat(batches, ignore_index=True)), ended

    def _read(self) -> None:
        """Reader thread: feed batches onto the queue; when it is full, a network feed's batch is
        dropped (and counted), a local source (file, standard input) waits."""
        live = bool(getattr(self.feed, "scheme", None))
        try:
            for batch in self.feed:
                if live:
                    try:
                        self._queue.put_nowait(batch)
                    except queue.Full:
                        self.stats.dropped_batches += 1
                        self.stats.dropped_fixes += len(batch)
                else:
                    while not self.stop.is_set():
                        try:
                            self._queue.put(batch, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                if self.stop.is_set():
                    break
        except BaseException as error:  # reported by the processing thread
            self._reader_error = error
        finally:
            while True:
                try:
                    self._queue.put(None, timeout=0.5)
                    break
                except queue.Full:
                    if self.stop.is_set() and self._reader_error is not None:
                        break

    def _process(self, batch: pd.DataFrame) -> None:
        if str(batch["time"].dtype) != "datetime64[ns, UTC]":  # feeds give the canonical table; others may not
            batch = schema.normalize(batch)
        batch = annotate(batch) if "icao24" in batch else batch
        self.stats.batches += 1
        self.stats.fixes += len(batch)
        latest = batch["time"].max()
        if self._data_time is None or latest > self._data_time:
            self._data_time, self._data_wall = latest, time.monotonic()
        self.log.add(batch)
        if self.picture is not None:
            self.picture.add(batch)
        found = self.detector.feed(batch) if self.options.passages else DetectorEvents.none()
        self._start_recording(found)
        warned = self.warner.update(batch)
        self._aircraft.append(batch[[c for c in ("time", "track_id", "icao24", "callsign", "country", "operator",
                                                 "military") if c in batch]])
        self._commit(found, warned)

    def _start_recording(self, found: DetectorEvents) -> None:
        opened = found.opened["track_id"].astype(str).tolist()
        self.log.start(opened)
        for track_id in opened:
            self._open[track_id] = self._open.get(track_id, 0) + 1

    def _commit(self, found: DetectorEvents, warned: WarningEvents, aircraft: pd.DataFrame | None = None) -> None:
        """One register transaction for everything, then the events."""
        now = self.now()
        opened, closed = found.opened, found.closed
        passages = pd.concat([f for f in (opened, closed) if len(f)], ignore_index=True) \
            if len(opened) + len(closed) else opened
        paths, tracks = [], []
        kept = self.log.fixes(passages["track_id"].astype(str))
        for i, row in enumerate(passages.to_dict("records")):
            fixes = kept[str(row["track_id"])]
            paths.append(passage_path(row, fixes) if row["status"] != "near" else None)
            # the track around a passage is stored when it closes (and again once the minutes after
            # its exit are in); an open passage's replay draws its path so far
            tracks.append(fixes if len(fixes) and i >= len(opened) else None)
        passage_ids: list[int] = []
        warning_ids: list[int] = []
        if self.register is not None and (len(passages) or len(warned) or aircraft is not None):
            result = self.register.record(self.run_id, passages=passages if len(passages) else None,
                                          paths=paths, tracks=tracks, warnings=warned.warnings,
                                          cleared=warned.cleared, aircraft=aircraft)
            passage_ids, warning_ids = result.passage_ids, result.warning_ids
        n_open = len(opened)
        self.events.passages("passage_opened", opened, passage_ids[:n_open] or None, now)
        self.events.passages("passage_closed", closed, passage_ids[n_open:] or None, now)
        self.events.warnings(warned.warnings, warning_ids or None)
        self.events.cleared(warned.cleared)
        self.stats.passages_opened += n_open
        self.stats.passages_closed += len(closed)
        self.stats.warnings += len(warned.warnings)
        self.stats.cleared += len(warned.cleared)
        self.stats.events = self.events.count
        for i, row in enumerate(closed.to_dict("records")):
            track_id = str(row["track_id"])
            end = row["exit_time"] if not pd.isna(row["exit_time"]) else now
            if passage_ids and row["status"] != "near":
                self._pending_tracks[passage_ids[n_open + i]] = (track_id, end + pd.Timedelta(
                    seconds=self.options.context_s))
            if track_id in self._open and not pd.isna(row["entry_time"]):
                self._open[track_id] -= 1

    def now(self) -> pd.Timestamp:
        """Data time now: the latest fix time plus the wall time since it arrived."""
        if self._data_time is None:
            return pd.Timestamp.now(tz="UTC")
        return self._data_time + pd.Timedelta(seconds=time.monotonic() - self._data_wall)

    # ------------------------------------------------------------------ housekeeping
    def _housekeeping(self, final: bool = False) -> None:
        self._feed_events()
        now = self.now()
        if self._data_time is not None:
            lost = self.detector.expire(now, self.options.silence_s) if self.options.passages else DetectorEvents.none()
            cleared = self.warner.expire(now, self.options.silence_s)
            if len(lost.closed) or len(cleared):
                self._commit(lost, cleared)
            recent = self._recent_tracks()
            gone = [t for t in self.log.recording() if t not in recent]
            self.log.forget(gone)
            self.log.trim(now)
        self._attach_tracks(now, final)
        self._apply_acknowledgements()
        self._write_aircraft(final)
        if self.picture is not None:
            self.picture.publish(now, self.warner.alerts(), self._live_status())
        self._status()

    def _live_status(self) -> dict[str, Any]:
        """What the radar page shows of the run: the feed's state (a file or stdin is "up"; a TCP feed
        not yet connected is "down") and the counters."""
        feed = {"local": "up", "starting": "down"}.get(self.stats.feed_state, self.stats.feed_state)
        return {"feed": feed, "source": self.source, "fixes": self.stats.fixes, "warnings": self.stats.warnings,
                "passages": self.stats.passages_closed, "dropped_fixes": self.stats.dropped_fixes}

    def _recent_tracks(self) -> set[str]:
        slots = self.warner.aircraft.live()
        return set(self.warner.aircraft.ids(slots).astype(str)) | set(self._open)

    def _attach_tracks(self, now: pd.Timestamp, final: bool) -> None:
        due = {pid: track for pid, (track, until) in self._pending_tracks.items() if final or until <= now}
        if not due:
            return
        kept = self.log.fixes(due.values())
        tracks = {pid: kept[track] for pid, track in due.items()}
        if self.register is not None:
            self.register.attach_tracks(tracks)
        for pid, track in due.items():
            del self._pending_tracks[pid]
            if self._open.get(track, 0) <= 0 and track not in {t for t, _ in self._pending_tracks.values()}:
                self._open.pop(track, None)
                self.log.stop(track)

    def _apply_acknowledgements(self) -> None:
        if self.register is None:
            return
        acks = self.register.acknowledgements(self._ack_seen)
        for row in acks.to_dict("records"):
            self.warner.acknowledge(str(row["track_id"]), str(row["airspace"]), row["until"], now=self.now())
            self._ack_seen = max(self._ack_seen, int(row["id"]))

    def _write_aircraft(self, final: bool) -> None:
        if self.register is None or not self._aircraft:
            return
        if not final and time.monotonic() - getattr(self, "_aircraft_at", 0.0) < self.options.aircraft_every_s:
            return
        seen = pd.concat(self._aircraft, ignore_index=True)
        self._aircraft = []
        self._aircraft_at = time.monotonic()
        self.register.record(self.run_id, aircraft=seen)

    def _feed_events(self) -> None:
        """``feed_down`` / ``feed_up`` from the feed's connection counters (TCP feeds)."""
        stats = getattr(self.feed, "stats", None)
        if stats is None or not getattr(self.feed, "scheme", None):
            self.stats.feed_state = "local"
            return
        connections, drops, refused = stats.connections, stats.drops, stats.refused
        before = self._feed_seen
        self._feed_seen = (connections, drops, refused)
        wall = pd.Timestamp.now(tz="UTC")
        url = getattr(self.feed, "url", self.source)
        ups, downs = connections - before[0], drops - before[1]
        # the counters moved since the last look: replay the transitions they imply, in order
        while ups > 0 or downs > 0:
            if (self.stats.feed_state == "up" and downs > 0) or ups == 0:
                self.events.write("feed_down", wall, feed=url, reason="connection dropped")
                self.stats.feed_state, downs = "down", downs - 1
            else:
                self.events.write("feed_up", wall, feed=url)
                self.stats.feed_state, ups = "up", ups - 1
        if refused > before[2] and self.stats.feed_state not in ("down", "up"):
            self.events.write("feed_down", wall, feed=url, reason="connection refused")
            self.stats.feed_state = "down"
        self.stats.events = self.events.count

    # ------------------------------------------------------------------ the end
    def _finish(self) -> None:
        flushed = self.detector.flush() if self.options.passages else DetectorEvents.none()
        self._commit(flushed, WarningEvents())
        self._housekeeping(final=True)
        if self.register is not None and self.run_id is not None:
            self.register.end_run(self.run_id, "interrupted" if self.stop.is_set() else "done", self._counters())

    def _counters(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self.stats).items() if k != "started"}

    def _provenance(self) -> dict[str, Any]:
        return {"airspaces": [a.name for a in self.index.airspaces], "policy": self.policy.parameters(),
                "options": asdict(self.options)}

    def _status(self, final: bool = False) -> None:
        stream = self.status_stream
        if stream is None or self.options.status_every_s <= 0:
            return
        now = time.monotonic()
        if not final and now - getattr(self, "_status_at", 0.0) < self.options.status_every_s:
            return
        elapsed = max(now - self.stats.started, 1e-9)
        previous = getattr(self, "_status_fixes", (self.stats.started, 0))
        rate = (self.stats.fixes - previous[1]) / max(now - previous[0], 1e-9)
        self._status_at, self._status_fixes = now, (now, self.stats.fixes)
        alerts = len(self.warner.alerts())
        line = (f"skyborder watch: {len(self.warner.aircraft)} aircraft, {rate:,.0f} fixes/s "
                f"({self.stats.fixes:,} in {elapsed:,.0f} s), {alerts} alerts, {self.stats.warnings} warnings, "
                f"{self.stats.passages_closed} passages, feed {self.stats.feed_state}, queue {self._queue.qsize()}, "
                f"dropped {self.stats.dropped_fixes}")
        end = "\n" if final or not stream.isatty() else "\r"
        stream.write(line + end)
        stream.flush()
