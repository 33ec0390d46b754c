"""Two tracks of one flight, side by side: how far apart they are over time, which clock offset
would bring them closest, and what each says about the airspace (passage or not, times, depth,
length, closest approach).

The separation is the WGS84 geodesic distance between the two positions at common times (each
position on the geodesic between its track's fixes, time-linear; ``analysis.along``). The clock
offset is searched on a grid of ``OFFSET_GRID_S`` over ``[-max_shift_s, max_shift_s]``, then
refined by golden-section search around the best grid point; it minimises the mean separation
over the times both tracks cover.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..airspace.model import Airspace
from ..detection.engine import detect
from ..errors import InputError
from ..geodesy import GEOD
from ..tracks import schema
from .along import TrackPositions, positions_at

__all__ = ["Comparison", "compare_tracks", "mean_separation"]

OFFSET_GRID_S = 0.5
GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
GOLDEN_TOL_S = 1e-3
MAX_SEARCH_TIMES = 2000  # times of A the offset search averages over (at most)
MIN_OVERLAP = 0.5  # an offset counts only where both tracks cover this share of the best-covered offset's times
LABELS = ("A", "B")


@dataclass
class Comparison:
    """What :func:`compare_tracks` found (times UTC, distances m, offsets s).

    ``separation_m[i]`` is the distance between ``a`` and ``b`` at ``times[i]``. ``offset_s`` is
    the clock offset that, added to B's times, brings B closest to A on average
    (``offset_separation_m``); 0 when no search was asked for. ``result`` is the ``detect``
    result of both tracks (track ids ``A`` and ``B``); ``tracks`` the two as one track table.
    """

    times: pd.DatetimeIndex
    separation_m: np.ndarray
    a: TrackPositions
    b: TrackPositions
    offset_s: float
    offset_separation_m: float
    result: pd.DataFrame
    tracks: pd.DataFrame
    names: tuple[str, str]

    def verdict(self, label: str, airspace: str) -> pd.DataFrame:
        """The rows of ``result`` for track ``label`` (``A`` or ``B``) and one airspace."""
        r = self.result
        return r[(r["track_id"] == label) & (r["airspace"] == airspace)]


def common_times(a: pd.DataFrame, b: pd.DataFrame, step_s: float) -> pd.DatetimeIndex:
    """Times every ``step_s`` seconds (on whole multiples of it since the epoch) over the span both
    tracks cover; empty when they do not overlap."""
    start = max(a["time"].min(), b["time"].min())
    end = min(a["time"].max(), b["time"].max())
    if start > end:
        return pd.DatetimeIndex([], tz="UTC")
    step = pd.Timedelta(seconds=step_s)
    first = start.ceil(step) if step_s >= 1e-6 else start
    return pd.date_range(first, end, freq=step, tz="UTC") if first <= end else pd.DatetimeIndex([start])


def mean_separation(a: pd.DataFrame, b: pd.DataFrame, times: pd.DatetimeIndex,
                    offsets_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean distance (m) between A at ``times`` and B at ``times - offset`` for each offset (s),
    over the times where both are defined (NaN when there are none), and how many times that is."""
    offsets_s = np.atleast_1d(np.asarray(offsets_s, float))
    shifted = (np.repeat(times.asi8[None, :], len(offsets_s), axis=0)
               - np.round(offsets_s[:, None] * 1e9).astype(np.int64)).ravel()
    pa = positions_at(a, times)
    pb = positions_at(b, pd.DatetimeIndex(pd.to_datetime(shifted, utc=True)))
    lon_a, lat_a = np.tile(pa.lon, len(offsets_s)), np.tile(pa.lat, len(offsets_s))
    ok = np.isfinite(lon_a) & np.isfinite(pb.lon)
    flat = np.full(len(shifted), np.nan)
    flat[ok] = GEOD.inv(lon_a[ok], lat_a[ok], pb.lon[ok], pb.lat[ok])[2]
    dist = flat.reshape(len(offsets_s), len(times))
    counts = np.isfinite(dist).sum(axis=1)
    return np.where(counts > 0, np.nansum(dist, axis=1) / np.maximum(counts, 1), np.nan), counts


