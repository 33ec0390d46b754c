"""Warning stages per (aircraft, airspace): raw levels, then confirmation, hysteresis, repeats and
acknowledgements in one compiled pass.

Levels: 0 none, 1 ``predicted`` (entry predicted within T1, or within the approach distance and
closing), 2 ``imminent`` (entry within T2, or inside the lateral or vertical buffer), 3
``inside``. Each evaluation gives two raw levels: ``enter`` with the policy's thresholds and
``hold`` with thresholds widened by ``hysteresis``; the level that counts is the enter level, or
the hold level as long as it does not exceed the current stage (so a wobble at a threshold does
not flap the stage).

The compiled pass (``advance``) walks the evaluations of each pair in time order and keeps, per
pair: the stage, the last M levels, when the last warning was given, since when the level has
been below the stage, the acknowledgement, and the alert (episode) start and count. Rules:

* N-of-M: the candidate stage is the highest level reached by at least N of the last M levels;
* a candidate above the stage raises it at once: a ``warning`` (even when acknowledged, if the
  new stage is above the acknowledged one);
* a candidate below the stage lowers it only after ``clear_after_s`` seconds below; to 0 it is a
  ``warning_cleared``, otherwise a ``warning`` at the lower stage (silent when acknowledged);
* while the stage holds, a ``warning`` every ``repeat_s`` seconds (0: never), unless acknowledged.
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["CLEARED", "NONE", "STAGES", "WARNING", "PairState", "advance"]

STAGES = ("none", "predicted", "imminent", "inside")
NONE, WARNING, CLEARED = 0, 1, 2


class PairState:
    """Per-pair state arrays, grown on demand (slots are reused after a pair is dropped)."""

    stage: np.ndarray  # current stage (0-3)
    history: np.ndarray  # last 8 levels, 2 bits each, newest lowest
    filled: np.ndarray  # how many of them are real
    last_warn: np.ndarray  # time (s) of the last warning
    below_since: np.ndarray  # since when (s) the candidate is below the stage (NaN: it is not)
    ack_until: np.ndarray  # acknowledged until (s)
    ack_stage: np.ndarray  # the stage that was acknowledged
    alert_start: np.ndarray  # first warning of the current alert (s)
    count: np.ndarray  # warnings in the current alert
    seen_outside: np.ndarray  # the aircraft has been seen outside the airspace
    dist: np.ndarray  # last exact distance (m) to the border (NaN: none), where it was computed:
    dist_lon: np.ndarray
    dist_lat: np.ndarray
    FIELDS = (("stage", np.int8), ("history", np.int32), ("filled", np.int8), ("last_warn", np.float64),
              ("below_since", np.float64), ("ack_until", np.float64), ("ack_stage", np.int8),
              ("alert_start", np.float64), ("count", np.int32), ("seen_outside", np.bool_),
              ("dist", np.float64), ("dist_lon", np.float64), ("dist_lat", np.float64))

    def __init__(self, capacity: int = 1024) -> None:
        for name, dtype in self.FIELDS:
            setattr(self, name, np.zeros(capacity, dtype=dtype))
        self.reset(np.arange(capacity))

    @property
    def capacity(self) -> int:
        return len(self.stage)

    def grow(self, capacity: int) -> None:
        """Make room for at least ``capacity`` pairs (new slots reset)."""
        old = self.capacity
        if capacity <= old:
            return
        new = max(capacity, 2 * old)
        for name, dtype in self.FIELDS:
            values = np.zeros(new, dtype=dtype)
            values[:old] = getattr(self, name)
            setattr(self, name, values)
        self.reset(np.arange(old, new))

    def reset(self, slots: np.ndarray) -> None:
        """Forget the listed pairs."""
        self.stage[slots] = 0
        self.history[slots] = 0
        self.filled[slots] = 0
        self.last_warn[slots] = -np.inf
        self.below_since[slots] = np.nan
        self.ack_until[slots] = -np.inf
        self.ack_stage[slots] = 0
        self.alert_start[slots] = np.nan
        self.count[slots] = 0
        self.seen_outside[slots] = False
        self.dist[slots] = np.nan

    def idle(self, slots: np.ndarray) -> np.ndarray:
        """Pairs with no stage and nothing in their confirmation history."""
        return (self.stage[slots] == 0) & (self.history[slots] == 0)


@njit(cache=True)
def _confirmed(history: int, filled: int, n: int, m: int) -> int:
    """The highest level that at least n of the last m levels (2 bits each, newest lowest) reach."""
    best = 0
    for level in range(1, 4):
        hits = 0
        for k in range(min(filled, m)):
            if (history >> (2 * k)) & 3 >= level:
                hits += 1
        if hits >= n:
            best = level
    return best


@njit(cache=True)
def advance(pair: np.ndarray, t: np.ndarray, enter: np.ndarray, hold: np.ndarray, inside: np.ndarray,
            outside: np.ndarray, first_seen_inside: bool, n: int, m: int, repeat_s: float,
            clear_after_s: float, stage: np.ndarray, history: np.ndarray, filled: np.ndarray,
            last_warn: np.ndarray, below_since: np.ndarray, ack_until: np.ndarray, ack_stage: np.ndarray,
            alert_start: np.ndarray, count: np.ndarray, seen_outside: np.ndarray,
            out_event: np.ndarray, out_stage: np.ndarray, out_start: np.ndarray, out_count: np.ndarray) -> None:
    """Advance the pair states over evaluations sorted by pair, then time (see the module docstring).

    Per evaluation i (pair ``pair[i]`` at time ``t[i]`` s): raw levels ``enter[i]``/``hold[i]``;
    ``inside[i]``/``outside[i]``: the fix is inside / outside the airspace now. Writes the event
    (NONE, WARNING, CLEARED), the stage it carries, the alert start and the alert's warning count.
    """
    for i in range(len(pair)):
        p = pair[i]
        now = t[i]
        if outside[i]:
            seen_outside[p] = True
        level = max(enter[i], min(hold[i], stage[p]))
        if inside[i] and not seen_outside[p] and not first_seen_inside:
            level = 0
        history[p] = ((history[p] << 2) | level) & ((1 << (2 * 8)) - 1)
        filled[p] = min(filled[p] + 1, 8)
        candidate = _confirmed(history[p], filled[p], n, m)
        current = stage[p]
        acknowledged = now < ack_until[p]
        event = NONE
        if candidate > current:
            stage[p] = candidate
            below_since[p] = np.nan
            if current == 0:
                alert_start[p] = now
                count[p] = 0
            if not (acknowledged and candidate <= ack_stage[p]):
                event = WARNING
        elif candidate < current:
            if np.isnan(below_since[p]):
                below_since[p] = now
            if now - below_since[p] >= clear_after_s:
                stage[p] = candidate
                below_since[p] = np.nan
                if candidate == 0:
                    event = CLEARED
                elif not acknowledged:
                    event = WARNING
            elif repeat_s > 0 and now - last_warn[p] >= repeat_s and not acknowledged:
                event = WARNING
        elif current > 0:
            below_since[p] = np.nan
            if repeat_s > 0 and now - last_warn[p] >= repeat_s and not acknowledged:
                event = WARNING
        out_event[i] = event
        out_start[i] = alert_start[p]
        if event == WARNING:
            last_warn[p] = now
            count[p] += 1
            out_stage[i] = stage[p]
        elif event == CLEARED:
            out_stage[i] = current
        else:
            out_stage[i] = stage[p]
        out_count[i] = count[p]
        if event == CLEARED:
            alert_start[p] = np.nan
            count[p] = 0
            last_warn[p] = -np.inf
            ack_until[p] = -np.inf
            ack_stage[p] = 0
