"""The probability that a passage (or a near miss) really was inside, given the position error of
its source, with intervals for its duration and depth.

For every row of a ``detect`` result the *window* is the time the row is about (a passage: entry
to exit, open ends at the track's ends; a near miss: its closest approach) widened by
``margin_s`` each way. The question answered: was the true path inside the airspace at some time
in that window? And for how long, how deep?

How (``analysis.smoothing`` has the model): the fixes from ``context_s`` before to ``context_s``
after the window give a Gaussian posterior of the true path (nearly-constant-velocity motion,
the fix errors of ``analysis.position_error``); ``samples`` paths are drawn from it (a fixed seed)
at the fix times and in between, no more than ``step`` metres apart along the path (half the
error, between 10 and 50 m; legs that stay ten errors outside are not divided); each drawn path is
tested point by point against the airspace (exact polygon test in a local azimuthal equidistant
plane, vertical limits on the reported altitude). ``p_inside`` is the share of drawn paths inside
at some point; the duration inside is summed over the steps (a step half inside counts half); the
depth is the largest distance to the boundary (nearest of boundary points every 2.5 m). A path can
be deeper between its points by at most half a step, and a crossing is timed to within a step.

Analytic where the geometry allows: a window with a single fix near a straight stretch of boundary
(within ``STRAIGHT_REACH_SIGMAS`` errors of the fix, straight to 1 % of the error) has
``p = Phi(d / sigma)`` for the fix's signed distance ``d``, and depth quantiles
``max(0, d + sigma z)``.

Windows with more than ``max_fixes`` fixes are cut into consecutive pieces, each drawn on its own
(the pieces are far apart in time compared with the error's reach, so this loses little); each
drawn path's pieces are joined sample by sample.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from scipy.stats import norm

from ..airspace.model import Airspace
from ..arrays import expand_ranges
from ..detection.result import Column
from ..errors import InputError
from ..tracks import schema
from .plane import LocalPlane
from .smoothing import PathPosterior

__all__ = ["UNCERTAINTY_COLUMNS", "ViolationSettings", "violation_probability"]

QUANTILES = (0.05, 0.5, 0.95)
STRAIGHT_REACH_SIGMAS = 8.0
REACH_SIGMAS = 10.0  # the plane's area and boundary reach this many errors beyond the window's fixes
MIN_STEP_M, MAX_STEP_M = 10.0, 50.0  # spacing of the drawn paths' points: half the error, within these
COARSE_SPACING_M, COARSE_FROM_M = 100.0, 1_000.0  # boundary points for depths beyond 1 km (error <= 1.25 m)
MAX_BOUNDARY_REACH_M = 2_000_000.0  # how far the boundary is looked for around a window
UNCERTAINTY_COLUMNS: tuple[Column, ...] = (
    Column("p_inside", "float64", "", "probability that the true path was inside at some time in the window"),
    Column("p_stderr", "float64", "", "Monte Carlo standard error of p_inside (0 when analytic)"),
    Column("duration_low_s", "float64", "s", "5th percentile of the time inside within the window"),
    Column("duration_median_s", "float64", "s", "median time inside within the window"),
    Column("duration_high_s", "float64", "s", "95th percentile of the time inside within the window"),
    Column("depth_low_m", "float64", "m", "5th percentile of the maximum depth (0 when not inside)"),
    Column("depth_median_m", "float64", "m", "median maximum depth"),
    Column("depth_high_m", "float64", "m", "95th percentile of the maximum depth"),
    Column("sigma_m", "float64", "m", "median horizontal position error (per axis) of the window's fixes"),
    Column("q_m2s3", "float64", "m^2/s^3", "the motion model's acceleration noise (REML estimate)"),
    Column("method", "object", "", "analytic or monte-carlo"),
    Column("samples", "int64", "", "paths drawn (0 when analytic)"),
    Column("window_start", "datetime64[ns, UTC]", "UTC", "start of the window the probability is about"),
    Column("window_end", "datetime64[ns, UTC]", "UTC", "end of the window the probability is about"),
)


@dataclass(frozen=True)
class ViolationSettings:
    """How the probabilities are computed (seconds, metres, counts)."""

    samples: int = 2000
    seed: int = 20151124
    margin_s: float = 30.0
    context_s: float = 120.0
    q: float | None = None  # m^2/s^3; None: REML per window
    max_fixes: int = 200
    max_points: int = 4000  # query times per window piece (the step grows to stay below)


@dataclass
class _Draws:
    """Per drawn path: inside at some point, time inside (s), maximum depth (m)."""

    entered: np.ndarray
    duration: np.ndarray
    depth: np.ndarray


def violation_probability(tracks: pd.DataFrame, result: pd.DataFrame, airspaces: Sequence[Airspace],
                          sigma: np.ndarray, settings: ViolationSettings = ViolationSettings()) -> pd.DataFrame:
    """The probability and intervals of every row of a ``detect`` result.

    Parameters
    ----------
    tracks : DataFrame
        The track table ``result`` was computed from.
    result : DataFrame
        A ``detect`` result (passages and near misses).
    airspaces : sequence of Airspace
        Those ``result`` names.
    sigma : ndarray
        Per-axis horizontal error (m) of each fix of ``tracks``, in its row order
        (``position_error.fix_sigma``).
    settings : ViolationSettings

    Returns
    -------
    DataFrame
        ``UNCERTAINTY_COLUMNS``, indexed like ``result``.
    """
    if len(sigma) != len(tracks):
        raise InputError("one position error per fix is needed")
    if settings.samples < 10:
        raise InputError("--samples must be at least 10")
    by_name = {a.name: a for a in airspaces}
    table = tracks.assign(_sigma=np.asarray(sigma, float))
    table = schema.normalize(table) if "_sigma" in table else table
    groups = dict(list(table.groupby("track_id", sort=False)))
    rows = [_row(groups[str(r["track_id"])], r, by_name[r["airspace"]], settings)
            for _, r in result.iterrows()]
    frame = pd.DataFrame(rows, index=result.index) if rows else pd.DataFrame(index=result.index)
    for column in UNCERTAINTY_COLUMNS:
        if column.name not in frame:
            frame[column.name] = pd.Series(dtype=column.dtype)
    return frame[[c.name for c in UNCERTAINTY_COLUMNS]]


def _window(track: pd.DataFrame, row: pd.Series, margin_s: float) -> tuple[pd.Timestamp, pd.Timestamp]:
    first, last = track["time"].iloc[0], track["time"].iloc[-1]
    if row["status"] == "near":
        a = b = row["closest_approach_time"]
    else:
        a = row["entry_time"] if not pd.isna(row["entry_time"]) else first
        b = row["exit_time"] if not pd.isna(row["exit_time"]) else last
    margin = pd.Timedelta(seconds=margin_s)
    return max(a - margin, first), min(b + margin, last)


def _row(track: pd.DataFrame, row: pd.Series, airspace: Airspace, settings: ViolationSettings) -> dict:
    start, end = _window(track, row, settings.margin_s)
    times = pd.DatetimeIndex(track["time"])
    inside_window = np.flatnonzero((times >= start) & (times <= end))
    context = pd.Timedelta(seconds=settings.context_s)
    sigma = track["_sigma"].to_numpy(float)
    base = {"sigma_m": float(np.median(sigma[inside_window])) if len(inside_window) else float(np.median(sigma)),
            "window_start": start, "window_end": end}
    conditioning = np.flatnonzero((times >= start - context) & (times <= end + context))
    if len(conditioning) == 1:
        analytic = _analytic_single_fix(track.iloc[conditioning[0]], airspace, float(sigma[conditioning[0]]))
        if analytic is not None:
            return base | analytic
    rng = np.random.default_rng(settings.seed)
    pieces = _pieces(times, inside_window, start, end, settings.max_fixes)
    draws, qs = [], []
    for a, b in pieces:
        d, q = _draw_piece(track, times, sigma, a, b, context, airspace, settings, rng)
        draws.append(d)
        qs.append(q)
    entered = np.logical_or.reduce([d.entered for d in draws])
    duration = np.sum([d.duration for d in draws], axis=0)
    depth = np.max([d.depth for d in draws], axis=0)
    p = float(entered.mean())
    n = settings.samples
    return base | {"p_inside": p, "p_stderr": math.sqrt(max(p * (1 - p), 0.0) / n),
                   **_quantiles("duration", "_s", duration), **_quantiles("depth", "_m", depth),
                   "q_m2s3": float(np.median(qs)), "method": "monte-carlo", "samples": n}


def _quantiles(name: str, unit: str, values: np.ndarray) -> dict:
    low, median, high = np.quantile(values, QUANTILES)
    return {f"{name}_low{unit}": float(low), f"{name}_median{unit}": float(median), f"{name}_high{unit}": float(high)}


def _pieces(times: pd.DatetimeIndex, inside_window: np.ndarray, start: pd.Timestamp, end: pd.Timestamp,
            max_fixes: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The window cut at fix times into consecutive pieces of at most ``max_fixes`` fixes."""
    if len(inside_window) <= max_fixes:
        return [(start, end)]
    cuts = [times[i] for i in inside_window[max_fixes::max_fixes]]
    bounds = [start, *cuts, end]
    return list(zip(bounds[:-1], bounds[1:]))


