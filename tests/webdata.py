"""Test data for the radar server: a register (``RegisterReader``) holding the passages that the
real ``detect`` finds on the simulator's border-approach scenario, and the warnings a test adds.

It stands in for the register only where a test needs canned rows; the end-to-end test serves
the real register of a real ``watch``.
"""
from __future__ import annotations

import itertools
from datetime import UTC, datetime
from functools import cache

import pandas as pd

from skyborder.airspace import world
from skyborder.detection import detect
from skyborder.detection.result import passage_path
from skyborder.report.export import iso_utc, records
from skyborder.sim import traffic
from skyborder.web.model import Query

START = pd.Timestamp("2015-11-24T07:00:00Z")


@cache
def border_tracks() -> pd.DataFrame:
    """The true positions of the border-approach scenario as a track table (one fix a second)."""
    truth = traffic.truth(e for e in traffic.emissions(traffic.border_approach(400.0)) if e.kind == "position")
    truth = truth[(truth["time_s"] * 2).round() % 2 == 0]   # one fix a second
    return pd.DataFrame({"time": START + pd.to_timedelta(truth["time_s"], unit="s"), "track_id": truth["icao24"],
                         "lat": truth["lat"], "lon": truth["lon"], "alt_m": truth["alt_m"]}).reset_index(drop=True)


@cache
def border_passages() -> pd.DataFrame:
    return detect(border_tracks(), world.select("TUR,SYR"), near_m=0)


def _path(time, lon, lat, alt_m) -> dict:
    return {"time": [iso_utc(t) for t in time], "lon": [float(x) for x in lon], "lat": [float(x) for x in lat],
            "alt_m": [float(x) for x in alt_m]}


class MemoryRegister:
    """A ``RegisterReader`` over in-memory rows (newest first on reading)."""

    def __init__(self, passages: pd.DataFrame | None = None, tracks: pd.DataFrame | None = None):
        self.tracks = border_tracks() if tracks is None else tracks
        result = border_passages() if passages is None else passages
        self.rows = records(result)
        self.paths = {}
        callsigns = {a.icao24: a.callsign for a in traffic.border_approach().aircraft}
        for n, (row, plain) in enumerate(zip(result.to_dict("records"), self.rows)):
            plain["id"] = f"p{n + 1}"
            plain["callsign"] = callsigns.get(plain["track_id"], "")
            plain["country"], plain["military"] = "", False
            track = self.tracks[self.tracks["track_id"] == row["track_id"]]
            self.paths[plain["id"]] = (passage_path(row, track), track)
        self.warning_rows: list[dict] = []
        self.acks: list[dict] = []
        self.ids = itertools.count(1)
        self.queries: list[Query] = []

    def add_warning(self, **fields) -> dict:
        row = {"id": f"w{next(self.ids)}", "time": datetime.now(UTC).isoformat(), "acknowledged": None, **fields}
        self.warning_rows.append(row)
        return row

    @staticmethod
    def _match(row: dict, query: Query, time_key: str) -> bool:
        when = row.get(time_key)
        if query.airspaces and row["airspace"] not in query.airspaces:
            return False
        if query.countries and row.get("country", "") not in query.countries:
            return False
        if query.military is not None and bool(row.get("military")) != query.military:
            return False
        if (query.since or query.until) and not when:
            return False
        if query.since and pd.Timestamp(when) < query.since:
            return False
        return not (query.until and pd.Timestamp(when) >= query.until)

    def passages(self, query: Query) -> list[dict]:
        self.queries.append(query)
        rows = [r for r in self.rows if self._match(r, query, "entry_time")]
        return sorted(rows, key=lambda r: r["entry_time"] or "", reverse=True)[:query.limit]

    def passage(self, passage_id: str) -> dict | None:
        found = next((r for r in self.rows if r["id"] == passage_id), None)
        if found is None:
            return None
        path, track = self.paths[passage_id]
        result = border_passages().iloc[int(passage_id[1:]) - 1]
        around = track[(track["time"] >= path.time[0] - pd.Timedelta("60s"))
                       & (track["time"] <= path.time[-1] + pd.Timedelta("60s"))] if len(path) else track
        return {**found, "max_depth_lat": float(result["max_depth_lat"]), "max_depth_lon": float(result["max_depth_lon"]),
                "path": _path(path.time, path.lon, path.lat, path.alt_m),
                "track": _path(around["time"], around["lon"], around["lat"], around["alt_m"])}

    def warnings(self, query: Query) -> list[dict]:
        self.queries.append(query)
        rows = [w for w in self.warning_rows if self._match(w, query, "time")]
        return sorted(rows, key=lambda w: w["time"], reverse=True)[:query.limit]

    def acknowledge(self, warning_id: str, by: str, note: str = "") -> dict | None:
        row = next((w for w in self.warning_rows if w["id"] == warning_id), None)
        if row is None:
            return None
        ack = {"warning_id": warning_id, "by": by, "note": note, "time": datetime.now(UTC).isoformat()}
        row["acknowledged"] = ack
        self.acks.append(ack)
        return ack
