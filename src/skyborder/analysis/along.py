"""Positions along one recorded track at given times, and the time at which it passes a point.

The geometry is the project's convention (README "Geometry conventions"): between two fixes the
aircraft follows the WGS84 geodesic, time and altitude linear in distance along it. The work is
done by ``detection.paths`` (the engine's own positions), so a map, a comparison and a passage
agree to the last bit.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..detection.paths import Positions, TrackArrays, segment_table
from ..errors import InputError
from ..geodesy import GEOD, wrap_lon

__all__ = ["TrackLocator", "TrackPositions", "positions_at", "time_nearest"]


@dataclass(frozen=True)
class TrackPositions:
    """Points of one track at given times (degrees, metres; NaN outside the track's time span)."""

    time: pd.DatetimeIndex
    lon: np.ndarray
    lat: np.ndarray
    alt_m: np.ndarray


def _fixes_of(track: pd.DataFrame) -> tuple[TrackArrays, Positions]:
    arrays = TrackArrays.from_table(track)
    if len(arrays) and arrays.track.max() > 0:
        raise InputError(f"expected the fixes of one track, got {arrays.track.max() + 1} tracks")
    return arrays, Positions(arrays, segment_table(arrays))


class TrackLocator:
    """One track, ready to be asked where it was at many times (see :func:`positions_at`)."""

    def __init__(self, track: pd.DataFrame):
        self.arrays, self.pos = _fixes_of(track)

    def at(self, times: pd.DatetimeIndex | pd.Series) -> TrackPositions:
        """Where the track was at each of ``times`` (see :func:`positions_at`)."""
        times = pd.DatetimeIndex(times)
        times = times.tz_localize("UTC") if times.tz is None else times.tz_convert("UTC")
        arrays, pos = self.arrays, self.pos
        n = len(arrays)
        nan = np.full(len(times), np.nan)
        if n == 0:
            return TrackPositions(times, nan, nan.copy(), nan.copy())
        q = np.asarray((times - arrays.t0).total_seconds(), dtype=float)
        if n == 1:
            at = q == arrays.t[0]
            return TrackPositions(times, np.where(at, arrays.lon[0], np.nan), np.where(at, arrays.lat[0], np.nan),
                                  np.where(at, arrays.alt[0], np.nan))
        t = arrays.t
        j = np.clip(np.searchsorted(t, q, side="right") - 1, 0, n - 2)
        span = t[j + 1] - t[j]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(span > 0, np.clip((q - t[j]) / span, 0.0, 1.0), 0.0)
        s = frac * pos.seg_len[j]
        lon, lat = pos.point(j, s)
        alt = pos.alt(j, s)
        outside = (q < t[0]) | (q > t[-1])
        return TrackPositions(times, np.where(outside, np.nan, wrap_lon(lon)), np.where(outside, np.nan, lat),
                              np.where(outside, np.nan, alt))


def positions_at(track: pd.DataFrame, times: pd.DatetimeIndex | pd.Series) -> TrackPositions:
    """Where one track was at each of ``times``.

    Parameters
    ----------
    track : DataFrame
        The fixes of one track (a track table).
    times : DatetimeIndex
        UTC times (naive times are read as UTC).

    Returns
    -------
    TrackPositions
        lon, lat (deg) and pressure altitude (m) along the geodesic between the fixes around each
        time, distance and altitude linear in time; NaN before the first fix and after the last.

    Examples
    --------
    >>> track = pd.DataFrame({"time": ["2020-01-01T00:00:00Z", "2020-01-01T00:01:40Z"], "track_id": "A",
    ...                       "lat": [0.0, 0.0], "lon": [0.0, 1.0], "alt_m": [1000.0, 2000.0]})
    >>> p = positions_at(track, pd.DatetimeIndex(["2020-01-01T00:00:50Z", "2020-01-01T00:02:00Z"]))
    >>> round(float(p.lon[0]), 9), float(p.alt_m[0]), bool(np.isnan(p.lon[1]))
    (0.5, 1500.0, True)
    """
    return TrackLocator(track).at(times)


def time_nearest(track: pd.DataFrame, lon: float, lat: float, samples_per_leg: int = 64) -> pd.Timestamp:
    """The time at which one track passes nearest to a point (to ``1 / samples_per_leg`` of a leg).

    Parameters
    ----------
    track : DataFrame
        The fixes of one track, or a passage's inside path as a table (``time``, ``lon``, ``lat``).
    lon, lat : float
        The point (deg), e.g. a passage's point of maximum depth, which lies on the path.
    samples_per_leg : int
        Points tried along each geodesic leg.

    Returns
    -------
    Timestamp
        UTC; NaT for an empty track.
    """
    frame = track if "track_id" in track else track.assign(track_id="path")
    arrays, pos = _fixes_of(frame)
    if len(arrays) == 0:
        return pd.NaT
    fix = np.repeat(np.arange(max(len(arrays) - 1, 1)), samples_per_leg + 1)
    frac = np.tile(np.linspace(0.0, 1.0, samples_per_leg + 1), max(len(arrays) - 1, 1))
    s = frac * pos.seg_len[fix]
    plon, plat = pos.point(fix, s)
    _, _, dist = GEOD.inv(plon, plat, np.full(len(plon), lon), np.full(len(plat), lat))
    best = int(np.argmin(dist))
    return arrays.timestamps(np.array([pos.time(fix[best:best + 1], s[best:best + 1])[0]]))[0]
