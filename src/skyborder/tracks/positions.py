"""Positions along a track at given times (WGS84 geodesic between fixes, distance linear in time)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..geodesy import GEOD

__all__ = ["position_at"]

EPOCH = pd.Timestamp(0, tz="UTC")


def position_at(track: pd.DataFrame, times: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Where one track was at given times.

    Between two fixes the aircraft follows the WGS84 geodesic with distance linear in time (the
    project's convention); times before the first or after the last fix are clamped to it.

    Parameters
    ----------
    track : DataFrame
        One track's fixes (``time``, ``lat``, ``lon`` in degrees), sorted by time.
    times : DatetimeIndex
        UTC times.

    Returns
    -------
    lon, lat : ndarray
        Degrees, one per time.

    Examples
    --------
    >>> track = pd.DataFrame({"time": pd.to_datetime(["2015-11-24T07:24:00Z", "2015-11-24T07:24:10Z"]),
    ...                       "lat": [0.0, 0.0], "lon": [0.0, 1.0]})
    >>> lon, lat = position_at(track, pd.DatetimeIndex(["2015-11-24T07:24:05Z"]))
    >>> round(float(lon[0]), 6), round(float(lat[0]), 6)
    (0.5, 0.0)
    """
    t = ((track["time"] - EPOCH) / pd.Timedelta(seconds=1)).to_numpy(float)
    lon, lat = track["lon"].to_numpy(float), track["lat"].to_numpy(float)
    if len(t) == 1:
        return np.full(len(times), lon[0]), np.full(len(times), lat[0])
    q = np.clip(np.asarray((times - EPOCH) / pd.Timedelta(seconds=1), dtype=float), t[0], t[-1])
    i = np.clip(np.searchsorted(t, q, side="right") - 1, 0, len(t) - 2)
    az, _, d = GEOD.inv(lon[i], lat[i], lon[i + 1], lat[i + 1])
    span = t[i + 1] - t[i]
    f = np.divide(q - t[i], span, out=np.zeros_like(q), where=span > 0)
    plon, plat, _ = GEOD.fwd(lon[i], lat[i], az, d * f)
    return np.asarray(plon), np.asarray(plat)
