"""The warning engine: track-table batches in, warning records out (live and in replay alike).

``WarningEngine.update(fixes)`` evaluates every fix of a batch, vectorised over the batch:

1. each aircraft's recent fixes (at most ``kinematics.HISTORY``, kept per aircraft between
   batches) and the batch's fixes form one context table;
2. a fix is evaluated against the airspaces whose border it may be within reach of (the
   airspace index's coarse cells within ``policy.reach_m``) and against every airspace its
   aircraft already has a state for;
3. robust kinematics, predicted paths and their exact first entries (``kinematics``,
   ``prediction``), the distance to each border and, near it, whether the aircraft is closing;
4. raw levels, then the compiled stage pass (``stages.advance``) gives the warnings and the
   cleared alerts, which are turned into records (``records.WARNING_COLUMNS``) with the message.

Everything is a function of the fixes and their times (not of the wall clock or of how the
fixes were split into batches), so replaying a recording gives the warnings a live run gave.
Not thread-safe: one engine per feed. Memory: aircraft and pair states live in reusable slots;
``expire`` gives up silent aircraft (their alerts clear with reason ``lost``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..airspace import world
from ..airspace.index import AirspaceIndex
from ..airspace.model import Airspace
from ..arrays import expand_ranges
from ..geodesy import segment_lengths
from ..tracks import schema
from ..units import NAUTICAL_MILE_M
from . import geometry, stages
from .kinematics import HISTORY, Kinematics, estimate
from .policy import Policy, load_policy
from .prediction import first_entries, predicted_paths
from .records import CLEARED_COLUMNS, WARNING_COLUMNS, conform, empty_cleared, empty_warnings
from .slots import IdSlots, KeySlots

__all__ = ["WarningEngine", "WarningEvents", "replay"]

_NS = 1e9
_META = ("icao24", "callsign", "squawk", "country", "military")


@dataclass
class WarningEvents:
    """What one call gave: warning records and cleared alerts (both in time order)."""

    warnings: pd.DataFrame = field(default_factory=empty_warnings)
    cleared: pd.DataFrame = field(default_factory=empty_cleared)

    def __len__(self) -> int:
        return len(self.warnings) + len(self.cleared)


@dataclass
class EngineStats:
    """Counters since the engine started."""

    fixes: int = 0
    evaluations: int = 0
    warnings: int = 0
    cleared: int = 0


def _seconds(times: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return pd.DatetimeIndex(times).asi8 / _NS


def _timestamps(seconds: np.ndarray) -> pd.DatetimeIndex:
    values = np.where(np.isfinite(seconds), np.round(np.nan_to_num(seconds) * _NS), np.iinfo(np.int64).min)
    return pd.DatetimeIndex(values.astype(np.int64), tz="UTC").as_unit("ns")


class WarningEngine:
    """Warnings for the aircraft of a feed against a set of airspaces, by a policy.

    Parameters
    ----------
    airspaces : str, list of Airspace or AirspaceIndex
        What to watch (comma list of ISO codes, airspaces, or a prebuilt index).
    policy : Policy or str, optional
        A policy or a preset name / TOML file (default ``atc``).
    """

    def __init__(self, airspaces: str | list[Airspace] | AirspaceIndex, policy: Policy | str | None = None) -> None:
        if isinstance(airspaces, str):
            airspaces = world.select(airspaces)
        self.index = airspaces if isinstance(airspaces, AirspaceIndex) else AirspaceIndex(airspaces)
        self.policy = policy if isinstance(policy, Policy) else load_policy(policy)
        self.n_air = len(self.index.airspaces)
        self._names = np.array([a.name for a in self.index.airspaces], dtype=object)
        self._labels = np.array([a.label or a.name for a in self.index.airspaces], dtype=object)
        self._floor = np.array([a.floor_m for a in self.index.airspaces], dtype=float)
        self._ceiling = np.array([a.ceiling_m for a in self.index.airspaces], dtype=float)
        self._near_keys = self.index.cells_near(self.policy.reach_m) if self.n_air else np.zeros(0, np.int64)
        # the farthest from a border that the buffer or the approach distance can raise a stage (m)
        self._distance_m = (1.0 + self.policy.alerting_hysteresis) * max(self.policy.buffers_lateral_m,
                                                                          self.policy.approach_distance_m)
        self._exempt_icao, self._exempt_squawk = self._exemptions()
        self.aircraft = IdSlots()
        self._ring_t = np.zeros((0, HISTORY))
        self._ring_lon = np.zeros((0, HISTORY))
        self._ring_lat = np.zeros((0, HISTORY))
        self._ring_alt = np.zeros((0, HISTORY))
        self._ring_n = np.zeros(0, dtype=np.int64)
        self.last_seen = np.zeros(0)
        self._meta = {name: np.zeros(0, dtype=object) for name in _META}
        self.pairs = KeySlots()
        self.state = stages.PairState(1024)
        self.stats = EngineStats()

    # ------------------------------------------------------------------ public
    def update(self, fixes: pd.DataFrame) -> WarningEvents:
        """Evaluate a batch of fixes (a track table; each track's fixes later than its earlier ones).

        Returns the warnings raised or repeated and the alerts cleared by these fixes.
        """
        table = fixes if len(fixes) == 0 or _is_sorted(fixes) else schema.normalize(fixes)
        keep = np.isfinite(table["lat"].to_numpy(float)) & np.isfinite(table["lon"].to_numpy(float)) \
            & table["time"].notna().to_numpy()
        if self.policy.alerting_ignore_on_ground and "on_ground" in table:
            keep &= ~table["on_ground"].fillna(False).to_numpy(bool)
        table = table[keep]
        if len(table) == 0 or self.n_air == 0:
            return WarningEvents()
        self.stats.fixes += len(table)
        slots = self.aircraft.lookup(table["track_id"].to_numpy(object), create=True)
        self._grow(self.aircraft.size)
        self._remember_meta(table, slots)
        ctx = self._context(table, slots)
        events = self._evaluate(ctx)
        self._store_history(ctx)
        return events

    def expire(self, now: pd.Timestamp, silence_s: float) -> WarningEvents:
        """Give up aircraft silent for more than ``silence_s`` seconds at ``now``: their open
        alerts clear (reason ``lost``) and their state is freed."""
        live = self.aircraft.live()
        silent = live[self.last_seen[live] < pd.Timestamp(now).value / _NS - silence_s]
        return self._forget(silent, "lost", pd.Timestamp(now))

    def acknowledge(self, track_id: str, airspace: str, until: pd.Timestamp | str | None = None,
                    now: pd.Timestamp | None = None) -> bool:
        """Silence the repeats of an aircraft's alert about an airspace.

        ``until``: a time, ``"day"`` (until 24:00 UTC of ``now``'s day) or None (``now`` plus the
        policy's ``alerting.acknowledge_s``). A higher stage still warns. Returns False when the
        aircraft has no alert about that airspace.
        """
        slot = self.aircraft.lookup(np.array([track_id], dtype=object))[0]
        air = np.flatnonzero(self._names == airspace)
        if slot < 0 or len(air) == 0:
            return False
        pair = self.pairs.lookup(np.array([slot * self.n_air + air[0]]))[0]
        if pair < 0 or self.state.stage[pair] == 0:
            return False
        now = pd.Timestamp(now) if now is not None else _timestamps(self.last_seen[[slot]])[0]
        if until is None:
            end = now + pd.Timedelta(seconds=self.policy.alerting_acknowledge_s)
        elif isinstance(until, str) and until == "day":
            end = now.normalize() + pd.Timedelta(days=1)
        else:
            end = pd.Timestamp(until)
        self.state.ack_until[pair] = end.value / _NS
        self.state.ack_stage[pair] = self.state.stage[pair]
        return True

    def alerts(self) -> pd.DataFrame:
        """The alerts standing now: track_id, airspace, stage, alert_start, warnings, acknowledged_until."""
        slots = self.pairs.slots
        active = slots[self.state.stage[slots] > 0]
        keys = self.pairs.keys[self.state.stage[slots] > 0]
        ack = self.state.ack_until[active]
        return pd.DataFrame({
            "track_id": self.aircraft.ids(keys // self.n_air),
            "airspace": self._names[keys % self.n_air],
            "stage": np.array(stages.STAGES, dtype=object)[self.state.stage[active]],
            "alert_start": _timestamps(self.state.alert_start[active]),
            "warnings": self.state.count[active].astype(np.int64),
            "acknowledged_until": _timestamps(np.where(np.isfinite(ack), ack, np.nan)),
        })

    # ------------------------------------------------------------------ state
    def _grow(self, size: int) -> None:
        old = len(self._ring_n)
        if size <= old:
            return
        new = max(size, 2 * old, 64)
        for name in ("_ring_t", "_ring_lon", "_ring_lat", "_ring_alt"):
            grown = np.zeros((new, HISTORY))
            grown[:old] = getattr(self, name)
            setattr(self, name, grown)
        self._ring_n = np.r_[self._ring_n, np.zeros(new - old, dtype=np.int64)]
        self.last_seen = np.r_[self.last_seen, np.full(new - old, -np.inf)]
        for name in _META:
            grown_meta = np.full(new, None, dtype=object)
            grown_meta[:old] = self._meta[name]
            self._meta[name] = grown_meta

    def _remember_meta(self, table: pd.DataFrame, slots: np.ndarray) -> None:
        """Latest known identity of each aircraft (address, callsign, squawk, nationality)."""
        for name in _META:
            if name not in table:
                continue
            values = table[name].to_numpy(object)
            known = pd.notna(values)
            self._meta[name][slots[known]] = values[known]  # later rows of a slot win

    def _context(self, table: pd.DataFrame, slots: np.ndarray) -> _Context:
        """Stored history of the batch's aircraft followed by the batch, as flat arrays."""
        batch_slots = np.unique(slots)
        counts = self._ring_n[batch_slots]
        owner, k = expand_ranges(np.zeros(len(batch_slots), np.int64), counts - 1)
        ring_slot = batch_slots[owner]
        n_hist = len(ring_slot)
        slot = np.r_[ring_slot, slots]
        t = np.r_[self._ring_t[ring_slot, k], _seconds(table["time"])]
        order = np.lexsort((np.r_[np.zeros(n_hist), np.ones(len(slots))], t, slot))  # history before batch
        alt = table["alt_m"].to_numpy(float) if "alt_m" in table else np.full(len(table), np.nan)
        lon = np.r_[self._ring_lon[ring_slot, k], table["lon"].to_numpy(float)][order]
        lat = np.r_[self._ring_lat[ring_slot, k], table["lat"].to_numpy(float)][order]
        alts = np.r_[self._ring_alt[ring_slot, k], alt][order]
        is_batch = (order >= n_hist)
        slot, t = slot[order], t[order]
        starts = np.flatnonzero(np.r_[True, slot[1:] != slot[:-1]])
        first = np.repeat(starts, np.diff(np.r_[starts, len(slot)]))
        batch_row = np.where(is_batch, order - n_hist, -1)
        return _Context(slot, t, lon, lat, alts, first, batch_row, table)

    def _store_history(self, ctx: _Context) -> None:
        """Keep the last HISTORY fixes of each aircraft of the batch."""
        n = len(ctx.slot)
        ends = np.r_[np.flatnonzero(ctx.slot[1:] != ctx.slot[:-1]), n - 1]
        from_end = np.repeat(ends, np.diff(np.r_[-1, ends])) - np.arange(n)
        keep = from_end < HISTORY
        count = np.minimum(np.diff(np.r_[-1, ends]), HISTORY)
        position = (count[np.searchsorted(ends, np.arange(n))] - 1 - from_end)[keep]
        s = ctx.slot[keep]
        self._ring_t[s, position] = ctx.t[keep]
        self._ring_lon[s, position] = ctx.lon[keep]
        self._ring_lat[s, position] = ctx.lat[keep]
        self._ring_alt[s, position] = ctx.alt[keep]
        self._ring_n[ctx.slot[ends]] = count
        self.last_seen[ctx.slot[ends]] = ctx.t[ends]

    def _forget(self, slots: np.ndarray, reason: str, now: pd.Timestamp) -> WarningEvents:
        if len(slots) == 0:
            return WarningEvents()
        _, pos = self.pairs.between(slots * self.n_air, (slots + 1) * self.n_air)
        keys, pair_slots = self.pairs.keys[pos], self.pairs.slots[pos]
        open_alert = self.state.stage[pair_slots] > 0
        cleared = self._cleared_frame(np.full(open_alert.sum(), now.value / _NS), keys[open_alert],
                                      self.state.stage[pair_slots[open_alert]],
                                      self.state.alert_start[pair_slots[open_alert]],
                                      self.state.count[pair_slots[open_alert]], reason)
        self.state.reset(self.pairs.remove(keys))
        self._ring_n[slots] = 0
        self.last_seen[slots] = -np.inf
        for name in _META:
            self._meta[name][slots] = None
        self.aircraft.remove(slots)
        self.stats.cleared += len(cleared)
        return WarningEvents(cleared=cleared)

    def _exemptions(self) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
        """ICAO addresses and squawks exempt per airspace index (key -1: every airspace)."""
        icao: dict[int, set[str]] = {}
        squawk: dict[int, set[str]] = {}
        for e in self.policy.exemptions:
            targets = [-1] if e.airspace == "*" else list(np.flatnonzero(self._names == e.airspace))
            for a in targets:
                icao.setdefault(int(a), set()).update(e.icao24)
                squawk.setdefault(int(a), set()).update(e.squawk)
        return icao, squawk

    # ------------------------------------------------------------------ evaluation
    def _candidates(self, ctx: _Context, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, airspace, near) pairs to evaluate: airspaces within reach of each fix's coarse cell,
        and those its aircraft has a state for (``near`` False for these when out of reach)."""
        deg, nx, ny = self.index.cell_deg, self.index.nx, self.index.ny
        ix = np.clip(((ctx.lon[rows] + 180.0) / deg).astype(np.int64), 0, nx - 1)
        iy = np.clip(((ctx.lat[rows] + 90.0) / deg).astype(np.int64), 0, ny - 1)
        cell = iy * nx + ix
        lo = np.searchsorted(self._near_keys, cell * self.n_air)
        hi = np.searchsorted(self._near_keys, (cell + 1) * self.n_air)
        owner, pos = expand_ranges(lo, hi - 1)
        near_key = rows[owner].astype(np.int64) * self.n_air + self._near_keys[pos] % self.n_air
        slot = ctx.slot[rows]
        o2, p2 = self.pairs.between(slot * self.n_air, (slot + 1) * self.n_air)
        known_key = rows[o2].astype(np.int64) * self.n_air + self.pairs.keys[p2] % self.n_air
        keys = np.unique(np.r_[near_key, known_key])
        near = np.isin(keys, near_key)
        return keys // self.n_air, (keys % self.n_air).astype(np.int64), near

    def _evaluate(self, ctx: _Context) -> WarningEvents:
        policy = self.policy
        batch_rows = np.flatnonzero(ctx.batch_row >= 0)
        row, air, near = self._candidates(ctx, batch_rows)
        if len(row) == 0:
            return WarningEvents()
        self.stats.evaluations += len(row)
        pair = self.pairs.lookup(ctx.slot[row] * self.n_air + air, create=True)
        self.state.grow(self.pairs.size)
        kin_rows, kin_of = np.unique(row, return_inverse=True)
        kin = estimate(ctx.t, ctx.lon, ctx.lat, ctx.alt, ctx.first, kin_rows, policy.prediction_window_s,
                       policy.prediction_fixes, policy.prediction_outlier_m, policy.prediction_max_speed_mps)
        # where the fix is now
        lon, lat, alt = ctx.lon[row], ctx.lat[row], ctx.alt[row]
        lateral_in = self.index.member()[self.index.classify(lon, lat), air]
        floor, ceiling = self._floor[air], self._ceiling[air]
        known_alt = np.isfinite(alt)
        vertical_in = ~known_alt | ((alt >= floor) & (alt <= ceiling))
        inside = lateral_in & vertical_in
        widen = 1.0 + policy.alerting_hysteresis
        # how far a predicted path can go, and what can matter at all: pairs provably farther from the
        # border than that (a bound from their last exact distance) skip the distance and the prediction
        path_m = np.where(kin.valid[kin_of], kin.speed_mps[kin_of], 0.0) * policy.prediction_look_ahead_s * widen
        needed = np.maximum(path_m, self._distance_m) + 1.0
        lower = self._distance_bound(pair, lon, lat)
        active = lateral_in | (lower <= needed)
        distance = self._distances(ctx, row, air, active & ~lateral_in, pair)
        reachable = active & (lateral_in | (distance <= path_m + 1.0))
        tte = np.full(len(row), np.inf)
        rows_needed = np.unique(kin_of[reachable])
        sub = kin.take(rows_needed)
        paths = predicted_paths(sub, policy.prediction_look_ahead_s * widen, policy.prediction_model,
                                policy.prediction_min_turn_rate_deg_s)
        entries = first_entries(self.index, sub, paths)
        entry_key = rows_needed[entries.row] * self.n_air + entries.airspace
        pair_key = kin_of * self.n_air + air
        pos = np.minimum(np.searchsorted(entry_key, pair_key), max(len(entry_key) - 1, 0))
        has_entry = reachable & (entry_key[pos] == pair_key) if len(entry_key) else np.zeros(len(row), bool)
        if len(entry_key):
            tte = np.where(has_entry, entries.seconds[pos], np.inf)
        closing = self._closing(kin, kin_of, ctx, row, air, lateral_in, distance)
        enter = self._levels(tte, inside, lateral_in, vertical_in, distance, closing, alt, floor, ceiling, 1.0)
        hold = self._levels(tte, inside, lateral_in, vertical_in, distance, closing, alt, floor, ceiling, widen)
        exempt = self._exempt(ctx.slot[row], air)
        enter[exempt], hold[exempt] = 0, 0
        # the compiled stage pass, pairs in time order
        order = np.lexsort((ctx.t[row], pair))
        n = len(order)
        out_event, out_stage = np.zeros(n, np.int8), np.zeros(n, np.int8)
        out_start, out_count = np.zeros(n), np.zeros(n, np.int32)
        s = self.state
        stages.advance(pair[order], ctx.t[row][order], enter[order], hold[order], inside[order], ~inside[order],
                       policy.alerting_first_seen_inside, policy.alerting_confirm_n, policy.alerting_confirm_m,
                       policy.alerting_repeat_s, policy.alerting_clear_after_s, s.stage, s.history, s.filled,
                       s.last_warn, s.below_since, s.ack_until, s.ack_stage, s.alert_start, s.count, s.seen_outside,
                       out_event, out_stage, out_start, out_count)
        self._drop_idle(pair, near, lateral_in)
        warned = order[out_event == stages.WARNING]
        cleared = order[out_event == stages.CLEARED]
        stage_of = np.empty(len(row), np.int8)
        stage_of[order] = out_stage
        start_of, count_of = np.empty(len(row)), np.empty(len(row), np.int32)
        start_of[order], count_of[order] = out_start, out_count
        warnings = self._warning_frame(ctx, warned, row, air, kin.take(kin_of[warned]), tte, entries, pos,
                                       has_entry, inside, distance, stage_of, start_of, count_of)
        cleared_frame = self._cleared_frame(ctx.t[row[cleared]], ctx.slot[row[cleared]] * self.n_air + air[cleared],
                                            stage_of[cleared], start_of[cleared], count_of[cleared], "clear")
        self.stats.warnings += len(warnings)
        self.stats.cleared += len(cleared_frame)
        return WarningEvents(warnings, cleared_frame)

    def _distance_bound(self, pair: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """A lower bound (m) of each pair's distance to its border: the last exact distance minus how far
        the aircraft has moved since (triangle inequality; 1 m for the local length formula); -inf
        where none is cached."""
        s = self.state
        known = np.isfinite(s.dist[pair])
        bound = np.full(len(pair), -np.inf)
        if known.any():
            k = np.flatnonzero(known)
            moved = segment_lengths(s.dist_lon[pair[k]], s.dist_lat[pair[k]], lon[k], lat[k])
            bound[k] = s.dist[pair[k]] - moved - 1.0
        return bound

    def _distances(self, ctx: _Context, row: np.ndarray, air: np.ndarray, need: np.ndarray,
                   pair: np.ndarray) -> np.ndarray:
        """Exact distance (m) to the border where ``need``, +inf elsewhere; remembered per pair for
        :meth:`_distance_bound`."""
        distance = np.full(len(row), np.inf)
        if need.any():
            idx = np.flatnonzero(need)
            lon, lat = ctx.lon[row[idx]], ctx.lat[row[idx]]
            distance[idx] = geometry.border_distance(self.index, air[idx], lon, lat)
            s = self.state
            s.dist[pair[idx]], s.dist_lon[pair[idx]], s.dist_lat[pair[idx]] = distance[idx], lon, lat
        return distance

    def _closing(self, kin: Kinematics, kin_of: np.ndarray, ctx: _Context, row: np.ndarray, air: np.ndarray,
                 lateral_in: np.ndarray, distance: np.ndarray) -> np.ndarray:
        """Closing speed (m/s) towards the border of pairs within the widened approach distance (NaN elsewhere)."""
        p = self.policy
        closing = np.full(len(row), np.nan)
        if p.approach_distance_m <= 0:
            return closing
        close = ~lateral_in & (distance <= p.approach_distance_m * (1 + p.alerting_hysteresis)) & kin.valid[kin_of]
        if close.any():
            idx = np.flatnonzero(close)
            away = geometry.heading_away(self.index, air[idx], ctx.lon[row[idx]], ctx.lat[row[idx]],
                                         np.zeros(len(idx), bool))
            k = kin_of[idx]
            closing[idx] = -kin.speed_mps[k] * np.cos(np.radians(kin.track_deg[k] - away))
        return closing

    def _levels(self, tte: np.ndarray, inside: np.ndarray, lateral_in: np.ndarray, vertical_in: np.ndarray,
                distance: np.ndarray, closing: np.ndarray, alt: np.ndarray, floor: np.ndarray, ceiling: np.ndarray,
                widen: float) -> np.ndarray:
        """Raw levels with thresholds widened by ``widen`` (1 to enter a stage, 1 + hysteresis to hold it)."""
        p = self.policy
        vbuf = p.buffers_vertical_m * widen
        near_vertically = ~np.isfinite(alt) | ((alt >= floor - vbuf) & (alt <= ceiling + vbuf))
        lateral_buffer = ~lateral_in & (distance <= p.buffers_lateral_m * widen) & near_vertically
        vertical_buffer = lateral_in & ~vertical_in & near_vertically
        level = np.zeros(len(tte), np.int8)
        approach = (p.approach_distance_m > 0) & (distance <= p.approach_distance_m * widen) \
            & (np.nan_to_num(closing, nan=-np.inf) > p.approach_min_closing_mps / widen)
        level[(tte <= p.prediction_look_ahead_s * widen) | approach] = 1
        level[(tte <= p.prediction_imminent_s * widen) | lateral_buffer | vertical_buffer] = 2
        level[inside] = 3
        return level

    def _exempt(self, slot: np.ndarray, air: np.ndarray) -> np.ndarray:
        out = np.zeros(len(slot), bool)
        for lookup, name in ((self._exempt_icao, "icao24"), (self._exempt_squawk, "squawk")):
            if not lookup:
                continue
            values = self._meta[name][slot]
            for a, members in lookup.items():
                hit = np.isin(values.astype(str), list(members)) & pd.notna(values)
                out |= hit & ((air == a) | (a == -1))
        return out

    def _drop_idle(self, pair: np.ndarray, near: np.ndarray, lateral_in: np.ndarray) -> None:
        """Forget pairs that are idle after this batch and whose latest fix was out of reach."""
        # the latest evaluation of each pair decides: keep it while near or inside
        order = np.argsort(pair, kind="stable")
        ends = np.r_[np.flatnonzero(pair[order][1:] != pair[order][:-1]), len(order) - 1] if len(order) else order
        latest = order[ends]
        candidates = pair[latest][~near[latest] & ~lateral_in[latest]]
        idle = candidates[self.state.idle(candidates)]
        if len(idle):
            keys = self.pairs.keys[np.isin(self.pairs.slots, idle)]
            self.state.reset(self.pairs.remove(keys))

    # ------------------------------------------------------------------ records
    def _warning_frame(self, ctx: _Context, warned: np.ndarray, row, air, kin: Kinematics, tte, entries, pos,
                       has_entry, inside, distance, stage_of, start_of, count_of) -> pd.DataFrame:
        if len(warned) == 0:
            return empty_warnings()
        p = self.policy
        r, a = row[warned], air[warned]
        slot = ctx.slot[r]
        lon, lat = ctx.lon[r], ctx.lat[r]
        t = ctx.t[r]
        horizon = p.prediction_look_ahead_s * (1 + p.alerting_hysteresis)
        predicted = has_entry[warned] & ~inside[warned] & (tte[warned] <= horizon)
        e = pos[warned]
        secs = np.where(predicted, tte[warned], np.nan)
        entry_lat = np.where(predicted, entries.lat[e] if len(entries) else np.nan, np.nan)
        entry_lon = np.where(predicted, entries.lon[e] if len(entries) else np.nan, np.nan)
        away = geometry.heading_away(self.index, a, lon, lat, inside[warned])
        ref_name, ref_bearing, ref_range = geometry.nearest_reference(p.references, lon, lat)
        stage_names = np.array(stages.STAGES, dtype=object)[stage_of[warned]]
        frame = pd.DataFrame({
            "time": _timestamps(t),
            "track_id": self.aircraft.ids(slot),
            "airspace": self._names[a],
            "stage": stage_names,
            "predicted_entry_time": _timestamps(t + secs),
            "predicted_entry_lat": entry_lat,
            "predicted_entry_lon": entry_lon,
            "time_to_entry_s": secs,
            "distance_m": np.where(np.isfinite(distance[warned]), distance[warned],
                                   geometry.border_distance(self.index, a, lon, lat)),
            "heading_away_deg": away,
            "reference": ref_name,
            "reference_bearing_deg": ref_bearing,
            "reference_range_m": ref_range,
            "lat": lat,
            "lon": lon,
            "alt_m": ctx.alt[r],
            "speed_mps": np.where(kin.valid, kin.speed_mps, np.nan),
            "track_deg": np.where(kin.valid, kin.track_deg, np.nan),
            "turn_rate_deg_s": np.where(kin.valid, kin.turn_rate_deg_s, np.nan),
            "vertical_rate_mps": np.where(kin.valid, kin.vertical_rate_mps, np.nan),
            "alert_start": _timestamps(start_of[warned]),
            "repeat": count_of[warned].astype(np.int64),
            "policy": p.name,
        })
        for name in _META:
            frame[name] = self._meta[name][slot]
        frame["message"] = self._messages(frame, a)
        frame = frame.sort_values(["time", "track_id", "airspace"], kind="stable").reset_index(drop=True)
        return conform(frame, WARNING_COLUMNS)

    def _messages(self, frame: pd.DataFrame, air: np.ndarray) -> list[str]:
        """The policy's template (its inside template for stage ``inside``) filled in for each warning
        (missing values read as '?')."""
        templates = {"inside": self.policy.message_inside_template}
        rows = zip(frame["callsign"], frame["icao24"], frame["track_id"], air, frame["stage"], frame["reference"],
                   frame["reference_bearing_deg"], frame["reference_range_m"], frame["time_to_entry_s"],
                   frame["distance_m"], frame["heading_away_deg"])
        out = []
        for callsign, icao, track, a, stage, ref, bearing, rng, tte, dist, away in rows:
            values = {
                "callsign": _text(callsign, _text(icao, str(track))), "icao24": _text(icao, "?"),
                "airspace": self._names[a], "airspace_label": self._labels[a], "stage": stage,
                "reference": _text(ref, "?"), "bearing_deg": _number(bearing),
                "range_nm": _number(rng / NAUTICAL_MILE_M), "time_to_entry_s": _number(tte),
                "distance_nm": _number(dist / NAUTICAL_MILE_M), "heading_away_deg": _number(away),
                "heading_away_point": str(geometry.compass_point(away)[0]) or "away",
            }
            out.append(_sanitize(templates.get(stage, self.policy.message_template).format(**values)))
        return out

    def _cleared_frame(self, t: np.ndarray, keys: np.ndarray, stage: np.ndarray, start: np.ndarray,
                       count: np.ndarray, reason: str) -> pd.DataFrame:
        if len(keys) == 0:
            return empty_cleared()
        frame = pd.DataFrame({
            "time": _timestamps(np.asarray(t, float)),
            "track_id": self.aircraft.ids(keys // self.n_air),
            "airspace": self._names[keys % self.n_air],
            "stage": np.array(stages.STAGES, dtype=object)[stage],
            "reason": reason,
            "alert_start": _timestamps(np.asarray(start, float)),
            "warnings": np.asarray(count, np.int64),
            "policy": self.policy.name,
        })
        return conform(frame.sort_values(["time", "track_id", "airspace"], kind="stable").reset_index(drop=True),
                       CLEARED_COLUMNS)


class _NaNFormat(float):
    """A float that formats as '?' when NaN, whatever the format spec."""

    def __format__(self, spec: str) -> str:
        return "?" if np.isnan(self) else super().__format__(spec)


def _number(value: float) -> _NaNFormat:
    return _NaNFormat(np.nan if value is None or pd.isna(value) else float(value))


def _text(value, default: str) -> str:
    return default if value is None or pd.isna(value) or str(value).strip() == "" else str(value).strip()


def _sanitize(text: str) -> str:
    """Control characters (from a callsign, say) never reach an output line."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _is_sorted(table: pd.DataFrame) -> bool:
    return str(table["time"].dtype) == "datetime64[ns, UTC]" and table["track_id"].is_monotonic_increasing


@dataclass
class _Context:
    """The batch's aircraft: stored history then batch fixes, sorted by aircraft slot and time."""

    slot: np.ndarray
    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    alt: np.ndarray
    first: np.ndarray
    batch_row: np.ndarray  # row of the batch table, -1 for stored history
    table: pd.DataFrame


def replay(tracks: pd.DataFrame, airspaces: str | list[Airspace] | AirspaceIndex,
           policy: Policy | str | None = None, chunk_fixes: int = 200_000) -> WarningEvents:
    """The warnings a policy gives on a recording (the engine fed in consecutive slices).

    Examples
    --------
    A straight track at 250 m/s towards the Hatay salient of Türkiye, one fix every 4 s:

    >>> from skyborder.geodesy import GEOD
    >>> t = pd.date_range("2015-11-24T07:20:00Z", periods=60, freq="4s")
    >>> lon, lat, _ = GEOD.fwd(np.full(60, 36.30), np.full(60, 35.813), np.full(60, 270.0), 1000.0 * np.arange(60))
    >>> tracks = pd.DataFrame({"time": t, "track_id": "SU24", "lat": lat, "lon": lon, "alt_m": 5791.0})
    >>> events = replay(tracks, "TUR", "air-policing")
    >>> events.warnings["stage"].iloc[0], events.warnings["stage"].iloc[-1]
    ('predicted', 'inside')
    """
    engine = WarningEngine(airspaces, policy)
    table = schema.normalize(tracks)
    frames = [engine.update(table.iloc[lo:lo + chunk_fixes]) for lo in range(0, len(table), chunk_fixes)]
    warnings = [f.warnings for f in frames if len(f.warnings)]
    cleared = [f.cleared for f in frames if len(f.cleared)]
    return WarningEvents(
        pd.concat(warnings, ignore_index=True).sort_values(["time", "track_id", "airspace"], kind="stable")
        .reset_index(drop=True) if warnings else empty_warnings(),
        pd.concat(cleared, ignore_index=True) if cleared else empty_cleared())
