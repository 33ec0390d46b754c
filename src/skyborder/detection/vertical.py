"""Vertical limits: which altitude each limit is compared with, and where a track is within them.

Every vertical limit of a zone has a reference (``Airspace.floor_ref`` / ``ceiling_ref``) and is
compared with the track's altitude in that same reference (track columns: ``alt_m`` pressure
altitude, ``geo_alt_m`` geometric altitude, ``on_ground``):

``FL``
    pressure altitude (``alt_m``); where a fix has none, its geometric altitude stands in
    (they differ by hundreds of metres with the weather: the result is then approximate).
``AMSL``
    geometric altitude (``geo_alt_m``) as true altitude; where a fix has none, its pressure
    altitude stands in (off by the QNH difference, ~8 m per hPa from 1013.25 hPa). ADS-B
    geometric altitude may be above the ellipsoid rather than mean sea level (the geoid
    differs by up to ~100 m).
``AGL``
    terrain is not modelled: the height is taken as the AMSL altitude, i.e. the ground as at
    mean sea level (exact over the sea; over land the true limit lies higher by the terrain's
    elevation). A floor of 0 AGL is the surface.
``SFC``
    the surface: a floor at the surface admits everything at or above it (no lower bound);
    a ceiling at the surface is height 0.

An aircraft reported on the ground (``on_ground``) is at the surface: its height is 0, and for
FL/AMSL limits its measured altitude is used, or else 0 m (the surface taken at mean sea level,
so it lies below every floor above sea level and within every ceiling above it).

Missing altitudes: on each track a fix without altitude gets the value interpolated linearly in
distance along the path between the nearest fixes with a known value (same reference) when they
are at most ``FILL_MAX_S`` apart in time; otherwise the other altitude of the fix stands in, as
above; otherwise the altitude is unknown on the segments touching that fix, and only there.
Unknown altitude is never clipped: such a stretch counts as within the limits (a possible
violation is reported, with min/max altitude from the known parts only).

Along a segment altitude is linear in distance (the geometry convention), so the part of a
piece within a floor and a ceiling is one interval, found exactly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..airspace.model import Airspace
from .paths import TrackArrays

__all__ = ["FILL_MAX_S", "HEIGHT", "PRESSURE", "TRUE", "Altitudes", "Limits", "clip_to_limits"]

FILL_MAX_S = 300.0  # longest time (s) between known altitudes that a missing one is interpolated over
PRESSURE, TRUE, HEIGHT = 0, 1, 2  # rows of Altitudes.rows: pressure altitude, true altitude, height
_ROW_OF = {"FL": PRESSURE, "AMSL": TRUE, "AGL": HEIGHT, "SFC": HEIGHT}


@dataclass(frozen=True)
class Limits:
    """Floor and ceiling (m) of each airspace and the altitude row each is compared with.

    An unlimited or surface floor is ``-inf`` (no lower bound); an unlimited ceiling ``inf``.
    """

    floor: np.ndarray
    floor_row: np.ndarray
    ceiling: np.ndarray
    ceiling_row: np.ndarray

    @classmethod
    def of(cls, airspaces: list[Airspace]) -> Limits:
        """The limits of a list of airspaces, in its order.

        Examples
        --------
        >>> import shapely
        >>> zone = Airspace("Z", shapely.box(0, 0, 1, 1), floor_m=0.0, floor_ref="SFC",
        ...                 ceiling_m=2895.6, ceiling_ref="FL")
        >>> limits = Limits.of([zone])
        >>> limits.floor.tolist(), limits.ceiling.tolist(), limits.ceiling_row.tolist() == [PRESSURE]
        ([-inf], [2895.6], True)
        """
        floor = np.array([a.floor_m for a in airspaces], dtype=float)
        surface = np.array([a.floor_ref == "SFC" or (a.floor_ref == "AGL" and a.floor_m <= 0.0) for a in airspaces],
                           dtype=bool)
        ceiling = np.array([0.0 if a.ceiling_ref == "SFC" else a.ceiling_m for a in airspaces], dtype=float)
        return cls(np.where(surface, -np.inf, floor), np.array([_ROW_OF[a.floor_ref] for a in airspaces], np.int64),
                   ceiling, np.array([_ROW_OF[a.ceiling_ref] for a in airspaces], np.int64))

    @property
    def limited(self) -> np.ndarray:
        """Whether each airspace has a floor or a ceiling."""
        return np.isfinite(self.floor) | np.isfinite(self.ceiling)


@dataclass(frozen=True)
class Altitudes:
    """The altitude (m) of every fix in each reference: ``rows[PRESSURE]`` (for flight levels),
    ``rows[TRUE]`` (AMSL) and ``rows[HEIGHT]`` (above the ground); NaN where unknown.

    ``rows[PRESSURE]`` is also what results report as ``min_alt_m`` / ``max_alt_m``.
    """

    rows: np.ndarray  # (3, fixes)

    @classmethod
    def of(cls, arrays: TrackArrays, along: np.ndarray) -> Altitudes:
        """Altitudes of the fixes of ``arrays`` by the rules of the module notes.

        ``along`` is each fix's distance (m) along its track (any origin per track).
        """
        ground = arrays.on_ground
        pressure = _row(arrays.alt, arrays.geo_alt, ground, arrays, along)
        true = _row(arrays.geo_alt, arrays.alt, ground, arrays, along)
        return cls(np.stack([pressure, true, np.where(ground, 0.0, true)]))

    def at(self, row: int | np.ndarray, fix: np.ndarray, s: np.ndarray, seg_len: np.ndarray,
           last: np.ndarray) -> np.ndarray:
        """Altitude ``s`` metres along the segment starting at each ``fix`` (linear in distance).

        ``seg_len`` is the segment length (m) of each fix, ``last`` the last fix of its track.
        """
        a0, a1 = self.rows[row, fix], self.rows[row, np.minimum(fix + 1, last[fix])]
        length = seg_len[fix]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(length > 0, np.clip(s / length, 0.0, 1.0), 0.0)
        return np.where(frac >= 1.0, a1, np.where(frac > 0, a0 + frac * (a1 - a0), a0))

    def within(self, limits: Limits, air: np.ndarray, fix: np.ndarray) -> np.ndarray:
        """Whether each fix is within its airspace's limits (unknown altitude counts as within)."""
        low = self.rows[limits.floor_row[air], fix]
        high = self.rows[limits.ceiling_row[air], fix]
        return ~(low < limits.floor[air]) & ~(high > limits.ceiling[air])


