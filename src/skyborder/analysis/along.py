"""Where one recorded track was at given times (NaN outside its time span, altitude too), and the
time at which it passes nearest to a point.

The positions are those of ``tracks.positions.position_at`` (the project's convention: the WGS84
geodesic between fixes, distance and altitude linear in time); this module adds what analyses need
on top: no clamping beyond the track's ends, and the altitude.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..arrays import expand_ranges
from ..geodesy import GEOD
from ..tracks.positions import position_at

__all__ = ["TrackPositions", "densify_path", "positions_at", "time_nearest"]


@dataclass(frozen=True)
class TrackPositions:
    """Points of one track at given times (degrees, metres; NaN outside the track's time span)."""

    time: pd.DatetimeIndex
    lon: np.ndarray
    lat: np.ndarray
    alt_m: np.ndarray


def _utc(times) -> pd.DatetimeIndex:
    times = pd.DatetimeIndex(times)
    return (times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")).as_unit("ns")


def positions_at(track: pd.DataFrame, times: pd.DatetimeIndex | pd.Series) -> TrackPositions:
    """Where one track was at each of ``times``.

    Parameters
    ----------
    track : DataFrame
        The fixes of one track (``time``, ``lat``, ``lon``, optionally ``alt_m``), sorted by time.
    times : DatetimeIndex
        UTC times (naive times are read as UTC).

    Returns
    -------
    TrackPositions
        lon, lat (deg) and pressure altitude (m); NaN before the first fix and after the last.

    Examples
    --------
    >>> track = pd.DataFrame({"time": pd.to_datetime(["2020-01-01T00:00:00Z", "2020-01-01T00:01:40Z"]),
    ...                       "lat": [0.0, 0.0], "lon": [0.0, 1.0], "alt_m": [1000.0, 2000.0]})
    >>> p = positions_at(track, pd.DatetimeIndex(["2020-01-01T00:00:50Z", "2020-01-01T00:02:00Z"]))
    >>> round(float(p.lon[0]), 9), float(p.alt_m[0]), bool(np.isnan(p.lon[1]))
    (0.5, 1500.0, True)
    """
    times = _utc(times)
    nan = np.full(len(times), np.nan)
    if track.empty:
        return TrackPositions(times, nan, nan.copy(), nan.copy())
    fix_times = _utc(track["time"])
    lon, lat = position_at(track.assign(time=fix_times), times)
    q, t = times.asi8, fix_times.asi8
    outside = (q < t[0]) | (q > t[-1])
    alt = np.asarray(track["alt_m"], float) if "alt_m" in track else np.full(len(track), np.nan)
    alt_q = np.interp(q.astype(float), t.astype(float), alt) if len(t) > 1 else np.full(len(q), alt[0])
    return TrackPositions(times, np.where(outside, np.nan, lon), np.where(outside, np.nan, lat),
                          np.where(outside, np.nan, alt_q))


def time_nearest(track: pd.DataFrame, lon: float, lat: float, samples_per_leg: int = 64) -> pd.Timestamp:
    """The time at which one track passes nearest to a point, to ``1 / samples_per_leg`` of a leg.

    Parameters
    ----------
    track : DataFrame
        The fixes of one track, or a passage's inside path (``time``, ``lon``, ``lat``).
    lon, lat : float
        The point (deg), e.g. a passage's point of maximum depth, which lies on the path.

    Returns
    -------
    Timestamp
        UTC; NaT for an empty track.
    """
    if track.empty:
        return pd.NaT
    t = _utc(track["time"]).asi8.astype(float)
    grid = np.interp(np.arange((len(t) - 1) * samples_per_leg + 1) / samples_per_leg, np.arange(len(t)), t)
    when = pd.to_datetime(np.round(grid).astype(np.int64), utc=True)
    plon, plat = position_at(track.assign(time=_utc(track["time"])), pd.DatetimeIndex(when))
    dist = GEOD.inv(plon, plat, np.full(len(plon), lon), np.full(len(plat), lat))[2]
    return when[int(np.argmin(dist))]


def densify_path(lon: np.ndarray, lat: np.ndarray, alt: np.ndarray | None = None,
                 max_step_m: float = 1_000.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points along the geodesic legs of a polyline, no more than ``max_step_m`` apart (ends kept;
    altitude linear along each leg). Vectorised over all legs.

    Examples
    --------
    >>> lon, lat, _ = densify_path(np.array([0.0, 1.0]), np.array([0.0, 0.0]), max_step_m=50_000)
    >>> len(lon), float(lon[-1])
    (4, 1.0)
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    alt = np.full(len(lon), np.nan) if alt is None else np.asarray(alt, float)
    if len(lon) < 2:
        return lon, lat, alt
    az, _, dist = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    pieces = np.maximum(np.ceil(np.asarray(dist) / max_step_m), 1).astype(np.int64)
    leg, k = expand_ranges(np.zeros(len(pieces), np.int64), pieces - 1)
    frac = k / pieces[leg]
    plon, plat, _ = GEOD.fwd(lon[leg], lat[leg], np.asarray(az)[leg], np.asarray(dist)[leg] * frac)
    palt = alt[leg] + (alt[leg + 1] - alt[leg]) * frac
    return np.r_[plon, lon[-1]], np.r_[plat, lat[-1]], np.r_[palt, alt[-1]]
