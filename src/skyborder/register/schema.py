"""The register's tables, derived from the one result schema and the one warning schema, and the
migrations that bring any older register up to date.

Tables (times are UTC; SQLite keeps them as ISO-8601 text with microseconds and a ``Z``, which
sorts in time order; PostgreSQL as ``timestamptz``):

=====================  ==================================================================================
``schema_version``     one row per applied migration (version, description, when)
``runs``               provenance of every run: command, source, skyborder version, parameters, status
``passages``           one row per passage: ``detection.result.COLUMNS``, nationality, the inside path and
                       the track around it (JSON), an idempotent key, the run that wrote it last
``warnings``           one row per warning: ``warn.records.WARNING_COLUMNS``; key (track, airspace, time, stage)
``alerts``             one row per alert (a warning episode): start, last warning, count, highest stage, clear
``acknowledgements``   who acknowledged which alert, until when
``aircraft``           every aircraft seen: identity, nationality, first and last seen, fixes
=====================  ==================================================================================

Passage key: (``track_id``, ``airspace``, ``anchor_kind``, ``anchor_ms``): the entry time when
the entry was seen (``entry``), else the time of the passage's first point (``start``, an
open-start passage; ``near`` and the closest approach for a near miss), in integer
milliseconds. Re-running the same data finds the same key (the register also matches a key
within ``KEY_TOLERANCE_MS``), and a passage opened live is updated in place when it closes.

Migrations: ``MIGRATIONS`` lists numbered steps; opening a register applies the missing ones in
one transaction each. A column added to the result or warning schema later is added to the table
by the last step, which compares the table with the schema every time (``sync_columns``).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..detection.result import COLUMNS as RESULT_COLUMNS
from ..detection.result import NATIONALITY_COLUMNS, UTC_NS
from ..warn.records import WARNING_COLUMNS

__all__ = ["KEY_TOLERANCE_MS", "MIGRATIONS", "SCHEMA_VERSION", "Table", "tables"]

KEY_TOLERANCE_MS = 2


@dataclass(frozen=True)
class Table:
    """A table: name, columns as (name, kind), and extra constraint/index statements.

    Kinds: ``id`` (integer primary key), ``time``, ``float``, ``int``, ``text``, ``bool``, ``json``.
    """

    name: str
    columns: tuple[tuple[str, str], ...]
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()


def _kind(dtype: str) -> str:
    return {UTC_NS: "time", "float64": "float", "int64": "int"}.get(dtype, "text")


PASSAGE_KEY = (("anchor_kind", "text"), ("anchor_ms", "int"), ("anchor_time", "time"))
BOOKKEEPING = (("run_id", "int"), ("created_at", "time"), ("updated_at", "time"))


def passage_columns() -> tuple[tuple[str, str], ...]:
    """The result schema's columns (and nationality) with their storage kinds."""
    result = tuple((c.name, _kind(c.dtype)) for c in RESULT_COLUMNS)
    nationality = tuple((name, "bool" if name == "military" else "text") for name in NATIONALITY_COLUMNS)
    return result + nationality


def warning_columns() -> tuple[tuple[str, str], ...]:
    """The warning schema's columns with their storage kinds."""
    return tuple((c.name, "bool" if c.name == "military" else _kind(c.dtype)) for c in WARNING_COLUMNS)


def tables() -> tuple[Table, ...]:
    """Every table of the current schema."""
    return (
        Table("runs", (("id", "id"), ("command", "text"), ("source", "text"), ("skyborder_version", "text"),
                       ("parameters", "json"), ("host", "text"), ("pid", "int"), ("started_at", "time"),
                       ("ended_at", "time"), ("status", "text"), ("stats", "json"))),
        Table("passages", (("id", "id"), *PASSAGE_KEY, *passage_columns(), ("path", "json"), ("track", "json"),
                           *BOOKKEEPING),
              unique=(("track_id", "airspace", "anchor_kind", "anchor_ms"),),
              indexes=(("anchor_time",), ("airspace", "anchor_time"), ("country",))),
        Table("warnings", (("id", "id"), *warning_columns(), *BOOKKEEPING[:2]),
              unique=(("track_id", "airspace", "time", "stage"),),
              indexes=(("time",), ("airspace", "time"), ("country",))),
        Table("alerts", (("id", "id"), ("track_id", "text"), ("airspace", "text"), ("alert_start", "time"),
                         ("last_warning", "time"), ("stage", "text"), ("warnings", "int"), ("cleared_at", "time"),
                         ("reason", "text"), ("policy", "text"), ("country", "text"), ("military", "bool"),
                         *BOOKKEEPING),
              unique=(("track_id", "airspace", "alert_start"),), indexes=(("alert_start",),)),
        Table("acknowledgements", (("id", "id"), ("track_id", "text"), ("airspace", "text"), ("alert_start", "time"),
                                   ("warning_id", "int"), ("acknowledged_at", "time"), ("until", "time"),
                                   ("by", "text"), ("note", "text"))),
        Table("aircraft", (("track_id", "text"), ("icao24", "text"), ("callsign", "text"), ("country", "text"),
                           ("operator", "text"), ("military", "bool"), ("first_seen", "time"), ("last_seen", "time"),
                           ("fixes", "int"), ("run_id", "int")),
              unique=(("track_id",),), indexes=(("last_seen",),)),
    )


def table(name: str) -> Table:
    """One table of the current schema by name."""
    return next(t for t in tables() if t.name == name)


@dataclass(frozen=True)
class Migration:
    """One numbered step: ``create`` the listed tables (their current definition)."""

    version: int
    description: str
    create: tuple[str, ...] = ()


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema: runs, passages, warnings, alerts, acknowledgements, aircraft",
              ("runs", "passages", "warnings", "alerts", "acknowledgements", "aircraft")),
)
SCHEMA_VERSION = MIGRATIONS[-1].version
