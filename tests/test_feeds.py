"""Live feeds: real TCP servers on 127.0.0.1 in threads, real files and a real stdin pipe.

Every test is bounded in time (feed ``timeout``) and in count (``max_batches`` / ``stop``).
The reconnect tests use a minimal line parser defined here (``FIX,<n>`` -> one fix) so that they
test the feed machinery alone; the real parsers are exercised with simulated ADS-B traffic.
"""
from __future__ import annotations

import random
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

from skyborder.errors import BadInput, InputError
from skyborder.geodesy import GEOD
from skyborder.sim import traffic as simulate
from skyborder.tracks.feeds import Backoff, Feed, open_feed, sniff_format

T0 = pd.Timestamp("2015-11-24T07:00:00Z")


class FixLineParser:
    """StreamParser for ``FIX,<n>\\n`` lines: fix n at T0 + n seconds, lat = n / 1000."""

    def __init__(self, source: str, bad: BadInput) -> None:
        self.source, self.bad = source, bad
        self._partial, self._line = b"", 0

    def feed(self, chunk: bytes) -> list[dict]:
        lines = (self._partial + chunk).split(b"\n")
        self._partial = lines.pop()
        return [row for line in lines if (row := self._parse(line)) is not None]

    def flush(self) -> list[dict]:
        if self._partial:
            self._line += 1
            self.bad.report(self.source, self._line, "truncated line", kind="truncated")
            self._partial = b""
        return []

    def _parse(self, line: bytes) -> dict | None:
        self._line += 1
        kind, _, number = line.strip().partition(b",")
        if kind != b"FIX" or not number.isdigit():
            self.bad.report(self.source, self._line, "not a FIX line", kind="bad line")
            return None
        n = int(number)
        return {"time": T0 + pd.Timedelta(seconds=n), "track_id": "t", "lat": n / 1000, "lon": 0.0,
                "source": self.source}


def fix_lines(numbers) -> bytes:
    return b"".join(b"FIX,%d\n" % n for n in numbers)


def listener(port: int = 0) -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(4)
    server.settimeout(10)
    return server


