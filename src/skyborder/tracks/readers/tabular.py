"""CSV and Parquet track tables, including OpenSky state vectors and Flightradar24 exports.

Columns are found by name: an explicit mapping (``{"ts": "time", "hex": "icao24"}``, CLI form
``'ts=time,hex=icao24'``) first, then common aliases (latitude/lat, longitude/lon/lng, timestamp/time,
...). Altitude is only taken automatically when its unit is certain: ``alt_m``/``altitude_m`` and
OpenSky's ``geoaltitude``/``baroaltitude`` are metres, ``alt_ft``/``altitude_ft`` feet.

Times are epoch seconds or ISO-8601 (naive = UTC). A row with a bad time, latitude or longitude,
or the wrong number of fields, is reported with its physical line (header = line 1) and skipped.
Everything is vectorised with pyarrow/numpy: one million rows take about two seconds.
"""
from __future__ import annotations

import csv
import gzip
import logging
import os
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ...errors import BadInput, InputError
from ...units import FOOT_M, KNOT_MPS
from .. import schema

log = logging.getLogger(__name__)

MAX_EPOCH_S = 4_102_444_800.0  # 2100-01-01: larger "epoch seconds" are not times
MILLIS_FROM = 1e11  # epoch numbers this large are milliseconds
NUMBER_RE = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"

#: target names a mapping may use: the schema columns plus two unit-bearing variants
UNIT_TARGETS = {"alt_ft": ("alt_m", FOOT_M), "speed_kt": ("speed_mps", KNOT_MPS)}
TARGETS = schema.COLUMNS + tuple(UNIT_TARGETS)

#: lower-case header name -> target; earlier entries win when a file has several for one target
ALIASES: dict[str, str] = {
    "time": "time", "timestamp": "time", "ts": "time", "datetime": "time", "time_utc": "time",
    "utc": "time", "epoch": "time", "unix_time": "time",
    "track_id": "track_id", "flight_id": "track_id", "trackid": "track_id",
    "lat": "lat", "latitude": "lat",
    "lon": "lon", "lng": "lon", "long": "lon", "longitude": "lon",
    "alt_m": "alt_m", "altitude_m": "alt_m", "geoaltitude": "alt_m", "baroaltitude": "alt_m",
    "alt_ft": "alt_ft", "altitude_ft": "alt_ft",
    "speed_mps": "speed_mps", "velocity": "speed_mps", "speed_kt": "speed_kt", "gs_kt": "speed_kt",
    "heading_deg": "heading_deg", "heading": "heading_deg", "true_track": "heading_deg",
    "course": "heading_deg",
    "callsign": "callsign", "call_sign": "callsign", "flight": "callsign",
    "icao24": "icao24", "hex": "icao24", "icao": "icao24", "icao_hex": "icao24",
    "squawk": "squawk", "source": "source",
}


@dataclass
class Located:
    """Raw columns (pyarrow arrays, any type) with where each row came from (for reports)."""

    columns: dict[str, pa.ChunkedArray]
    where: np.ndarray  # physical line (CSV), 1-based row (Parquet) or a location text per row
    unit: str  # "line", "row" or "text"
    source: str

    def at(self, i: int) -> str | int:
        """A BadInput location for row ``i``."""
        if self.unit == "text":
            return str(self.where[i])
        n = int(self.where[i])
        return n if self.unit == "line" else f"row {n}"

    @classmethod
    def from_values(cls, values: dict[str, list], where: list, unit: str, source: str) -> Located:
        """Columns of Python values (numbers, text, None; anything else becomes text) as raw text."""
        def text(v: object) -> str | None:
            return v if v is None or isinstance(v, str) else str(v)

        columns = {name: pa.chunked_array([pa.array([text(v) for v in vals], pa.string())])
                   for name, vals in values.items()}
        return cls(columns, np.asarray(where, dtype=np.int64 if unit != "text" else object), unit, source)


