"""Run ``skyborder detect`` in this process, timing the depth and near-miss searches; print JSON.

The benchmarks start it as a child process (a fresh process, memory capped with ``prlimit``), so
that its peak resident memory is the command's own.

Run: python benchmarks/run_detect.py [--skip-depth] -- DETECT ARGUMENTS...
"""
from __future__ import annotations

import json
import resource
import sys
import time
from types import ModuleType

import numpy as np


class StageTimer:
    """Wall time spent in named functions of a module while active (wraps, then restores them)."""

    def __init__(self, module: ModuleType, names: list[str]):
        self.module, self.names, self.seconds = module, names, dict.fromkeys(names, 0.0)

    def __enter__(self) -> StageTimer:
        self.saved = {name: getattr(self.module, name) for name in self.names}
        for name, fn in self.saved.items():
            def timed(*args, _fn=fn, _name=name, **kwargs):
                start = time.perf_counter()
                try:
                    return _fn(*args, **kwargs)
                finally:
                    self.seconds[_name] += time.perf_counter() - start
            setattr(self.module, name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, fn in self.saved.items():
            setattr(self.module, name, fn)


def main() -> None:
    args = sys.argv[1:]
    skip_depth = "--skip-depth" in args[:args.index("--")]
    argv = args[args.index("--") + 1:]
    from skyborder.cli import main as skyborder
    from skyborder.detection import distance

    if skip_depth:  # memory of everything but the depth search (being replaced: see the README)
        def no_depth(arrays, index, pos, air, *rest):
            return np.zeros(len(air)), np.zeros(len(air)), np.zeros(len(air))

        distance.max_depth = no_depth
    with StageTimer(distance, ["max_depth", "closest_approaches"]) as stages:
        start = time.perf_counter()
        code = skyborder(argv)
        wall = time.perf_counter() - start
    print(json.dumps({"code": code, "wall_s": wall, "depth_s": stages.seconds["max_depth"],
                      "near_s": stages.seconds["closest_approaches"],
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                      "skip_depth": skip_depth}))


if __name__ == "__main__":
    main()
