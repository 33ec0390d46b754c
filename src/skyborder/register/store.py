"""The register: one interface over SQLite and PostgreSQL (see ``schema`` for the tables).

Writing (one writer per register at a time; each call is one transaction, committed before it
returns, so whatever a caller reports as written after a call survives a crash):

* :meth:`Register.begin_run` / :meth:`Register.end_run` - provenance of a run;
* :meth:`Register.record` - passages (with their inside path and the track around them),
  warnings, cleared alerts and aircraft seen, all in one transaction;
* :meth:`Register.attach_tracks` - add the track that followed a passage once it has been seen;
* :meth:`Register.acknowledge` - the one write a reader (the web page) makes.

Reading (for the CLI, the web page and the tallies): :meth:`passages`, :meth:`passage`,
:meth:`warnings`, :meth:`alerts`, :meth:`acknowledgements`, :meth:`aircraft`, :meth:`runs`,
filtered by period, airspace, country, military. Results are DataFrames in the result and
warning schemas (plus ``id`` and bookkeeping columns).

A Register holds one connection: use one per thread.
"""
from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from ..detection.result import PassagePath
from ..errors import InputError, RegisterError
from ..warn.records import WARNING_COLUMNS
from . import schema
from .dialects import Dialect, dialect_for, plain

__all__ = ["Passage", "RecordResult", "Register", "open_register"]

STAGE_LEVEL = {"predicted": 1, "imminent": 2, "inside": 3}
DEFAULT_ACK_S = 300.0


@dataclass
class Passage:
    """One stored passage: its row (result columns, nationality, id, run), its inside path and the
    track around it (a track table: time, lon, lat, alt_m)."""

    row: pd.Series
    path: PassagePath
    track: pd.DataFrame


@dataclass
class RecordResult:
    """Ids of what one :meth:`Register.record` call wrote (in the order given)."""

    passage_ids: list[int]
    warning_ids: list[int]


def _now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def path_to_json(path: PassagePath | None) -> dict | None:
    """A passage path as compact JSON: times in epoch milliseconds (microsecond decimals)."""
    if path is None:
        return None
    return {"time_ms": _ms(path.time), "lon": _floats(path.lon), "lat": _floats(path.lat),
            "alt_m": _floats(path.alt_m)}


def track_to_json(track: pd.DataFrame | None) -> dict | None:
    """The fixes of a track (time, lon, lat, alt_m) as compact JSON."""
    if track is None:
        return None
    alt = track["alt_m"].to_numpy(float) if "alt_m" in track else np.full(len(track), np.nan)
    return {"time_ms": _ms(track["time"]), "lon": _floats(track["lon"].to_numpy(float)),
            "lat": _floats(track["lat"].to_numpy(float)), "alt_m": _floats(alt)}