def run_in_thread(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def fixes_of(batches: list[pd.DataFrame]) -> list[int]:
    return sorted(round(lat * 1000) for batch in batches for lat in batch["lat"])


FAST = Backoff(initial=0.05, maximum=0.2, factor=2.0, jitter=0.5)


def test_drop_refuse_come_back_delivers_every_fix() -> None:
    server = listener()
    port = server.getsockname()[1]
    sent = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        conn.sendall(fix_lines(range(40)) + b"FIX,4")       # the drop cuts a line in two
        conn.close()
        server.close()                                      # refuse for a while
        time.sleep(0.4)
        again = listener(port)
        conn, _ = again.accept()
        for start in range(40, 100, 20):                     # a few packets, a pause between
            conn.sendall(fix_lines(range(start, start + 20)))
            time.sleep(0.05)
        sent.set()
        time.sleep(5)
        conn.close()
        again.close()

    run_in_thread(serve)
    feed = open_feed(f"sbs://127.0.0.1:{port}", factory=FixLineParser, backoff=FAST,
                     batch_fixes=30, batch_seconds=0.2, timeout=10, seed=1)
    batches = []
    started = time.monotonic()
    for batch in feed:
        batches.append(batch)
        if len(fixes_of(batches)) >= 100:
            feed.stop.set()
    assert time.monotonic() - started < 8
    assert fixes_of(batches) == list(range(100))
    assert all(len(b) <= 30 for b in batches)
    assert feed.stats.connections == 2 and feed.stats.reconnects == 1 and feed.stats.drops == 1
    assert feed.stats.refused >= 1                          # the listener was closed for 0.4 s
    assert feed.bad.counts == {"truncated": 1}
    assert feed.stats.fixes == 100
    assert all(0 < w <= FAST.maximum for w in feed.stats.waits)
    assert batches[0]["source"].iloc[0] == f"sbs://127.0.0.1:{port}"


def test_backoff_doubles_to_a_cap_with_jitter() -> None:
    backoff = Backoff(initial=0.5, maximum=30.0, factor=2.0, jitter=0.5)
    rng = random.Random(3)
    for attempt, base in enumerate([0.5, 1, 2, 4, 8, 16, 30, 30, 30]):
        for _ in range(200):
            assert base * 0.5 <= backoff.delay(attempt, rng) <= base
    no_jitter = Backoff(initial=1.0, maximum=5.0, jitter=0.0)
    assert [no_jitter.delay(a, rng) for a in range(5)] == [1, 2, 4, 5, 5]
    assert Backoff().delay(10_000, rng) <= 30.0             # no overflow for long outages


def test_refused_grows_the_backoff_and_gives_up_after_max_retries() -> None:
    probe = listener()
    port = probe.getsockname()[1]
    probe.close()                                           # nothing listens there now
    feed = open_feed(f"beast://127.0.0.1:{port}", backoff=FAST, max_retries=4, timeout=10, seed=2)
    with pytest.raises(InputError, match=f"cannot connect to beast://127.0.0.1:{port}"):
        list(feed)
    assert feed.stats.refused == 5 and feed.stats.connections == 0
    bases = [min(FAST.maximum, FAST.initial * 2 ** a) for a in range(4)]
    assert all(b * 0.5 <= w <= b for w, b in zip(feed.stats.waits, bases))


def test_server_that_hangs_up_at_once_is_backed_off() -> None:
    server = listener()
    port = server.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.close()

    run_in_thread(serve)
    steady = Backoff(initial=0.02, maximum=0.16, factor=2.0, jitter=0.0)
    feed = open_feed(f"sbs://127.0.0.1:{port}", factory=FixLineParser, backoff=steady, timeout=1.0,
                     poll_seconds=0.01)
    assert list(feed) == []
    stop.set()
    server.close()
    waits = list(feed.stats.waits)
    assert waits[:4] == [0.02, 0.04, 0.08, 0.16]            # no data: no reset to the initial delay
    assert set(waits[4:]) <= {0.16}
    assert feed.stats.connections >= 4 and feed.stats.drops >= feed.stats.connections - 1


def test_silent_server_ends_on_timeout_and_on_stop() -> None:
    server = listener()
    port = server.getsockname()[1]
    accepted = []
    run_in_thread(lambda: [accepted.append(server.accept()) for _ in range(2)])
    started = time.monotonic()
    assert list(open_feed(f"raw://127.0.0.1:{port}", timeout=0.5, poll_seconds=0.05)) == []
    assert 0.45 <= time.monotonic() - started < 2.0

    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    assert list(open_feed(f"raw://127.0.0.1:{port}", stop=stop, timeout=10, poll_seconds=0.05)) == []
    assert 0.25 <= time.monotonic() - started < 2.0
    server.close()


def test_quiet_stream_is_batched_by_time_and_max_batches_ends_it() -> None:
    server = listener()
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        for n in range(10):
            conn.sendall(fix_lines([n]))
            time.sleep(0.1)
        time.sleep(3)
        conn.close()

    run_in_thread(serve)
    feed = open_feed(f"sbs://127.0.0.1:{port}", factory=FixLineParser, batch_fixes=1000,
                     batch_seconds=0.25, max_batches=3, timeout=10, poll_seconds=0.02)
    batches = list(feed)
    assert len(batches) == 3                                 # ended by max_batches, not by the server
    sizes = [len(b) for b in batches]
    assert all(1 <= s <= 4 for s in sizes)                   # ~0.25 s of fixes sent every 0.1 s
    assert fixes_of(batches) == list(range(sum(sizes)))
    server.close()


def test_growing_file_is_followed(tmp_path) -> None:
    path = tmp_path / "growing.txt"
    path.write_bytes(fix_lines(range(5)))

    def grow() -> None:
        for start in (5, 10):
            time.sleep(0.2)
            with open(path, "ab") as out:
                out.write(fix_lines(range(start, start + 5)))

    run_in_thread(grow)
    feed = open_feed(str(path), follow=True, factory=FixLineParser, batch_seconds=0.1, timeout=10,
                     poll_seconds=0.02)
    batches = []
    for batch in feed:
        batches.append(batch)
        if len(fixes_of(batches)) >= 15:
            feed.stop.set()
    assert fixes_of(batches) == list(range(15))
    assert len(batches) >= 3                                 # the appends arrived as separate batches


def test_file_without_follow_ends_and_reports_bad_lines(tmp_path) -> None:
    path = tmp_path / "fixes.txt"
    path.write_bytes(fix_lines(range(7)) + b"garbage\n" + fix_lines([7]))
    feed = open_feed(str(path), factory=FixLineParser, batch_fixes=3, timeout=10)
    batches = list(feed)
    assert [len(b) for b in batches] == [3, 3, 2]
    assert fixes_of(batches) == list(range(8))
    assert feed.bad.messages == [f"{path}:line 8: not a FIX line"]


def _simulated(fmt: str, seconds: float) -> tuple[bytes, pd.DataFrame]:
    items = simulate.emissions(simulate.border_approach(duration_s=seconds))
    wire = b"".join(data for _, data in simulate.serialize(items, fmt, start_time=T0.timestamp()))
    return wire, simulate.truth(items)


@pytest.mark.parametrize("scheme,fmt", [("raw", "avr"), ("beast", "beast"), ("sbs", "sbs")])
def test_real_decoder_over_tcp_with_a_drop(scheme: str, fmt: str) -> None:
    wire, truth = _simulated(fmt, 30.0)
    half = len(wire) // 2
    server = listener()
    port = server.getsockname()[1]

    def serve() -> None:
        for part in (wire[:half], wire[half:]):
            conn, _ = server.accept()
            conn.sendall(part)
            conn.close()

    run_in_thread(serve)
    feed = open_feed(f"{scheme}://127.0.0.1:{port}", backoff=FAST, timeout=1.5, batch_seconds=0.2)
    table = pd.concat(list(feed), ignore_index=True)
    assert feed.stats.connections >= 2 and feed.stats.reconnects >= 1
    assert set(table["icao24"]) == set(truth["icao24"])
    assert 0.8 * len(truth) <= len(table) <= len(truth)     # a few frames lost at the cut
    # CPR quantisation is ~5 m; SBS prints 5 decimals (<= 0.6 m rounding per axis)
    assert nearest_truth_m(table, truth).max() < 10.0
    if fmt == "sbs":                                         # SBS lines carry their time (ms)
        true_times = (T0 + pd.to_timedelta(truth["time_s"], unit="s")).dt.round("ms")
        assert set(zip(table["icao24"], table["time"])) <= set(zip(truth["icao24"], true_times))
    server.close()


def test_sbs_file_is_sniffed_and_read_whole(tmp_path) -> None:
    wire, truth = _simulated("sbs", 20.0)
    path = tmp_path / "capture.sbs"
    path.write_bytes(wire)
    feed = open_feed(str(path), batch_fixes=50, timeout=20)
    batches = list(feed)
    assert all(len(b) <= 50 for b in batches)
    assert sum(len(b) for b in batches) == len(truth) and feed.bad.total == 0


def nearest_truth_m(table: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """Per decoded fix, the geodesic distance (m) to the nearest true position of its aircraft."""
    out = []
    for icao24, fixes in table.groupby("icao24"):
        true = truth[truth["icao24"] == icao24]
        lat1, lat2 = np.meshgrid(fixes["lat"].to_numpy(), true["lat"].to_numpy(), indexing="ij")
        lon1, lon2 = np.meshgrid(fixes["lon"].to_numpy(), true["lon"].to_numpy(), indexing="ij")
        _, _, dist = GEOD.inv(lon1.ravel(), lat1.ravel(), lon2.ravel(), lat2.ravel())
        out.append(dist.reshape(lat1.shape).min(axis=1))
    return np.concatenate(out)


def test_stdin_feed_in_a_real_process() -> None:
    wire, truth = _simulated("avr", 20.0)
    code = ("from skyborder.tracks.feeds import open_feed\n"
            "feed = open_feed('-', timeout=20)\n"
            "n = sum(len(b) for b in feed)\n"
            "print(n, feed.stats.batches, feed.bad.total)\n")
    done = subprocess.run([sys.executable, "-c", code], input=wire, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    fixes, batches, bad = map(int, done.stdout.split())
    assert 0.9 * len(truth) <= fixes <= len(truth) and batches >= 1 and bad == 0


def test_sniffing_and_url_errors(tmp_path) -> None:
    assert sniff_format(b"\x1a3\x00") == "beast"
    assert sniff_format(b"*8d4b8e21;\n") == "avr"
    assert sniff_format(b"@0000000000008d4b;\n") == "avr"
    assert sniff_format(b"MSG,3,1,1,4B8E21,1,...") == "sbs"
    with pytest.raises(InputError, match="cannot tell the feed format"):
        sniff_format(b"hello")
    with pytest.raises(InputError, match="unknown feed scheme"):
        open_feed("ftp://127.0.0.1:21")
    with pytest.raises(InputError, match="needs HOST:PORT"):
        open_feed("sbs://127.0.0.1")
    with pytest.raises(InputError, match="cannot read"):
        list(open_feed(str(tmp_path / "missing.sbs")))
    with pytest.raises(ValueError):
        Feed("sbs://127.0.0.1:1", batch_fixes=0)


def test_server_that_accepts_and_never_sends_is_dropped_after_the_idle_timeout() -> None:
    """Without an idle timeout such a server would hang the feed for ever; with it the feed
    reconnects, and each drop and reconnection is a state change (up/down, time, reason)."""
    server = listener()
    port = server.getsockname()[1]
    held = []
    run_in_thread(lambda: [held.append(server.accept()) for _ in range(3)])
    seen: list = []
    feed = open_feed(f"sbs://127.0.0.1:{port}", factory=FixLineParser, idle_timeout=0.3, timeout=1.5,
                     poll_seconds=0.02, backoff=Backoff(initial=0.05, maximum=0.05, jitter=0.0))
    feed.on_state(seen.append)
    started = time.time()
    assert list(feed) == []
    changes = feed.state_changes()
    assert changes == seen                                   # the callback saw the same changes, in order
    assert feed.stats.connections >= 2 and feed.stats.drops >= 1
    assert [c.state for c in changes[:4]] == ["up", "down", "up", "down"]
    assert changes[0].reason == f"connected to 127.0.0.1:{port}"
    assert changes[1].reason == "no data for 0.3 s"
    assert all(started <= c.time <= time.time() for c in changes)
    assert changes[1].time - changes[0].time == pytest.approx(0.3, abs=0.25)
    assert feed.state_changes() == []                         # drained
    server.close()


def test_refusals_are_one_down_change_and_keepalive_is_on() -> None:
    server = listener()
    port = server.getsockname()[1]
    server.close()                                            # nothing listens: refused
    feed = open_feed(f"beast://127.0.0.1:{port}", timeout=0.6, poll_seconds=0.02,
                     backoff=Backoff(initial=0.05, maximum=0.05, jitter=0.0))
    assert list(feed) == [] and feed.stats.refused >= 3
    changes = feed.state_changes()
    assert [c.state for c in changes] == ["down"] and "cannot connect" in changes[0].reason
    assert feed.is_up is False

    from skyborder.tracks.feeds import KEEPALIVE_IDLE_S, _keepalive

    with socket.socket() as client:                           # what every feed connection gets
        _keepalive(client)
        assert client.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        if hasattr(socket, "TCP_KEEPIDLE"):
            assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == KEEPALIVE_IDLE_S
