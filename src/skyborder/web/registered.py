"""The radar page's view of the register: ``RegisterReader`` (``web.model``) over
``register.Register``, for ``skyborder serve --db``.

Rows come newest first, as JSON values (times ISO-8601 UTC, NaN as null; ``report.export.records``);
ids are the register's integer ids as strings. One register connection is shared by the
server's threads, one call at a time (a lock): SQLite connections are opened for use from any
thread, and the page's requests are small.
"""
from __future__ import annotations

import threading
from typing import Any

from ..errors import InputError
from ..register.store import Register, open_register
from ..report.export import records
from .model import Query

__all__ = ["RegisterView"]


class RegisterView:
    """The register at ``target`` (a SQLite path or a ``postgresql://`` URL), read for the page.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> view = RegisterView(str(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite"))
    >>> view.passages(Query()), view.passage("1"), view.acknowledge("7", "duty officer")
    ([], None, None)
    >>> view.close()
    """

    def __init__(self, target: str):
        self.register: Register = open_register(target)
        self._lock = threading.Lock()

    def close(self) -> None:
        self.register.close()

    @staticmethod
    def _filters(query: Query) -> dict[str, Any]:
        return {"since": query.since, "until": query.until, "airspace": list(query.airspaces) or None,
                "country": list(query.countries) or None, "military": query.military, "limit": query.limit,
                "newest_first": True}

    def passages(self, query: Query) -> list[dict[str, Any]]:
        """Passages matching ``query``, newest first (result columns, id, nationality, and the
        ``callsign`` of the register's aircraft table, null when none was heard)."""
        with self._lock:
            frame = self.register.passages(**self._filters(query))
            callsigns = self._callsigns(frame["track_id"])
        return [_with_callsign(_with_text_id(row), callsigns) for row in records(frame)]

    def _callsigns(self, track_ids: Any) -> dict[str, str]:
        """The newest callsign the register knows of each track (a passage row has none of its own)."""
        wanted = sorted({str(t) for t in track_ids})
        if not wanted:
            return {}
        known = self.register.aircraft(track_id=wanted)
        return {str(t): str(c) for t, c in zip(known["track_id"], known["callsign"], strict=True)
                if isinstance(c, str) and c}

    def passage(self, passage_id: str) -> dict[str, Any] | None:
        """One passage with its inside ``path`` and the ``track`` around it; None when unknown."""
        if not passage_id.isdigit():
            return None
        with self._lock:
            try:
                stored = self.register.passage(int(passage_id))
            except InputError:
                return None
            callsigns = self._callsigns([stored.row["track_id"]])
        row = _with_callsign(_with_text_id(records(stored.row.to_frame().T)[0]), callsigns)
        path = stored.path
        row["path"] = {"time": [t.isoformat() for t in path.time], "lon": [float(v) for v in path.lon],
                       "lat": [float(v) for v in path.lat], "alt_m": [_number(v) for v in path.alt_m]}
        track = stored.track
        row["track"] = {"time": [t.isoformat() for t in track["time"]], "lon": track["lon"].astype(float).tolist(),
                        "lat": track["lat"].astype(float).tolist(), "alt_m": [_number(v) for v in track["alt_m"]]}
        return row

    def warnings(self, query: Query) -> list[dict[str, Any]]:
        """Warnings matching ``query``, newest first."""
        with self._lock:
            frame = self.register.warnings(**self._filters(query))
        return [{**_with_text_id(row), "acknowledged": None} for row in records(frame)]

    def acknowledge(self, warning_id: str, by: str, note: str = "") -> dict[str, Any] | None:
        """Store the acknowledgement of a warning's alert; None when the warning is unknown."""
        if not warning_id.isdigit():
            return None
        with self._lock:
            try:
                ack = self.register.acknowledge(warning_id=int(warning_id), by=by, note=note)
            except InputError:
                return None
        return {"warning_id": warning_id, "by": by, "note": note, "time": ack["acknowledged_at"].isoformat(),
                "until": ack["until"].isoformat()}


def _with_text_id(row: dict[str, Any]) -> dict[str, Any]:
    if row.get("id") is not None:
        row["id"] = str(row["id"])
    return row


def _with_callsign(row: dict[str, Any], callsigns: dict[str, str]) -> dict[str, Any]:
    row["callsign"] = callsigns.get(str(row.get("track_id")))
    return row


def _number(value: Any) -> float | None:
    value = float(value)
    return None if value != value else value