def _draw_piece(track: pd.DataFrame, times: pd.DatetimeIndex, sigma: np.ndarray, a: pd.Timestamp,
                b: pd.Timestamp, context: pd.Timedelta, airspace: Airspace, settings: ViolationSettings,
                rng: np.random.Generator) -> tuple[_Draws, float]:
    """Draw the true path over [a, b] from the posterior of the fixes around it and measure each."""
    cond = np.flatnonzero((times >= a - context) & (times <= b + context))
    lon, lat = track["lon"].to_numpy(float)[cond], track["lat"].to_numpy(float)[cond]
    plane = LocalPlane(float(np.mean(lon)), float(np.mean(lat)))
    x, y = plane.to_plane(lon, lat)
    t0 = times[cond[0]]
    t = np.asarray((times[cond] - t0).total_seconds(), float)
    s_cond = sigma[cond]
    posterior = PathPosterior.fit(t, np.column_stack([x, y]), s_cond, settings.q)
    step = float(np.clip(np.min(s_cond) / 2.0, MIN_STEP_M, MAX_STEP_M))
    reach = float(np.max(np.hypot(x, y))) + REACH_SIGMAS * float(np.max(s_cond)) + MAX_STEP_M
    area = plane.area(airspace, reach)
    tree = _boundary_tree(plane, airspace, reach, MIN_STEP_M / 4.0)
    tq = _query_times(t, x, y, (a - t0).total_seconds(), (b - t0).total_seconds(), step, settings.max_points,
                      lambda px, py: np.where(shapely.contains_xy(area, px, py), -1.0, tree.query(
                          np.column_stack([px, py]))[0]) > REACH_SIGMAS * float(np.max(s_cond)))
    paths = posterior.sample(tq, settings.samples, rng)
    inside = shapely.contains_xy(area, paths[..., 0], paths[..., 1])
    if airspace.has_vertical_limits and "alt_m" in track:
        alt = np.interp(tq, t, track["alt_m"].to_numpy(float)[cond])
        inside &= np.isnan(alt) | ((alt >= airspace.floor_m) & (alt <= airspace.ceiling_m))
    half_in = 0.5 * (inside[:, 1:].astype(float) + inside[:, :-1])
    duration = half_in @ np.diff(tq) if len(tq) > 1 else np.zeros(len(paths))
    depth = _max_depth(paths, inside, tree, lambda r: _boundary_tree(plane, airspace, max(r, reach), COARSE_SPACING_M))
    return _Draws(inside.any(axis=1), duration, depth), posterior.q


