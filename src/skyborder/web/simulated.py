"""A live source fed by the traffic simulator: the scenario's true positions, now.

Used by the benchmarks and the page tests, and by ``skyborder serve --simulate N`` to look at
the page without a receiver. Every aircraft of a ``sim.traffic`` scenario is placed where its
route puts it at the scenario time (``speed`` times the wall clock since start, wrapping around
at the scenario's end), computed for all aircraft at once: one vectorised geodesic step per
snapshot, whatever the number of aircraft.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..geodesy import GEOD
from ..sim.traffic import Scenario
from ..tracks import nationality
from ..units import FOOT_M, KNOT_MPS

__all__ = ["SimulatedLive"]


class SimulatedLive:
    """A ``LiveSource`` over a simulated scenario (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
        The traffic (routes, altitudes in ft, speeds in kt, start times in s).
    speed : float
        Scenario seconds per wall-clock second.
    offset_s : float
        Scenario time at start (s), e.g. 60 to begin with the traffic already airborne.
    clock : callable
        Wall clock in seconds (``time.time`` by default; tests pass their own).
    """

    def __init__(self, scenario: Scenario, speed: float = 1.0, offset_s: float = 0.0,
                 clock: Callable[[], float] = time.time):
        self.scenario = scenario
        self.speed = speed
        self.clock = clock
        self.started = clock() - offset_s / speed
        self._lock = threading.Lock()
        fleet = scenario.aircraft
        self.icao24 = np.array([a.icao24 for a in fleet], dtype=object)
        legs = [(i, a.route[k], a.route[k + 1]) for i, a in enumerate(fleet) for k in range(len(a.route) - 1)]
        owner = np.array([leg[0] for leg in legs])
        start = np.array([leg[1] for leg in legs], dtype=float)
        end = np.array([leg[2] for leg in legs], dtype=float)
        az, _, length = GEOD.inv(start[:, 1], start[:, 0], end[:, 1], end[:, 0])
        self._leg_owner, self._leg_lat, self._leg_lon = owner, start[:, 0], start[:, 1]
        self._leg_az, self._leg_len = np.asarray(az), np.asarray(length)
        ends = np.zeros(len(legs))
        for i in range(len(fleet)):  # cumulative route length per aircraft (one pass over the legs)
            rows = owner == i
            ends[rows] = np.cumsum(self._leg_len[rows])
        self._leg_end = ends
        self._first_leg = np.searchsorted(owner, np.arange(len(fleet)))
        self._last_leg = np.searchsorted(owner, np.arange(len(fleet)), side="right") - 1
        self._route_len = ends[self._last_leg]
        # a sort key that keeps each aircraft's legs together and in order: owner + fraction of the route
        self._key = owner + ends / (self._route_len[owner] * (1 + 1e-9))
        self.start_s = np.array([a.start_s for a in fleet])
        self.speed_mps = np.array([a.speed_kt for a in fleet]) * KNOT_MPS
        self.alt_m = np.array([a.alt_ft for a in fleet]) * FOOT_M
        self.callsign = np.array([a.callsign for a in fleet], dtype=object)
        self.squawk = np.array([a.squawk for a in fleet], dtype=object)
        country, _ = nationality.state_of_registry(self.icao24)
        self.country = np.array([c or "" for c in country], dtype=object)
        _, _, callsign_rule = nationality.callsign_fields(self.callsign)
        block_rule = nationality.military_block(self.icao24)
        self.military = np.array([bool(a) or bool(b) for a, b in zip(block_rule, callsign_rule)])
        self.stage = np.full(len(fleet), "", dtype=object)
        self.warned_airspace = np.full(len(fleet), "", dtype=object)

    def warn(self, icao24: str, stage: str, airspace: str) -> None:
        """Show an aircraft at a warning stage (``""`` clears it): the simulator has no warning
        engine, so tests and demonstrations set stages by hand."""
        rows = self.icao24 == icao24
        with self._lock:
            self.stage[rows], self.warned_airspace[rows] = stage, airspace if stage else ""

    def scenario_time(self) -> float:
        """Seconds into the scenario now (wrapping at its duration)."""
        return ((self.clock() - self.started) * self.speed) % self.scenario.duration_s

    def aircraft(self) -> pd.DataFrame:
        """The aircraft flying now, at their true positions (a ``LiveSource`` snapshot)."""
        with self._lock:
            t = self.scenario_time()
            along = (t - self.start_s) * self.speed_mps
            flying = (along >= 0) & (along <= self._route_len)
            idx = np.flatnonzero(flying)
            fraction = np.clip(along[idx] / self._route_len[idx], 0.0, 1.0)
            leg = np.searchsorted(self._key, idx + fraction, side="left")
            leg = np.clip(leg, self._first_leg[idx], self._last_leg[idx])
            before = self._leg_end[leg] - self._leg_len[leg]
            lon, lat, back = GEOD.fwd(self._leg_lon[leg], self._leg_lat[leg], self._leg_az[leg], along[idx] - before)
            return pd.DataFrame({
                "icao24": self.icao24[idx], "callsign": self.callsign[idx], "lat": lat, "lon": lon,
                "alt_m": self.alt_m[idx], "speed_mps": self.speed_mps[idx],
                "track_deg": (np.asarray(back) + 180.0) % 360.0, "vrate_mps": np.zeros(len(idx)),
                "squawk": self.squawk[idx], "country": self.country[idx], "military": self.military[idx],
                "age_s": np.zeros(len(idx)), "stage": self.stage[idx], "airspace": self.warned_airspace[idx],
            })

    def status(self) -> dict[str, Any]:
        """Always up: ``{"feed": "up", "source": "simulator", "scenario": name}``."""
        return {"feed": "up", "source": "simulator", "scenario": self.scenario.name}
