"""The live watch: live equals batch (``detect`` on the same fixes), the command end to end with
its events, SIGTERM, kill -9 and restart, a dropped feed, a burst, and clear errors."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skyborder.airspace import world
from skyborder.airspace.index import AirspaceIndex
from skyborder.detection.engine import detect
from skyborder.detection.result import JSON_KEYS, RESULT_COLUMNS
from skyborder.geodesy import GEOD
from skyborder.register import open_register
from skyborder.sim import traffic
from skyborder.tracks.feeds import Backoff, open_feed
from skyborder.tracks.readers.sniff import read_tracks
from skyborder.warn.policy import load_policy
from skyborder.watch import EventWriter, Watch, WatchOptions

T0 = pd.Timestamp("2015-11-24T07:20:00Z")
AIRSPACES = [world.country("TUR"), world.country("SYR")]
TIME_COLUMNS = [c for c in RESULT_COLUMNS if c.endswith("_time")]


@pytest.fixture(scope="module")
def index():
    return AirspaceIndex(AIRSPACES)


def assert_same_passages(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The register's passages equal detect's: same rows, times within 1 ms, lengths within 5 cm,
    depths and closest approaches within 1 m (each run's search is certified to 0.5 m). A
    passage the watch gave up as ``lost`` (its track fell silent inside) is detect's ``open_end``."""
    key = ["track_id", "airspace", "status", "entry_time", "exit_time", "closest_approach_time"]
    stored = stored.assign(status=stored["status"].replace("lost", "open_end"))
    a = stored[RESULT_COLUMNS].sort_values(key, kind="stable").reset_index(drop=True)
    b = expected[RESULT_COLUMNS].sort_values(key, kind="stable").reset_index(drop=True)
    assert len(a) == len(b), (a[key], b[key])
    assert a["track_id"].tolist() == b["track_id"].tolist() and a["status"].tolist() == b["status"].tolist()
    assert a["airspace"].tolist() == b["airspace"].tolist()
    for column in TIME_COLUMNS:
        assert (a[column].isna() == b[column].isna()).all(), column
        diff = (a[column] - b[column]).abs().dt.total_seconds().fillna(0.0)
        assert (diff <= 0.001).all(), column
    for column, tolerance in (("max_depth_m", 1.0), ("length_inside_m", 0.05), ("duration_s", 0.001),
                              ("closest_approach_m", 1.0), ("min_alt_m", 0.05)):
        assert np.allclose(a[column].astype(float), b[column].astype(float), equal_nan=True, rtol=0,
                           atol=tolerance), column
    assert (a["fixes_inside"].astype(int) == b["fixes_inside"].astype(int)).all()


