"""dump1090 / readsb JSON: ``aircraft.json`` snapshots and readsb globe-history traces.

``aircraft.json`` (also ``history_N.json``) in both dialects:

- dump1090-mutability: ``altitude`` (ft or ``"ground"``), ``speed`` (kt), ``vert_rate``, ``track``;
- dump1090-fa / readsb: ``alt_baro`` (ft or ``"ground"``), ``alt_geom`` (ft), ``gs`` (kt), ``track``.

A position's time is ``now - seen_pos``; entries without lat/lon are skipped quietly. Altitude is
the geometric one when given, else barometric; ``"ground"`` gives no altitude. A folder is read as
snapshots taken over time: the same position seen in several snapshots is kept once.

Traces (``trace_full_<hex>.json``, gzip inside despite the name): ``icao``, ``timestamp`` and rows
``[dt, lat, lon, alt_baro, gs, track, flags, vrate, details, type, alt_geom, ...]``; flags bit 1
starts a new leg, which becomes its own track: ``<hex>``, ``<hex>-1``, ``<hex>-2``, ...
"""
from __future__ import annotations

import json
import os
import re

import numpy as np
import pandas as pd

from ...errors import BadInput, InputError
from ...units import FOOT_M, KNOT_MPS
from .. import schema
from .tabular import MAX_EPOCH_S, finish_table, read_bytes

MAX_JSON_BYTES = 256 << 20  # a day's trace of one aircraft is < 5 MB; a snapshot < 2 MB
HEX_RE = r"~?[0-9a-f]{6}"  # '~' marks a non-ICAO (TIS-B) address
SAME_FIX_S = 0.5  # one position seen in two snapshots: times differ by rounding only


def _load(path: str) -> object:
    data = read_bytes(path, limit=MAX_JSON_BYTES)
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise InputError(f"{path}: not valid JSON ({err})") from None


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


def _fix_frame(source: str, bad: BadInput, where: list[str], time_s: np.ndarray, ids: pd.Series,
               icao: pd.Series, id_ok: np.ndarray, lat: pd.Series, lon: pd.Series,
               extra: dict[str, pd.Series]) -> pd.DataFrame:
    """Validate and assemble fixes; report rejected ones by ``where``."""
    ok_time = (time_s >= 0) & (time_s < MAX_EPOCH_S)  # NaN compares False
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
        frame[name] = series[keep].to_numpy()
    frame["source"] = os.path.basename(source)
    return frame


def _snapshot_fixes(doc: dict, source: str, bad: BadInput) -> pd.DataFrame:
    """One aircraft.json document -> fixes (not yet sorted)."""
    now = doc.get("now")
    aircraft = doc.get("aircraft")
    if not isinstance(now, (int, float)) or isinstance(now, bool) or not isinstance(aircraft, list):
        raise InputError(f"{source}: not an aircraft.json snapshot (needs numeric 'now' and an 'aircraft' list)")
    entries = [(i, a) for i, a in enumerate(aircraft) if isinstance(a, dict) and "lat" in a and "lon" in a]
    if not entries:
        return pd.DataFrame()
    frame = pd.DataFrame.from_records([a for _, a in entries])
    where = [f"aircraft[{i}]" for i, _ in entries]
    ids, icao, id_ok = _hex_ids(frame["hex"] if "hex" in frame.columns else pd.Series(None, index=frame.index))
    age = _column(frame, "seen_pos", "seen").fillna(0.0)
    time_s = float(now) - age.to_numpy()
    extra = {"alt_m": _column(frame, "alt_geom", "alt_baro", "altitude") * FOOT_M,
             "speed_mps": _column(frame, "gs", "speed") * KNOT_MPS,
             "heading_deg": _column(frame, "track"),
             "callsign": _text(frame, "flight"), "squawk": _text(frame, "squawk")}
    return _fix_frame(source, bad, where, time_s, ids, icao, id_ok, _column(frame, "lat"), _column(frame, "lon"),
                      extra)


def _drop_resent(frame: pd.DataFrame) -> pd.DataFrame:
    """Snapshots repeat a position until a new one arrives: keep its first sighting."""
    frame = frame.sort_values(["track_id", "time"], kind="stable").reset_index(drop=True)
    t = frame["time"].array.asi8
    same = np.zeros(len(frame), dtype=bool)
    same[1:] = ((frame["track_id"].to_numpy()[1:] == frame["track_id"].to_numpy()[:-1])
                & (frame["lat"].to_numpy()[1:] == frame["lat"].to_numpy()[:-1])
                & (frame["lon"].to_numpy()[1:] == frame["lon"].to_numpy()[:-1])
                & (np.diff(t) <= SAME_FIX_S * 1e9))
    return frame[~same]