def _max_depth(paths: np.ndarray, inside: np.ndarray, tree: cKDTree,
               coarse_within: Callable[[float], cKDTree]) -> np.ndarray:
    """Each drawn path's largest distance (m) to the boundary at its inside points (0 when never
    inside), querying only the times that can hold a maximum.

    Distance to the boundary is 1-Lipschitz: at each time every path lies within ``spread`` (its
    largest deviation from the paths' mean there) of the mean, whose depth is ``d``. So every path
    reaches at least ``L = max(d - spread)`` and a time with ``d + spread < L`` cannot hold any
    path's maximum. Far from the boundary a nearest-point query is slow: points at least
    ``COARSE_FROM_M`` deep are measured against boundary points every ``COARSE_SPACING_M``, which
    overstates a distance ``D`` by at most ``spacing^2 / (8 D)`` (1.25 m). ``coarse_within(r)``
    gives those points within ``r`` of the plane's centre: ``r`` is grown until it holds the
    nearest boundary point of every point measured.
    """
    mean = paths.mean(axis=0)
    spread = np.sqrt(((paths - mean[None]) ** 2).sum(axis=2)).max(axis=0)
    radius = float(np.max(np.hypot(mean[:, 0], mean[:, 1]) + spread))
    reach = 2.0 * radius
    coarse = coarse_within(reach)
    d = coarse.query(mean)[0]
    while float(np.max(np.hypot(mean[:, 0], mean[:, 1]) + d + 2 * spread)) > reach and reach < MAX_BOUNDARY_REACH_M:
        reach = 1.5 * float(np.max(np.hypot(mean[:, 0], mean[:, 1]) + d + 2 * spread))
        coarse = coarse_within(reach)
        d = coarse.query(mean)[0]
    near = d - spread < COARSE_FROM_M + COARSE_SPACING_M
    d[near] = tree.query(mean[near])[0]
    mean_inside = inside.mean(axis=0) > 0.5
    lower = float(np.max(np.where(mean_inside, d - spread, -np.inf), initial=-np.inf))
    times = np.flatnonzero(d + spread >= lower) if lower > 0 else np.arange(paths.shape[1])
    depth = np.zeros(inside.shape)
    for chosen, use in ((times[d[times] - spread[times] < COARSE_FROM_M], tree),
                        (times[d[times] - spread[times] >= COARSE_FROM_M], coarse)):
        sub = inside[:, chosen]
        if sub.any():
            values = np.zeros(sub.shape)
            values[sub] = use.query(paths[:, chosen][sub])[0]
            depth[:, chosen] = values
    return depth.max(axis=1)


