"""Reader throughput and memory on generated data: SBS-1 and OpenSky CSV, whole and streamed.

For each file: skyborder's reader (``read_tracks``: parsing, checks, sorting, nationality
columns) against a named baseline measured in the same run, ``pandas.read_csv`` of the same
file (parsing alone, nothing checked); then ``read_batches`` (streaming, ``--batch-rows`` per
batch). Each step runs in a fresh process; each line gives lines per second (wall clock, best of
``--repeat``) and per CPU-second (steadier on a shared machine), the ratio to the baseline, and
the peak resident memory the step added to an idle interpreter with the libraries imported.

Run: .venv/bin/python benchmarks/bench_readers.py [--lines N] [--repeat R] [--batch-rows B]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from skyborder.errors import BadInput
from skyborder.tracks.readers.sniff import read_batches, read_tracks


def write_sbs(path: str, lines: int, aircraft: int = 500, seed: int = 1) -> None:
    """dump1090-like traffic: per aircraft a rotation of MSG 3 (position), 4 (velocity), 5, 6, 1."""
    rng = np.random.default_rng(seed)
    ids = [f"{x:06X}" for x in rng.integers(0, 1 << 24, aircraft)]
    base = rng.uniform([30.0, 30.0], [40.0, 40.0], size=(aircraft, 2))
    with open(path, "w") as out:
        block = []
        for i in range(lines):
            a = i % aircraft
            step = i // aircraft
            ms = i * 2  # 2 ms between messages
            clock = f"{7 + ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
            stamp = f"2015/11/24,{clock},2015/11/24,{clock}"
            kind = (3, 3, 4, 5, 6, 1, 3, 7)[step % 8]
            hx = ids[a]
            if kind == 3:
                lat, lon = base[a] + step * 1e-4
                block.append(f"MSG,3,1,1,{hx},1,{stamp},,{30000 + step % 100},,,{lat:.5f},{lon:.5f},,,0,0,0,0")
            elif kind == 4:
                block.append(f"MSG,4,1,1,{hx},1,{stamp},,,450,{step % 360}.0,,,64,,,,,0")
            elif kind == 1:
                block.append(f"MSG,1,1,1,{hx},1,{stamp},RYR{a:04d} ,,,,,,,,,,,0")
            else:
                block.append(f"MSG,{kind},1,1,{hx},1,{stamp},,{30000 + step % 100},,,,,,1234,0,0,0,0")
            if len(block) >= 100_000:
                out.write("\r\n".join(block) + "\r\n")
                block = []
        if block:
            out.write("\r\n".join(block) + "\r\n")


def write_csv(path: str, lines: int, aircraft: int = 500, seed: int = 2) -> None:
    """An OpenSky-like state-vector CSV, one row per aircraft per second."""
    rng = np.random.default_rng(seed)
    i = np.arange(lines)
    t = 1448323200 + i // aircraft
    lat = rng.uniform(30, 40, lines).round(5)
    lon = rng.uniform(30, 40, lines).round(5)
    with open(path, "w") as out:
        out.write("time,icao24,lat,lon,velocity,heading,vertrate,callsign,onground,alert,spi,squawk,"
                  "baroaltitude,geoaltitude,lastposupdate,lastcontact\n")
        for start in range(0, lines, 200_000):
            s = slice(start, start + 200_000)
            rows = [f"{tt},{a:06x},{la},{lo},230.5,91.2,0.0,RYR{a:04d}  ,False,False,False,1234,10972.8,11003.3,"
                    f"{tt - 0.25},{tt - 0.1}" for tt, a, la, lo in zip(t[s], i[s] % aircraft, lat[s], lon[s])]
            out.write("\n".join(rows) + "\n")


STEPS: dict[str, Callable[[str, int], int]] = {
    "sbs-baseline": lambda path, _: len(pd.read_csv(path, header=None, names=range(22))),
    "csv-baseline": lambda path, _: len(pd.read_csv(path)),
    "read_tracks": lambda path, _: len(read_tracks(path, bad=BadInput())),
    "read_batches": lambda path, rows: sum(len(b) for b in read_batches(path, bad=BadInput(), batch_rows=rows)),
}


def _peak_mb() -> float:
    """This process's peak resident memory, MB (Linux VmHWM; ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(step: str, path: str, batch_rows: int) -> None:
    """In a fresh process: warm up on a tiny file, then time one step; prints wall s, CPU s, rows, MB."""
    warm = path + ".warm.csv"
    with open(warm, "w") as out:
        out.write("time,icao24,lat,lon\n1448349840,4ca2d6,35,36\n")
    read_tracks(warm)
    base = _peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    rows = STEPS[step](path, batch_rows)
    print(time.perf_counter() - started, time.process_time() - cpu, rows, _peak_mb() - base)


def measure(step: str, path: str, batch_rows: int, repeat: int) -> tuple[float, float, int, float]:
    """(best wall s, best CPU s, rows, least peak MB added) over ``repeat`` fresh processes."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--step", step, path, str(batch_rows)],
                              capture_output=True, text=True, check=True)
        wall, cpu, rows, added = done.stdout.split()
        runs.append((float(wall), float(cpu), int(rows), float(added)))
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[0][2], min(r[3] for r in runs)


def report(label: str, lines: int, result: tuple[float, float, int, float], baseline: float | None) -> None:
    wall, cpu, rows, added = result
    ratio = f"{baseline / wall:5.2f}x the baseline" if baseline else "     (baseline)"
    print(f"  {label:<30} {lines / wall / 1e3:>6,.0f} k lines/s ({lines / cpu / 1e3:>5,.0f} k/CPU-s) "
          f"{rows:>10,} rows  {ratio}   peak +{added:,.0f} MB")


def bench(name: str, path: str, lines: int, baseline: str, repeat: int, batch_rows: int) -> None:
    print(f"{name}: {lines:,} lines, {os.path.getsize(path) / 1e6:,.0f} MB")
    base = measure(baseline, path, batch_rows, repeat)
    report("baseline pandas.read_csv", lines, base, None)
    report("skyborder read_tracks", lines, measure("read_tracks", path, batch_rows, repeat), base[0])
    report(f"skyborder read_batches ({batch_rows:,})", lines, measure("read_batches", path, batch_rows, repeat),
           base[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--step", nargs=3, metavar=("STEP", "PATH", "BATCH_ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        run_step(args.step[0], args.step[1], int(args.step[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        sbs, csv = os.path.join(tmp, "feed.sbs"), os.path.join(tmp, "states.csv")
        write_sbs(sbs, args.lines)
        bench("SBS-1", sbs, args.lines, "sbs-baseline", args.repeat, args.batch_rows)
        os.remove(sbs)
        write_csv(csv, args.lines)
        bench("OpenSky CSV", csv, args.lines, "csv-baseline", args.repeat, args.batch_rows)


if __name__ == "__main__":
    main()
