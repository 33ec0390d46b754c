"""Robust kinematics of aircraft from their recent fixes (vectorised over evaluation rows).

For each evaluation fix i, up to ``fixes`` earlier fixes of the same track spread over the last
``window_s`` seconds are picked (the latest fix at or before each of ``fixes`` equally spaced
target times; never more than ``history`` fixes back, so a live engine that keeps only the last
``history`` fixes per aircraft picks exactly the same ones). In the plane tangent to the
ellipsoid at fix i (east and north metres from its meridional and prime-vertical radii, good to
a few centimetres over the ~20 km of a window) each horizontal coordinate is fitted by least
squares as ``p0 + v t + a t^2 / 2`` (t = seconds relative to fix i) to find outliers.

Outliers: besides the fit with every picked fix, the fits leaving out each one in turn are
computed. When leaving one fix out lowers the sum of squared residuals by more than
``outlier_m ** 2`` (that fix lies more than ``outlier_m`` from the fit of the others), the best
such fit's fixes are used. So one bad fix anywhere in the window, the newest included, cannot
flip the speed or the track: the fit without it is exact for the other fixes (for a path that
the quadratic model fits) and is the one chosen.

Motion: from the chords between consecutive fixes used (``_chord_motion``): the heading of a
chord of a constant turn is the heading at its mid-time, so a line through the chords' headings
against time gives the turn rate (its slope) and the track now (its value at 0) without the bias
of a polynomial fit in a turn; speed likewise from the chords' speeds. Altitude rate is the
median of the pairwise slopes (Theil-Sen), which one bad altitude cannot move either.

Results: position (the fitted one at t = 0), ground speed (m/s), track (degrees clockwise from
true north), turn rate (deg/s, positive = turning right), vertical rate (m/s) and altitude (m).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geodesy import GEOD, wrap_lon

__all__ = ["HISTORY", "Kinematics", "estimate"]

HISTORY = 64  # fixes per aircraft a live engine keeps; kinematics never reach further back
_A, _E2 = GEOD.a, GEOD.es


@dataclass
class Kinematics:
    """Kinematics at evaluation rows (arrays of one length; ``valid`` False where unknown)."""

    lon: np.ndarray
    lat: np.ndarray
    alt_m: np.ndarray
    speed_mps: np.ndarray
    track_deg: np.ndarray
    turn_rate_deg_s: np.ndarray
    vertical_rate_mps: np.ndarray
    valid: np.ndarray
    outlier_left_out: np.ndarray  # True where one fix was left out as an outlier

    def __len__(self) -> int:
        return len(self.lon)

    def take(self, rows: np.ndarray) -> Kinematics:
        """The kinematics of a subset of rows."""
        return Kinematics(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


def pick_fixes(t: np.ndarray, first: np.ndarray, rows: np.ndarray, window_s: float, fixes: int,
               history: int = HISTORY) -> np.ndarray:
    """Indices (rows, fixes) of the fixes used for each evaluation row; -1 where a slot repeats
    an earlier one or is empty. Slot 0 is the row itself.

    Parameters
    ----------
    t : ndarray
        Fix times (s), sorted within each track; tracks contiguous.
    first : ndarray
        Index of the first fix of each fix's track.
    rows : ndarray
        The evaluation fixes.
    window_s : float
        Seconds back from each row that fixes are taken from.
    fixes : int
        Slots per row (target times equally spaced over the window).
    history : int
        Never go more than ``history - 1`` fixes back.

    Examples
    --------
    >>> t = np.arange(10.0)
    >>> pick_fixes(t, np.zeros(10, int), np.array([9]), 4.0, 3).tolist()
    [[9, 7, 5]]
    """
    rows = np.asarray(rows, dtype=np.int64)
    lo = np.maximum(first[rows], rows - (history - 1))
    targets = t[rows][:, None] - window_s * np.arange(fixes)[None, :] / max(fixes - 1, 1)
    out = np.empty((len(rows), fixes), dtype=np.int64)
    for k in range(fixes):  # a handful of slots, each a binary search vectorised over all rows
        out[:, k] = _last_at_or_before(t, lo, rows, targets[:, k])
    out[out < lo[:, None]] = -1
    # a slot equal to the previous one repeats a fix: drop it
    dup = np.zeros_like(out, dtype=bool)
    dup[:, 1:] = out[:, 1:] == out[:, :-1]
    out[dup] = -1
    return out


def _last_at_or_before(t: np.ndarray, lo: np.ndarray, hi: np.ndarray, target: np.ndarray) -> np.ndarray:
    """For each i, the largest j in [lo[i], hi[i]] with t[j] <= target[i], or lo[i] - 1 when none
    (binary search vectorised over i: t is sorted within each [lo, hi])."""
    a, b = lo.copy(), hi + 1  # invariant: t[a-1] <= target < t[b] (virtually)
    while True:
        active = a < b
        if not active.any():
            return a - 1
        mid = (a + b) // 2
        go_right = active & (t[np.minimum(mid, len(t) - 1)] <= target)
        a = np.where(go_right, mid + 1, a)
        b = np.where(active & ~go_right, mid, b)


def _local_plane(lon0, lat0, lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """East, north metres of points from an origin in its tangent plane (per row broadcast)."""
    phi = np.radians(lat0)
    w = 1.0 - _E2 * np.sin(phi) ** 2
    east = _A / np.sqrt(w) * np.cos(phi) * np.radians(wrap_lon(lon - lon0))
    north = _A * (1.0 - _E2) / w ** 1.5 * np.radians(lat - lat0)
    return east, north


def _residuals(tau: np.ndarray, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least squares of x and y on (1, t, t^2/2) for every row and variant.

    Shapes (..., k). Returns the summed squared residuals (m^2) of each fit.
    A tiny ridge (largest on the quadratic term) keeps two-point fits straight and every system solvable.
    """
    phi = np.stack([np.ones_like(tau), tau, 0.5 * tau * tau], axis=-1)  # (..., k, 3)
    wphi = phi * w[..., None]
    normal = np.einsum("...ki,...kj->...ij", wphi, phi)
    for d, eps in ((0, 1e-12), (1, 1e-12), (2, 1e-9)):
        normal[..., d, d] += eps * np.maximum(normal[..., d, d], 1.0)
    rhs = np.stack([np.einsum("...ki,...k->...i", wphi, x), np.einsum("...ki,...k->...i", wphi, y)], axis=-1)
    coef = np.linalg.solve(normal, rhs)  # (..., 3, 2)
    fitted = np.einsum("...ki,...ij->...kj", phi, coef)
    resid = (fitted[..., 0] - x) ** 2 + (fitted[..., 1] - y) ** 2
    return (w * resid).sum(axis=-1)


