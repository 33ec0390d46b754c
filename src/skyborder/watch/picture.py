"""The live picture of a watch: where each aircraft is now, and at which warning stage.

The watch's thread feeds it (``add`` for every batch: the batch is only referenced, so the
ingest pays nothing per fix) and, once per housekeeping round (about a second), ``publish``
folds what came since into one row per aircraft: the newest position, and of every other column
its newest known value (a callsign or a speed heard a few messages earlier still shows). The
result is a new table swapped in whole; readers on other threads (the radar server,
``aircraft`` and ``status``) only ever get a published table, which is never changed afterwards,
so they need no lock and never hold the ingest up.

An aircraft leaves the picture when no position came for ``stale_s`` seconds (data time), and
the pending batches are folded every round, so memory is bounded by the aircraft heard in the
last ``stale_s`` seconds plus one round of fixes.

``aircraft`` and ``status`` make it a live source for the radar page (``web.model.LiveSource``):

==============  =====  ====================================================================
column          unit   meaning
==============  =====  ====================================================================
icao24                 the track id (a receiver feed's tracks are its ICAO addresses)
callsign               newest flight identification heard, '' when none yet
lat, lon        deg    newest position
alt_m           m      newest pressure altitude
speed_mps       m/s    newest ground speed
track_deg       deg    newest track angle (the track table's ``heading_deg``)
vrate_mps       m/s    not carried by the track table: null
squawk                 newest Mode A code
country                State of registry from the ICAO address ('' unknown)
military               military address block or callsign
age_s           s      data time now minus the time of the newest position
stage                  highest standing warning stage ('' none, predicted, imminent, inside)
airspace               the airspace of that warning
==============  =====  ====================================================================
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LivePicture"]

STAGE_RANK = {"predicted": 1, "imminent": 2, "inside": 3}
_KEPT = ("time", "track_id", "lat", "lon", "alt_m", "speed_mps", "heading_deg", "callsign", "squawk", "country",
         "military")
_EMPTY = pd.DataFrame({"icao24": pd.Series(dtype=object), "lat": pd.Series(dtype=float),
                       "lon": pd.Series(dtype=float)})


class LivePicture:
    """One row per aircraft heard lately, published once per round (see the module docstring).

    Parameters
    ----------
    stale_s : float
        Seconds (data time) without a position after which an aircraft leaves the picture.

    Examples
    --------
    >>> import pandas as pd
    >>> picture = LivePicture()
    >>> t0 = pd.Timestamp("2015-11-24T07:24:00Z")
    >>> picture.add(pd.DataFrame({"time": [t0, t0 + pd.Timedelta(seconds=1)], "track_id": ["15224d"] * 2,
    ...                           "lat": [35.9, 35.91], "lon": [36.1, 36.09], "callsign": ["BORDR1", None]}))
    >>> alerts = pd.DataFrame({"track_id": ["15224d"], "airspace": ["TUR"], "stage": ["imminent"]})
    >>> picture.publish(t0 + pd.Timedelta(seconds=3), alerts, {"feed": "up"})
    >>> row = picture.aircraft().iloc[0]
    >>> row["icao24"], float(row["lat"]), row["callsign"], float(row["age_s"]), row["stage"], row["airspace"]
    ('15224d', 35.91, 'BORDR1', 2.0, 'imminent', 'TUR')
    """

    def __init__(self, stale_s: float = 60.0) -> None:
        self.stale_s = stale_s
        self._pending: list[pd.DataFrame] = []
        self._latest = pd.DataFrame(columns=list(_KEPT))
        self._picture = _EMPTY
        self._status: dict[str, Any] = {"feed": "starting"}

    def add(self, batch: pd.DataFrame) -> None:
        """Take a batch of fixes (a track table); it must not be changed afterwards."""
        if len(batch):
            self._pending.append(batch)

    def publish(self, now: pd.Timestamp, alerts: pd.DataFrame, status: dict[str, Any]) -> None:
        """Fold the batches since the last round in and publish the picture at data time ``now``.

        ``alerts``: the standing alerts (``track_id``, ``airspace``, ``stage``), e.g.
        ``WarningEngine.alerts()``; ``status``: what ``status()`` answers from now on.
        """
        pending, self._pending = self._pending, []
        parts = [self._latest, *(b[[c for c in _KEPT if c in b]] for b in pending)]
        fixes = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
            else self._latest
        if len(pending):
            fixes = fixes.sort_values("time", kind="stable")
            fixes = fixes.groupby("track_id", sort=False, as_index=False).last()  # newest non-null per column
        age = (pd.Timestamp(now) - pd.DatetimeIndex(fixes["time"])).total_seconds().to_numpy(float) \
            if len(fixes) else np.zeros(0)
        fixes = fixes[age <= self.stale_s]
        self._latest = fixes
        self._picture = self._rows(fixes, age[age <= self.stale_s], alerts)
        self._status = dict(status)

    @staticmethod
    def _rows(fixes: pd.DataFrame, age: np.ndarray, alerts: pd.DataFrame) -> pd.DataFrame:
        """The published table (the module docstring's columns) of the folded fixes."""
        n = len(fixes)

        def column(name: str, fill: Any) -> np.ndarray:
            if name not in fixes:
                return np.full(n, fill, dtype=object if isinstance(fill, str) else float)
            values = fixes[name]
            return values.astype(object).where(values.notna(), fill).to_numpy(object) if isinstance(fill, str) \
                else values.to_numpy(float, na_value=np.nan)

        track = fixes["track_id"].astype(str).to_numpy(object)
        stage, airspace = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
        if len(alerts) and n:
            ranked = alerts.assign(rank=alerts["stage"].map(STAGE_RANK).fillna(0))
            top = ranked.sort_values("rank", kind="stable").drop_duplicates("track_id", keep="last")
            top_index = pd.Index(top["track_id"].astype(str))
            pos = top_index.get_indexer(track)
            hit = pos >= 0
            stage[hit] = top["stage"].to_numpy(object)[pos[hit]]
            airspace[hit] = top["airspace"].to_numpy(object)[pos[hit]]
        military = fixes["military"].fillna(False).astype(bool).to_numpy() if "military" in fixes \
            else np.zeros(n, bool)
        return pd.DataFrame({
            "icao24": track, "callsign": column("callsign", ""), "lat": column("lat", np.nan),
            "lon": column("lon", np.nan), "alt_m": column("alt_m", np.nan), "speed_mps": column("speed_mps", np.nan),
            "track_deg": column("heading_deg", np.nan), "vrate_mps": np.full(n, np.nan),
            "squawk": column("squawk", ""), "country": column("country", ""), "military": military,
            "age_s": age, "stage": stage, "airspace": airspace,
        })

    def aircraft(self) -> pd.DataFrame:
        """The newest published picture (never changed once published: safe from any thread)."""
        return self._picture

    def status(self) -> dict[str, Any]:
        """The watch's state at the newest round: ``feed`` and counters."""
        return self._status

    def __len__(self) -> int:
        return len(self._picture)