def parse_column_map(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """``'ts=time,hex=icao24'`` (or a mapping) -> ``{"ts": "time", "hex": "icao24"}``, targets checked."""
    if text is None:
        return {}
    if isinstance(text, Mapping):
        pairs = dict(text)
    else:
        pairs = {}
        for item in filter(None, (p.strip() for p in text.split(","))):
            name, sep, target = item.partition("=")
            if not sep or not name.strip() or not target.strip():
                raise InputError(f"bad column mapping {item!r}: expected FILE_COLUMN=TRACK_COLUMN")
            pairs[name.strip()] = target.strip()
    unknown = sorted(set(pairs.values()) - set(TARGETS))
    if unknown:
        raise InputError(f"unknown track column(s) in mapping: {', '.join(unknown)} "
                         f"(known: {', '.join(TARGETS)})")
    return pairs


def _valid_utf8(data: bytes) -> bytes:
    """``data``, with invalid UTF-8 bytes replaced so that only their own rows fail."""
    if data.isascii():  # the common case, and much faster to check than a full decode
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace").encode("utf-8")


def read_delimited(data: bytes, source: str, bad: BadInput, names: Sequence[str] | None = None,
                   delimiter: str = ",", line_offset: int = 0, quoted: bool = True,
                   silent_short: Callable[[str], bool] | None = None,
                   keep: Sequence[str] | None = None) -> Located:
    """Parse delimited text into string columns, keeping each row's physical line number.

    ``names`` None: the first line is the header. Rows with the wrong number of fields are
    reported and skipped, except those for which ``silent_short(text)`` is true (skipped quietly).
    ``line_offset`` is the number of lines before ``data`` (for chunks of a stream); ``keep``
    limits the columns returned.
    """
    header = names is None
    if header:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        first = first_line(data).decode("utf-8", errors="replace")
        try:
            names = next(csv.reader([first], delimiter=delimiter)) if first.strip() else []
        except csv.Error as err:
            raise InputError(f"{source}: unreadable header line ({err})") from None
        if not names:
            raise InputError(f"{source}: empty file or empty header line")
    skipped: list[int] = []

    def on_invalid(row) -> str:
        skipped.append(row.number)
        if row.number is not None and (silent_short is None or not silent_short(row.text)):
            bad.report(source, row.number + line_offset,
                       f"expected {row.expected_columns} fields, found {row.actual_columns}",
                       kind="wrong field count")
        return "skip"

    def parse(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(use_threads=threads, column_names=None if header else list(names)),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False,
                                             ignore_empty_lines=False, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=True, include_columns=keep))

    data = _valid_utf8(data)
    try:
        table = parse(threads=True)
        if skipped:  # row numbers are only known single-threaded: re-read to report them
            skipped.clear()
            table = parse(threads=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
        raise InputError(f"{source}: not readable as delimited text ({str(err).splitlines()[0]})") from None
    lines = np.setdiff1d(np.arange(1 + header, 1 + header + table.num_rows + len(skipped)),
                         np.asarray(skipped, dtype=np.int64), assume_unique=True) + line_offset
    return Located({n: table.column(i) for i, n in enumerate(table.column_names)}, lines, "line", source)


def _text_type(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded text decoded; any other type left alone."""
    return arr.cast(arr.type.value_type) if pa.types.is_dictionary(arr.type) else arr


def _is_text(arr: pa.ChunkedArray) -> bool:
    return pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)


def parse_float(arr: pa.ChunkedArray) -> np.ndarray:
    """Numbers as float64; NaN where empty, malformed or not finite."""
    arr = _text_type(arr)
    try:
        values = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)  # fast path: clean column
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if not _is_text(arr):
            return np.full(len(arr), np.nan)
        text = pc.utf8_trim_whitespace(arr)
        ok = pc.fill_null(pc.match_substring_regex(text, NUMBER_RE), False)
        values = pc.cast(pc.if_else(ok, text, pa.scalar(None, text.type)), pa.float64()).to_numpy(
            zero_copy_only=False)
    values = np.array(values, dtype=np.float64)  # writable copy
    values[~np.isfinite(values)] = np.nan
    return values


def parse_times(arr: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Times -> (int64 nanoseconds since 1970 UTC, valid mask).

    Numbers are epoch seconds (0 to 2100, to the microsecond), or milliseconds when at least
    ``MILLIS_FROM`` (1e11 s would be the year 5138); text is such a number or ISO-8601 (naive =
    UTC); Parquet timestamps are taken as they are (naive = UTC).
    """
    arr = _text_type(arr)
    ns = np.zeros(len(arr), dtype=np.int64)
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        stamps = schema.to_utc(pd.Series(arr.to_pandas(), dtype="datetime64[ns]" if pa.types.is_date(arr.type)
                                         else None))
        valid = stamps.notna().to_numpy()
        ns[valid] = stamps[valid].array.asi8
        return ns, valid
    seconds = parse_float(arr)
    millis = (seconds >= MILLIS_FROM) & (seconds < MAX_EPOCH_S * 1000.0)
    if millis.any():
        seconds = np.where(millis, seconds / 1000.0, seconds)
    valid = (seconds >= 0.0) & (seconds < MAX_EPOCH_S)
    whole = np.floor(seconds[valid])  # float64 epochs carry ~0.2 us: keep whole microseconds
    ns[valid] = whole.astype(np.int64) * 1_000_000_000 + np.round((seconds[valid] - whole) * 1e6).astype(
        np.int64) * 1000
    if _is_text(arr):
        iso = ~np.isfinite(seconds) & pc.fill_null(pc.not_equal(pc.utf8_trim_whitespace(arr), ""),
                                                   False).to_numpy(zero_copy_only=False)
        if iso.any():
            text = pd.Series(arr.filter(pa.array(iso)).to_pylist(), dtype="object")
            stamps = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce").astype("datetime64[ns, UTC]")
            ok = stamps.notna().to_numpy()
            rows = np.flatnonzero(iso)[ok]
            ns[rows] = stamps[ok].array.asi8
            valid[rows] = True
    return ns, valid


def parse_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text trimmed of spaces, empty -> null (numbers in Parquet become their text)."""
    arr = _text_type(arr)
    if not _is_text(arr):
        arr = pc.cast(arr, pa.string())
    text = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def _resolve(names: Sequence[str], mapping: Mapping[str, str], source: str,
             opensky: bool) -> dict[str, list[tuple[str, float]]]:
    """Track column -> candidate file columns with a unit factor; per row the first valid one wins."""
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.strip().lower(), name)
    chosen: dict[str, list[tuple[str, float]]] = {}
    for name, target in mapping.items():
        actual = name if name in names else by_lower.get(name.strip().lower())
        if actual is None:
            raise InputError(f"{source}: no column {name!r} to map to {target!r} "
                             f"(columns: {', '.join(names)})")
        base, factor = UNIT_TARGETS.get(target, (target, 1.0))
        chosen[base] = [(actual, factor)]
    explicit = set(chosen)
    taken = {c for cands in chosen.values() for c, _ in cands}
    for alias, target in ALIASES.items():
        base, factor = UNIT_TARGETS.get(target, (target, 1.0))
        actual = by_lower.get(alias)
        if actual is None or actual in taken or base in explicit:
            continue
        if base not in chosen:
            chosen[base] = [(actual, factor)]
        elif alias == "baroaltitude":  # OpenSky: geometric altitude, else barometric, both metres
            chosen[base].append((actual, factor))
        else:
            continue
        taken.add(actual)
    if opensky and "time" not in explicit:
        chosen["time"] = [(by_lower["lastposupdate"], 1.0)] + chosen.get("time", [])
    missing = [t for t in ("time", "lat", "lon") if t not in chosen]
    if missing:
        looked = {t: [a for a, v in ALIASES.items() if v == t] for t in missing}
        hint = "; ".join(f"{t}: {', '.join(a)}" for t, a in looked.items())
        raise InputError(f"{source}: no {', '.join(missing)} column (looked for {hint}); "
                         f"map one with --columns, e.g. 'mytime=time'")
    return chosen


def is_opensky(names: Sequence[str]) -> bool:
    """OpenSky state vectors (Impala/history dumps): they carry ``icao24`` and ``lastposupdate``."""
    lower = {n.strip().lower() for n in names}
    return {"icao24", "lastposupdate"} <= lower


FLIGHTRADAR24 = {"timestamp", "utc", "callsign", "position", "altitude", "speed", "direction"}
LAT_LON_RE = r"^\s*(?P<lat>[^,]*),(?P<lon>[^,]*)\s*$"


def is_flightradar24(names: Sequence[str]) -> bool:
    """A Flightradar24 CSV export: Timestamp, UTC, Callsign, Position ("lat,lon"), Altitude (ft),
    Speed (kt), Direction (degrees)."""
    return {n.strip().lower() for n in names} >= FLIGHTRADAR24


def _flightradar24(raw: Located, mapping: dict[str, str]) -> tuple[Located, dict[str, str]]:
    """Split Position into lat/lon and take the export's units (the user's mapping still wins)."""
    by_lower = {n.strip().lower(): n for n in raw.columns}
    parts = pc.extract_regex(_text_type(raw.columns[by_lower["position"]]), LAT_LON_RE)
    columns = {**raw.columns, "lat": pc.struct_field(parts, "lat"), "lon": pc.struct_field(parts, "lon")}
    units = {by_lower["altitude"]: "alt_ft", by_lower["speed"]: "speed_kt", by_lower["direction"]: "heading_deg"}
    return Located(columns, raw.where, raw.unit, raw.source), {**units, **mapping}


def to_tracks(raw: Located, columns: Mapping[str, str] | None = None, bad: BadInput | None = None,
              default_track: str | None = None) -> pd.DataFrame:
    """Raw columns -> a track table; bad rows reported and skipped, duplicates dropped, sorted."""
    bad = bad if bad is not None else BadInput()
    mapping = parse_column_map(columns)
    if is_flightradar24(list(raw.columns)):
        raw, mapping = _flightradar24(raw, mapping)
    names = list(raw.columns)
    opensky = is_opensky(names)
    chosen = _resolve(names, mapping, raw.source, opensky)
    n = len(raw.where)

    def first_valid(target: str, parse):
        """Parse the target's candidate columns in turn, filling rows still invalid."""
        values, valid = None, np.zeros(n, dtype=bool)
        for name, factor in chosen[target]:
            if values is not None and valid.all():
                break
            v, ok = parse(raw.columns[name])
            v = v * factor if factor != 1.0 else v
            values = v if values is None else np.where(valid, values, v)
            valid |= ok
        return values, valid

    def floats(arr):
        v = parse_float(arr)
        return v, ~np.isnan(v)

    ns, time_ok = first_valid("time", parse_times)
    lat, lat_ok = first_valid("lat", floats)
    lon, lon_ok = first_valid("lon", floats)
    lat_ok &= np.abs(lat) <= 90.0
    lon_ok &= np.abs(lon) <= 180.0
    track_col = (chosen.get("track_id") or chosen.get("icao24") or [(None, 1.0)])[0][0]
    if track_col is None:
        track = pa.chunked_array([pa.array([default_track or stem(raw.source)] * n, pa.string())])
    else:
        track = parse_text(raw.columns[track_col])
        if "icao24" in chosen and chosen["icao24"][0][0] == track_col:  # one aircraft, one spelling
            track = pc.utf8_lower(track)
    track_ok = pc.is_valid(track).to_numpy(zero_copy_only=False)
    keep = time_ok & lat_ok & lon_ok & track_ok
    silent = np.isnan(lat) & np.isnan(lon) if opensky else np.zeros(n, dtype=bool)  # no position yet
    _report_rows(raw, bad, chosen, track_col, ~keep & ~silent, time_ok, lat_ok, lon_ok)

    rows = np.flatnonzero(keep)
    everything = len(rows) == n

    def pick(arr: pa.ChunkedArray) -> pd.Series:
        return (arr if everything else arr.take(rows)).to_pandas()

    table: dict[str, object] = {
        "time": pd.Series(ns[rows].view("datetime64[ns]")).dt.tz_localize("UTC"),
        "track_id": pick(track),
        "lat": lat[rows], "lon": lon[rows],
    }
    for target in schema.OPTIONAL_FLOAT:
        if target in chosen:
            values, _ = first_valid(target, floats)
            table[target] = values[rows]
    for target in schema.OPTIONAL_STR:
        if target in chosen:
            name = chosen[target][0][0]
            if target == "icao24":
                text = track if name == track_col else pc.utf8_lower(parse_text(raw.columns[name]))
            else:
                text = parse_text(raw.columns[name])
            table[target] = pick(text)
    frame = pd.DataFrame({k: (v.reset_index(drop=True) if isinstance(v, pd.Series) else v)
                          for k, v in table.items()})
    out = finish_table(frame, raw.source, bad, where=None if opensky else (lambda i: raw.at(int(rows[i]))),
                       label=None if "source" in table else os.path.basename(raw.source))
    out.attrs["read_stats"]["no_position"] = int(silent.sum())
    return out


def stem(source: str) -> str:
    """A file's name without folder and extensions (a default track id)."""
    base = os.path.basename(source)
    return base.split(".", 1)[0] or base


def track_names(names: Sequence[str | None], source: str) -> list[str]:
    """Given names where present; otherwise the file's stem, numbered when there are several."""
    base = stem(source)
    return [n if n else (base if len(names) == 1 else f"{base}-{k + 1}") for k, n in enumerate(names)]


def _report_rows(raw: Located, bad: BadInput, chosen, track_col, rejected: np.ndarray,
                 time_ok: np.ndarray, lat_ok: np.ndarray, lon_ok: np.ndarray) -> None:
    """One BadInput report per rejected row, naming the first failing field and its text."""
    idx = np.flatnonzero(rejected)
    if not len(idx):
        return
    take = pa.array(idx)

    def shown(target: str) -> list:
        return raw.columns[chosen[target][0][0]].take(take).to_pylist()

    times, lats, lons = shown("time"), shown("lat"), shown("lon")
    for k, i in enumerate(idx):
        if not time_ok[i]:
            reason, kind = ("missing time" if times[k] is None else f"unparsable time {times[k]!r}"), "bad time"
        elif not lat_ok[i]:
            reason = "missing latitude" if lats[k] is None else f"latitude {lats[k]!r} is not a number in [-90, 90]"
            kind = "bad latitude"
        elif not lon_ok[i]:
            reason = ("missing longitude" if lons[k] is None
                      else f"longitude {lons[k]!r} is not a number in [-180, 180]")
            kind = "bad longitude"
        else:
            reason, kind = f"empty {track_col}", "no aircraft id"
        bad.report(raw.source, raw.at(int(i)), reason, kind=kind)


def finish_table(frame: pd.DataFrame, source: str, bad: BadInput,
                 where: Callable[[int], str | int] | None = None, label: str | None = None) -> pd.DataFrame:
    """Sort fixes by track then time and drop repeated (track, time) fixes, keeping the first.

    ``where(i)`` locates row i of ``frame`` for a BadInput report of each dropped repeat; without
    it repeats are expected (OpenSky re-sends stale positions, snapshots overlap) and only
    counted in ``attrs["read_stats"]``. ``label`` fills the ``source`` column (after sorting: cheaper).
    Fixes whose time goes backwards within a track are sorted and counted as ``out_of_order``.
    """
    frame = frame.assign(time=schema.to_utc(frame["time"]))
    ns = frame["time"].array.asi8
    codes, _ = pd.factorize(frame["track_id"], sort=True)
    by_track = np.argsort(codes, kind="stable")
    same = codes[by_track][1:] == codes[by_track][:-1]
    backwards = int(np.sum(same & (ns[by_track][1:] < ns[by_track][:-1])))
    order = np.lexsort((ns, codes))
    dup = np.zeros(len(order), dtype=bool)
    dup[1:] = (codes[order][1:] == codes[order][:-1]) & (ns[order][1:] == ns[order][:-1])
    if where is not None:
        for i in order[dup]:
            bad.report(source, where(int(i)), "duplicate fix (same track and time as an earlier one)",
                       kind="duplicate fix")
    out = schema.normalize(frame.iloc[order[~dup]].reset_index(drop=True), sort=False)
    if label is not None:
        out["source"] = pd.Series(label, index=out.index, dtype="string")
    out.attrs["read_stats"] = {"rows": len(frame), "fixes": len(out), "duplicates": int(dup.sum()),
                               "out_of_order": backwards}
    if backwards:
        log.info("%s: %d fix(es) went back in time within their track; sorted", source, backwards)
    return out


def first_line(data: bytes, limit: int = 1 << 16) -> bytes:
    """The bytes before the first line break (\\n, \\r or both, as pyarrow reads them)."""
    head = data[:limit]
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    return head[:min(ends)] if ends else head


def _delimiter(header: bytes) -> str:
    """The most frequent of comma, semicolon and tab in the header line."""
    return max((",", ";", "\t"), key=lambda d: header.count(d.encode()))


def read_table(path: str, columns: Mapping[str, str] | str | None = None, bad: BadInput | None = None,
               default_track: str | None = None) -> pd.DataFrame:
    """A CSV (optionally gzip-compressed) or Parquet track table -> the track table.

    ``columns`` maps file columns to track columns (``{"ts": "time"}`` or ``"ts=time"``); targets
    ``alt_ft`` and ``speed_kt`` convert feet and knots. A file without an aircraft column
    (track_id/icao24/hex/...) is one track named after the file (or ``default_track``).
    """
    bad = bad if bad is not None else BadInput()
    return to_tracks(load_raw(path, bad), columns=parse_column_map(columns), bad=bad, default_track=default_track)


def load_raw(path: str, bad: BadInput | None = None) -> Located:
    """A CSV or Parquet file's raw columns and row locations."""
    bad = bad if bad is not None else BadInput()
    data = read_bytes(path)
    if data[:4] == b"PAR1":
        try:
            table = pq.read_table(pa.BufferReader(data))
        except (pa.ArrowException, OSError) as err:
            raise InputError(f"{path}: not a readable Parquet file ({str(err).splitlines()[0]})") from None
        return Located({n: table.column(i) for i, n in enumerate(table.column_names)},
                       np.arange(1, table.num_rows + 1), "row", path)
    body, skipped_lines = strip_comment_header(data)
    return read_delimited(body, path, bad, delimiter=_delimiter(first_line(body)), line_offset=skipped_lines)


def strip_comment_header(data: bytes) -> tuple[bytes, int]:
    """``data`` without its leading ``#`` comment lines (a provenance header), and how many there were."""
    count, pos = 0, 0
    while data.startswith(b"#", pos):
        end = data.find(b"\n", pos)
        if end < 0:
            return b"", count + 1
        pos, count = end + 1, count + 1
    return data[pos:], count


def read_bytes(path: str, limit: int | None = None) -> bytes:
    """A file's bytes, gunzipped when it starts with the gzip magic; InputError if unreadable/too big."""
    try:
        with open(path, "rb") as handle:
            data = handle.read() if limit is None else handle.read(limit + 1)
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise InputError(f"{path}: broken gzip data ({err})") from None
    if limit is not None and len(data) > limit:
        raise InputError(f"{path}: larger than the {limit >> 20} MB this format is read up to")
    return data