def _query_times(t: np.ndarray, x: np.ndarray, y: np.ndarray, a: float, b: float, step: float,
                 max_points: int, far_outside) -> np.ndarray:
    """Times (s) over [a, b]: its ends, the fixes within, and points in between no more than
    ``step`` metres apart along the observed path - except on legs whose ends and middle are
    ``far_outside(x, y)`` (beyond the error's reach outside the airspace), which no drawn path
    can bring inside. The step grows until there are at most ``max_points`` times."""
    knots = np.unique(np.r_[a, t[(t > a) & (t < b)], b])
    if len(knots) < 2:
        return knots
    kx, ky = np.interp(knots, t, x), np.interp(knots, t, y)
    mx, my = (kx[1:] + kx[:-1]) / 2, (ky[1:] + ky[:-1]) / 2
    far = far_outside(kx, ky)
    skip = far[1:] & far[:-1] & far_outside(mx, my)
    legs = np.where(skip, 0.0, np.hypot(np.diff(kx), np.diff(ky)))
    while True:
        pieces = np.maximum(np.ceil(legs / step), 1).astype(np.int64)
        if pieces.sum() + 1 <= max_points or step > 1e6:
            break
        step *= 1.5
    leg, k = expand_ranges(np.zeros(len(pieces), np.int64), pieces - 1)
    tq = knots[leg] + (knots[leg + 1] - knots[leg]) * k / pieces[leg]
    return np.r_[tq, knots[-1]]


def _boundary_tree(plane: LocalPlane, airspace: Airspace, reach: float, spacing: float) -> cKDTree:
    """Points every ``spacing`` metres along the airspace's boundary near the plane's centre (looking
    twice as far, up to ``MAX_BOUNDARY_REACH_M``, while there is none: a path deep inside)."""
    while True:
        coords = shapely.get_coordinates(shapely.segmentize(plane.boundary(airspace, reach), spacing))
        if len(coords) or reach > MAX_BOUNDARY_REACH_M:
            return cKDTree(coords if len(coords) else np.array([[MAX_BOUNDARY_REACH_M, MAX_BOUNDARY_REACH_M]]))
        reach *= 2.0


def _analytic_single_fix(fix: pd.Series, airspace: Airspace, sigma: float) -> dict | None:
    """Phi(d / sigma) for one fix whose nearby boundary is straight; None when it is not."""
    plane = LocalPlane(float(fix["lon"]), float(fix["lat"]))
    reach = STRAIGHT_REACH_SIGMAS * sigma
    boundary = plane.boundary(airspace, reach * 4 + 1000.0)
    d = float(shapely.distance(shapely.Point(0, 0), boundary))
    near = shapely.intersection(shapely.segmentize(boundary, sigma / 4), shapely.Point(0, 0).buffer(d + reach))
    pts = shapely.get_coordinates(near)
    if len(pts) < 2:
        return None
    centred = pts - pts.mean(axis=0)
    off_line = np.abs(centred @ np.linalg.svd(centred, full_matrices=False)[2][1])
    if off_line.max() > 0.01 * sigma:
        return None
    inside = bool(shapely.contains_xy(plane.area(airspace, reach * 4 + 1000.0), 0.0, 0.0))
    signed = d if inside else -d
    z = norm.ppf(QUANTILES)
    low, median, high = np.maximum(0.0, signed + sigma * z)
    return {"p_inside": float(norm.cdf(signed / sigma)), "p_stderr": 0.0, "duration_low_s": 0.0,
            "duration_median_s": 0.0, "duration_high_s": 0.0, "depth_low_m": float(low),
            "depth_median_m": float(median), "depth_high_m": float(high), "q_m2s3": math.nan,
            "method": "analytic", "samples": 0}
