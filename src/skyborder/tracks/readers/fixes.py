"""From raw columns to checked fixes: what every reader does last.

:func:`to_tracks` parses resolved raw columns into a track table; :func:`finish_table` is the
last step of every reader, tabular or not: it reports and drops fixes no real source gives,
sorts by track then time, and drops repeated fixes. The checks, each a bad item reported with
its location:

- a position at exactly 0 deg, 0 deg is a placeholder (a source without a fix writes zeros),
  not a fix: dropped;
- an altitude below ``MIN_ALT_M`` or above ``MAX_ALT_M`` is not an aircraft's: the altitude
  is dropped, the fix kept;
- times outside 1950-2100 never get this far (see ``columns.parse_times``).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import BadInput
from .. import schema
from .columns import (
    NO_POSITION,
    Located,
    Resolved,
    dialect_of,
    parse_bool,
    parse_column_map,
    parse_float,
    parse_text,
    parse_times,
    resolve,
    split_position,
)

__all__ = ["MAX_ALT_M", "MIN_ALT_M", "finish_table", "stem", "to_tracks", "track_names"]

log = logging.getLogger(__name__)

MIN_ALT_M = -1500.0   # the Dead Sea shore is at -430 m; pressure altitude on a high-pressure day lower
MAX_ALT_M = 60_000.0  # above any aircraft or balloon record
HEX_PREFIX = (r"^0[xX]", "")  # Flightradar24 writes addresses as 0x4b1805


def stem(source: str) -> str:
    """A file's name without folder and extensions (a default track id).

    Examples
    --------
    >>> stem("/data/SU24.flight.csv.gz")
    'SU24'
    """
    base = os.path.basename(source)
    return base.split(".", 1)[0] or base


def track_names(names: Sequence[str | None], source: str) -> list[str]:
    """Given names where present; otherwise the file's stem, numbered when there are several."""
    base = stem(source)
    return [n if n else (base if len(names) == 1 else f"{base}-{k + 1}") for k, n in enumerate(names)]


def to_tracks(raw: Located, columns: Mapping[str, str] | str | None = None, bad: BadInput | None = None,
              default_track: str | None = None) -> pd.DataFrame:
    """Raw columns -> a track table; bad rows reported and skipped, duplicates dropped, sorted.

    A table without an aircraft column (track_id/icao24/hex/...) is one track named after the
    source (or ``default_track``). Rows without any position (OpenSky before its first fix,
    Flightradar24 ``no_position`` rows) are skipped quietly and counted in
    ``attrs["read_stats"]["no_position"]``.
    """
    bad = bad if bad is not None else BadInput()
    mapping = parse_column_map(columns)
    names = [n.strip().lower() for n in raw.columns]
    if "position" in names and "lat" not in names and dialect_of(names) == "flightradar24":
        raw = split_position(raw)
    res = resolve(list(raw.columns), mapping, raw.source)
    n = len(raw.where)

    def first_valid(target: str, parse: Callable) -> tuple[np.ndarray, np.ndarray]:
        """Parse the target's candidate columns in turn, filling rows still invalid."""
        values, valid = np.zeros(0), np.zeros(n, dtype=bool)
        for k, (name, factor) in enumerate(res.chosen[target]):
            if k and valid.all():
                break
            v, ok = parse(raw.columns[name], name)
            v = v * factor if factor != 1.0 else v
            values = v if k == 0 else np.where(valid, values, v)
            valid |= ok
        return values, valid

    def floats(arr: pa.ChunkedArray, _name: str) -> tuple[np.ndarray, np.ndarray]:
        v = parse_float(arr)
        return v, ~np.isnan(v)

    ns, time_ok = first_valid("time", parse_times)
    lat, lat_ok = first_valid("lat", floats)
    lon, lon_ok = first_valid("lon", floats)
    lat_ok &= np.abs(lat) <= 90.0
    lon_ok &= np.abs(lon) <= 180.0
    track_col = res.first("track_id") or res.first("icao24")
    if track_col is None:
        track = pa.chunked_array([pa.array([default_track or stem(raw.source)] * n, pa.string())])
    else:
        track = parse_text(raw.columns[track_col])
        if track_col == res.first("icao24"):  # one aircraft, one spelling
            track = _address(track)
    track_ok = pc.is_valid(track).to_numpy(zero_copy_only=False)
    keep = time_ok & lat_ok & lon_ok & track_ok
    silent = _without_position(raw, res, lat, lon)
    _report_rows(raw, bad, res, track_col, ~keep & ~silent, time_ok, lat_ok, lon_ok)
    keep &= ~silent

    rows = np.flatnonzero(keep)
    everything = len(rows) == n

    def pick(arr: pa.ChunkedArray) -> pd.Series:
        return (arr if everything else arr.take(pa.array(rows))).to_pandas()

    table: dict[str, object] = {
        "time": pd.Series(ns[rows].view("datetime64[ns]")).dt.tz_localize("UTC"),
        "track_id": pick(track),
        "lat": lat[rows], "lon": lon[rows],
    }
    for target in schema.OPTIONAL_FLOAT:
        if target in res.chosen:
            values, _ = first_valid(target, floats)
            table[target] = values[rows]
    for target in schema.OPTIONAL_STR:
        name = res.first(target)
        if name is None:
            continue
        if target == "icao24":
            table[target] = pick(track if name == track_col else _address(parse_text(raw.columns[name])))
        else:
            table[target] = pick(parse_text(raw.columns[name]))
    for target in schema.OPTIONAL_BOOL:
        name = res.first(target)
        if name is not None:
            table[target] = parse_bool(raw.columns[name])[rows]
    frame = pd.DataFrame({k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v)
                          for k, v in table.items()})
    opensky = res.dialect == "opensky"
    out = finish_table(frame, raw.source, bad, where=raw.locations(rows), report_duplicates=not opensky,
                       label=None if "source" in table else os.path.basename(raw.source))
    out.attrs["read_stats"]["no_position"] = int(silent.sum())
    return out


