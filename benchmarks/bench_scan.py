"""Archive scans: throughput, memory per worker, scaling and cost per billion positions (printed).

On a generated archive in OpenSky's hourly layout (``opensky_archive.py``: Baltic traffic, one
row per aircraft every 10 s, 16 columns, ``--positions`` rows in ``--hours`` hourly Parquet
files; written once under ``--archive`` and reused), measured in one run:

  (a) the scaling curve: ``scan`` (LocalCluster, 2 workers, 2 GB each) over the first 1, 2, 4, ...
      hours of the archive (chosen with --since/--until, the other files are skipped by name):
      positions, seconds (and of them: stage 1, reading into buckets; stage 2, detecting),
      positions/s, peak memory per worker; a straight line through it gives
      the cost (seconds and worker-hours on this machine) per billion positions;
  (b) 1 worker against 2 workers on the same hours (all of them);
  (c) baselines, on flights of the first hour: a traffic ``clip`` loop and a movingpandas ``clip``
      loop (``baseline_clip.py``, run in ``.venv-baselines`` because traffic needs pandas < 3),
      against skyborder's one-worker scan throughput and its in-memory ``detect`` on the very
      same flights.

Run: .venv/bin/python benchmarks/bench_scan.py [--positions 1e8] [--hours 24] [--airspace CODES] [--quick]
(``make bench`` runs the default under a 12 GB address-space cap; the 1e8 positions take ~3 GB of
disk under /tmp.)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import shapely

import opensky_archive
from skyborder import detect
from skyborder.airspace import world
from skyborder.scan import AirspaceSpec, FileFilter, TimeWindow, scan
from skyborder.tracks.nationality import annotate
from skyborder.tracks.readers.sniff import read_tracks

BASELINE_PYTHON = Path(__file__).resolve().parent.parent / ".venv-baselines" / "bin" / "python"
MB = 1 << 20


def archive(folder: Path, positions: float, hours: int) -> list[str]:
    """The archive's hourly files, generated once (a stamp file records what was asked)."""
    stamp = folder / "_generated.json"
    wanted = {"positions": positions, "hours": hours, "format": 1}
    if stamp.exists() and json.loads(stamp.read_text()) == wanted:
        return sorted(str(p) for p in folder.rglob("states_*.parquet"))
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    paths = opensky_archive.write(str(folder), positions, hours)
    stamp.write_text(json.dumps(wanted))
    rows = sum(pq.read_metadata(p).num_rows for p in paths)
    size = sum(os.path.getsize(p) for p in paths)
    print(f"generated {rows:,} positions in {len(paths)} hourly files ({size / MB:,.0f} MB) "
          f"in {time.perf_counter() - started:.0f} s")
    return paths


def run_scan(folder: Path, codes: str, hours: int, workers: int, start: pd.Timestamp) -> dict:
    """One scan of the first ``hours`` hours; its figures."""
    keep = FileFilter(TimeWindow(start.value, (start + pd.Timedelta(hours=hours)).value))
    out = tempfile.mkdtemp(prefix="bench-scan-out-")
    try:
        summary = scan([str(folder)], out=os.path.join(out, "r"), spec=AirspaceSpec(codes), keep=keep,
                       workers=workers, memory_limit="2GB")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"hours": hours, "workers": workers, "positions": summary.read.fixes, "seconds": summary.wall_s,
            "rate": summary.read.fixes / summary.wall_s, "passages": summary.passages,
            "peak_mb": max(summary.peak_rss_bytes.values()) / MB, "files_skipped": summary.files_skipped,
            "read_s": summary.stage1_s, "detect_s": summary.stage2_s}


