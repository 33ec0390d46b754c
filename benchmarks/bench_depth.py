"""Depth of passages and closest approach of near misses: microseconds per passage, against the
sampled search they replaced, on (a) passage-dense synthetic traffic and (b) real flights.

(a) ``bench_detect.traffic``: great-circle flights between airports plus tracks zig-zagging across
    real borders, against the 250 embedded countries.
(b) OpenSky state vectors shipped in the ``traffic`` wheel on PyPI (``pip download traffic``;
    samples ``switzerland`` against CHE and ``quickstart`` against every country).

For each: passages are found once (``find_passages``), then timed, in the same run:
  new depth: ``distance.max_depth`` (branch and bound, exact by construction);
  old depth: the sampled search of commit ``BASELINE`` (400 samples, 48 re-ranked, golden
      section), run from ``git show`` on a random subset of the passages;
  new / old closest approach: ``closest_approaches`` with the default 20 km.
Printed: microseconds per passage (CPU time of this process, and wall time), the ratio, the
largest difference between the two depths, and peak memory (tracemalloc of each step; peak RSS).

Run: .venv/bin/python benchmarks/bench_depth.py [--points N] [--old-passages N] [--quick]
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from skyborder.airspace import world
from skyborder.airspace.index import AirspaceIndex
from skyborder.detection import distance, engine
from skyborder.detection.paths import TrackArrays
from skyborder.tracks import schema
from skyborder.units import FOOT_M

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect import track_subset, traffic

BASELINE = "ce2ed8c"  # the last commit with the sampled search
TRAFFIC_WHEEL = "traffic==2.13"
SAMPLES = {"switzerland": "CHE", "quickstart": "all"}
NEAR_M = 20_000.0


def old_distance_module():
    """The depth and near-miss search of commit BASELINE, loaded from git (None if unavailable)."""
    root = Path(__file__).resolve().parent.parent
    try:
        source = subprocess.run(["git", "show", f"{BASELINE}:src/skyborder/detection/distance.py"], cwd=root,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    source = source.replace("from ..", "from skyborder.")
    path = Path(tempfile.mkdtemp()) / "old_distance.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_distance", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class OldPositions:
    """What the old search read from positions: a running total over the whole chunk."""

    def __init__(self, pos):
        self.seg_len, self.point = pos.seg_len, pos.point
        self.along = np.r_[0.0, np.cumsum(pos.seg_len[:-1])]


def opensky_samples(cache: Path) -> dict[str, pd.DataFrame]:
    """Track tables of the OpenSky samples in the traffic wheel (downloaded once into ``cache``)."""
    wheels = list(cache.glob("traffic-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", TRAFFIC_WHEEL, "--no-deps", "--quiet", "-d",
                        str(cache)], check=True)
        wheels = list(cache.glob("traffic-*.whl"))
    tables = {}
    with zipfile.ZipFile(wheels[0]) as wheel:
        for name in SAMPLES:
            raw = pd.read_json(io.BytesIO(wheel.read(f"traffic/data/samples/collections/{name}.json.gz")),
                               compression="gzip")
            table = pd.DataFrame({
                "time": pd.to_datetime(raw["timestamp"], utc=True),
                "track_id": raw["icao24"].astype(str) + "-" + raw["callsign"].fillna("").astype(str),
                "lat": raw["latitude"], "lon": raw["longitude"], "alt_m": raw["altitude"] * FOOT_M})
            tables[name] = schema.normalize(table.dropna(subset=["lat", "lon"]))
    return tables


def timed(fn):
    """(result, CPU seconds, wall seconds, tracemalloc peak bytes) of one call."""
    tracemalloc.start()
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, cpu, wall, peak


def bench(name: str, table: pd.DataFrame, index: AirspaceIndex, old, old_passages: int) -> list[tuple]:
    arrays = TrackArrays.from_table(table)
    found = engine.find_passages(arrays, index, 60.0)
    pos, n = found.pos, len(found.airspace)
    args = (found.airspace, found.entry_fix, found.entry_s, found.exit_fix, found.exit_s)
    distance.max_depth(arrays, index, pos, *(a[:50] for a in args))  # compile, build the trees
    (depth, _, _), cpu, wall, peak = timed(lambda: distance.max_depth(arrays, index, pos, *args))
    entered = np.unique(found.track.astype(np.int64) * len(index.airspaces) + found.airspace)
    distance.closest_approaches(arrays, index, pos, found.altitudes, entered, NEAR_M)
    near, ncpu, nwall, npeak = timed(lambda: distance.closest_approaches(arrays, index, pos, found.altitudes,
                                                                         entered, NEAR_M))
    rows = [(f"{name}: fixes, tracks, passages", f"{len(arrays):,}", f"{arrays.track.max() + 1:,} tracks, "
             f"{n:,} passages, {len(near):,} near misses"),
            (f"{name}: depth (new)", f"{1e6 * cpu / n:.1f} us/passage",
             f"wall {1e6 * wall / n:.1f} us, peak {peak / 1e6:.0f} MB"),
            (f"{name}: closest approach (new)", f"{1e6 * ncpu / n:.1f} us/passage",
             f"wall {1e6 * nwall / n:.1f} us, peak {npeak / 1e6:.0f} MB, {len(arrays):,} fixes searched")]
    if old is None:
        return rows + [(f"{name}: old search", "n/a", f"commit {BASELINE} not in this checkout")]
    pick = np.sort(np.random.default_rng(5).choice(n, size=min(old_passages, n), replace=False))
    old_pos = OldPositions(pos)
    (old_depth, _, _), ocpu, owall, opeak = timed(
        lambda: old.max_depth(arrays, index, old_pos, *(a[pick] for a in args)))
    diff = np.max(np.abs(old_depth - depth[pick])) if len(pick) else 0.0
    rows += [(f"{name}: depth (old, {len(pick)} passages)", f"{1e6 * ocpu / len(pick):.0f} us/passage",
              f"wall {1e6 * owall / len(pick):.0f} us, peak {opeak / 1e6:.0f} MB; largest |old - new| "
              f"{diff:.2f} m"),
             (f"{name}: depth old / new", f"{(ocpu / len(pick)) / (cpu / n):.0f} x", "CPU time per passage")]
    _, ocpu, owall, opeak = timed(lambda: old.closest_approaches(arrays, index, old_pos, entered, NEAR_M))
    rows += [(f"{name}: closest approach (old)", f"{1e6 * ocpu / n:.1f} us/passage",
              f"wall {1e6 * owall / n:.1f} us, peak {opeak / 1e6:.0f} MB"),
             (f"{name}: closest approach old / new", f"{ocpu / max(ncpu, 1e-9):.1f} x", "")]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000, help="synthetic fixes (default 1 M)")
    parser.add_argument("--old-passages", type=int, default=300, help="passages timed with the old search")
    parser.add_argument("--quick", action="store_true", help="200 k synthetic fixes, 100 passages for the old")
    args = parser.parse_args()
    if args.quick:
        args.points, args.old_passages = 200_000, 100
    old = old_distance_module()
    cache = Path(os.environ.get("SKYBORDER_CACHE") or Path.home() / ".cache" / "skyborder")
    cache.mkdir(parents=True, exist_ok=True)
    every = AirspaceIndex(list(world.countries().values()))
    rows = bench("synthetic", track_subset(traffic(args.points), args.points), every, old, args.old_passages)
    try:
        samples = opensky_samples(cache)
    except (OSError, subprocess.CalledProcessError, KeyError, zipfile.BadZipFile) as error:
        rows.append(("opensky samples", "n/a", f"could not get the traffic wheel: {error}"))
        samples = {}
    for name, table in samples.items():
        index = every if SAMPLES[name] == "all" else AirspaceIndex(world.select(SAMPLES[name]))
        rows += bench(f"{name} ({SAMPLES[name]})", table, index, old, args.old_passages)
    rows.append(("peak RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", ""))
    width = max(len(r[0]) for r in rows)
    print("\nskyborder depth and closest-approach benchmark")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>18}  {note}")


if __name__ == "__main__":
    main()
