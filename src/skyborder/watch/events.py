"""The event stream of ``watch``: one JSON object per line.

Every event has ``event`` and ``time`` (ISO-8601 UTC with microseconds and a ``Z``):

=====================  =====================================================================================
``warning``            ``track_id``, ``airspace``, ``stage``, ``id`` (register id) and the warning's JSON keys
``warning_cleared``    ``track_id``, ``airspace``, ``stage`` (the stage it had), ``reason``, ``alert_start``,
                       ``warnings``
``passage_opened``     ``track_id``, ``airspace``, ``id`` and the result columns known at the entry
``passage_closed``     ``track_id``, ``airspace``, ``id`` and every result column (``status`` ``closed``,
                       ``gap``, ``open_start``, ``open_end`` at shutdown, or ``lost`` when the track fell silent)
``feed_down``          ``feed``, ``reason``
``feed_up``            ``feed``
=====================  =====================================================================================

``time`` is the data time: the fix's time for warnings, the entry or exit for passages; the wall
clock for feed events. An aircraft event is written only after what it reports has been committed
to the register. Lines are flushed one by one; text fields are JSON strings, so control characters
arrive escaped. Warnings also carry ``predicted_entry_lat`` and ``predicted_entry_lon`` (deg; null
when inside or not predicted), which the radar page draws the predicted path to.

Listeners (``EventWriter.listeners``, e.g. the radar page's stream with ``watch --serve``) get
every event as the dict that was written, in the same order, right after it is written.
"""
from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import IO, Any

import numpy as np
import pandas as pd

from ..detection.result import JSON_KEYS as PASSAGE_KEYS
from ..errors import InputError
from ..warn.records import JSON_KEYS as WARNING_KEYS

__all__ = ["EVENTS", "EventWriter", "iso", "jsonable"]

EVENTS = ("warning", "warning_cleared", "passage_opened", "passage_closed", "feed_down", "feed_up")
WARNING_EVENT_KEYS = (*WARNING_KEYS, "predicted_entry_lat", "predicted_entry_lon")
OPENED_KEYS = ("track_id", "airspace", "entry_time", "entry_lat", "entry_lon", "status", "disputed_with")


def iso(value: Any) -> str | None:
    """ISO-8601 UTC text of a time (microseconds, ``Z``), None when missing."""
    if value is None or pd.isna(value):
        return None
    stamp = pd.Timestamp(value)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def jsonable(value: Any) -> Any:
    """A value as JSON takes it: times as ISO text, NaN/NA as null, NumPy scalars as Python."""
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return iso(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


class EventWriter:
    """Writes events as JSON lines to a file (appended), ``-`` (standard output) or nowhere (None).

    Raises
    ------
    InputError
        When the file cannot be opened.
    OSError
        When a line cannot be written (e.g. the disk is full): the caller must stop.
    """

    def __init__(self, target: str | None) -> None:
        self.target = target
        self.count = 0
        self.listeners: list[Callable[[dict], None]] = []
        self._stream: IO[str] | None
        if target is None:
            self._stream = None
        elif target == "-":
            self._stream = sys.stdout
        else:
            try:
                self._stream = open(target, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
            except OSError as error:
                raise InputError(f"cannot write events to {target!r}: {error.strerror or error}") from None

    def write(self, event: str, time: Any, **fields: Any) -> dict:
        """Write one event; returns it as the dict that was written."""
        record = {"event": event, "time": iso(time), **{k: jsonable(v) for k, v in fields.items()}}
        if self._stream is not None:
            self._stream.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")
            self._stream.flush()
        self.count += 1
        for listener in self.listeners:
            listener(record)
        return record

    def warnings(self, frame: pd.DataFrame, ids: list[int] | None = None) -> None:
        for i, row in enumerate(frame.to_dict("records")):
            fields = {k: row[k] for k in WARNING_EVENT_KEYS if k != "time"}
            self.write("warning", row["time"], id=ids[i] if ids else None, **fields)

    def cleared(self, frame: pd.DataFrame) -> None:
        for row in frame.to_dict("records"):
            self.write("warning_cleared", row["time"], track_id=row["track_id"], airspace=row["airspace"],
                       stage=row["stage"], reason=row["reason"], alert_start=row["alert_start"],
                       warnings=row["warnings"])

    def passages(self, event: str, frame: pd.DataFrame, ids: list[int] | None, now: pd.Timestamp) -> None:
        keys = OPENED_KEYS if event == "passage_opened" else PASSAGE_KEYS
        extra = [c for c in ("country", "operator", "military") if c in frame]
        for i, row in enumerate(frame.to_dict("records")):
            time = row["entry_time"] if event == "passage_opened" else row["exit_time"]
            fields = {k: row[k] for k in (*keys, *extra) if k in row}
            self.write(event, now if pd.isna(time) else time, id=ids[i] if ids else None, **fields)

    def close(self) -> None:
        if self._stream is not None and self._stream is not sys.stdout:
            self._stream.close()
        self._stream = None