def random_tracks(seed: int, count: int) -> pd.DataFrame:
    """Straight and doglegged tracks around the Hatay salient, 2-6 s between fixes."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(count):
        n = int(rng.integers(20, 80))
        lon0, lat0 = rng.uniform(35.9, 36.5), rng.uniform(35.6, 36.05)
        heading = rng.uniform(0, 360) + np.cumsum(rng.normal(0, 3, n))
        step = rng.uniform(600, 1500, n)
        lon, lat = [lon0], [lat0]
        for h, s in zip(heading[:-1], step[:-1]):
            x, y, _ = GEOD.fwd(lon[-1], lat[-1], h, s)
            lon.append(x)
            lat.append(y)
        dt = np.cumsum(rng.uniform(2, 6, n))
        frames.append(pd.DataFrame({"time": T0 + pd.to_timedelta(dt + rng.uniform(0, 60), unit="s"),
                                    "track_id": f"T{seed}-{k}", "lat": lat, "lon": lon, "alt_m": 6000.0}))
    return pd.concat(frames, ignore_index=True)


def in_batches(tracks: pd.DataFrame, cuts: list[int]):
    """The fixes in time order, cut into batches at the given positions (each track stays in order)."""
    ordered = tracks.sort_values("time", kind="stable").reset_index(drop=True)
    bounds = [0, *sorted({c % max(len(ordered), 1) for c in cuts}), len(ordered)]
    return [ordered.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(0, 10_000), max_size=5))
def test_live_equals_batch_on_random_tracks(tmp_path_factory, index, seed, cuts):
    tracks = random_tracks(seed, 3)
    db = tmp_path_factory.mktemp("live") / "r.sqlite"
    with open_register(db) as reg:
        watch = Watch(in_batches(tracks, cuts), index, load_policy("atc"), reg,
                      options=WatchOptions(silence_s=1e9, status_every_s=0))
        watch.run()
        assert_same_passages(reg.passages(), detect(tracks, index))


def test_a_warnings_only_watch_warns_as_the_full_one_and_records_no_passages(tmp_path, index):
    tracks = random_tracks(448, 3)
    stored = []
    for passages in (True, False):
        with open_register(tmp_path / f"r{passages}.sqlite") as reg:
            Watch(in_batches(tracks, [len(tracks) // 2]), index, load_policy("atc"), reg,
                  options=WatchOptions(silence_s=1e9, status_every_s=0, passages=passages)).run()
            stored.append((len(reg.passages()), len(reg.warnings())))
    (full_passages, full_warnings), (only_passages, only_warnings) = stored
    assert full_passages > 0 and only_passages == 0
    assert only_warnings == full_warnings


def sbs_file(path: Path, duration: float = 300.0) -> Path:
    items = traffic.emissions(traffic.border_approach(duration))
    traffic.write(items, "sbs", str(path), T0.timestamp())
    return path


def skyborder(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "skyborder.cli", *args], capture_output=True, text=True,
                          timeout=600, **kwargs)


@pytest.mark.slow
def test_watch_command_on_a_recording(tmp_path, index):
    recording = sbs_file(tmp_path / "ba.sbs")
    db, events = tmp_path / "w.sqlite", tmp_path / "events.jsonl"
    done = skyborder("watch", str(recording), "--airspace", "TUR,SYR", "--db", str(db), "--events", str(events),
                     "--policy", "air-policing")
    assert done.returncode == 0, done.stderr
    assert "skyborder watch:" in done.stderr and "aircraft" in done.stderr  # the status line
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    kinds = {e["event"] for e in lines}
    assert {"warning", "passage_opened", "passage_closed"} <= kinds
    assert all(e["time"].endswith("Z") for e in lines)
    warning = next(e for e in lines if e["event"] == "warning")
    assert {"track_id", "airspace", "stage", "predicted_entry_time", "time_to_entry_s", "distance_m",
            "message", "id"} <= set(warning)
    closed = [e for e in lines if e["event"] == "passage_closed"]
    assert all(set(JSON_KEYS) <= set(e) for e in closed)
    with open_register(db) as reg:
        assert_same_passages(reg.passages(), detect(read_tracks(str(recording)), index))
        assert len(reg.warnings()) == sum(e["event"] == "warning" for e in lines)
        run = reg.runs().iloc[-1]
        assert run["status"] == "done" and run["command"] == "watch"


@pytest.mark.slow
def test_sigterm_flushes_and_exits_cleanly(tmp_path):
    recording = sbs_file(tmp_path / "ba.sbs", 200.0)
    db, events = tmp_path / "w.sqlite", tmp_path / "events.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "skyborder.cli", "watch", str(recording), "--follow",
                                "--airspace", "TUR,SYR", "--db", str(db), "--events", str(events)],
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (not events.exists() or "passage_opened" not in events.read_text()):
        time.sleep(0.3)
    time.sleep(2.0)  # --follow: the whole file is read, the watch waits for more
    process.send_signal(signal.SIGTERM)
    assert process.wait(120) == 0, process.stderr.read()
    with open_register(db) as reg:
        assert reg.runs().iloc[-1]["status"] == "interrupted"
        statuses = set(reg.passages()["status"])
        assert "open_end" in statuses or "open_start" in statuses  # open passages flushed as open


@pytest.mark.slow
def test_kill_9_then_restart_loses_and_duplicates_nothing(tmp_path, index):
    items = traffic.emissions(traffic.Scenario("mix", traffic.border_approach(300.0).aircraft
                                               + traffic.busy(4, 3, 300.0).aircraft, 300.0))
    recording = tmp_path / "mix.sbs"
    traffic.write(items, "sbs", str(recording), T0.timestamp())
    db, first, second = tmp_path / "w.sqlite", tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    args = [sys.executable, "-m", "skyborder.cli", "watch", str(recording), "--airspace", "TUR,SYR", "--db", str(db),
            "--policy", "air-policing", "--batch-seconds", "0.001", "--status-every", "0"]
    process = subprocess.Popen([*args, "--events", str(first)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and (not first.exists() or first.read_text().count("\n") < 8):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    reported = [json.loads(line) for line in first.read_text().splitlines() if line.endswith("}")]
    assert len(reported) >= 8
    with open_register(db) as reg:  # everything reported as written is there
        warning_ids = set(reg.warnings()["id"])
        passage_ids = set(reg.passages()["id"])
    assert {e["id"] for e in reported if e["event"] == "warning"} <= warning_ids
    assert {e["id"] for e in reported if e["event"].startswith("passage")} <= passage_ids
    rerun = subprocess.run([*args, "--events", str(second)], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    with open_register(db) as reg:
        passages, warnings = reg.passages(), reg.warnings()
        assert not passages.duplicated(["track_id", "airspace", "anchor_kind", "anchor_ms"]).any()
        assert not warnings.duplicated(["track_id", "airspace", "time", "stage"]).any()
        assert_same_passages(passages, detect(read_tracks(str(recording)), index))
        again = [json.loads(line) for line in second.read_text().splitlines()]
        assert len(warnings) == sum(e["event"] == "warning" for e in again)  # the rerun met the same warnings


def serve_lines(server: socket.socket, parts: list[bytes], pause: float = 0.3) -> None:
    """Serve each part on its own connection, then close it (a dropped feed)."""
    for part in parts:
        conn, _ = server.accept()
        with conn:
            conn.sendall(part)
            time.sleep(pause)


def test_a_dropped_feed_reconnects_and_loses_nothing(tmp_path, index):
    items = traffic.emissions(traffic.border_approach(240.0))
    data = b"".join(d for _, d in traffic.serialize(items, "sbs", T0.timestamp()))
    lines = data.split(b"\r\n")
    half = len(lines) // 2
    parts = [b"\r\n".join(lines[:half]) + b"\r\n", b"\r\n".join(lines[half:])]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(2)
    port = server.getsockname()[1]
    thread = threading.Thread(target=serve_lines, args=(server, parts), daemon=True)
    thread.start()
    stop = threading.Event()
    feed = open_feed(f"sbs://127.0.0.1:{port}", stop=stop, backoff=Backoff(initial=0.1, maximum=0.2, jitter=0),
                     batch_seconds=0.05)
    events_path = tmp_path / "events.jsonl"
    writer = EventWriter(str(events_path))
    db = tmp_path / "w.sqlite"
    with open_register(db) as reg:
        watch = Watch(feed, index, load_policy("atc"), reg, writer,
                      options=WatchOptions(silence_s=1e9, status_every_s=0, housekeeping_s=0.05))
        runner = threading.Thread(target=watch.run, daemon=True)
        runner.start()
        thread.join(60)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and feed.stats.drops < 2:
            time.sleep(0.05)  # until the second connection has ended too
        time.sleep(0.3)
        stop.set()
        runner.join(120)
        writer.close()
        kinds = [json.loads(line)["event"] for line in events_path.read_text().splitlines()]
        feed_events = [k for k in kinds if k.startswith("feed")]
        assert feed_events[:3] == ["feed_up", "feed_down", "feed_up"]
        expected = detect(read_tracks_from_bytes(tmp_path, data), index)
        assert_same_passages(reg.passages(), expected)
    server.close()


def read_tracks_from_bytes(tmp_path: Path, data: bytes) -> pd.DataFrame:
    path = tmp_path / "all.sbs"
    path.write_bytes(data)
    return read_tracks(str(path))


def test_a_burst_is_bounded_dropped_and_counted(index):
    tracks = random_tracks(7, 4)
    batches = [tracks.iloc[[i]] for i in range(len(tracks))]  # one fix per batch: far more than the queue holds

    class Burst(list):
        stop = threading.Event()
        scheme = "sbs"  # a network feed: the socket must never stall

    watch = Watch(Burst(batches), index, load_policy("atc"), None,
                  options=WatchOptions(queue_batches=2, silence_s=1e9, status_every_s=0))
    stats = watch.run()
    assert stats.dropped_batches > 0 and stats.fixes + stats.dropped_fixes == len(tracks)
    assert watch._queue.maxsize == 2


def test_a_recording_is_never_cut_and_waiting_batches_are_processed_together(index):
    tracks = random_tracks(7, 4)
    batches = [tracks.iloc[[i]] for i in range(len(tracks))]

    class Slow(Watch):  # the processing falls behind the reader, as a busy watch does
        def _process(self, batch):
            time.sleep(0.01)
            super()._process(batch)

    expected = detect(tracks, index, max_gap_s=60.0, near_m=20_000.0)
    watch = Slow(batches, index, load_policy("atc"), None,
                 options=WatchOptions(queue_batches=32, silence_s=1e9, status_every_s=0))
    found = []
    watch.events.listeners.append(lambda e: found.append(e) if e["event"] == "passage_closed" else None)
    stats = watch.run()
    assert stats.dropped_batches == 0 and stats.fixes == len(tracks)   # a file waits: nothing dropped
    assert 1 <= stats.batches < len(batches) // 4                      # and what waited went in together
    assert len(found) == len(expected)


def test_unavailable_register_and_unwritable_events_are_clear_errors(tmp_path):
    recording = sbs_file(tmp_path / "ba.sbs", 30.0)
    done = skyborder("watch", str(recording), "--airspace", "TUR", "--db", "postgresql://127.0.0.1:1/nothing")
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "register" in done.stderr
    if os.path.exists("/dev/full"):
        done = skyborder("watch", str(recording), "--airspace", "TUR,SYR", "--db", str(tmp_path / "w.sqlite"),
                         "--events", "/dev/full", "--policy", "air-policing", "--status-every", "0")
        assert done.returncode == 2 and "cannot write events" in done.stderr and "Traceback" not in done.stderr


def test_a_full_register_stops_the_watch_without_reporting_unwritten_records(tmp_path, index):
    tracks = random_tracks(11, 3)
    db = tmp_path / "full.sqlite"
    events_path = tmp_path / "events.jsonl"
    with open_register(db) as reg:
        pages = reg.dialect.conn.execute("PRAGMA page_count").fetchone()[0]
        reg.dialect.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        writer = EventWriter(str(events_path))
        watch = Watch(in_batches(tracks, [50, 100, 150]), index, load_policy("air-policing"), reg, writer,
                      options=WatchOptions(silence_s=1e9, status_every_s=0))
        from skyborder.errors import RegisterFullError
        with pytest.raises(RegisterFullError):
            watch.run()
        writer.close()
        ids = {json.loads(line).get("id") for line in events_path.read_text().splitlines()}
        stored = set(reg.warnings()["id"]) | set(reg.passages()["id"])
        assert {i for i in ids if i is not None} <= stored


def test_silent_aircraft_are_given_up_and_their_slots_reused(index):
    from skyborder.warn.engine import WarningEngine

    engine = WarningEngine(index, "air-policing")
    for round_ in range(30):  # 30 waves of 10 aircraft that each fly 20 s and fall silent
        start = T0 + pd.Timedelta(minutes=round_)
        wave = []
        for k in range(10):
            t = start + pd.to_timedelta(np.arange(10) * 2.0, unit="s")
            lon, lat, _ = GEOD.fwd(np.full(10, 36.4), np.full(10, 35.75 + 0.01 * k), np.full(10, 270.0),
                                   500.0 * np.arange(10))
            wave.append(pd.DataFrame({"time": t, "track_id": f"W{round_}-{k}", "lat": lat, "lon": lon,
                                      "alt_m": 6000.0}))
        engine.update(pd.concat(wave, ignore_index=True).sort_values(["track_id", "time"]))
        engine.expire(start + pd.Timedelta(seconds=50), silence_s=20.0)
        assert len(engine.aircraft) == 0
    assert engine.aircraft.size <= 10 and engine.pairs.size <= 20  # slots reused: memory flat


def test_an_acknowledgement_made_in_the_register_silences_the_watch(tmp_path, index):
    t = T0 + pd.to_timedelta(np.arange(120) * 2.0, unit="s")
    lon, lat, _ = GEOD.fwd(np.full(120, 36.55), np.full(120, 35.845), np.full(120, 270.0), 500.0 * np.arange(120))
    track = pd.DataFrame({"time": t, "track_id": "ACK1", "lat": lat, "lon": lon, "alt_m": 6000.0})
    with open_register(tmp_path / "ack.sqlite") as reg:
        watch = Watch([], index, load_policy("air-policing"), reg, options=WatchOptions(status_every_s=0))
        watch._process(track.iloc[:20])
        first = reg.warnings()
        assert list(first["stage"]) == ["predicted"]
        reg.acknowledge(warning_id=int(first["id"].iloc[0]), by="test", until="day")
        watch._apply_acknowledgements()
        watch._process(track.iloc[20:])
        same_alert = reg.warnings()
        same_alert = same_alert[same_alert["alert_start"] == first["alert_start"].iloc[0]]
        stages = same_alert["stage"].tolist()
        assert stages.count("predicted") == 1 and "imminent" in stages  # repeats silenced, escalation not
