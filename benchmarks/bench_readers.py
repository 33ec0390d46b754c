"""Reader throughput and memory on generated data: SBS-1 and OpenSky CSV, whole and streamed.

For each file: skyborder's reader (``read_tracks``: parsing, checks, sorting, nationality
columns) against a named baseline measured in the same run, ``pandas.read_csv`` of the same
file (parsing alone, nothing checked); then ``read_batches`` (streaming, ``--batch-rows`` per
batch). Each line gives lines per second (wall clock, best of ``--repeat``), the ratio to the
baseline, and the peak resident memory the step added (Linux: VmHWM reset before each step).

Run: .venv/bin/python benchmarks/bench_readers.py [--lines N] [--repeat R] [--batch-rows B]
"""
from __future__ import annotations

import argparse
import os
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


def _peak_kb() -> int | None:
    """This process's peak resident memory since the last reset, kB (Linux), else None."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None


def _reset_peak() -> int | None:
    """Reset the peak to the current resident size (Linux clear_refs 5); returns that size, kB."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return None
    return _peak_kb()


def measure(run: Callable[[], int], repeat: int) -> tuple[float, int, float | None]:
    """(best wall seconds, rows, peak MB added) of ``run`` (which returns a row count)."""
    best, rows, added = float("inf"), 0, None
    for _ in range(repeat):
        base = _reset_peak()
        started = time.perf_counter()
        rows = run()
        best = min(best, time.perf_counter() - started)
        peak = _peak_kb()
        if base is not None and peak is not None:
            added = (peak - base) / 1024 if added is None else min(added, (peak - base) / 1024)
    return best, rows, added


def report(label: str, lines: int, seconds: float, rows: int, added: float | None, baseline: float | None) -> None:
    ratio = f"   {baseline / seconds:5.2f}x the baseline's speed" if baseline else "   (baseline)"
    memory = f"   peak +{added:,.0f} MB" if added is not None else ""
    print(f"  {label:<34} {lines / seconds / 1e3:>7,.0f} k lines/s  {rows:>10,} rows{ratio}{memory}")


def bench(name: str, path: str, lines: int, baseline: Callable[[], int], repeat: int, batch_rows: int) -> None:
    print(f"{name}: {lines:,} lines, {os.path.getsize(path) / 1e6:,.0f} MB")
    base_s, rows, added = measure(baseline, repeat)
    report("baseline pandas.read_csv", lines, base_s, rows, added, None)
    bad = BadInput()
    s, rows, added = measure(lambda: len(read_tracks(path, bad=bad)), repeat)
    report("skyborder read_tracks", lines, s, rows, added, base_s)
    s, rows, added = measure(lambda: sum(len(b) for b in read_batches(path, batch_rows=batch_rows)), repeat)
    report(f"skyborder read_batches ({batch_rows:,})", lines, s, rows, added, base_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sbs, csv = os.path.join(tmp, "feed.sbs"), os.path.join(tmp, "states.csv")
        write_sbs(sbs, args.lines)
        bench("SBS-1", sbs, args.lines, lambda: len(pd.read_csv(sbs, header=None, names=range(22))), args.repeat,
              args.batch_rows)
        os.remove(sbs)
        write_csv(csv, args.lines)
        bench("OpenSky CSV", csv, args.lines, lambda: len(pd.read_csv(csv)), args.repeat, args.batch_rows)


if __name__ == "__main__":
    main()