def _ms(times: Any) -> list[float]:
    """Epoch milliseconds to the microsecond, cut to the microsecond as the register's time columns are
    (a microsecond count is exact in a double for 285 years either side of 1970)."""
    return (pd.DatetimeIndex(times).as_unit("ns").asi8 // 1000 / 1000.0).tolist()


def _floats(values: Any) -> list[float | None]:
    array = np.asarray(values, dtype=float)
    out: list[float | None] = array.tolist()
    for i in np.flatnonzero(~np.isfinite(array)):
        out[i] = None
    return out


def _from_json(data: dict | None) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    if not data:
        return pd.DatetimeIndex([], tz="UTC"), np.zeros(0), np.zeros(0), np.zeros(0)
    times = pd.to_datetime(np.round(np.asarray(data["time_ms"], float) * 1e3).astype(np.int64), unit="us", utc=True)
    values = [np.array([np.nan if v is None else v for v in data[k]], dtype=float) for k in ("lon", "lat", "alt_m")]
    return pd.DatetimeIndex(times), values[0], values[1], values[2]


class Register:
    """The incident register at ``target`` (a SQLite file path or a ``postgresql://`` URL);
    created and migrated to the current schema when opened."""

    def __init__(self, target: str | os.PathLike) -> None:
        self.target = str(target)
        self.dialect: Dialect = dialect_for(self.target)
        self.dialect.connect()
        try:
            self._migrate()
        except self.dialect.database_errors() as error:
            self.dialect.close()
            raise self.dialect.translate(error) from None

    # ------------------------------------------------------------------ plumbing
    def close(self) -> None:
        """Close the connection."""
        self.dialect.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """One transaction; database errors become RegisterError (full disk: RegisterFullError)."""
        try:
            with self.dialect.transaction():
                yield self.dialect.conn
        except self.dialect.database_errors() as error:
            raise self.dialect.translate(error) from None

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.dialect.conn.execute(self.dialect.sql(sql), tuple(plain(p) for p in params))

    def _query(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple]]:
        try:
            cursor = self._execute(sql, params)
            rows = cursor.fetchall()
        except self.dialect.database_errors() as error:
            raise self.dialect.translate(error) from None
        return [d[0] for d in cursor.description], rows

    def _migrate(self) -> None:
        d = self.dialect
        self._execute('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, '
                      f'description TEXT, applied_at {d.types["time"]})')
        done = {row[0] for row in self._execute("SELECT version FROM schema_version").fetchall()}
        for step in schema.MIGRATIONS:
            if step.version in done:
                continue
            with d.transaction():
                for name in step.create:
                    self._create(schema.table(name))
                self._execute("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                              (step.version, step.description, d.encode_times([_now()])[0]))
        self._sync_columns()

    def _create(self, table: schema.Table) -> None:
        d = self.dialect
        cols = [d.column_sql(name, kind) for name, kind in table.columns]
        cols += [f"UNIQUE ({', '.join(_q(c) for c in unique)})" for unique in table.unique]
        self._execute(f'CREATE TABLE IF NOT EXISTS "{table.name}" ({", ".join(cols)})')
        for cols_ in table.indexes:
            name = f"{table.name}_{'_'.join(cols_)}_idx"
            self._execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table.name}" ({", ".join(_q(c) for c in cols_)})')

    def _sync_columns(self) -> None:
        """Add columns that the result or warning schema gained since the table was created."""
        for table in schema.tables():
            existing = set(self.dialect.existing_columns(table.name))
            missing = [(n, k) for n, k in table.columns if n not in existing]
            if not missing:
                continue
            with self.dialect.transaction():
                for name, kind in missing:
                    self._execute(f'ALTER TABLE "{table.name}" ADD COLUMN {self.dialect.column_sql(name, kind)}')
                self._execute("INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                              (schema.SCHEMA_VERSION * 1000 + len(self._execute(
                                  "SELECT version FROM schema_version").fetchall()),
                               f"{table.name}: added {', '.join(n for n, _ in missing)} (schema grew)",
                               self.dialect.encode_times([_now()])[0]))

    @property
    def schema_version(self) -> int:
        """The highest numbered migration applied."""
        _, rows = self._query("SELECT max(version) FROM schema_version WHERE version < 1000")
        return int(rows[0][0] or 0)

    # ------------------------------------------------------------------ encoding
    def _encode(self, frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> list[list[Any]]:
        """Column-wise encoding of a frame into driver values (rows of lists)."""
        d = self.dialect
        encoded = []
        for name, kind in columns:
            values = frame[name] if name in frame else pd.Series([None] * len(frame), index=frame.index, dtype=object)
            if kind == "time":
                encoded.append(d.encode_times(values))
            elif kind == "bool":
                encoded.append([d.encode_bool(v) for v in values.tolist()])
            elif kind == "json":
                encoded.append([d.encode_json(v) for v in values.tolist()])
            elif kind == "text":
                encoded.append([_text_value(v, d) for v in values.tolist()])
            else:
                encoded.append([plain(v) for v in values.tolist()])
        return [list(row) for row in zip(*encoded)] if encoded else []

    def _frame(self, names: list[str], rows: list[tuple], table: schema.Table) -> pd.DataFrame:
        """Rows read back as a DataFrame with the schema's dtypes."""
        kinds = dict(table.columns)
        frame = pd.DataFrame.from_records(rows, columns=names)
        for name in names:
            kind = kinds.get(name)
            if kind == "time":
                text = self.dialect.name == "sqlite"
                frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601" if text else None) \
                    .astype("datetime64[ns, UTC]")
            elif kind in ("float",):
                frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
            elif kind in ("int", "id"):
                frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("Int64")
            elif kind == "bool":
                frame[name] = frame[name].map(lambda v: None if v is None else bool(v)).astype("boolean")
            elif kind == "json":
                frame[name] = [self.dialect.decode_json(v) for v in frame[name]]
            elif kind == "text":
                frame[name] = [_decode_text(v) for v in frame[name]]
                frame[name] = frame[name].astype(object)
        return frame

    # ------------------------------------------------------------------ runs
    def begin_run(self, command: str, source: str, parameters: dict | None = None) -> int:
        """Record the start of a run; returns its id."""
        params = [command, source, __version__, self.dialect.encode_json(parameters or {}), socket.gethostname(),
                  os.getpid(), self.dialect.encode_times([_now()])[0], "running"]
        with self._write():
            cursor = self._execute("INSERT INTO runs (command, source, skyborder_version, parameters, host, pid, "
                                   "started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", params)
            return int(cursor.fetchone()[0])

    def end_run(self, run_id: int, status: str = "done", stats: dict | None = None) -> None:
        """Record the end of a run (``status``: done, interrupted, failed) and its counters."""
        with self._write():
            self._execute("UPDATE runs SET ended_at = ?, status = ?, stats = ? WHERE id = ?",
                          (self.dialect.encode_times([_now()])[0], status, self.dialect.encode_json(stats or {}),
                           run_id))

    # ------------------------------------------------------------------ writing
    def record(self, run_id: int | None = None, passages: pd.DataFrame | None = None,
               paths: Sequence[PassagePath | None] | None = None, tracks: Sequence[pd.DataFrame | None] | None = None,
               warnings: pd.DataFrame | None = None, cleared: pd.DataFrame | None = None,
               aircraft: pd.DataFrame | None = None) -> RecordResult:
        """Write passages (result rows, with their paths and surrounding tracks when given),
        warnings, cleared alerts and aircraft seen in one transaction.

        Passages are upserted by their key (see ``schema``): the same passage written again
        (a re-run, or an open passage now closed) updates its row. Warnings are inserted once
        per (track, airspace, time, stage). ``aircraft``: track_id, time (first and last seen are
        its min and max per track) and identity columns.
        """
        passage_ids: list[int] = []
        warning_ids: list[int] = []
        now = self.dialect.encode_times([_now()])[0]
        with self._write():
            if passages is not None and len(passages):
                passage_ids = self._upsert_passages(passages, paths, tracks, run_id, now)
            if warnings is not None and len(warnings):
                warning_ids = self._insert_warnings(warnings, run_id, now)
            if cleared is not None and len(cleared):
                self._clear_alerts(cleared, now)
            if aircraft is not None and len(aircraft):
                self._upsert_aircraft(aircraft, run_id)
        return RecordResult(passage_ids, warning_ids)

    def _upsert_passages(self, passages: pd.DataFrame, paths, tracks, run_id, now) -> list[int]:
        table = schema.table("passages")
        n = len(passages)
        paths = list(paths) if paths is not None else [None] * n
        tracks = list(tracks) if tracks is not None else [None] * n
        if len(paths) != n or len(tracks) != n:
            raise InputError("record: paths and tracks must list one entry per passage")
        frame = passages.reset_index(drop=True).copy()
        kind, anchor = _anchors(frame, paths)
        frame["anchor_kind"], frame["anchor_time"] = kind, anchor
        frame["anchor_ms"] = np.round(pd.DatetimeIndex(anchor).as_unit("ns").asi8 / 1e6).astype(np.int64)
        frame["path"] = [path_to_json(p) for p in paths]
        frame["track"] = [track_to_json(t) for t in tracks]
        frame["run_id"] = run_id
        data_cols = [(c, k) for c, k in table.columns if c not in ("id", "created_at", "updated_at")]
        rows = self._encode(frame, data_cols)
        names = [c for c, _ in data_cols]
        ids = []
        tol = schema.KEY_TOLERANCE_MS
        keys = zip(frame["track_id"].tolist(), frame["airspace"].tolist(), frame["anchor_ms"].tolist(), strict=True)
        for i, (values, (track_id, airspace, anchor_ms)) in enumerate(zip(rows, keys, strict=True)):
            found = self._execute(
                "SELECT id FROM passages WHERE track_id = ? AND airspace = ? AND anchor_kind = ? "
                "AND anchor_ms BETWEEN ? AND ? ORDER BY abs(anchor_ms - ?) LIMIT 1",
                (track_id, airspace, kind[i], int(anchor_ms) - tol, int(anchor_ms) + tol, int(anchor_ms))).fetchone()
            if found:
                keep = {"anchor_kind", "anchor_ms", "anchor_time"}
                sets = [f"{_q(c)} = ?" for c in names if c not in keep and c not in ("path", "track")]
                sets += ['"path" = COALESCE(?, "path")', '"track" = COALESCE(?, "track")', '"updated_at" = ?']
                vals = [v for c, v in zip(names, values) if c not in keep and c not in ("path", "track")]
                vals += [values[names.index("path")], values[names.index("track")], now, found[0]]
                self._execute(f"UPDATE passages SET {', '.join(sets)} WHERE id = ?", vals)
                ids.append(int(found[0]))
            else:
                cursor = self._execute(
                    f"INSERT INTO passages ({', '.join(_q(c) for c in names)}, created_at, updated_at) "
                    f"VALUES ({', '.join('?' * (len(names) + 2))}) RETURNING id", [*values, now, now])
                ids.append(int(cursor.fetchone()[0]))
        return ids

    def _insert_warnings(self, warnings: pd.DataFrame, run_id, now) -> list[int]:
        cols = list(schema.warning_columns())
        frame = warnings.reset_index(drop=True)
        rows = self._encode(frame, cols)
        names = [c for c, _ in cols]
        ids = []
        for values in rows:
            cursor = self._execute(
                f"INSERT INTO warnings ({', '.join(_q(c) for c in names)}, run_id, created_at) "
                f"VALUES ({', '.join('?' * (len(names) + 2))}) "
                "ON CONFLICT (track_id, airspace, time, stage) DO UPDATE SET track_id = excluded.track_id RETURNING id",
                [*values, run_id, now])
            ids.append(int(cursor.fetchone()[0]))
        # the alerts they belong to
        g, d = self.dialect.greatest, self.dialect
        level = frame["stage"].map(STAGE_LEVEL).fillna(0).astype(int)
        for i in range(len(frame)):
            self._execute(
                "INSERT INTO alerts (track_id, airspace, alert_start, last_warning, stage, warnings, policy, country, "
                "military, run_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (track_id, airspace, alert_start) DO UPDATE SET "
                f"last_warning = {g}(alerts.last_warning, excluded.last_warning), "
                f"warnings = {g}(alerts.warnings, excluded.warnings), "
                "stage = CASE WHEN ? > (CASE alerts.stage WHEN 'inside' THEN 3 WHEN 'imminent' THEN 2 "
                "WHEN 'predicted' THEN 1 ELSE 0 END) THEN excluded.stage ELSE alerts.stage END, "
                "updated_at = excluded.updated_at",
                [frame.at[i, "track_id"], frame.at[i, "airspace"], d.encode_times([frame.at[i, "alert_start"]])[0],
                 d.encode_times([frame.at[i, "time"]])[0], frame.at[i, "stage"], int(frame.at[i, "repeat"]),
                 frame.at[i, "policy"], _text_value(frame.at[i, "country"], d),
                 d.encode_bool(frame.at[i, "military"]), run_id, now, now, int(level.iat[i])])
        return ids

    def _clear_alerts(self, cleared: pd.DataFrame, now) -> None:
        d = self.dialect
        for row in cleared.itertuples(index=False):
            self._execute("UPDATE alerts SET cleared_at = ?, reason = ?, updated_at = ? WHERE track_id = ? "
                          "AND airspace = ? AND alert_start = ?",
                          (d.encode_times([row.time])[0], row.reason, now, row.track_id, row.airspace,
                           d.encode_times([row.alert_start])[0]))

    def _upsert_aircraft(self, aircraft: pd.DataFrame, run_id) -> None:
        ident = [c for c in ("icao24", "callsign", "country", "operator", "military") if c in aircraft]
        per = aircraft.groupby("track_id", sort=False)
        frame = per["time"].agg(["min", "max"]).rename(columns={"min": "first_seen", "max": "last_seen"})
        for c in ident:
            frame[c] = per[c].last()
        frame = frame.reset_index()
        frame["run_id"] = run_id
        cols = [(c, k) for c, k in schema.table("aircraft").columns if c in frame]
        names = [c for c, _ in cols]
        g, lst = self.dialect.greatest, self.dialect.least
        updates = [f"first_seen = {lst}(aircraft.first_seen, excluded.first_seen)",
                   f"last_seen = {g}(aircraft.last_seen, excluded.last_seen)", "run_id = excluded.run_id"]
        updates += [f"{_q(c)} = COALESCE(excluded.{_q(c)}, aircraft.{_q(c)})" for c in ident]
        sql = (f"INSERT INTO aircraft ({', '.join(_q(c) for c in names)}) VALUES ({', '.join('?' * len(names))}) "
               f"ON CONFLICT (track_id) DO UPDATE SET {', '.join(updates)}")
        self.dialect.conn.cursor().executemany(self.dialect.sql(sql), self._encode(frame, cols))

    def attach_tracks(self, tracks: dict[int, pd.DataFrame]) -> None:
        """Store the track around each passage (by passage id), e.g. once the minutes after its
        exit have been seen."""
        with self._write():
            for passage_id, track in tracks.items():
                self._execute("UPDATE passages SET track = ? WHERE id = ?",
                              (self.dialect.encode_json(track_to_json(track)), int(passage_id)))

    def acknowledge(self, warning_id: int | None = None, track_id: str | None = None, airspace: str | None = None,
                    by: str = "", until: pd.Timestamp | str | None = None, note: str = "") -> dict:
        """Acknowledge an alert, by one of its warnings' id or by (track_id, airspace) (its latest
        alert). ``until``: a time, ``"day"`` (24:00 UTC today) or None (five minutes).
        Returns the acknowledgement as a dict."""
        d = self.dialect
        if warning_id is not None:
            _, rows = self._query("SELECT track_id, airspace, alert_start FROM warnings WHERE id = ?", (warning_id,))
        elif track_id is not None and airspace is not None:
            _, rows = self._query("SELECT track_id, airspace, alert_start FROM alerts WHERE track_id = ? "
                                  "AND airspace = ? ORDER BY alert_start DESC LIMIT 1", (track_id, airspace))
        else:
            raise InputError("acknowledge needs a warning id, or a track id and an airspace")
        if not rows:
            raise InputError(f"no such warning or alert to acknowledge ({warning_id or (track_id, airspace)})")
        track, air, start = rows[0]
        now = _now()
        if until is None:
            end = now + pd.Timedelta(seconds=DEFAULT_ACK_S)
        elif isinstance(until, str) and until == "day":
            end = now.normalize() + pd.Timedelta(days=1)
        else:
            end = pd.Timestamp(until)
            end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
        with self._write():
            cursor = self._execute(
                'INSERT INTO acknowledgements (track_id, airspace, alert_start, warning_id, acknowledged_at, "until", '
                '"by", note) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
                (track, air, start, warning_id, d.encode_times([now])[0], d.encode_times([end])[0], by, note))
            ack_id = int(cursor.fetchone()[0])
        return {"id": ack_id, "track_id": track, "airspace": air, "until": end, "acknowledged_at": now, "by": by}

    # ------------------------------------------------------------------ reading
    def _select(self, table: str, where: list[str], params: list[Any], order: str, limit: int | None,
                offset: int, columns: str = "*") -> pd.DataFrame:
        sql = f'SELECT {columns} FROM "{table}"'
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        names, rows = self._query(sql, params)
        return self._frame(names, rows, schema.table(table))

    def _filters(self, time_column: str, since, until, airspace, country, military,
                 track_id=None) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        d = self.dialect
        if since is not None:
            where.append(f"{_q(time_column)} >= ?")
            params.append(d.encode_times([_utc(since)])[0])
        if until is not None:
            where.append(f"{_q(time_column)} < ?")
            params.append(d.encode_times([_utc(until)])[0])
        for column, value in (("airspace", airspace), ("country", country), ("track_id", track_id)):
            if value is None:
                continue
            values = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
            if column in ("airspace", "country"):
                values = [v.upper() for v in values]
            where.append(f"{_q(column)} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        if military is not None:
            where.append('"military" = ?')
            params.append(d.encode_bool(military))
        return where, params

    def passages(self, since=None, until=None, airspace=None, country=None, military: bool | None = None,
                 track_id=None, status=None, limit: int | None = None, offset: int = 0,
                 with_paths: bool = False, newest_first: bool = False) -> pd.DataFrame:
        """Passages whose anchor (entry, or first point when open at the start) is in
        [since, until), optionally of some airspaces, countries of registry, military or not,
        tracks, statuses; oldest first (``newest_first``: the other way, so that ``limit``
        keeps the latest). Path and track JSON only with ``with_paths``."""
        where, params = self._filters("anchor_time", since, until, airspace, country, military, track_id)
        if status is not None:
            statuses = status.split(",") if isinstance(status, str) else list(status)
            where.append('"status" IN (' + ", ".join("?" * len(statuses)) + ")")
            params.extend(statuses)
        names = [c for c, _ in schema.table("passages").columns if with_paths or c not in ("path", "track")]
        order = '"anchor_time" DESC, "id" DESC' if newest_first else '"anchor_time", "id"'
        return self._select("passages", where, params, order, limit, offset, ", ".join(_q(c) for c in names))

    def passage(self, passage_id: int) -> Passage:
        """One passage by id, with its inside path and the track around it."""
        frame = self._select("passages", ["id = ?"], [int(passage_id)], "id", None, 0)
        if frame.empty:
            raise InputError(f"no passage with id {passage_id}")
        row = frame.iloc[0]
        t, lon, lat, alt = _from_json(row["path"])
        tt, tlon, tlat, talt = _from_json(row["track"])
        track = pd.DataFrame({"time": tt, "lon": tlon, "lat": tlat, "alt_m": talt})
        return Passage(row.drop(["path", "track"]), PassagePath(lon, lat, t, alt), track)

    def warnings(self, since=None, until=None, airspace=None, country=None, military: bool | None = None,
                 track_id=None, stage=None, limit: int | None = None, offset: int = 0,
                 newest_first: bool = False) -> pd.DataFrame:
        """Warnings given in [since, until), filtered like :meth:`passages`; oldest first (or
        ``newest_first``)."""
        where, params = self._filters("time", since, until, airspace, country, military, track_id)
        if stage is not None:
            stages_ = stage.split(",") if isinstance(stage, str) else list(stage)
            where.append('"stage" IN (' + ", ".join("?" * len(stages_)) + ")")
            params.extend(stages_)
        frame = self._select("warnings", where, params, '"time" DESC, "id" DESC' if newest_first else '"time", "id"',
                             limit, offset)
        order = ["id", *[c.name for c in WARNING_COLUMNS], "run_id", "created_at"]
        return frame[[c for c in order if c in frame]]

    def alerts(self, since=None, until=None, airspace=None, country=None, military: bool | None = None,
               track_id=None, limit: int | None = None, offset: int = 0) -> pd.DataFrame:
        """Alerts (warning episodes) that started in [since, until); oldest first."""
        where, params = self._filters("alert_start", since, until, airspace, country, military, track_id)
        return self._select("alerts", where, params, '"alert_start", "id"', limit, offset)

    def acknowledgements(self, after_id: int = 0) -> pd.DataFrame:
        """Acknowledgements with an id above ``after_id`` (a watcher polls with the last it saw)."""
        return self._select("acknowledgements", ["id > ?"], [int(after_id)], "id", None, 0)

    def aircraft(self, since=None, until=None, country=None, military: bool | None = None,
                 limit: int | None = None, offset: int = 0, track_id=None) -> pd.DataFrame:
        """Aircraft last seen in [since, until), optionally of some tracks."""
        where, params = self._filters("last_seen", since, until, None, country, military, track_id)
        return self._select("aircraft", where, params, '"last_seen", "track_id"', limit, offset)

    def runs(self) -> pd.DataFrame:
        """Every run's provenance, oldest first."""
        return self._select("runs", [], [], "id", None, 0)


def _anchors(frame: pd.DataFrame, paths: list[PassagePath | None]) -> tuple[list[str], pd.DatetimeIndex]:
    """Key anchor of each passage: its entry time, else the time of its path's first point (a near
    miss: the time of its closest approach)."""
    kinds, times = [], []
    for i, entry in enumerate(pd.DatetimeIndex(frame["entry_time"])):
        if frame.at[i, "status"] == "near":
            kinds.append("near")
            times.append(frame.at[i, "closest_approach_time"])
            continue
        if not pd.isna(entry):
            kinds.append("entry")
            times.append(entry)
            continue
        path = paths[i]
        if path is not None and len(path):
            kinds.append("start")
            times.append(path.time[0])
        elif not pd.isna(frame.at[i, "exit_time"]):
            kinds.append("exit")
            times.append(frame.at[i, "exit_time"])
        else:
            raise RegisterError(f"passage of {frame.at[i, 'track_id']} in {frame.at[i, 'airspace']} has no entry, "
                                "no exit and no path: it cannot be keyed")
    return kinds, pd.DatetimeIndex(times, tz="UTC") if times else pd.DatetimeIndex([], tz="UTC")


def _q(name: str) -> str:
    return f'"{name}"'


def _utc(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _text_value(value: Any, dialect: Dialect) -> Any:
    """Text columns: strings as they are; lists (e.g. ``disputed_with``) as JSON; NA as NULL."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return _json_text(value)
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _json_text(value: Any) -> str:
    import json
    return json.dumps(list(value), separators=(",", ":"))


def _decode_text(value: Any) -> Any:
    """A text column's value; JSON lists (written from list values) come back as lists."""
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        import json
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        return decoded if isinstance(decoded, list) else value
    return value


def open_register(target: str | os.PathLike) -> Register:
    """Open (create, migrate) the register at a SQLite path or a ``postgresql://`` URL."""
    return Register(target)