def baselines(first_hour: str, codes: str, flights: int, work: Path) -> tuple[dict | None, dict]:
    """traffic and movingpandas clip loops on ``flights`` flights of the first hour, and
    skyborder's in-memory detect on the same flights."""
    rows = pd.read_parquet(first_hour)
    chosen = pd.unique(rows["icao24"])[:flights]
    sample = rows[rows["icao24"].isin(chosen)]
    flights_path, zones_path = work / "flights.parquet", work / "airspaces.parquet"
    sample.to_parquet(flights_path, index=False)
    chosen_airspaces = world.select(codes)
    pd.DataFrame({"name": [a.name for a in chosen_airspaces],
                  "geometry": shapely.to_wkb([a.geometry for a in chosen_airspaces])}).to_parquet(zones_path)
    tracks = annotate(read_tracks(str(flights_path)))
    started = time.perf_counter()
    found = detect(tracks, chosen_airspaces)
    ours = {"positions": len(tracks), "seconds": time.perf_counter() - started}
    ours["rate"] = ours["positions"] / ours["seconds"]
    ours["passages"] = int((found["status"] != "near").sum())
    if not BASELINE_PYTHON.exists():
        print(f"  baselines skipped: {BASELINE_PYTHON} missing (make bench creates it)")
        return None, ours
    done = subprocess.run([str(BASELINE_PYTHON), str(Path(__file__).with_name("baseline_clip.py")),
                           str(flights_path), str(zones_path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"  baselines failed: {done.stderr.strip().splitlines()[-1:]}")
        return None, ours
    return json.loads(done.stdout.strip().splitlines()[-1]), ours


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--positions", type=float, default=1e8)
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--archive", default=os.path.join(tempfile.gettempdir(), "skyborder-bench-archive"))
    parser.add_argument("--airspace", default="EST,LVA,LTU,FIN,SWE,POL,BLR,RUS")
    parser.add_argument("--baseline-flights", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="4e5 positions in 2 hours")
    args = parser.parse_args()
    if args.quick:
        args.positions, args.hours, args.archive = 4e5, 2, args.archive + "-quick"
        args.baseline_flights = min(args.baseline_flights, 30)
    folder = Path(args.archive)
    paths = archive(folder, args.positions, args.hours)
    start = pd.Timestamp(opensky_archive.START)
    print(f"airspaces: {args.airspace}; archive {folder}")

    sizes = sorted({h for h in (1, 2, 4, 8, 16, args.hours) if h <= args.hours})
    print("\n(a) scaling: LocalCluster, 2 workers, 2 GB each")
    print(f"{'hours':>5} {'positions':>12} {'seconds':>8} {'M pos/s':>8} {'read s':>7} {'detect s':>8} "
          f"{'passages':>9} {'peak MB/worker':>15}")
    curve = []
    for hours in sizes:
        row = run_scan(folder, args.airspace, hours, 2, start)
        curve.append(row)
        print(f"{hours:>5} {row['positions']:>12,} {row['seconds']:>8.1f} {row['rate'] / 1e6:>8.3f} "
              f"{row['read_s']:>7.1f} {row['detect_s']:>8.1f} {row['passages']:>9,} {row['peak_mb']:>15,.0f}")
    n = np.array([r["positions"] for r in curve], float)
    s = np.array([r["seconds"] for r in curve], float)
    slope, intercept = np.polyfit(n, s, 1) if len(curve) > 1 else (s[0] / n[0], 0.0)
    per_billion = slope * 1e9 + intercept
    print(f"cost per 1e9 positions (line through the curve): {per_billion / 3600:,.2f} h on this 2-core machine, "
          f"{2 * per_billion / 3600:,.2f} worker-hours; fixed cost {intercept:.1f} s per scan")

    print("\n(b) workers, same hours (the largest size: the fixed cost weighs least)")
    one = run_scan(folder, args.airspace, sizes[-1], 1, start)
    two = next(r for r in curve if r["hours"] == one["hours"])
    print(f"1 worker: {one['rate'] / 1e6:.3f} M pos/s (peak {one['peak_mb']:,.0f} MB); 2 workers: "
          f"{two['rate'] / 1e6:.3f} M pos/s (peak {two['peak_mb']:,.0f} MB): x{two['rate'] / one['rate']:.2f}")

    print(f"\n(c) baselines: {args.baseline_flights} flights of the first hour")
    with tempfile.TemporaryDirectory() as work:
        theirs, ours = baselines(paths[0], args.airspace, args.baseline_flights, Path(work))
    print(f"skyborder detect on the same flights: {ours['positions']:,} positions in {ours['seconds']:.2f} s "
          f"({ours['rate'] / 1e3:,.1f} k pos/s, {ours['passages']} passages)")
    if theirs is not None:
        for name in ("traffic", "movingpandas"):
            rate = theirs[name]["positions_per_s"]
            print(f"{name} clip loop: {theirs[name]['seconds']:.2f} s, {rate / 1e3:,.2f} k pos/s "
                  f"({theirs[name]['clips']} clips): skyborder scan (1 worker) x{one['rate'] / rate:,.0f}, "
                  f"detect on the same flights x{ours['rate'] / rate:,.0f}")
        print(f"baseline process peak memory {theirs['peak_rss_bytes'] / MB:,.0f} MB")
    print(f"\nbench process peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