def clip_to_limits(altitudes: Altitudes, limits: Limits, seg_len: np.ndarray, last: np.ndarray,
                   fix: np.ndarray, air: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """Cut inside pieces of zones with limits to where the altitude is within them.

    A piece is ``lo``..``hi`` metres along the segment starting at ``fix`` (``lo == hi == 0`` for
    a lone fix), inside airspace ``air`` laterally. Returns the pieces (fix, air, lo, hi) that
    remain, each cut to the one interval where floor and ceiling both hold; a piece of unknown
    altitude is kept whole.
    """
    limited = limits.limited[air]
    if not limited.any():
        return fix, air, lo, hi
    nxt = np.where(hi > 0, np.minimum(fix + 1, last[fix]), fix)
    rows = altitudes.rows
    f_row, c_row = limits.floor_row[air], limits.ceiling_row[air]
    f_lo, f_hi = _where_at_least(rows[f_row, fix], rows[f_row, nxt], seg_len[fix], limits.floor[air])
    c_lo, c_hi = _where_at_least(-rows[c_row, fix], -rows[c_row, nxt], seg_len[fix], -limits.ceiling[air])
    new_lo = np.maximum(lo, np.maximum(f_lo, c_lo))
    new_hi = np.minimum(hi, np.minimum(f_hi, c_hi))
    keep = ~limited | (new_hi >= new_lo)
    new_lo, new_hi = np.where(limited, new_lo, lo), np.where(limited, new_hi, hi)
    return fix[keep], air[keep], new_lo[keep], new_hi[keep]


def _where_at_least(b0: np.ndarray, b1: np.ndarray, length: np.ndarray,
                    bound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval of ``s`` (m along a segment) where ``b0 + (b1 - b0) * s / length >= bound``.

    Unknown values (NaN) give the whole line; an empty interval has its start above its end.

    Examples
    --------
    >>> lo, hi = _where_at_least(np.array([0.0, 0.0, 5.0]), np.array([10.0, 10.0, 5.0]),
    ...                          np.array([100.0, 100.0, 100.0]), np.array([4.0, -np.inf, 6.0]))
    >>> lo.tolist(), hi.tolist()
    ([40.0, -inf, inf], [inf, inf, -inf])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(length > 0, (b1 - b0) / length, 0.0)
        cross = (bound - b0) / slope
    flat_ok = b0 >= bound
    lo = np.where(slope > 0, cross, np.where(slope < 0, -np.inf, np.where(flat_ok, -np.inf, np.inf)))
    hi = np.where(slope < 0, cross, np.where(slope > 0, np.inf, np.where(flat_ok, np.inf, -np.inf)))
    unknown = np.isnan(b0) | np.isnan(b1)
    return np.where(unknown, -np.inf, lo), np.where(unknown, np.inf, hi)


def _row(preferred: np.ndarray, other: np.ndarray, ground: np.ndarray, arrays: TrackArrays,
         along: np.ndarray) -> np.ndarray:
    """One reference's altitudes: the preferred measurement, the surface for aircraft on the
    ground, interpolation over short gaps, then the other measurement (see the module notes)."""
    own = np.where(ground & np.isnan(preferred), np.where(np.isnan(other), 0.0, other), preferred)
    own = _fill(own, arrays, along)
    missing = np.isnan(own)
    if missing.any():
        backup = _fill(np.where(ground & np.isnan(other), 0.0, other), arrays, along)
        own[missing] = backup[missing]
    return own


def _fill(values: np.ndarray, arrays: TrackArrays, along: np.ndarray) -> np.ndarray:
    """``values`` with each NaN interpolated linearly in distance between the nearest known values
    on the same track, when those are at most FILL_MAX_S apart in time; other NaN stay.

    Examples
    --------
    >>> arrays = TrackArrays.from_table(__import__("pandas").DataFrame({
    ...     "time": ["2015-11-24T07:00:00Z", "2015-11-24T07:00:10Z", "2015-11-24T07:00:40Z"],
    ...     "track_id": "T", "lat": 0.0, "lon": [0.0, 0.1, 0.2]}))
    >>> _fill(np.array([1000.0, np.nan, 2000.0]), arrays, np.array([0.0, 300.0, 1000.0])).tolist()
    [1000.0, 1300.0, 2000.0]
    """
    known = ~np.isnan(values)
    if known.all() or not known.any():
        return values.copy()
    n = len(values)
    index = np.arange(n)
    prev = np.maximum.accumulate(np.where(known, index, -1))
    nxt = np.minimum.accumulate(np.where(known, index, n)[::-1])[::-1]
    gap = np.flatnonzero(~known & (prev >= arrays.first) & (nxt <= arrays.last))
    t = arrays.t
    gap = gap[t[nxt[gap]] - t[prev[gap]] <= FILL_MAX_S]
    p, q = prev[gap], nxt[gap]
    span, span_t = along[q] - along[p], t[q] - t[p]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, (along[gap] - along[p]) / span,
                        np.where(span_t > 0, (t[gap] - t[p]) / span_t, 0.0))
    out = values.copy()
    out[gap] = values[p] + np.clip(frac, 0.0, 1.0) * (values[q] - values[p])
    return out
