"""Peak memory of ``skyborder detect --airspace all`` against input size (a table).

For each size, synthetic traffic (``synthetic.py``, written in batches) goes to a Parquet file
sorted by track, then ``skyborder detect FILE --airspace all --format csv`` runs in a fresh
process capped with ``prlimit --as=8 GB``, one size at a time. Printed: fixes, wall time, the
depth search's time, peak resident memory and whether it stays within the 1.5 GB bound.
``--skip-depth`` replaces today's depth search (being replaced by the engine-depth work) with
zeros, to measure everything else on big inputs in reasonable time; the table says so.

Run: .venv/bin/python benchmarks/bench_memory.py [--sizes 100000,1000000,5000000,20000000] [--skip-depth]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

from bench_detect import run_detect
from synthetic import write_parquet

BOUND_MB = 1500.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000,5000000,20000000", help="fixes per input, comma list")
    parser.add_argument("--skip-depth", action="store_true", help="measure without today's depth search")
    args = parser.parse_args()
    print(f"\npeak memory of skyborder detect --airspace all (Parquet sorted by track, CSV out)"
          f"{'; depth search skipped' if args.skip_depth else ''}")
    print(f"  {'fixes':>12}  {'wall s':>8}  {'depth s':>8}  {'near s':>7}  {'peak RSS MB':>11}  within 1.5 GB")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "traffic.parquet")
            n = write_parquet(path, size)
            start = time.perf_counter()
            run = run_detect([path, "--airspace", "all", "--format", "csv", "-o", os.path.join(tmp, "out.csv"), "-q"],
                             skip_depth=args.skip_depth)
            wall = time.perf_counter() - start
        ok = "yes" if run["peak_rss_mb"] <= BOUND_MB else "NO"
        print(f"  {n:>12,}  {wall:>8.0f}  {run['depth_s']:>8.0f}  {run['near_s']:>7.0f}  {run['peak_rss_mb']:>11.0f}"
              f"  {ok}", flush=True)


if __name__ == "__main__":
    main()
