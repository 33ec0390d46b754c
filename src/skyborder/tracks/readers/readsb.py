"""dump1090 / readsb JSON: ``aircraft.json`` snapshots, readsb JSON lines and globe-history traces.

``aircraft.json`` (also ``history_N.json``) in both dialects:

- dump1090-mutability: ``altitude`` (barometric, ft, or ``"ground"``), ``speed`` (kt), ``track``;
- dump1090-fa / readsb: ``alt_baro`` (ft or ``"ground"``), ``alt_geom`` (geometric, ft), ``gs``
  (kt), ``track``.

Barometric altitude goes to ``alt_m``, geometric to ``geo_alt_m``; ``"ground"`` sets
``on_ground`` (and gives no altitude). A position's time is ``now - seen_pos``; entries
without lat/lon are skipped quietly. A folder is read as snapshots taken over time: the same
position seen in several snapshots is kept once.

readsb JSON lines (``--net-json-port``): one aircraft object per line, with the fields above
and its own ``now``; a line that is not a JSON object is reported with its line number.

Traces (``trace_full_<hex>.json``, gzip inside despite the name): ``icao``, ``timestamp`` and rows
``[dt, lat, lon, altitude, gs, track, flags, vrate, details, type, alt_geom, ...]``. The altitude
is barometric unless flags bit 3 (8) says it is geometric; ``"ground"`` sets ``on_ground``.
Flags bit 1 (2) starts a new leg, which becomes its own track: ``<hex>``, ``<hex>-1``, ...
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator

import numpy as np
import pandas as pd

from ...errors import BadInput, InputError
from ...sources import Source, open_source
from ...units import FOOT_M, KNOT_MPS
from .columns import EARLIEST_NS, LATEST_NS
from .fixes import finish_table
from .stream import LineCutter

__all__ = ["read_aircraft_json", "read_aircraft_json_batches", "read_jsonl_batches", "read_trace",
           "read_trace_batches"]

MAX_JSON_BYTES = 256 << 20  # a day's trace of one aircraft is < 5 MB; a snapshot < 2 MB
MAX_JSONL_LINE = 64 * 1024
HEX_RE = r"~?[0-9a-f]{6}"  # '~' marks a non-ICAO (TIS-B) address
SAME_FIX_S = 0.5  # one position seen in two snapshots: times differ by rounding only
GROUND = "ground"
GEOMETRIC_ALTITUDE_FLAG = 8
NEW_LEG_FLAG = 2


def _parse(data: bytes, source: str) -> object:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise InputError(f"{source}: not valid JSON ({err})") from None


def _numbers(values: pd.Series) -> pd.Series:
    """JSON numbers as float64; NaN for anything else (``"ground"``, null, lists, booleans)."""
    return pd.to_numeric(values.where(values.map(_is_number), None), errors="coerce").astype("float64")


def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    """Per row the first of ``names`` that holds a number (NaN if none)."""
    out = pd.Series(np.nan, index=frame.index)
    for name in names:
        if name in frame.columns:
            out = out.fillna(_numbers(frame[name]))
    return out


def _is_ground(frame: pd.DataFrame, *names: str | int) -> pd.Series:
    """Per row: True when one of ``names`` says ``"ground"``, False when it gives a number, NA else."""
    out = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    for name in names:
        if name in frame.columns:
            values = frame[name]
            said = values.map(lambda v: True if v == GROUND else False if _is_number(v) else None)
            out = out.fillna(pd.Series(said, index=frame.index, dtype="boolean"))
    return out


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    text = frame[name].where(frame[name].map(lambda v: isinstance(v, str)), None).astype("string").str.strip()
    return text.mask(text == "")


def _hex_ids(values: pd.Series) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """(track id, icao24 or NA for '~' non-ICAO addresses, valid mask)."""
    text = values.where(values.map(lambda v: isinstance(v, str)), None).astype("string").str.strip().str.lower()
    valid = text.str.fullmatch(HEX_RE).fillna(False).to_numpy(dtype=bool)
    return text, text.mask(text.str.startswith("~").fillna(True)), valid


def _fix_frame(source: str, bad: BadInput, where: list, time_s: np.ndarray, ids: pd.Series,
               icao: pd.Series, id_ok: np.ndarray, lat: pd.Series, lon: pd.Series,
               extra: dict[str, pd.Series]) -> tuple[pd.DataFrame, list]:
    """Validate and assemble fixes; report rejected ones by ``where``. Returns the fixes and
    the locations of the kept ones."""
    ok_time = (time_s * 1e9 >= EARLIEST_NS) & (time_s * 1e9 < LATEST_NS)  # NaN compares False
    ok_pos = (lat.abs() <= 90).to_numpy() & (lon.abs() <= 180).to_numpy()
    for i in np.flatnonzero(~(ok_time & ok_pos & id_ok)).tolist():
        reason = ("bad hex id" if not id_ok[i] else "bad time" if not ok_time[i]
                  else "position missing or out of range")
        bad.report(source, where[i], reason, kind=reason)
    keep = ok_time & ok_pos & id_ok
    ns = np.round(time_s[keep] * 1e3).astype(np.int64) * 1_000_000  # JSON times carry milliseconds at most
    frame = pd.DataFrame({"time": pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC"),
                          "track_id": ids[keep].to_numpy(), "icao24": icao[keep].to_numpy(),
                          "lat": lat[keep].to_numpy(), "lon": lon[keep].to_numpy()})
    for name, series in extra.items():
        frame[name] = series[keep].array
    frame["source"] = os.path.basename(source)
    return frame, [w for w, k in zip(where, keep.tolist()) if k]


def _aircraft_fixes(frame: pd.DataFrame, now: np.ndarray, where: list, source: str,
                    bad: BadInput) -> tuple[pd.DataFrame, list]:
    """aircraft.json entries (or readsb JSON lines) with their ``now`` -> fixes."""
    ids, icao, id_ok = _hex_ids(frame["hex"] if "hex" in frame.columns else pd.Series(None, index=frame.index))
    age = _column(frame, "seen_pos", "seen").fillna(0.0)
    time_s = now - age.to_numpy()
    extra = {"alt_m": _column(frame, "alt_baro", "altitude") * FOOT_M,
             "geo_alt_m": _column(frame, "alt_geom") * FOOT_M,
             "on_ground": _is_ground(frame, "alt_baro", "altitude"),
             "speed_mps": _column(frame, "gs", "speed") * KNOT_MPS,
             "heading_deg": _column(frame, "track"),
             "callsign": _text(frame, "flight"), "squawk": _text(frame, "squawk")}
    return _fix_frame(source, bad, where, time_s, ids, icao, id_ok, _column(frame, "lat"), _column(frame, "lon"),
                      extra)


def _snapshot_fixes(doc: dict, source: str, bad: BadInput) -> tuple[pd.DataFrame, list]:
    """One aircraft.json document -> fixes (not yet sorted) and their locations."""
    now = doc.get("now")
    aircraft = doc.get("aircraft")
    if not isinstance(now, (int, float)) or isinstance(now, bool) or not isinstance(aircraft, list):
        raise InputError(f"{source}: not an aircraft.json snapshot (needs numeric 'now' and an 'aircraft' list)")
    entries = [(i, a) for i, a in enumerate(aircraft) if isinstance(a, dict) and "lat" in a and "lon" in a]
    if not entries:
        return pd.DataFrame(), []
    frame = pd.DataFrame.from_records([a for _, a in entries])
    return _aircraft_fixes(frame, np.full(len(frame), float(now)), [f"aircraft[{i}]" for i, _ in entries],
                           source, bad)


def _drop_resent(frame: pd.DataFrame, where: list) -> tuple[pd.DataFrame, list]:
    """Snapshots repeat a position until a new one arrives: keep its first sighting."""
    order = np.lexsort((frame["time"].array.asi8, pd.factorize(frame["track_id"], sort=True)[0]))
    frame = frame.iloc[order].reset_index(drop=True)
    where = [where[i] for i in order.tolist()]
    t = frame["time"].array.asi8
    same = np.zeros(len(frame), dtype=bool)
    same[1:] = ((frame["track_id"].to_numpy()[1:] == frame["track_id"].to_numpy()[:-1])
                & (frame["lat"].to_numpy()[1:] == frame["lat"].to_numpy()[:-1])
                & (frame["lon"].to_numpy()[1:] == frame["lon"].to_numpy()[:-1])
                & (np.diff(t) <= SAME_FIX_S * 1e9))
    return frame[~same], [w for w, s in zip(where, same.tolist()) if not s]


def _trace_fixes(doc: dict, source: str, bad: BadInput) -> tuple[pd.DataFrame, list]:
    """One globe-history trace document -> fixes, one track per leg."""
    icao, start, trace = doc.get("icao"), doc.get("timestamp"), doc.get("trace")
    if not isinstance(icao, str) or not isinstance(start, (int, float)) or isinstance(start, bool) \
            or not isinstance(trace, list):
        raise InputError(f"{source}: not a readsb trace (needs 'icao', numeric 'timestamp' and a 'trace' list)")
    rows = [(i, r) for i, r in enumerate(trace) if isinstance(r, list) and len(r) >= 3]
    for i, r in enumerate(trace):
        if not (isinstance(r, list) and len(r) >= 3):
            bad.report(source, f"trace[{i}]", "trace point is not a list of at least 3 values",
                       kind="bad trace point")
    if not rows:
        return pd.DataFrame(), []
    width = 11
    frame = pd.DataFrame([(r + [None] * width)[:width] for _, r in rows])
    where = [f"trace[{i}]" for i, _ in rows]
    num = {k: _numbers(frame[k]) for k in (0, 1, 2, 3, 4, 5, 6, 10)}
    flags = num[6].fillna(0).astype(np.int64).to_numpy()
    new_leg = (flags & NEW_LEG_FLAG).astype(bool)
    new_leg[:1] = False
    leg = np.cumsum(new_leg)
    hex_id = icao.strip().lower()
    ids = pd.Series([hex_id if k == 0 else f"{hex_id}-{k}" for k in leg.tolist()], dtype="string")
    id_ok = np.full(len(frame), re.fullmatch(HEX_RE, hex_id) is not None)
    icao24 = pd.Series(None if hex_id.startswith("~") else hex_id, index=frame.index, dtype="string")
    details = pd.DataFrame.from_records(frame[8].map(lambda d: d if isinstance(d, dict) else {}).tolist(),
                                        index=frame.index)
    geometric = (flags & GEOMETRIC_ALTITUDE_FLAG).astype(bool)
    legs = pd.Series(leg)
    extra = {"alt_m": num[3].where(~geometric) * FOOT_M,
             "geo_alt_m": num[10].fillna(num[3].where(geometric)).fillna(_column(details, "alt_geom")) * FOOT_M,
             "on_ground": _is_ground(frame, 3),
             "speed_mps": num[4] * KNOT_MPS, "heading_deg": num[5],
             "callsign": _text(details, "flight").groupby(legs).ffill(),
             "squawk": _text(details, "squawk").groupby(legs).ffill()}
    time_s = float(start) + num[0].to_numpy()
    return _fix_frame(source, bad, where, time_s, ids, icao24, id_ok, num[1], num[2], extra)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _document_fixes(data: bytes, source: str, bad: BadInput) -> tuple[pd.DataFrame, list, bool]:
    """(fixes, locations, is a snapshot) of one JSON document of either kind."""
    doc = _parse(data, source)
    if isinstance(doc, dict) and "trace" in doc:
        return (*_trace_fixes(doc, source, bad), False)
    if isinstance(doc, dict) and "aircraft" in doc:
        return (*_snapshot_fixes(doc, source, bad), True)
    raise InputError(f"{source}: neither an aircraft.json snapshot nor a readsb trace")


def _finish(parts: list[tuple[pd.DataFrame, list]], snapshots: bool, source: str, bad: BadInput) -> pd.DataFrame:
    parts = [(f, w) for f, w in parts if len(f)]
    if not parts:
        return pd.DataFrame()
    table = pd.concat([f for f, _ in parts], ignore_index=True)
    where = [w for _, ws in parts for w in ws]
    if snapshots:
        table, where = _drop_resent(table, where)
    return finish_table(table, source, bad, where=where, report_duplicates=not snapshots)


def read_aircraft_json_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """An ``aircraft.json`` snapshot, or a folder of snapshots/traces (``*.json``, ``*.json.gz``)."""
    if not source.folder:
        fixes, where, snapshot = _document_fixes(source.read_all(MAX_JSON_BYTES), source.name, bad)
        yield _finish([(fixes, where)], snapshot, source.name, bad)
        return
    folder = source.name
    names = sorted(n for n in os.listdir(folder) if n.endswith((".json", ".json.gz")))
    if not names:
        raise InputError(f"{folder}: folder holds no .json files")
    parts, snapshots = [], False
    for name in names:
        member = os.path.join(folder, name)
        try:
            with open_source(member) as opened:
                fixes, where, snapshot = _document_fixes(opened.read_all(MAX_JSON_BYTES), member, bad)
        except InputError as err:
            bad.report(member, "file", str(err).removeprefix(f"{member}: "), kind="unreadable file")
            continue
        parts.append((fixes, where))
        snapshots |= snapshot
    yield _finish(parts, snapshots, folder, bad)


def read_trace_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """A readsb globe-history ``trace_full_<hex>.json`` (gzip or plain) -> one track table."""
    doc = _parse(source.read_all(MAX_JSON_BYTES), source.name)
    if not isinstance(doc, dict):
        raise InputError(f"{source.name}: not a readsb trace (needs 'icao', numeric 'timestamp' and a 'trace' list)")
    yield _finish([_trace_fixes(doc, source.name, bad)], False, source.name, bad)


def read_jsonl_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """readsb JSON lines, ``batch_rows`` lines at a time (see the module docstring)."""
    cutter = LineCutter(source.name, bad, MAX_JSONL_LINE)
    records: list[dict] = []
    lines: list[int] = []
    for block in cutter.cut(source.blocks(min(batch_rows * 512, 32 << 20))):
        for number, text in enumerate(block.data.split(b"\n"), block.first_line):
            if not text.strip() or number in block.blanked:
                continue
            record = _json_object(text)
            if record is None:
                bad.report(source.name, number, "not a JSON object", kind="bad JSON line")
            elif "lat" in record and "lon" in record:
                records.append(record)
                lines.append(number)
        if len(records) >= batch_rows:
            yield _jsonl_table(records, lines, source.name, bad)
            records, lines = [], []
    if records:
        yield _jsonl_table(records, lines, source.name, bad)


def _json_object(text: bytes) -> dict | None:
    try:
        value = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _jsonl_table(records: list[dict], lines: list[int], source: str, bad: BadInput) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records)
    now = _column(frame, "now").to_numpy()
    fixes, where = _aircraft_fixes(frame, now, lines, source, bad)
    return finish_table(fixes, source, bad, where=where) if len(fixes) else pd.DataFrame()


def read_aircraft_json(path: str, bad: BadInput | None = None) -> pd.DataFrame:
    """An ``aircraft.json`` snapshot, or a folder of snapshots/traces -> the track table."""
    from .sniff import read_tracks

    return read_tracks(path, "aircraft-json", bad)


def read_trace(path: str, bad: BadInput | None = None) -> pd.DataFrame:
    """A readsb globe-history ``trace_full_<hex>.json`` (gzip or plain) -> the track table."""
    from .sniff import read_tracks

    return read_tracks(path, "readsb-trace", bad)