def estimate(t: np.ndarray, lon: np.ndarray, lat: np.ndarray, alt: np.ndarray, first: np.ndarray,
             rows: np.ndarray, window_s: float = 20.0, fixes: int = 6, outlier_m: float = 150.0,
             max_speed_mps: float = 1000.0, history: int = HISTORY) -> Kinematics:
    """Kinematics at the evaluation ``rows`` of flat track arrays (see the module docstring).

    Parameters
    ----------
    t, lon, lat, alt : ndarray
        Fix times (s), degrees, altitude (m, NaN unknown); each track's fixes contiguous, in time order.
    first : ndarray
        Index of the first fix of each fix's track.
    rows : ndarray
        Fixes at which kinematics are wanted.
    window_s, fixes, outlier_m, max_speed_mps, history
        See :class:`skyborder.warn.policy.Policy` (``prediction.*``).

    Returns
    -------
    Kinematics
        One entry per row; ``valid`` is False with fewer than two distinct fixes or an
        implausible speed.

    Examples
    --------
    An aircraft flying due east at 250 m/s on the equator, one fix per second, the last one 2 km off:

    >>> t = np.arange(8.0)
    >>> lon = np.degrees(250.0 * t / 6378137.0)
    >>> lat = np.zeros(8)
    >>> lat[-1] = np.degrees(2000.0 / 6378137.0)
    >>> k = estimate(t, lon, lat, np.full(8, 5000.0), np.zeros(8, int), np.array([7]), window_s=7.0)
    >>> round(float(k.speed_mps[0]), 1), round(float(k.track_deg[0]), 2), bool(k.outlier_left_out[0])
    (250.0, 90.0, True)
    """
    rows = np.asarray(rows, dtype=np.int64)
    picked = pick_fixes(t, first, rows, window_s, fixes, history)
    have = picked >= 0
    j = np.where(have, picked, rows[:, None])
    tau = np.where(have, t[j] - t[rows][:, None], 0.0)
    east, north = _local_plane(lon[rows][:, None], lat[rows][:, None], lon[j], lat[j])
    w = have.astype(float)
    count = have.sum(axis=1)
    # variant 0: every fix; variant 1 + k: fix slot k left out
    variants = np.concatenate([w[:, None, :], np.repeat(w[:, None, :], fixes, axis=1)], axis=1)
    slot = np.arange(fixes)
    variants[:, 1 + slot, slot] = 0.0
    ssr = _residuals(tau[:, None, :], east[:, None, :], north[:, None, :], variants)
    # leaving a slot out is meaningful only for a present fix and when >= 4 remain
    can_leave = have & (count[:, None] >= 5)
    loo = np.where(can_leave, ssr[:, 1:], np.inf)
    best = np.argmin(loo, axis=1)
    gain = ssr[:, 0] - loo[np.arange(len(rows)), best]
    use_loo = np.isfinite(gain) & (gain > outlier_m ** 2)
    choice = np.where(use_loo, best + 1, 0)
    r = np.arange(len(rows))
    kept = variants[r, choice] > 0  # the fixes used: every picked one, or all but the outlier
    speed, track, turn, t_last = _chord_motion(lon[j], lat[j], tau, kept)
    # position now: the newest fix used, moved on along the track when it is not the row itself
    newest = np.argmax(kept, axis=1)  # slots are newest first
    plon, plat, _ = GEOD.fwd(lon[j[r, newest]], lat[j[r, newest]], track, speed * -t_last)
    alt_now, vrate = _altitude(tau, alt[j], have & np.isfinite(alt[j]))
    valid = (kept.sum(axis=1) >= 2) & np.isfinite(speed) & (speed <= max_speed_mps)
    return Kinematics(np.asarray(plon), np.asarray(plat), alt_now, speed, track, turn, vrate, valid, use_loo)


