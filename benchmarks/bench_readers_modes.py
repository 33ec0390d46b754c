"""Mode S reader throughput: skyborder's AVR and Beast readers vs pyModeS alone, same frames.

The frames are the simulator's ``busy`` scenario (positions, velocities, identifications,
DF5 squawks and DF11 squitters, as a receiver hears them). pyModeS alone is its streaming
``PipeDecoder`` (the decoder that pairs CPR frames into positions) fed the same frames as hex
strings already in memory; the readers start from the file bytes and end with a track table.

Run: .venv/bin/python benchmarks/bench_readers_modes.py [--aircraft N] [--duration S]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import pyModeS as pms

from skyborder.errors import BadInput
from skyborder.sim import traffic as simulate
from skyborder.tracks.readers.modes import read_avr, read_beast


def best_of(repeat: int, runs: dict) -> dict[str, float]:
    """The fastest of ``repeat`` rounds of each run, seconds; the runs take turns within a round
    so that load from other processes falls on all of them alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def pymodes_pipe(frames: list[str], times: list[float]) -> int:
    pipe = pms.PipeDecoder()
    positions = 0
    for frame, t in zip(frames, times):
        if pipe.decode(frame, timestamp=t).get("latitude") is not None:
            positions += 1
    return positions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aircraft", type=int, default=100)
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    items = simulate.emissions(simulate.busy(args.aircraft, seed=1, duration_s=args.duration))
    frames = [e.frame.hex() for e in items]
    times = [e.time_s for e in items]
    n = len(frames)
    positions = sum(e.kind == "position" for e in items)
    print(f"{n} frames ({positions} positions) from {args.aircraft} aircraft over {args.duration:g} s")

    with tempfile.TemporaryDirectory() as tmp:
        paths = {fmt: os.path.join(tmp, f"busy.{fmt}") for fmt in ("avr", "beast")}
        for fmt, path in paths.items():
            simulate.write(items, fmt, path)

        for fmt, reader in (("avr", read_avr), ("beast", read_beast)):
            bad = BadInput()
            table = reader(paths[fmt], bad, start_time=0.0)
            assert bad.total == 0 and len(table) == positions, (bad.summary(), len(table), positions)
        seconds = best_of(args.repeat, {
            "pyModeS PipeDecoder": lambda: pymodes_pipe(frames, times),
            "pyModeS decode (stateless)": lambda: [pms.decode(f) for f in frames],
            "skyborder read_avr": lambda: read_avr(paths["avr"], BadInput(), start_time=0.0),
            "skyborder read_beast": lambda: read_beast(paths["beast"], BadInput(), start_time=0.0),
        })
    pipe_s = seconds["pyModeS PipeDecoder"]
    for name, s in seconds.items():
        note = "   (no CPR pairing, no positions)" if "stateless" in name else ""
        ratio = "" if "pyModeS" in name else f"   {pipe_s / s:.2f}x pyModeS PipeDecoder"
        print(f"{name:<28} {n / s:>10,.0f} frames/s{ratio}{note}")
    print(f"positions: readers {positions} of {positions}, pyModeS PipeDecoder alone "
          f"{pymodes_pipe(frames, times)} (it holds the first ones while it bootstraps)")


if __name__ == "__main__":
    main()
