"""Predicted paths over a look-ahead, and the exact time each one first enters an airspace.

Two models, both starting from the robust kinematics (``kinematics``) at each evaluation row:

* ``straight``: the WGS84 geodesic leaving the position on the estimated track, flown at the
  estimated ground speed for ``look_ahead_s`` seconds;
* ``turn``: a constant-turn arc (heading changing at the estimated turn rate, constant speed),
  made of geodesic chords that each turn through at most ``MAX_CHORD_TURN_DEG``. A chord of an
  arc of radius r turning through theta lies within r (1 - cos(theta / 2)) of the arc: 1.5e-4 r
  at 2 degrees, 0.7 m for a rate-one turn at 250 m/s (r = 4.8 km). Beyond one full circle an arc
  only repeats itself, so it is followed for at most one turn.

Altitude is linear in time (estimated vertical rate). Entry times are exact on these paths, not
sampled: the chords go through the same crossing machinery as ``detect``
(``detection.crossings.inside_stretches``: every boundary crossing refined on the geodesic to
0.1 mm, inside stretches decided by exact point-in-polygon tests); the inside stretches are then
clipped to the airspace's floor and ceiling by solving the linear altitude for the limits.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..airspace.index import AirspaceIndex
from ..detection.crossings import Segments, inside_stretches
from ..geodesy import GEOD, wrap_lon
from .kinematics import Kinematics

__all__ = ["MAX_CHORD_TURN_DEG", "Entries", "PredictedPaths", "first_entries", "predicted_paths"]

MAX_CHORD_TURN_DEG = 2.0
_CONTIGUOUS_S = 1e-6  # pieces closer than this in time are one stretch


@dataclass
class PredictedPaths:
    """Chords of the predicted paths: owner row (index into the kinematics), model (0 straight,
    1 turn), start and end time in seconds from now, and the chords as geodesic segments."""

    row: np.ndarray
    model: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    segs: Segments

    def __len__(self) -> int:
        return len(self.row)

    def point_at(self, chord: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """lon, lat (degrees) at a time (s from now) on given chords (distance linear in time)."""
        span = self.t1[chord] - self.t0[chord]
        frac = np.divide(seconds - self.t0[chord], span, out=np.zeros(len(chord)), where=span > 0)
        lon, lat = self.segs.point(chord, np.clip(frac, 0.0, 1.0) * self.segs.length[chord])
        return np.asarray(wrap_lon(lon)), lat


def predicted_paths(kin: Kinematics, look_ahead_s: float, model: str = "both",
                    min_turn_rate_deg_s: float = 0.5) -> PredictedPaths:
    """Chords of the straight and/or turning prediction of every valid row.

    ``model``: ``straight``, ``turn`` (rows turning slower than ``min_turn_rate_deg_s`` deg/s
    get the straight path, which is their arc's limit) or ``both``.

    Examples
    --------
    >>> from skyborder.warn.kinematics import Kinematics
    >>> one = lambda v: np.array([v], dtype=float)
    >>> kin = Kinematics(one(36.0), one(35.0), one(5000), one(250), one(90), one(3.0), one(0), np.array([True]),
    ...                  np.array([False]))
    >>> paths = predicted_paths(kin, 120.0, "both")
    >>> int((paths.model == 0).sum()), int((paths.model == 1).sum())
    (1, 180)
    """
    rows = np.flatnonzero(kin.valid)
    speed, track, turn = kin.speed_mps[rows], kin.track_deg[rows], kin.turn_rate_deg_s[rows]
    parts: list[tuple[np.ndarray, ...]] = []
    turning = np.abs(turn) >= min_turn_rate_deg_s
    straight_rows = rows if model in ("straight", "both") else rows[~turning]
    if len(straight_rows):
        k = np.searchsorted(rows, straight_rows)
        parts.append((straight_rows, np.zeros(len(k), np.int8), kin.lon[straight_rows], kin.lat[straight_rows],
                      track[k], speed[k] * look_ahead_s, np.zeros(len(k)), np.full(len(k), look_ahead_s)))
    if model in ("turn", "both") and turning.any():
        parts.append(_arc_chords(kin, rows[turning], look_ahead_s))
    if not parts:
        empty = np.zeros(0)
        return PredictedPaths(np.zeros(0, np.int64), np.zeros(0, np.int8), empty, empty,
                              Segments(empty, empty, empty, empty))
    row, mdl, lon, lat, az, length, t0, t1 = (np.concatenate(v) for v in zip(*parts))
    return PredictedPaths(row.astype(np.int64), mdl, t0, t1, Segments(lon, lat, az, length))


def _arc_chords(kin: Kinematics, rows: np.ndarray, look_ahead_s: float) -> tuple[np.ndarray, ...]:
    """Chords of constant-turn arcs: each covers an equal time step and turns <= MAX_CHORD_TURN_DEG."""
    omega = kin.turn_rate_deg_s[rows]
    span = np.minimum(look_ahead_s, 360.0 / np.abs(omega))  # one full circle at most
    n = np.maximum(np.ceil(np.abs(omega) * span / MAX_CHORD_TURN_DEG), 1).astype(np.int64)
    step = span / n
    radius = kin.speed_mps[rows] / np.radians(np.abs(omega))
    chord = 2.0 * radius * np.sin(np.radians(np.abs(omega) * step) / 2.0)
    lon, lat = kin.lon[rows].copy(), kin.lat[rows].copy()
    out: list[tuple[np.ndarray, ...]] = []
    for k in range(int(n.max())):  # one geodesic step per chord, vectorised over every arc
        live = np.flatnonzero(n > k)
        heading = kin.track_deg[rows[live]] + omega[live] * (k + 0.5) * step[live]
        t_start = k * step[live]
        out.append((rows[live], np.ones(len(live), np.int8), lon[live], lat[live], heading % 360.0,
                    chord[live], t_start, t_start + step[live]))
        lon[live], lat[live], _ = GEOD.fwd(lon[live], lat[live], heading, chord[live])
    return tuple(np.concatenate(v) for v in zip(*out))


@dataclass
class Entries:
    """The first predicted entry of each (row, airspace) pair that enters within the look-ahead.

    ``seconds``: time from now to the entry (0 < seconds <= look-ahead); ``lon``, ``lat``: the
    entry point (degrees; on the lateral boundary unless the entry is through a floor or
    ceiling); ``alt_m``: predicted altitude there; ``model``: 0 straight, 1 turn.
    """

    row: np.ndarray
    airspace: np.ndarray
    seconds: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    alt_m: np.ndarray
    model: np.ndarray

    def __len__(self) -> int:
        return len(self.row)


def _limits(index: AirspaceIndex) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([a.floor_m for a in index.airspaces], dtype=float),
            np.array([a.ceiling_m for a in index.airspaces], dtype=float))


def _pieces(index: AirspaceIndex, paths: PredictedPaths) -> tuple[np.ndarray, ...]:
    """Inside pieces (chord, airspace, start m, end m) of every chord, lateral only."""
    segs = paths.segs
    n_air = len(index.airspaces)
    end_lon, end_lat = segs.point(np.arange(len(segs.lon)), segs.length)
    member = index.member()
    m_start = member[index.classify(np.asarray(wrap_lon(segs.lon)), segs.lat)]
    m_end = member[index.classify(np.asarray(wrap_lon(end_lon)), end_lat)]
    seg, air = np.nonzero(m_start | m_end)
    in_start, in_end = m_start[seg, air], m_end[seg, air]
    stretches = inside_stretches(index, segs, in_start, in_end, seg, air.astype(np.int32))
    keys = seg.astype(np.int64) * n_air + air
    whole = in_start & in_end & ~np.isin(keys, stretches.handled)
    return (np.concatenate([stretches.seg, seg[whole]]), np.concatenate([stretches.airspace, air[whole]]),
            np.concatenate([stretches.start, np.zeros(whole.sum())]),
            np.concatenate([stretches.end, segs.length[seg[whole]]]))


def first_entries(index: AirspaceIndex, kin: Kinematics, paths: PredictedPaths) -> Entries:
    """The first entry of each predicted path into each airspace, earliest over the models.

    An aircraft already inside an airspace (laterally and vertically) at the start of a path has
    no entry into it unless the path leaves and comes back.
    """
    chord, air, s0, s1 = _pieces(index, paths)
    length = paths.segs.length[chord]
    frac0 = np.divide(s0, length, out=np.zeros(len(s0)), where=length > 0)
    frac1 = np.divide(s1, length, out=np.ones(len(s1)), where=length > 0)
    dt = paths.t1[chord] - paths.t0[chord]
    ta, tb = paths.t0[chord] + frac0 * dt, paths.t0[chord] + frac1 * dt
    ta, tb, keep = _clip_vertical(index, kin, paths.row[chord], air, ta, tb)
    chord, air, ta, tb = chord[keep], air[keep], ta[keep], tb[keep]
    row, model = paths.row[chord], paths.model[chord]
    if len(row) == 0:
        empty = np.zeros(0)
        return Entries(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, empty, empty, empty, np.zeros(0, np.int8))
    order = np.lexsort((tb, ta, air, model, row))
    chord, air, ta, tb, row, model = (v[order] for v in (chord, air, ta, tb, row, model))
    same = np.r_[False, (row[1:] == row[:-1]) & (model[1:] == model[:-1]) & (air[1:] == air[:-1])]
    # the pieces of one path in one airspace are disjoint and in time order: a piece continues the
    # stretch of the one before it when it starts where that one ended
    prev_end = np.r_[-np.inf, tb[:-1]]
    starts = ~same | (ta > prev_end + _CONTIGUOUS_S)
    entry = starts & (ta > _CONTIGUOUS_S)
    first = np.flatnonzero(entry)
    key = (row[first] * (len(index.airspaces) + 1) + air[first]) * 2 + model[first]
    _, pick = np.unique(key, return_index=True)
    first = first[pick]  # earliest entry per (row, airspace, model)
    pair = row[first] * (len(index.airspaces) + 1) + air[first]
    order = np.lexsort((ta[first], pair))
    first = first[order]
    keep_first = np.ones(len(first), bool)
    keep_first[1:] = pair[order][1:] != pair[order][:-1]
    first = first[keep_first]  # earliest over the models
    lon, lat = paths.point_at(chord[first], ta[first])
    r = row[first]
    alt = kin.alt_m[r] + kin.vertical_rate_mps[r] * ta[first]
    return Entries(r, air[first].astype(np.int64), ta[first], lon, lat, alt, model[first])


def _clip_vertical(index: AirspaceIndex, kin: Kinematics, row: np.ndarray, air: np.ndarray,
                   ta: np.ndarray, tb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip time intervals to where the linear altitude is within the airspace's limits
    (unknown altitude is not clipped, as in ``detect``)."""
    floor, ceiling = _limits(index)
    lo, hi = floor[air], ceiling[air]
    z0, vz = kin.alt_m[row], kin.vertical_rate_mps[row]
    limited = (np.isfinite(lo) | np.isfinite(hi)) & np.isfinite(z0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_lo, t_hi = (lo - z0) / vz, (hi - z0) / vz
    level = vz == 0
    within = (z0 >= lo) & (z0 <= hi)
    v0 = np.where(level, np.where(within, -np.inf, np.inf), np.where(vz > 0, t_lo, t_hi))
    v1 = np.where(level, np.where(within, np.inf, -np.inf), np.where(vz > 0, t_hi, t_lo))
    new_a = np.where(limited, np.maximum(ta, v0), ta)
    new_b = np.where(limited, np.minimum(tb, v1), tb)
    return new_a, new_b, new_b >= new_a
