"""Reader throughput on generated data: SBS-1 and CSV lines per second (printed).

Run: .venv/bin/python benchmarks/bench_readers.py [--lines N]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from skyborder.errors import BadInput
from skyborder.tracks.readers.sbs import read_sbs
from skyborder.tracks.readers.tabular import read_table


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


def timed(label: str, lines: int, read, path: str) -> None:
    """Read once and print wall-clock and CPU throughput (CPU time is steadier on a shared machine)."""
    bad = BadInput()
    start, cpu = time.perf_counter(), time.process_time()
    table = read(path, bad=bad)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label}: {lines:,} lines in {elapsed:.2f} s = {lines / elapsed / 1e3:,.0f} k lines/s "
          f"(CPU {cpu:.2f} s = {lines / cpu / 1e3:,.0f} k lines per CPU-second; "
          f"{len(table):,} fixes, {bad.total} bad)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sbs, csv = os.path.join(tmp, "feed.sbs"), os.path.join(tmp, "states.csv")
        write_sbs(sbs, args.lines)
        timed("SBS-1", args.lines, read_sbs, sbs)
        write_csv(csv, args.lines)
        timed("OpenSky CSV", args.lines, read_table, csv)


if __name__ == "__main__":
    main()