def _line_at_zero(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least-squares line y = a + b x per row: (a, b); b = 0 with a single point."""
    sw, sx, sy = w.sum(axis=1), (w * x).sum(axis=1), (w * y).sum(axis=1)
    sxx, sxy = (w * x * x).sum(axis=1), (w * x * y).sum(axis=1)
    det = sw * sxx - sx * sx
    ok = det > 1e-9 * np.maximum(sw * sxx, 1e-300)
    safe = np.where(ok, det, 1.0)
    slope = np.where(ok, (sw * sxy - sx * sy) / safe, 0.0)
    mean = np.divide(sy, sw, out=np.full(len(sw), np.nan), where=sw > 0)
    mean_x = np.divide(sx, sw, out=np.zeros(len(sw)), where=sw > 0)
    return mean - slope * mean_x, slope


def _chord_motion(lon: np.ndarray, lat: np.ndarray, tau: np.ndarray,
                  kept: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Speed (m/s), track (deg) and turn rate (deg/s, right positive) now, from the chords between
    consecutive fixes used; and the time (s, <= 0) of the newest fix used.

    The direction of a chord of a constant turn at constant speed is the heading at the chord's
    mid-time, so a straight line fitted to the chords' headings against their mid-times gives the
    turn rate as its slope and the heading now as its value at 0, without the bias a polynomial
    fit of positions has in a turn. Speeds along chords are scaled by theta / sin(theta) (theta:
    half the heading change over the chord) to the speed along the arc.
    """
    n, k = tau.shape
    slots = np.arange(k)
    # for each slot, the next older slot that is used (k when none)
    marker = np.where(kept, slots[None, :], k)
    older = np.minimum.accumulate(marker[:, ::-1], axis=1)[:, ::-1]
    nxt = np.full((n, k), k)
    nxt[:, :-1] = older[:, 1:]
    chord = kept & (nxt < k)
    rows = np.repeat(np.arange(n), k)
    a = np.minimum(nxt, k - 1).ravel()
    b = np.tile(slots, n)
    fwd, back, dist = GEOD.inv(lon[rows, a], lat[rows, a], lon[rows, b], lat[rows, b])
    half = ((np.asarray(back) + 180.0 - np.asarray(fwd) + 180.0) % 360.0 - 180.0) / 2.0
    heading = (np.asarray(fwd) + half).reshape(n, k)
    dt = (tau[rows, b] - tau[rows, a]).reshape(n, k)
    mid = (tau[rows, b] + tau[rows, a]).reshape(n, k) / 2.0
    x = np.radians(np.abs(half)).reshape(n, k)
    arc_factor = np.where(x > 1e-9, x / np.sin(np.where(x > 1e-9, x, 1.0)), 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        speed_chord = np.where(chord & (dt > 0), np.asarray(dist).reshape(n, k) / np.where(dt > 0, dt, 1.0)
                               * arc_factor, 0.0)
    w = (chord & (dt > 0)).astype(float)
    newest_chord = np.argmax(w > 0, axis=1)
    reference = heading[np.arange(n), newest_chord]
    relative = (heading - reference[:, None] + 180.0) % 360.0 - 180.0
    h0, rate = _line_at_zero(mid, relative, w)
    speed, _ = _line_at_zero(mid, speed_chord, w)
    newest_used = np.argmax(kept, axis=1)
    t_last = tau[np.arange(n), newest_used]
    return np.maximum(speed, 0.0), (reference + h0) % 360.0, rate, t_last


def _altitude(tau: np.ndarray, alt: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Altitude at t = 0 and vertical rate (m/s) by Theil-Sen (medians of pairwise slopes and of
    the intercepts); NaN where fewer than two altitudes are known (then the newest known altitude,
    rate 0)."""
    k = tau.shape[1]
    i, j = np.triu_indices(k, 1)
    dt = tau[:, j] - tau[:, i]
    pair_ok = ok[:, i] & ok[:, j] & (dt != 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = np.where(pair_ok, (alt[:, j] - alt[:, i]) / np.where(dt != 0, dt, 1.0), np.nan)
    has_pairs = pair_ok.any(axis=1)
    rate = np.zeros(len(tau))
    if has_pairs.any():
        rate[has_pairs] = np.nanmedian(slopes[has_pairs], axis=1)
    intercept = np.where(ok, alt - rate[:, None] * tau, np.nan)
    alt_now = np.full(len(tau), np.nan)
    known = ok.any(axis=1)
    if known.any():
        alt_now[known] = np.nanmedian(intercept[known], axis=1)
    return alt_now, rate