def _address(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """ICAO addresses in one spelling: lower case, without a ``0x`` prefix."""
    if pc.any(pc.starts_with(text, "0x", ignore_case=True)).as_py():
        text = pc.replace_substring_regex(text, *HEX_PREFIX)
    return pc.utf8_lower(text)


def _without_position(raw: Located, res: Resolved, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Rows that say they carry no position: OpenSky rows with neither latitude nor longitude,
    and rows flagged ``no_position``."""
    silent = np.isnan(lat) & np.isnan(lon) if res.dialect == "opensky" else np.zeros(len(lat), dtype=bool)
    if res.no_position is not None:
        flag = pc.utf8_lower(parse_text(raw.columns[res.no_position]))
        silent |= pc.fill_null(pc.equal(flag, NO_POSITION), False).to_numpy(zero_copy_only=False)
    return silent


def _report_rows(raw: Located, bad: BadInput, res: Resolved, track_col: str | None, rejected: np.ndarray,
                 time_ok: np.ndarray, lat_ok: np.ndarray, lon_ok: np.ndarray) -> None:
    """One BadInput report per rejected row, naming the first failing field and its text."""
    idx = np.flatnonzero(rejected)
    if not len(idx):
        return
    take = pa.array(idx)

    def shown(target: str) -> list:
        return raw.columns[res.chosen[target][0][0]].take(take).to_pylist()

    times, lats, lons = shown("time"), shown("lat"), shown("lon")
    for k, i in enumerate(idx.tolist()):
        if not time_ok[i]:
            reason = "missing time" if times[k] is None else f"time {times[k]!r} is not a time from 1950 to 2100"
            kind = "bad time"
        elif not lat_ok[i]:
            reason = "missing latitude" if lats[k] is None else f"latitude {lats[k]!r} is not a number in [-90, 90]"
            kind = "bad latitude"
        elif not lon_ok[i]:
            reason = ("missing longitude" if lons[k] is None
                      else f"longitude {lons[k]!r} is not a number in [-180, 180]")
            kind = "bad longitude"
        else:
            reason, kind = f"empty {track_col}", "no aircraft id"
        bad.report(raw.source, raw.at(i), reason, kind=kind)


def finish_table(frame: pd.DataFrame, source: str, bad: BadInput, where: Sequence | np.ndarray | None = None,
                 report_duplicates: bool = True, label: str | None = None) -> pd.DataFrame:
    """The checks of the module docstring, then sort by track and time and drop repeated fixes.

    Parameters
    ----------
    frame : DataFrame
        Fixes with at least the required track columns (times in any form ``schema.to_utc`` takes).
    source : str
        Names the input in reports.
    bad : BadInput
        Receives the reports.
    where : sequence, optional
        Per row of ``frame``, its BadInput location (a line number or a text); without it a
        row is located by its track and time.
    report_duplicates : bool
        Report each repeated (track, time) fix; when False (OpenSky re-sends stale positions,
        snapshots overlap) they are only counted in ``attrs["read_stats"]["duplicates"]``.
    label : str, optional
        Fills the ``source`` column (after sorting: cheaper).

    Returns
    -------
    DataFrame
        A normalised track table; ``attrs["read_stats"]`` counts rows, fixes, duplicates,
        fixes out of time order (sorted) and placeholder positions.
    """
    if str(frame["time"].dtype) != schema.TIME_DTYPE:
        frame = frame.assign(time=schema.to_utc(frame["time"]))
    frame = frame.reset_index(drop=True)
    locate = _locator(frame, where)
    zero = (frame["lat"].to_numpy(dtype=float) == 0.0) & (frame["lon"].to_numpy(dtype=float) == 0.0)
    for i in np.flatnonzero(zero).tolist():
        bad.report(source, locate(i), "position 0, 0 is a placeholder, not a fix", kind="position 0, 0")
    if zero.any():
        keep = ~zero
        frame = frame[keep].reset_index(drop=True)
        where = None if where is None else np.asarray(where, dtype=object)[keep]
        locate = _locator(frame, where)
    _drop_implausible_altitudes(frame, source, bad, locate)
    ns = frame["time"].array.asi8
    codes, _ = pd.factorize(frame["track_id"], sort=True)
    by_track = np.argsort(codes, kind="stable")
    same = codes[by_track][1:] == codes[by_track][:-1]
    backwards = int(np.sum(same & (ns[by_track][1:] < ns[by_track][:-1])))
    order = np.lexsort((ns, codes))
    dup = np.zeros(len(order), dtype=bool)
    dup[1:] = (codes[order][1:] == codes[order][:-1]) & (ns[order][1:] == ns[order][:-1])
    if report_duplicates:
        for i in order[dup].tolist():
            bad.report(source, locate(i), "duplicate fix (same track and time as an earlier one)",
                       kind="duplicate fix")
    out = schema.normalize(frame.iloc[order[~dup]].reset_index(drop=True), sort=False)
    if label is not None:
        out["source"] = pd.Series(label, index=out.index, dtype="string")
    out.attrs["read_stats"] = {"rows": len(frame) + int(zero.sum()), "fixes": len(out),
                               "duplicates": int(dup.sum()), "out_of_order": backwards}
    if backwards:
        log.info("%s: %d fix(es) went back in time within their track; sorted", source, backwards)
    return out


def _locator(frame: pd.DataFrame, where: Sequence | np.ndarray | None) -> Callable[[int], str | int]:
    """Row -> BadInput location: ``where[i]`` (numbers as line numbers), else track and time."""
    if where is not None:
        values = np.asarray(where, dtype=object)
        return lambda i: int(values[i]) if isinstance(values[i], (int, np.integer)) else str(values[i])
    return lambda i: f"track {frame['track_id'].iat[i]} at {frame['time'].iat[i].isoformat()}"


def _drop_implausible_altitudes(frame: pd.DataFrame, source: str, bad: BadInput,
                                locate: Callable[[int], str | int]) -> None:
    """Report altitudes outside [MIN_ALT_M, MAX_ALT_M] and blank them (in place)."""
    for column in ("alt_m", "geo_alt_m"):
        if column not in frame:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, copy=True)
        wild = (values < MIN_ALT_M) | (values > MAX_ALT_M)
        for i in np.flatnonzero(wild).tolist():
            bad.report(source, locate(i), f"{column} {values[i]:.6g} m is not an aircraft's altitude; "
                       "altitude dropped, fix kept", kind="implausible altitude")
        if wild.any():
            values[wild] = np.nan
            frame[column] = values