def _trace_fixes(doc: dict, source: str, bad: BadInput) -> pd.DataFrame:
    """One globe-history trace document -> fixes, one track per leg."""
    icao, start, trace = doc.get("icao"), doc.get("timestamp"), doc.get("trace")
    if not isinstance(icao, str) or not isinstance(start, (int, float)) or not isinstance(trace, list):
        raise InputError(f"{source}: not a readsb trace (needs 'icao', numeric 'timestamp' and a 'trace' list)")
    rows = [(i, r) for i, r in enumerate(trace) if isinstance(r, list) and len(r) >= 3]
    for i, r in enumerate(trace):
        if not (isinstance(r, list) and len(r) >= 3):
            bad.report(source, f"trace[{i}]", "trace point is not a list of at least 3 values",
                       kind="bad trace point")
    if not rows:
        return pd.DataFrame()
    width = 11
    frame = pd.DataFrame([(r + [None] * width)[:width] for _, r in rows])
    where = [f"trace[{i}]" for i, _ in rows]
    num = {k: _numbers(frame[k]) for k in (0, 1, 2, 3, 4, 5, 6, 10)}
    flags = num[6].fillna(0).astype(np.int64).to_numpy()
    new_leg = (flags & 2).astype(bool)
    new_leg[:1] = False
    leg = np.cumsum(new_leg)
    hex_id = icao.strip().lower()
    ids = pd.Series([hex_id if k == 0 else f"{hex_id}-{k}" for k in leg.tolist()], dtype="string")
    id_ok = np.full(len(frame), re.fullmatch(HEX_RE, hex_id) is not None)
    icao24 = pd.Series(None if hex_id.startswith("~") else hex_id, index=frame.index, dtype="string")
    details = frame[8].map(lambda d: d if isinstance(d, dict) else {})
    callsign = details.map(lambda d: d.get("flight") if isinstance(d.get("flight"), str) else None)
    squawk = details.map(lambda d: d.get("squawk") if isinstance(d.get("squawk"), str) else None)
    legs = pd.Series(leg)
    extra = {"alt_m": num[10].fillna(num[3]) * FOOT_M,
             "speed_mps": num[4] * KNOT_MPS, "heading_deg": num[5],
             "callsign": callsign.astype("string").str.strip().replace("", pd.NA).groupby(legs).ffill(),
             "squawk": squawk.astype("string").groupby(legs).ffill()}
    time_s = float(start) + num[0].to_numpy()
    return _fix_frame(source, bad, where, time_s, ids, icao24, id_ok, num[1], num[2], extra)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _document_fixes(path: str, bad: BadInput) -> tuple[pd.DataFrame, bool]:
    """(fixes, is a snapshot) of one JSON file of either kind."""
    doc = _load(path)
    if isinstance(doc, dict) and "trace" in doc:
        return _trace_fixes(doc, path, bad), False
    if isinstance(doc, dict) and "aircraft" in doc:
        return _snapshot_fixes(doc, path, bad), True
    raise InputError(f"{path}: neither an aircraft.json snapshot nor a readsb trace")


def _finish(frames: list[pd.DataFrame], snapshots: bool, source: str, bad: BadInput) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return schema.empty()
    table = pd.concat(frames, ignore_index=True)
    return finish_table(_drop_resent(table) if snapshots else table, source, bad)


def read_aircraft_json(path: str, bad: BadInput | None = None) -> pd.DataFrame:
    """An ``aircraft.json`` snapshot, or a folder of snapshots/traces (``*.json``, ``*.json.gz``)."""
    bad = bad if bad is not None else BadInput()
    if not os.path.isdir(path):
        fixes, snapshot = _document_fixes(path, bad)
        return _finish([fixes], snapshot, path, bad)
    names = sorted(n for n in os.listdir(path) if n.endswith((".json", ".json.gz")))
    if not names:
        raise InputError(f"{path}: folder holds no .json files")
    frames, snapshots = [], False
    for name in names:
        member = os.path.join(path, name)
        try:
            fixes, snapshot = _document_fixes(member, bad)
        except InputError as err:
            bad.report(member, "file", str(err).removeprefix(f"{member}: "), kind="unreadable file")
            continue
        frames.append(fixes)
        snapshots |= snapshot
    return _finish(frames, snapshots, path, bad)


def read_trace(path: str, bad: BadInput | None = None) -> pd.DataFrame:
    """A readsb globe-history ``trace_full_<hex>.json`` (gzip or plain) -> the track table."""
    bad = bad if bad is not None else BadInput()
    doc = _load(path)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a readsb trace (needs 'icao', numeric 'timestamp' and a 'trace' list)")
    return _finish([_trace_fixes(doc, path, bad)], False, path, bad)
