"""skyborder scan: an archive cut into many files gives the passages of one in-memory run, on a
local Dask cluster, after a worker is killed, and on a scheduler + worker started here."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import distributed
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from distributed.diagnostics.plugin import SchedulerPlugin
from hypothesis import given, settings
from hypothesis import strategies as st

from scan_archive import MILITARY, assert_same_passages, fixes, in_memory, write_archive, write_zones
from skyborder.cli import main
from skyborder.errors import InputError
from skyborder.register import open_register
from skyborder.scan import AirspaceSpec, DetectionOptions, FileFilter, TimeWindow, read_results, scan
from skyborder.scan.archive import HOUR_NS, find_files, period_of
from skyborder.scan.buckets import windows
from skyborder.scan.read import callsign_matcher


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="2GB", host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        yield c


def hour(text: str) -> int:
    return pd.Timestamp(text, tz="UTC").value


# ----- archive layouts and windows ---------------------------------------------------------------
@pytest.mark.parametrize("path, start", [
    ("states/2017-06-05/14/states_2017-06-05-14.csv.gz", "2017-06-05T14"),
    ("x/hour=1496671200/part-0.parquet", "2017-06-05T14"),
    ("x/date=2017-06-05/hour=14/part-0.parquet", "2017-06-05T14"),
    ("x/hour=2017-06-05-14/a.parquet", "2017-06-05T14"),
])
def test_the_hour_of_a_file_is_told_by_its_path(path, start):
    assert period_of(path) == (hour(start), hour(start) + HOUR_NS)


def test_a_day_partition_and_unrelated_names():
    assert period_of("x/date=2017-06-05/part.parquet") == (hour("2017-06-05"), hour("2017-06-06"))
    assert period_of("x/flights-42/data.csv") is None
    assert period_of("x/2017-06-05/99/a.csv") == (hour("2017-06-05"), hour("2017-06-06"))  # 99 is no hour


def test_files_outside_the_window_are_skipped_by_name_with_slack(tmp_path):
    for h in range(10, 16):
        folder = tmp_path / "2017-06-05" / f"{h:02d}"
        folder.mkdir(parents=True)
        (folder / f"states_2017-06-05-{h:02d}.csv").write_text("time,icao24,lat,lon\n")
    (tmp_path / "notes.txt").write_text("not a track file")
    files = find_files([str(tmp_path)])
    assert [Path(f.path).name[-9:-4] for f in files] == [f"05-{h}" for h in range(10, 16)]
    window = TimeWindow.parse("2017-06-05T12:30", "2017-06-05T13:30")
    # the hours 11 to 14 are read: a fix may precede its file's hour by up to NAME_SLACK_S (1 h)
    assert [f.outside(window) for f in files] == [True, False, False, False, False, True]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10 * 3600), st.integers(0, 7200), st.integers(1, 500)), min_size=1,
                max_size=30), st.integers(1, 1000))
def test_windows_cover_every_row_group_in_order_within_the_bound(groups, target):
    start = np.array([g[0] for g in groups], dtype=np.int64) * 10**9
    end = start + np.array([g[1] for g in groups], dtype=np.int64) * 10**9
    rows = np.array([g[2] for g in groups], dtype=np.int64)
    cut = windows(start, end, rows, target)
    assert all(a < b for a, b in cut) and all(b1 <= a2 for (_, b1), (a2, _) in zip(cut, cut[1:]))
    for s, e in zip(start, end):  # every instant of every group lies in one window
        assert any(a <= s < b for a, b in cut) and any(a <= e < b for a, b in cut)
    def met(a, b):
        return rows[(start < b) & (end >= a)].sum()

    for a, b in cut:  # within the bound, or halving would not help
        m = a + (b - a) // 2
        assert met(a, b) <= target or b - a <= 10**9 or max(met(a, m), met(m, b)) == met(a, b)


# ----- a scan equals one in-memory run ---------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_scan_of_many_small_files_equals_in_memory_detection(tmp_path, client, seed):
    rng = np.random.default_rng(seed)
    archive = write_archive(tmp_path / "archive", fixes(rng), rng, files=int(rng.integers(8, 16)))
    zones = write_zones(tmp_path / "zones.geojson")
    options = DetectionOptions(window_rows=int(rng.integers(200, 2000)), result_rows=int(rng.integers(5, 50)))
    summary = scan([str(archive)], out=str(tmp_path / "out"), spec=AirspaceSpec(None, (zones,)), client=client,
                   buckets=int(rng.integers(1, 7)), detection=options)
    expected = in_memory([str(archive)], zones)
    assert summary.duplicates > 0 and summary.largest_window > 0
    assert summary.passages == int((expected["status"] != "near").sum()) > 10
    assert_same_passages(read_results(str(tmp_path / "out")), expected)
    assert not (tmp_path / "out" / "_work").exists()


def test_since_until_skip_row_groups_by_statistics_and_fixes_by_time(tmp_path, client):
    rng = np.random.default_rng(7)
    rows = fixes(rng, aircraft=16)
    folder = tmp_path / "hive"
    for h, group in rows.groupby(rows["time"] // 3600 * 3600):
        (folder / f"hour={h}").mkdir(parents=True)
        group.to_parquet(folder / f"hour={h}" / "part-0.parquet", row_group_size=200, index=False)
    zones = write_zones(tmp_path / "zones.geojson")
    since, until = "2017-06-05T13:10", "2017-06-05T13:50"
    keep = FileFilter(TimeWindow.parse(since, until))
    summary = scan([str(folder)], out=str(tmp_path / "out"), spec=AirspaceSpec(None, (zones,)), keep=keep,
                   client=client, buckets=3)
    assert summary.read.row_groups_skipped > 0 and summary.read.fixes < len(rows)
    assert_same_passages(read_results(str(tmp_path / "out")), in_memory([str(folder)], zones, since, until))


def test_icao24_and_callsign_filters_keep_whole_tracks(tmp_path, client):
    rng = np.random.default_rng(3)
    archive = write_archive(tmp_path / "archive", fixes(rng), rng, files=6)
    zones = write_zones(tmp_path / "zones.geojson")
    addresses = {f"{0x3c4000 + k * 97:06x}" for k in range(0, 24, 2)}
    keep = FileFilter(TimeWindow(), frozenset(addresses), callsign_matcher(f"{MILITARY.lower()}*"))
    scan([str(archive)], out=str(tmp_path / "out"), spec=AirspaceSpec(None, (zones,)), keep=keep, client=client)
    expected = in_memory([str(archive)], zones, icao24=addresses, callsign_prefix=MILITARY)
    assert len(expected) and set(expected["military"]) == {True}
    assert_same_passages(read_results(str(tmp_path / "out")), expected)


def test_passages_recorded_in_the_register_are_those_of_one_in_memory_run_once(tmp_path, client):
    rng = np.random.default_rng(4)
    archive = write_archive(tmp_path / "archive", fixes(rng), rng, files=5)
    zones = write_zones(tmp_path / "zones.geojson")
    db = str(tmp_path / "register.sqlite")
    for _ in range(2):  # recorded twice: the register updates the same rows
        summary = scan([str(archive)], out=None, db=db, spec=AirspaceSpec(None, (zones,)), client=client,
                       work=str(tmp_path / "work"), detection=DetectionOptions(result_rows=7))
    expected = in_memory([str(archive)], zones)
    assert summary.recorded == len(expected) and summary.output is None
    assert not (tmp_path / "work" / "results").exists() and not (tmp_path / "work" / "parts").exists()
    with open_register(db) as register:
        stored = register.passages()
        runs = register.runs()
    key = ["track_id", "airspace", "status", "fixes_inside"]
    assert sorted(map(tuple, stored[key].astype(object).values.tolist())) == \
        sorted(map(tuple, expected[key].astype(object).values.tolist()))
    assert np.allclose(np.sort(stored["length_inside_m"].to_numpy(float)),
                       np.sort(expected["length_inside_m"].to_numpy(float)), rtol=0, atol=1e-2, equal_nan=True)
    assert list(runs["command"]) == ["scan", "scan"] and set(runs["status"]) == {"done"}


# ----- failures ------------------------------------------------------------------------------------
class TaskStarts(SchedulerPlugin):
    """Counts how often each task went to a worker (2 = it was run again)."""

    name = "task-starts"

    def __init__(self):
        self.starts = {}

    def transition(self, key, start, finish, *args, **kwargs):
        if finish == "processing":
            self.starts[key] = self.starts.get(key, 0) + 1


@pytest.mark.slow
def test_a_worker_killed_during_the_scan_is_replaced_and_nothing_is_lost_or_repeated(tmp_path):
    rng = np.random.default_rng(11)
    archive = write_archive(tmp_path / "archive", fixes(rng, aircraft=40), rng, files=12)
    zones = write_zones(tmp_path / "zones.geojson")
    options = DetectionOptions(window_rows=100, result_rows=3)  # many windows and chunks: slow buckets
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, memory_limit="2GB", host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as c:
        c.register_plugin(TaskStarts())
        done = {}
        runner = threading.Thread(target=lambda: done.update(summary=scan(
            [str(archive)], out=str(tmp_path / "out"), spec=AirspaceSpec(None, (zones,)), client=c, buckets=6,
            detection=options)))
        runner.start()
        killed = None
        deadline = time.monotonic() + 120
        while killed is None and time.monotonic() < deadline and runner.is_alive():
            busy = {w: keys for w, keys in c.processing().items() if any("scan_bucket" in str(k) for k in keys)}
            if busy:
                worker = next(iter(busy))
                pid = c.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed = (worker, busy[worker])
            time.sleep(0.02)
        runner.join(timeout=300)
        assert killed is not None, "no bucket task was seen running"
        starts = c.run_on_scheduler(lambda dask_scheduler: dict(dask_scheduler.plugins["task-starts"].starts))
    assert any(starts.get(k, 0) >= 2 for k in killed[1]), "the killed worker's task was not run again"
    assert "summary" in done
    assert_same_passages(read_results(str(tmp_path / "out")), in_memory([str(archive)], zones))


# ----- the command, on a Dask scheduler and worker started here --------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_scheduler(tmp_path):
    dask = str(Path(sys.executable).with_name("dask"))
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = (tmp_path / "dask.log").open("w")
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 stdout=log, stderr=subprocess.STDOUT)
    worker = subprocess.Popen([dask, "worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                               "--memory-limit", "2GB", "--no-dashboard"], stdout=log, stderr=subprocess.STDOUT)
    try:
        with distributed.Client(address, timeout="30s") as c:
            c.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
        for process in (worker, scheduler):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


@pytest.mark.slow
def test_the_command_on_a_dask_scheduler_reports_bad_rows_and_writes_parquet(tmp_path, dask_scheduler, capsys):
    rng = np.random.default_rng(5)
    archive = write_archive(tmp_path / "archive", fixes(rng, aircraft=10), rng, files=4)
    (archive / "broken.csv").write_text("time,icao24,lat,lon\n1496664000,3c4000,50.0,10.0\n"
                                        "1496664010,3c4000,not-a-latitude,10.0\n")
    zones = write_zones(tmp_path / "zones.geojson")
    out = tmp_path / "out"
    code = main(["scan", str(archive), "--zones", zones, "--scheduler", dask_scheduler, "-o", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "broken.csv:line 3" in captured.err and "on 1 worker(s)" in captured.out
    assert_same_passages(read_results(str(out)), in_memory([str(archive)], zones))
    summary = (out / "_scan.json").read_text()
    assert '"passages"' in summary
    assert all(pq.read_metadata(p).num_rows > 0 for p in out.rglob("*.parquet"))


@pytest.mark.parametrize("argv, message", [
    (["--since", "yesterday-ish"], "--since"),
    (["--until", "2017-06-05", "--since", "2017-06-06"], "--until must be later"),
    (["--icao24", "3c4000,xyz"], "--icao24"),
    (["--callsign", " , "], "--callsign"),
])
def test_bad_options_are_usage_errors(tmp_path, capsys, argv, message):
    archive = tmp_path / "a.csv"
    archive.write_text("time,icao24,lat,lon\n1496664000,3c4000,50.0,10.0\n")
    assert main(["scan", str(archive), "-o", str(tmp_path / "out"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_output_folder_and_register_are_one_or_the_other(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["scan", str(tmp_path), "-o", str(tmp_path / "out"), "--db", str(tmp_path / "r.sqlite")])
    assert exit_.value.code == 2 and "--db" in capsys.readouterr().err
    with pytest.raises(InputError, match="not both"):
        scan([str(tmp_path)], out=str(tmp_path / "out"), db=str(tmp_path / "r.sqlite"))


def test_a_non_empty_output_folder_is_refused(tmp_path, capsys):
    archive = tmp_path / "a.csv"
    archive.write_text("time,icao24,lat,lon\n1496664000,3c4000,50.0,10.0\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.parquet").write_text("x")
    assert main(["scan", str(archive), "-o", str(tmp_path / "out"), "--zones", "none.geojson"]) == 2
    assert "not an empty folder" in capsys.readouterr().err
