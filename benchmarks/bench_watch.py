"""Benchmark of the live watch: sustained messages per second (SBS and Beast), latency from a
message's arrival to its warning event, the warning engine's cost per aircraft update, peak memory.

Traffic: the simulator's ``busy`` scenario (random routes within ~2 degrees of the Turkey-Syria
border at 35.9 N 36.0 E, so that many aircraft approach a border) at 1,000 and 5,000 aircraft.

* throughput: ``skyborder watch FILE`` over a recording, wall time for all of it; baseline:
  reading the same file through the feed alone (``open_feed``) in this process, same run;
* latency: a server in this process sends the traffic at real time over TCP, each message
  stamped with its send time (SBS time fields; Beast 12 MHz counters from the stream start);
  ``skyborder watch sbs://...`` (or ``beast://``) writes events to a pipe read here; latency =
  the time an event line is read minus the ``time`` of the fix that raised it;
* the radar page's cost: the throughput run again with ``--serve`` (the live picture folded
  every round, events pushed to the page's stream), as a ratio to the run without it;
* engine: ``WarningEngine.update`` on one update of every aircraft, repeated, in this process.

Targets (issue 9): >= 50,000 messages/s per core, p99 latency < 50 ms. Run after any change to the
detector:
``python benchmarks/bench_watch.py [--aircraft 1000,5000] [--seconds 20] [--formats sbs,beast]``.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench_web import free_port
from skyborder.sim import traffic
from skyborder.tracks.feeds import open_feed
from skyborder.tracks.modes.framing import beast_frame

AIRSPACES = "TUR,SYR"


def emissions(aircraft: int, seconds: float) -> list[traffic.Emission]:
    # every aircraft in the air from the start, so the message rate is steady
    scenario = traffic.busy(aircraft, seed=1, duration_s=seconds)
    fleet = tuple(traffic.Aircraft(a.icao24, a.callsign, a.route, a.alt_ft, a.speed_kt, a.squawk, 0.0)
                  for a in scenario.aircraft)
    return traffic.emissions(traffic.Scenario("bench", fleet, seconds))


def records(items: list[traffic.Emission], fmt: str, start: float) -> list[tuple[float, bytes]]:
    return list(traffic.serialize(items, fmt, start))


def child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def throughput(fmt: str, items: list[traffic.Emission], folder: Path, passages: bool = True,
               page: bool = False) -> dict:
    path = folder / f"traffic.{fmt}"
    data = records(items, fmt, time.time())
    path.write_bytes(b"".join(d for _, d in data))
    started = time.perf_counter()
    fixes = sum(len(batch) for batch in open_feed(str(path), format=fmt, batch_fixes=5000, batch_seconds=0.05))
    baseline_s = time.perf_counter() - started
    tiny = folder / f"tiny.{fmt}"
    tiny.write_bytes(b"".join(d for _, d in data[:50]))

    def run_watch(file: Path) -> float:
        db = folder / f"through-{fmt}-{time.monotonic_ns()}.sqlite"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "skyborder.cli", "watch", str(file), "--input-format", fmt,
                               "--airspace", AIRSPACES, "--db", str(db), "--events", str(folder / f"ev-{fmt}.jsonl"),
                               "--silence", "1e9", "--status-every", "0", "--policy", "air-policing",
                               *([] if passages else ["--no-passages"]),
                               *(["--serve", f"127.0.0.1:{free_port()}"] if page else [])],
                              capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise SystemExit(f"watch failed: {done.stderr[-2000:]}")
        return time.perf_counter() - started

    startup_s = run_watch(tiny)  # imports, index, compiled kernels, register: paid once per process
    watch_s = max(run_watch(path) - startup_s, 1e-9)
    messages = len(data)
    return {"format": fmt, "messages": messages, "fixes": fixes, "watch_s": watch_s, "startup_s": startup_s,
            "watch_msgs_per_s": messages / watch_s, "feed_only_msgs_per_s": messages / baseline_s,
            "ratio_watch_to_feed_only": (messages / watch_s) / (messages / baseline_s)}


class PacedServer:
    """Serves the traffic once, at real time, to the first client; stamps each message with its send time."""

    def __init__(self, items: list[traffic.Emission], fmt: str) -> None:
        self.items, self.fmt = items, fmt
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(1)
        self.port = self.server.getsockname()[1]
        self.late_s: list[float] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            time.sleep(1.0)  # the watch is connected and ready
            t0 = time.time()
            times = np.array([e.time_s for e in self.items])
            step = 0.02
            for lo_t in np.arange(0.0, times[-1] + step, step):
                sel = np.flatnonzero((times >= lo_t) & (times < lo_t + step))
                if len(sel) == 0:
                    continue
                wait = t0 + lo_t - time.time()
                if wait > 0:
                    time.sleep(wait)
                self.late_s.append(max(0.0, -wait))
                now = time.time()
                if self.fmt == "sbs":
                    payload = b"".join((line + "\r\n").encode() for i in sel  # stamped "now"
                                       if (line := traffic.sbs_line(self.items[i], now - self.items[i].time_s))
                                       is not None)
                else:
                    payload = b"".join(beast_frame(self.items[i].frame, traffic.counter(now - t0 + 1.0))
                                       for i in sel)
                try:
                    conn.sendall(payload)
                except OSError:
                    return
            time.sleep(3.0)


def latency(fmt: str, items: list[traffic.Emission], passages: bool = True) -> dict:
    server = PacedServer(items, fmt)
    folder = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    process = subprocess.Popen([sys.executable, "-m", "skyborder.cli", "watch", f"{fmt}://127.0.0.1:{server.port}",
                                "--airspace", AIRSPACES, "--db", str(folder / "lat.sqlite"), "--events", "-",
                                "--status-every", "0", "--policy", "air-policing", "--batch-seconds", "0.005",
                                "--silence", "1e9", *([] if passages else ["--no-passages"])],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    latencies: list[float] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            now = time.time()
            event = json.loads(line)
            if event["event"] == "warning":
                latencies.append(now - pd.Timestamp(event["time"]).timestamp())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    server.thread.join()
    time.sleep(2.0)
    process.terminate()  # SIGTERM: the watch drains what it has queued, then exits
    try:
        process.wait(600)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    reader.join(10)
    values = np.array(latencies) * 1000.0
    return {"format": fmt, "warnings": len(values), "p50_ms": float(np.percentile(values, 50)) if len(values) else None,
            "p99_ms": float(np.percentile(values, 99)) if len(values) else None,
            "sender_late_p99_ms": float(np.percentile(server.late_s, 99) * 1000) if server.late_s else None}


def engine_cost(aircraft: int, updates: int = 20) -> dict:
    from skyborder.warn.engine import WarningEngine

    scenario = traffic.busy(aircraft, seed=1, duration_s=updates)
    times = np.arange(updates, dtype=float)
    frames = []
    for a in scenario.aircraft:
        lat, lon, _, _ = traffic.positions(traffic.Aircraft(a.icao24, a.callsign, a.route, a.alt_ft, a.speed_kt), times)
        frames.append(pd.DataFrame({"time": pd.Timestamp("2015-11-24T07:00:00Z") + pd.to_timedelta(times, unit="s"),
                                    "track_id": a.icao24, "lat": lat, "lon": lon, "alt_m": a.alt_ft * 0.3048}))
    fixes = pd.concat(frames, ignore_index=True).sort_values(["time", "track_id"], kind="stable")
    engine = WarningEngine(AIRSPACES, "air-policing")
    per_update = []
    for _, batch in fixes.groupby("time", sort=True):
        started = time.perf_counter()
        engine.update(batch.sort_values("track_id"))
        per_update.append(time.perf_counter() - started)
    steady = np.array(per_update[5:])  # after the kinematics windows fill
    return {"aircraft": aircraft, "update_ms": float(np.median(steady) * 1000),
            "us_per_aircraft_update": float(np.median(steady) / aircraft * 1e6),
            "evaluations": engine.stats.evaluations, "peak_rss_mb": self_peak_mb()}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aircraft", default="1000,5000")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of traffic per run")
    parser.add_argument("--formats", default="sbs,beast")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-page", action="store_true", help="no run with --serve (the radar page's cost)")
    parser.add_argument("--passages-aircraft", type=int, default=100,
                        help="aircraft of a first, small full-watch run (default 100)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    runs = [(args.passages_aircraft, True)] + [(int(v), True) for v in args.aircraft.split(",")]
    for count, passages in runs:
        items = emissions(count, args.seconds)
        label = "warnings and passages" if passages else "warnings only (--no-passages)"
        print(f"\n== {count} aircraft, {label}, {args.seconds:g} s of traffic, {len(items):,} messages "
              f"({len(items) / args.seconds:,.0f} per second of traffic)")
        for fmt in args.formats.split(","):
            t = throughput(fmt, items, folder, passages)
            print(f"throughput {fmt}: watch {t['watch_msgs_per_s']:,.0f} msgs/s ({t['watch_s']:.1f} s after a "
                  f"start-up of {t['startup_s']:.1f} s); baseline feed reading alone "
                  f"{t['feed_only_msgs_per_s']:,.0f} msgs/s; ratio "
                  f"{t['ratio_watch_to_feed_only']:.2f}; target >= 50,000 msgs/s per core", flush=True)
            if not args.skip_page:
                served = throughput(fmt, items, folder, passages, page=True)
                print(f"throughput {fmt} serving the radar page (--serve): {served['watch_msgs_per_s']:,.0f} msgs/s; "
                      f"ratio to the same watch without it {served['watch_msgs_per_s'] / t['watch_msgs_per_s']:.2f}",
                      flush=True)
            if not args.skip_latency:
                lat = latency(fmt, items, passages)
                print(f"latency {fmt}: {lat['warnings']} warnings, p50 {_ms(lat['p50_ms'])}, p99 {_ms(lat['p99_ms'])} "
                      f"(target p99 < 50 ms; sender late p99 {_ms(lat['sender_late_p99_ms'])})", flush=True)
        if not passages or count == args.passages_aircraft:
            cost = engine_cost(count)
            print(f"warning engine: {cost['update_ms']:.1f} ms per update of all {count} aircraft = "
                  f"{cost['us_per_aircraft_update']:.1f} us per aircraft update", flush=True)
        print(f"peak memory: watch processes {child_peak_mb():,.0f} MB (largest child), this process "
              f"{self_peak_mb():,.0f} MB", flush=True)
    print(f"\ncores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
