"""Tracks as flat arrays, and positions along their geodesic segments (metres, seconds, degrees)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numba as nb
import numpy as np
import pandas as pd

from ..geodesy import GEOD, segment_lengths, wrap_lon
from ..tracks import schema


@dataclass
class TrackArrays:
    """The track table as flat arrays (fixes sorted by track, then time)."""

    track: np.ndarray  # int track code
    track_ids: np.ndarray  # code -> track_id
    t: np.ndarray  # seconds since t0
    t0: pd.Timestamp
    lon: np.ndarray
    lat: np.ndarray
    alt: np.ndarray  # pressure (barometric) altitude, m (NaN unknown)
    first: np.ndarray  # first fix index of each fix's track
    last: np.ndarray  # last fix index of each fix's track
    geo_alt: np.ndarray  # geometric (GNSS) altitude, m (NaN unknown)
    on_ground: np.ndarray  # bool: reported on the surface

    @classmethod
    def from_table(cls, tracks: pd.DataFrame) -> TrackArrays:
        table = tracks if is_normalized(tracks) else schema.normalize(tracks)
        ok = (np.isfinite(table["lat"].to_numpy()) & np.isfinite(table["lon"].to_numpy())
              & table["time"].notna().to_numpy())
        table = table[ok]
        codes, ids = pd.factorize(table["track_id"], sort=False)
        ns = pd.DatetimeIndex(table["time"]).asi8
        t0 = int(ns.min()) if len(ns) else 0
        n = len(codes)
        starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if n else np.zeros(0, np.int64)
        ends = np.r_[starts[1:], n][:len(starts)] - 1
        lengths = np.diff(np.r_[starts, n])
        alt, geo_alt = (table[c].to_numpy(dtype=float) if c in table else np.full(n, np.nan)
                        for c in ("alt_m", "geo_alt_m"))
        on_ground = table["on_ground"].astype("boolean").fillna(False).to_numpy(dtype=bool) \
            if "on_ground" in table else np.zeros(n, bool)
        return cls(codes.astype(np.int64), np.asarray(ids, dtype=object), (ns - t0) / 1e9,
                   pd.Timestamp(t0, unit="ns", tz="UTC"), np.asarray(wrap_lon(table["lon"].to_numpy(dtype=float))),
                   table["lat"].to_numpy(dtype=float), alt,
                   np.repeat(starts, lengths), np.repeat(ends, lengths), geo_alt, on_ground)

    def __len__(self) -> int:
        return len(self.track)

    def timestamps(self, seconds: np.ndarray) -> pd.DatetimeIndex:
        return self.t0 + pd.to_timedelta(np.round(np.asarray(seconds) * 1e9).astype(np.int64), unit="ns")


def is_normalized(df: pd.DataFrame) -> bool:
    """Whether ``df`` is already a track table in its canonical form (UTC times, sorted by track)."""
    return all(c in df for c in schema.REQUIRED) and str(df["time"].dtype) == "datetime64[ns, UTC]" \
        and df["track_id"].is_monotonic_increasing if len(df) else False


def segment_table(arrays: TrackArrays) -> np.ndarray:
    """Length (m) of each fix's segment to the next fix of its track; 0 at a track's last fix."""
    seg_len = np.zeros(len(arrays))
    seg_len[:-1] = segment_lengths(arrays.lon[:-1], arrays.lat[:-1], arrays.lon[1:], arrays.lat[1:])
    seg_len[arrays.last == np.arange(len(arrays))] = 0.0
    return seg_len


@nb.njit(cache=True)
def _track_cumsum(seg_len, first, out):  # pragma: no cover - compiled
    for i in range(len(seg_len)):
        out[i] = 0.0 if first[i] == i else out[i - 1] + seg_len[i - 1]


def track_cumsum(seg_len: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Distance (m) of each fix from its track's first fix: the segment lengths summed within
    each track, restarting at 0 on every track's first fix.

    Examples
    --------
    >>> track_cumsum(np.array([1.0, 2.0, 0.0, 5.0, 0.0]), np.array([0, 0, 0, 3, 3])).tolist()
    [0.0, 1.0, 3.0, 0.0, 5.0]
    """
    out = np.empty(len(seg_len))
    _track_cumsum(np.asarray(seg_len, dtype=float), np.asarray(first, dtype=np.int64), out)
    return out


class Positions:
    """Time, point and altitude at (segment start fix, metres along) positions on tracks.

    ``seg_len[i]`` is the geodesic length (m) of the segment from fix i to fix i + 1 of the
    same track (0 at a track's last fix).
    """

    def __init__(self, arrays: TrackArrays, seg_len: np.ndarray):
        self.arrays, self.seg_len = arrays, seg_len

    @cached_property
    def from_start(self) -> np.ndarray:
        """Distance (m) of each fix from its track's first fix along the path.

        Summed within each track only (no running total over the whole chunk), so its precision
        is that of one track's length whatever the size of the chunk.
        """
        return track_cumsum(self.seg_len, self.arrays.first)

    def _frac(self, fix, s):
        length = self.seg_len[fix]
        has_next = fix < self.arrays.last[fix]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(length > 0, s / length, np.where(s > 0, 1.0, 0.0))
        return np.where(has_next, np.clip(frac, 0.0, 1.0), 0.0), np.minimum(fix + 1, self.arrays.last[fix])

    def time(self, fix, s):
        frac, nxt = self._frac(fix, s)
        t = self.arrays.t
        return t[fix] + frac * (t[nxt] - t[fix])

    def alt(self, fix, s):
        frac, nxt = self._frac(fix, s)
        alt = self.arrays.alt
        return alt[fix] + frac * (alt[nxt] - alt[fix])

    def point(self, fix, s):
        a = self.arrays
        frac, nxt = self._frac(fix, s)
        lon, lat = a.lon[fix].copy(), a.lat[fix].copy()
        at_end = frac >= 1.0
        lon[at_end], lat[at_end] = a.lon[nxt[at_end]], a.lat[nxt[at_end]]
        mid = np.flatnonzero((frac > 0) & ~at_end)
        if len(mid):
            az = GEOD.inv(a.lon[fix[mid]], a.lat[fix[mid]], a.lon[nxt[mid]], a.lat[nxt[mid]])[0]
            lon[mid], lat[mid], _ = GEOD.fwd(a.lon[fix[mid]], a.lat[fix[mid]], az, s[mid])
        return lon, lat