def best_offset(a: pd.DataFrame, b: pd.DataFrame, times: pd.DatetimeIndex,
                max_shift_s: float) -> tuple[float, float]:
    """The clock offset (s) in ``[-max_shift_s, max_shift_s]`` that minimises the mean separation
    over ``times``, and that separation (m): a grid search then golden-section refinement."""
    grid = np.arange(-max_shift_s, max_shift_s + OFFSET_GRID_S / 2, OFFSET_GRID_S)
    values, counts = mean_separation(a, b, times, grid)
    values[counts < MIN_OVERLAP * counts.max()] = np.nan
    if not np.isfinite(values).any():
        return 0.0, math.nan
    k = int(np.nanargmin(values))
    score = lambda x: float(mean_separation(a, b, times, np.array([x]))[0][0])
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    x1, x2 = hi - GOLDEN * (hi - lo), lo + GOLDEN * (hi - lo)
    f1, f2 = score(x1), score(x2)
    while hi - lo > GOLDEN_TOL_S:
        if f1 <= f2:
            hi, x2, f2 = x2, x1, f1
            x1 = hi - GOLDEN * (hi - lo)
            f1 = score(x1)
        else:
            lo, x1, f1 = x1, x2, f2
            x2 = lo + GOLDEN * (hi - lo)
            f2 = score(x2)
    best = (lo + hi) / 2
    value = score(best)
    if not value <= values[k]:
        return float(grid[k]), float(values[k])
    return float(best), value


def _one_track(tracks: pd.DataFrame, track_id: str | None, which: str) -> pd.DataFrame:
    ids = list(dict.fromkeys(tracks["track_id"].astype(str)))
    if track_id is None:
        if len(ids) != 1:
            raise InputError(f"track {which} holds {len(ids)} tracks ({', '.join(ids[:8])}): pick one with "
                             f"--id-{which.lower()}")
        return tracks
    if track_id not in ids:
        raise InputError(f"no track {track_id!r} in track {which} (tracks: {', '.join(ids[:8])})")
    return tracks[tracks["track_id"].astype(str) == track_id]


def compare_tracks(a: pd.DataFrame, b: pd.DataFrame, airspaces: Sequence[Airspace], id_a: str | None = None,
                   id_b: str | None = None, step_s: float = 1.0, max_shift_s: float = 60.0,
                   max_gap_s: float = 60.0, near_m: float = 20_000.0) -> Comparison:
    """Compare two tracks of the same flight.

    Parameters
    ----------
    a, b : DataFrame
        Track tables; each must hold one track unless ``id_a`` / ``id_b`` picks it.
    airspaces : sequence of Airspace
        What to judge both against (``detect``).
    step_s : float
        Seconds between the common times the separation is computed at.
    max_shift_s : float
        The largest clock offset (s) tried when aligning B to A; 0 skips the search.
    max_gap_s, near_m : float
        As for ``detect``.

    Returns
    -------
    Comparison
    """
    if step_s <= 0 or max_shift_s < 0:
        raise InputError("the step must be > 0 s and the largest shift >= 0 s")
    a = schema.normalize(_one_track(schema.normalize(a), id_a, "A"))
    b = schema.normalize(_one_track(schema.normalize(b), id_b, "B"))
    names = (str(a["track_id"].iloc[0]), str(b["track_id"].iloc[0]))
    a = a.assign(track_id=LABELS[0])
    b = b.assign(track_id=LABELS[1])
    times = common_times(a, b, step_s)
    pa, pb = positions_at(a, times), positions_at(b, times)
    separation = GEOD.inv(pa.lon, pa.lat, pb.lon, pb.lat)[2] if len(times) else np.zeros(0)
    if max_shift_s > 0:
        span_s = (a["time"].max() - a["time"].min()).total_seconds()
        offset, offset_sep = best_offset(a, b, common_times(a, a, max(step_s, span_s / MAX_SEARCH_TIMES)),
                                         max_shift_s)
    else:
        offset, offset_sep = 0.0, float(np.mean(separation)) if len(separation) else math.nan
    both = pd.concat([a, b], ignore_index=True)
    result = detect(both, list(airspaces), max_gap_s=max_gap_s, near_m=near_m)
    return Comparison(times, np.asarray(separation, float), pa, pb, offset, offset_sep, result, both, names)
