"""Analysis costs: drawing paths for the probability of violation, tracing paths for claim checks.

1. Posterior path draws (``analysis.smoothing``): the banded state-space sampler used by
   ``violation_probability`` against the baseline a dense Gaussian-process sampler would use
   (posterior covariance at the query times, its Cholesky factor, one matrix product), measured in
   the same run at growing numbers of query times, 2,000 paths each.
2. Claim-check tracing (``analysis.pathsearch``): paths traced per second by the compiled tracer
   against the same work done with NumPy over all samples (the baseline), on the TUR boundary at the
   Hatay salient.
3. One passage's probability end to end (the demo's TR-claim passage, radar error), and peak memory.

Run: .venv/bin/python benchmarks/bench_analysis.py
"""
from __future__ import annotations

import resource
import time

import numpy as np

from skyborder.airspace import world
from skyborder.analysis.pathsearch import Paths, SignedDistanceRaster, fan_out, path_xy, trace
from skyborder.analysis.plane import LocalPlane
from skyborder.analysis.position_error import fix_sigma
from skyborder.analysis.probability import violation_probability
from skyborder.analysis.smoothing import PathPosterior
from skyborder.demo import evidence
from skyborder.detection.engine import detect


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_draws() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(0.0, 240.0, 4.0)
    xy = np.column_stack([250.0 * t + rng.normal(0, 150, len(t)), rng.normal(0, 150, len(t))])
    posterior = PathPosterior(t, xy, np.full(len(t), 150.0), 50.0)

    def dense(tq: np.ndarray) -> np.ndarray:
        mean, cov = posterior.mean_and_covariance(tq)
        root = np.linalg.cholesky(cov + 1e-6 * np.eye(len(tq)))
        return np.stack([(root @ rng.standard_normal((len(tq), 2000))).T + mean[None, :, a] for a in (0, 1)], axis=2)

    print("posterior draws, 2,000 paths (best of 3)")
    print(f"{'query times':>12} {'banded s':>10} {'dense s':>10} {'dense / banded':>15}")
    for m in (500, 1000, 2000, 4000):
        tq = np.linspace(0.0, 236.0, m)
        banded = timed(lambda tq=tq: posterior.sample(tq, 2000, rng))
        baseline = timed(lambda tq=tq: dense(tq))
        print(f"{m:>12} {banded:>10.3f} {baseline:>10.3f} {baseline / banded:>14.1f}x")


def numpy_trace(raster: SignedDistanceRaster, paths: Paths, step: float, max_length: float, skip: float):
    """The baseline: every sample of every path evaluated with NumPy, then the first exit found."""
    s = (np.arange(int(np.ceil(max_length / step)) + 1) * step)[None, :]
    x, y = path_xy(paths.x0, paths.y0, paths.heading, paths.curvature, s)
    f = raster.signed(x, y)
    out = (f <= 0) & (s > skip)
    first = np.where(out.any(axis=1), out.argmax(axis=1), f.shape[1])
    depth = np.where(np.arange(f.shape[1])[None, :] < first[:, None], f, -np.inf).max(axis=1)
    return first, depth


def bench_tracing() -> None:
    plane = LocalPlane(36.15, 35.812)
    turkey = world.country("TUR")
    raster = SignedDistanceRaster(plane, turkey, 12_000.0, 10.0)
    boundary = plane.boundary(turkey, 5_000.0)
    from skyborder.analysis.pathsearch import boundary_points

    ex, ey, part, along, _ = boundary_points(boundary, 4_000.0, 50.0)
    entries = Paths(ex, ey, np.zeros(len(ex)), np.zeros(len(ex)), part, along)
    paths = fan_out(raster, entries, np.radians(np.arange(0.0, 360.0, 3.0)), np.array([0.0, 1 / 2000, -1 / 2000]),
                    30.0)
    trace(raster, paths.take(np.arange(10)), 20.0, 6_000.0, 30.0)  # compile once
    compiled = timed(lambda: trace(raster, paths, 20.0, 6_000.0, 30.0))
    sub = paths.take(np.arange(min(len(paths), 5_000)))
    baseline = timed(lambda: numpy_trace(raster, sub, 20.0, 6_000.0, 30.0), repeat=1) * len(paths) / len(sub)
    print(f"\nclaim-check tracing, {len(paths):,} paths up to 6 km, 20 m steps")
    print(f"  compiled tracer  {len(paths) / compiled:>12,.0f} paths/s")
    print(f"  NumPy baseline   {len(paths) / baseline:>12,.0f} paths/s   compiled / NumPy: {baseline / compiled:.1f}x")


def bench_passage() -> None:
    tracks = evidence.tracks()
    tracks = tracks[tracks["track_id"] == "TR-claim"]
    airspaces = [world.country("TUR")]
    result = detect(tracks, airspaces, near_m=0)
    sigma = fix_sigma(tracks, "radar")
    violation_probability(tracks, result, airspaces, sigma)
    seconds = timed(lambda: violation_probability(tracks, result, airspaces, sigma), repeat=2)
    print(f"\nprobability of one passage (demo TR-claim, radar 150 m, 2,000 paths): {seconds:.2f} s")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    bench_draws()
    bench_tracing()
    bench_passage()
