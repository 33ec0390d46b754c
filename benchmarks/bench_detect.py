"""Detection against geopandas ``sjoin`` on passage-dense synthetic traffic, end to end.

Traffic: ``synthetic.py`` (great-circle flights between real airports plus 5 % of tracks hugging
real borders), written to Parquet sorted by track. Measured in one run, on the same fixes, all
250 embedded countries:
  (a) ``AirspaceIndex.classify`` (point -> set of countries containing it), best of 3;
  (b) end to end ``skyborder detect FILE.parquet --airspace all --format csv`` in a fresh,
      memory-capped process (read Parquet -> passages with depth and near misses -> CSV), with
      the time of the depth search and of the near-miss search printed apart;
  (c) geopandas ``sjoin`` (points within country polygons) on a random subset, as points per s;
plus the world index (cold build, memory-mapped load), the start-up of ``skyborder --help`` and
the time to the first result on a small file, and peak resident memory beside each figure.

Run: .venv/bin/python benchmarks/bench_detect.py [--points N] [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from skyborder.airspace import world
from skyborder.airspace.cache import IndexCache
from skyborder.airspace.index import AirspaceIndex
from synthetic import write_parquet

ROOT = Path(__file__).resolve().parent.parent
CAP = ["prlimit", "--as=8000000000", "--"]
SKYBORDER = str(Path(sys.executable).parent / "skyborder")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def sjoin_rate(airspaces, lon: np.ndarray, lat: np.ndarray) -> float:
    """Points per second of geopandas ``sjoin`` (points within country polygons)."""
    import geopandas as gpd

    countries = gpd.GeoDataFrame({"code": [a.name for a in airspaces]},
                                 geometry=[a.geometry for a in airspaces], crs="EPSG:4326")
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    gpd.sjoin(points.iloc[:1000], countries, predicate="within")  # builds the tree once
    start = time.perf_counter()
    gpd.sjoin(points, countries, predicate="within")
    return len(lon) / (time.perf_counter() - start)


def best_of(repeat: int, fn) -> float:
    """Shortest wall time (s) of ``repeat`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_detect(args: list[str], skip_depth: bool = False) -> dict:
    """``skyborder detect ARGS`` in a fresh capped process: times, peak RSS (see run_detect.py)."""
    flags = ["--skip-depth"] if skip_depth else []
    done = subprocess.run(CAP + [sys.executable, str(ROOT / "benchmarks" / "run_detect.py"), *flags, "--",
                                 "detect", *args], check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=5_000_000, help="fixes to generate (default 5 M)")
    parser.add_argument("--sjoin-points", type=int, default=300_000, help="random subset for the sjoin baseline")
    parser.add_argument("--quick", action="store_true", help="300 k fixes, 50 k for sjoin")
    args = parser.parse_args()
    if args.quick:
        args.points, args.sjoin_points = 300_000, 50_000
    airspaces = list(world.countries().values())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = IndexCache(os.path.join(tmp, "cache"))
        start = time.perf_counter()
        AirspaceIndex.load_or_build(airspaces, cache=cache)
        build_s, build_rss = time.perf_counter() - start, peak_rss_mb()
        start = time.perf_counter()
        index = AirspaceIndex.load_or_build(airspaces, cache=cache)
        load_s = time.perf_counter() - start
        rows += [("world index: cold build", f"{build_s:.1f} s", f"peak RSS of this process {build_rss:.0f} MB"),
                 ("world index: memory-mapped load", f"{load_s:.2f} s", "from the disk cache")]

        path = os.path.join(tmp, "traffic.parquet")
        start = time.perf_counter()
        n = write_parquet(path, args.points)
        gen_s = time.perf_counter() - start
        columns = pq.read_table(path, columns=["lon", "lat", "track_id"])
        lon, lat = columns["lon"].to_numpy(), columns["lat"].to_numpy()
        n_tracks = len(columns["track_id"].unique())
        del columns
        rows.append(("traffic generated", f"{n:,} fixes", f"{n_tracks:,} tracks (5 % border-hugging) in {gen_s:.0f} s"))

        index.classify(lon[:10_000], lat[:10_000])  # compiled code loaded
        classify_s = best_of(3, lambda: index.classify(lon, lat))
        pick = np.random.default_rng(7).choice(n, size=min(args.sjoin_points, n), replace=False)
        sjoin_pps = sjoin_rate(airspaces, lon[pick], lat[pick])

        out = os.path.join(tmp, "passages.csv")
        e2e = run_detect([path, "--airspace", "all", "--format", "csv", "-o", out, "-q"])
        found = Path(out).read_text().splitlines()[1:]
        passages = sum(1 for line in found if ",near," not in line)
        small = os.path.join(tmp, "small.csv")
        Path(small).write_text("time,track_id,lat,lon,alt_m\n" + "".join(
            f"2015-11-24T07:23:{4 * i:02d}Z,SU24,35.83,{36.25 - 0.01 * i:.3f},5791\n" for i in range(15)))
        help_s = best_of(5, lambda: subprocess.run([SKYBORDER, "--help"], check=True, capture_output=True))
        first_s = best_of(3, lambda: subprocess.run([SKYBORDER, "detect", small, "--airspace", "TUR", "-q"],
                                                    check=True, capture_output=True))

    classify_pps, detect_pps = n / classify_s, n / e2e["wall_s"]
    rest_s = e2e["wall_s"] - e2e["depth_s"] - e2e["near_s"]
    rows += [
        ("(a) classify", f"{classify_pps / 1e6:.1f} M pts/s", f"{classify_s:.2f} s, best of 3"),
        ("(b) detect end to end", f"{detect_pps / 1e6:.3f} M pts/s",
         f"{e2e['wall_s']:.0f} s: {passages:,} passages, {len(found) - passages:,} near misses; "
         f"peak RSS {e2e['peak_rss_mb']:.0f} MB (bound 1500)"),
        ("    of which depth search", f"{e2e['depth_s']:.0f} s",
         f"{1e6 * e2e['depth_s'] / max(passages, 1):,.0f} us per passage (target <= 50; engine-depth replaces it)"),
        ("    of which near misses", f"{e2e['near_s']:.0f} s", ""),
        ("    the rest", f"{rest_s:.0f} s", f"{n / rest_s / 1e6:.2f} M pts/s (read, classify, crossings, "
                                          "passages, write)"),
        ("(c) geopandas sjoin", f"{sjoin_pps / 1e6:.3f} M pts/s", f"on {len(pick):,} of the fixes"),
        ("classify / sjoin", f"{classify_pps / sjoin_pps:.0f} x", "target >= 300 x"),
        ("detect / sjoin", f"{detect_pps / sjoin_pps:.2f} x", "target >= 30 x"),
        ("detect without depth / sjoin", f"{n / (e2e['wall_s'] - e2e['depth_s']) / sjoin_pps:.2f} x",
         "what the rest gives until the depth search is replaced"),
        ("start-up: skyborder --help", f"{help_s:.2f} s", "target <= 0.5 s"),
        ("first result, 15-fix file", f"{first_s:.2f} s", "target <= 1.5 s (index from the disk cache)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nskyborder detection benchmark: {n:,} fixes, 250 countries")
    for name, value, note in rows:
        print(f"  {name:<{width}}  {value:>16}  {note}")


if __name__ == "__main__":
    main()
