"""The column toolkit every tabular reader shares: raw columns, value parsers, column names.

A reader turns its input into :class:`Located` raw columns (pyarrow arrays of any type, with
where each row came from); :func:`resolve` finds which raw column feeds which track column,
by an explicit mapping (``{"ts": "time"}``, CLI ``'ts=time'``), then by the dialect the column
names reveal (OpenSky state vectors, Flightradar24 exports, traffic's DataFrames), then by
common aliases. The value parsers are vectorised (pyarrow compute and NumPy).

Units are only taken when they are certain: ``alt_m``/``geo_alt_m`` are metres, ``alt_ft``/
``geo_alt_ft`` feet, ``speed_kt`` knots; a bare ``altitude`` column is not guessed at.
Times are plausible from ``EARLIEST`` (1950) to ``LATEST`` (2100); anything else is a bad row.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import InputError, TrackSchemaError
from ...units import FOOT_M, KNOT_MPS
from .. import schema

__all__ = ["ALIASES", "EARLIEST_NS", "LATEST_NS", "TARGETS", "UNIT_TARGETS", "Located", "Resolved",
           "parse_bool", "parse_column_map", "parse_float", "parse_text", "parse_times", "resolve"]

EARLIEST_NS = pd.Timestamp("1950-01-01", tz="UTC").value   # earlier "times" are placeholders or garbage
LATEST_NS = pd.Timestamp("2100-01-01", tz="UTC").value
MAX_EPOCH_S = LATEST_NS / 1e9
MILLIS_FROM = 1e11  # epoch numbers this large are milliseconds (1e11 s would be the year 5138)
NUMBER_RE = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
ZULU_BEFORE_FRACTION = (r"^(.*\d\d:\d\d:\d\d)Z\.(\d+)$", r"\1.\2Z")  # Flightradar24: 07:41:03Z.515

#: target names a mapping may use: the schema columns plus unit-bearing variants
UNIT_TARGETS: dict[str, tuple[str, float]] = {
    "alt_ft": ("alt_m", FOOT_M), "geo_alt_ft": ("geo_alt_m", FOOT_M), "speed_kt": ("speed_mps", KNOT_MPS)}
TARGETS = schema.COLUMNS + tuple(UNIT_TARGETS)

#: lower-case header name -> target; earlier entries win when a file has several for one target
ALIASES: dict[str, str] = {
    "time": "time", "timestamp": "time", "ts": "time", "datetime": "time", "time_utc": "time",
    "utc": "time", "epoch": "time", "unix_time": "time",
    "track_id": "track_id", "flight_id": "track_id", "trackid": "track_id", "fr24_id": "track_id",
    "lat": "lat", "latitude": "lat",
    "lon": "lon", "lng": "lon", "long": "lon", "longitude": "lon",
    "alt_m": "alt_m", "altitude_m": "alt_m", "baro_alt_m": "alt_m", "baroaltitude": "alt_m",
    "pressure_alt_m": "alt_m",
    "geo_alt_m": "geo_alt_m", "geoaltitude": "geo_alt_m", "gnss_alt_m": "geo_alt_m", "geo_altitude_m": "geo_alt_m",
    "alt_ft": "alt_ft", "altitude_ft": "alt_ft", "baro_alt_ft": "alt_ft",
    "geo_alt_ft": "geo_alt_ft", "alt_geom_ft": "geo_alt_ft",
    "on_ground": "on_ground", "onground": "on_ground", "is_on_ground": "on_ground",
    "speed_mps": "speed_mps", "velocity": "speed_mps", "speed_kt": "speed_kt", "gs_kt": "speed_kt",
    "heading_deg": "heading_deg", "heading": "heading_deg", "true_track": "heading_deg",
    "course": "heading_deg",
    "callsign": "callsign", "call_sign": "callsign", "flight": "callsign",
    "icao24": "icao24", "hex": "icao24", "icao": "icao24", "icao_hex": "icao24", "hex_ident": "icao24",
    "squawk": "squawk", "source": "source", "interpolated": "interpolated",
}
#: a row whose value in one of these columns is ``no_position`` carries no position (Flightradar24)
NO_POSITION_COLUMNS = ("type", "source", "position_type", "msg_type")
NO_POSITION = "no_position"

OPENSKY = {"icao24", "lastposupdate"}
FLIGHTRADAR24 = {"timestamp", "utc", "callsign", "position", "altitude", "speed", "direction"}
FLIGHTRADAR24_API = {"hex", "lat", "lon", "alt", "gspeed"}
TRAFFIC = {"timestamp", "latitude", "longitude"}
TRAFFIC_NAMES = {"altitude": "alt_ft", "geoaltitude": "geo_alt_ft", "groundspeed": "speed_kt",
                 "track": "heading_deg", "onground": "on_ground"}
LAT_LON_RE = r"^\s*(?P<lat>[^,]*),(?P<lon>[^,]*)\s*$"


@dataclass
class Located:
    """Raw columns (pyarrow arrays, any type) with where each row came from (for reports).

    ``where`` holds per row a physical line (``unit`` "line"), a 1-based row (``"row"``) or a
    location text (``"text"``).
    """

    columns: dict[str, pa.ChunkedArray]
    where: np.ndarray
    unit: str
    source: str

    def at(self, i: int) -> str | int:
        """A BadInput location for row ``i``."""
        if self.unit == "text":
            return str(self.where[i])
        n = int(self.where[i])
        return n if self.unit == "line" else f"row {n}"

    def locations(self, rows: np.ndarray) -> np.ndarray:
        """BadInput locations of many rows (object array)."""
        if self.unit == "line":
            return self.where[rows].astype(object)
        if self.unit == "row":
            return np.array([f"row {n}" for n in self.where[rows].tolist()], dtype=object)
        return self.where[rows]

    @classmethod
    def from_values(cls, values: dict[str, list], where: list, unit: str, source: str) -> Located:
        """Columns of Python values (numbers, text, None; anything else becomes text) as raw text."""
        def text(v: object) -> str | None:
            return v if v is None or isinstance(v, str) else str(v)

        columns = {name: pa.chunked_array([pa.array([text(v) for v in vals], pa.string())])
                   for name, vals in values.items()}
        return cls(columns, np.asarray(where, dtype=np.int64 if unit != "text" else object), unit, source)


def parse_column_map(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """``'ts=time,hex=icao24'`` (or a mapping) -> ``{"ts": "time", "hex": "icao24"}``, targets checked.

    Examples
    --------
    >>> parse_column_map("ts=time, hex=icao24")
    {'ts': 'time', 'hex': 'icao24'}
    """
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


# -- value parsers -----------------------------------------------------------------------------

def _plain(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded values decoded; any other type left alone."""
    return arr.cast(arr.type.value_type) if pa.types.is_dictionary(arr.type) else arr


def _is_text(arr: pa.ChunkedArray) -> bool:
    return pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)


def parse_float(arr: pa.ChunkedArray) -> np.ndarray:
    """Numbers as float64; NaN where empty, malformed or not finite."""
    arr = _plain(arr)
    if pa.types.is_boolean(arr.type):
        return np.full(len(arr), np.nan)
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


def parse_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Text trimmed of spaces, empty -> null (numbers in Parquet become their text)."""
    arr = _plain(arr)
    if not _is_text(arr):
        arr = pc.cast(arr, pa.string())
    text = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)


def parse_bool(arr: pa.ChunkedArray) -> pd.arrays.BooleanArray:
    """Flags as a nullable boolean array: true/false, yes/no, 1/0 and SBS's -1 (true); else NA."""
    arr = _plain(arr)
    if pa.types.is_boolean(arr.type):
        return pd.array(arr.to_pandas(), dtype="boolean")
    if not _is_text(arr):
        numbers = parse_float(arr)
        out = pd.array(numbers != 0.0, dtype="boolean")
        out[np.isnan(numbers)] = pd.NA
        return out
    try:  # fast path: true/false/1/0 in any case
        return pd.array(pc.cast(pc.utf8_trim_whitespace(arr), pa.bool_()).to_pandas(), dtype="boolean")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
    true = pc.is_in(text, pa.array(["true", "t", "yes", "y", "1", "-1"])).to_numpy(zero_copy_only=False)
    false = pc.is_in(text, pa.array(["false", "f", "no", "n", "0"])).to_numpy(zero_copy_only=False)
    out = pd.array(true, dtype="boolean")
    out[~(true | false)] = pd.NA
    return out


def parse_times(arr: pa.ChunkedArray, name: str = "time") -> tuple[np.ndarray, np.ndarray]:
    """Times -> (int64 nanoseconds since 1970 UTC, valid mask).

    Numbers are epoch seconds (from 0, to the microsecond), or milliseconds when at least
    ``MILLIS_FROM``; text is such a number or ISO-8601 (naive = UTC; also Flightradar24's
    ``2024-01-02 07:41:03Z.515``); timestamps and dates are taken as they are (naive = UTC).
    Only times from 1950 to 2100 are valid.

    Raises
    ------
    TrackSchemaError
        When the column holds booleans: that is not a time column.
    """
    arr = _plain(arr)
    if pa.types.is_boolean(arr.type):
        raise TrackSchemaError(f"column {name!r} holds true/false values, not times")
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        ns, valid = _stamp_ns(arr)
    else:
        ns, valid = _epoch_ns(parse_float(arr))
        if _is_text(arr) and not valid.all():
            _parse_iso(arr, ns, valid)
    valid &= (ns >= EARLIEST_NS) & (ns < LATEST_NS)
    return ns, valid


def _stamp_ns(arr: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Arrow timestamps or dates -> ns, computed in integers so no year can overflow."""
    if pa.types.is_date32(arr.type):
        per_unit, values = 86_400 * 10**9, pc.cast(arr, pa.int32())
    elif pa.types.is_date64(arr.type):
        per_unit, values = 10**6, pc.cast(arr, pa.int64())
    else:
        per_unit = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}[arr.type.unit]
        values = pc.cast(arr, pa.int64())
    raw = np.asarray(pc.fill_null(pc.cast(values, pa.int64()), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    valid = pc.is_valid(values).to_numpy(zero_copy_only=False)
    valid &= (raw >= EARLIEST_NS // per_unit) & (raw < LATEST_NS // per_unit)
    return np.where(valid, raw, 0) * per_unit, valid


def _epoch_ns(seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    millis = (seconds >= MILLIS_FROM) & (seconds < MAX_EPOCH_S * 1000.0)
    if millis.any():
        seconds = np.where(millis, seconds / 1000.0, seconds)
    valid = (seconds >= 0.0) & (seconds < MAX_EPOCH_S)
    ns = np.zeros(len(seconds), dtype=np.int64)
    whole = np.floor(seconds[valid])  # float64 epochs carry ~0.2 us: keep whole microseconds
    ns[valid] = whole.astype(np.int64) * 1_000_000_000 + np.round((seconds[valid] - whole) * 1e6).astype(
        np.int64) * 1000
    return ns, valid


def _parse_iso(arr: pa.ChunkedArray, ns: np.ndarray, valid: np.ndarray) -> None:
    """Fill ``ns``/``valid`` in place for the rows of ``arr`` that are ISO-8601 text."""
    trimmed = pc.utf8_trim_whitespace(arr)
    iso = ~valid & pc.fill_null(pc.not_equal(trimmed, ""), False).to_numpy(zero_copy_only=False)
    if not iso.any():
        return
    text = pc.replace_substring_regex(trimmed.filter(pa.array(iso)), *ZULU_BEFORE_FRACTION)
    stamps = pd.to_datetime(pd.Series(text.to_pylist(), dtype="object"), utc=True, format="ISO8601",
                            errors="coerce")
    micros = stamps.dt.tz_localize(None).to_numpy().astype("datetime64[us]").view(np.int64)
    ok = stamps.notna().to_numpy() & (micros >= EARLIEST_NS // 1000) & (micros < LATEST_NS // 1000)
    rows = np.flatnonzero(iso)[ok]
    ns[rows] = micros[ok] * 1000
    valid[rows] = True


# -- which column is which ---------------------------------------------------------------------

@dataclass
class Resolved:
    """Track column -> candidate raw columns with a unit factor (per row the first valid wins),
    and what the column names revealed."""

    chosen: dict[str, list[tuple[str, float]]]
    dialect: str  # "", "opensky", "flightradar24", "flightradar24-api" or "traffic"
    no_position: str | None  # a column whose value ``no_position`` marks a row without position

    def first(self, target: str) -> str | None:
        """The first raw column for ``target``, if any."""
        return self.chosen[target][0][0] if target in self.chosen else None


def dialect_of(names: Sequence[str]) -> str:
    """What the column names reveal about the file's origin ("" when nothing in particular)."""
    lower = {n.strip().lower() for n in names}
    if lower >= OPENSKY:
        return "opensky"
    if lower >= FLIGHTRADAR24:
        return "flightradar24"
    if lower >= FLIGHTRADAR24_API:
        return "flightradar24-api"
    if lower >= TRAFFIC and lower & {"altitude", "geoaltitude", "groundspeed", "icao24"}:
        return "traffic"
    return ""


def split_position(raw: Located) -> Located:
    """Flightradar24's ``Position`` column ("lat,lon") split into ``lat`` and ``lon``."""
    by_lower = {n.strip().lower(): n for n in raw.columns}
    parts = pc.extract_regex(_plain(raw.columns[by_lower["position"]]), LAT_LON_RE)
    columns = {**raw.columns, "lat": pc.struct_field(parts, "lat"), "lon": pc.struct_field(parts, "lon")}
    return Located(columns, raw.where, raw.unit, raw.source)


def _dialect_names(dialect: str, by_lower: dict[str, str]) -> dict[str, str]:
    """Unit-bearing meanings of a dialect's column names (file column -> target)."""
    if dialect == "flightradar24":
        units = {"altitude": "alt_ft", "speed": "speed_kt", "direction": "heading_deg"}
    elif dialect == "flightradar24-api":
        units = {"alt": "alt_ft", "gspeed": "speed_kt", "track": "heading_deg"}
    elif dialect == "traffic":
        units = TRAFFIC_NAMES
    else:
        return {}
    return {by_lower[n]: t for n, t in units.items() if n in by_lower}


def resolve(names: Sequence[str], mapping: Mapping[str, str], source: str) -> Resolved:
    """Which raw column feeds which track column: the mapping, then the dialect, then aliases.

    Raises
    ------
    InputError
        When a mapped column is missing, or no time, latitude or longitude column is found.
    """
    by_lower: dict[str, str] = {}
    for name in names:
        by_lower.setdefault(name.strip().lower(), name)
    dialect = dialect_of(names)
    chosen: dict[str, list[tuple[str, float]]] = {}
    explicit: set[str] = set()
    for name, target in {**_dialect_names(dialect, by_lower), **mapping}.items():
        actual = name if name in names else by_lower.get(name.strip().lower())
        if actual is None:
            raise InputError(f"{source}: no column {name!r} to map to {target!r} "
                             f"(columns: {', '.join(names)})")
        base, factor = UNIT_TARGETS.get(target, (target, 1.0))
        chosen[base] = [(actual, factor)]
        explicit.add(base)
    taken = {c for cands in chosen.values() for c, _ in cands}
    for alias, target in ALIASES.items():
        base, factor = UNIT_TARGETS.get(target, (target, 1.0))
        actual = by_lower.get(alias)
        if actual is None or actual in taken or base in explicit or base in chosen:
            continue
        chosen[base] = [(actual, factor)]
        taken.add(actual)
    if dialect == "opensky" and "time" not in explicit:
        chosen["time"] = [(by_lower["lastposupdate"], 1.0)] + chosen.get("time", [])
    missing = [t for t in ("time", "lat", "lon") if t not in chosen]
    if missing:
        looked = {t: [a for a, v in ALIASES.items() if v == t] for t in missing}
        hint = "; ".join(f"{t}: {', '.join(a)}" for t, a in looked.items())
        raise InputError(f"{source}: no {', '.join(missing)} column (looked for {hint}); "
                         f"map one with --columns, e.g. 'mytime=time'")
    flag = next((by_lower[n] for n in NO_POSITION_COLUMNS if n in by_lower), None)
    return Resolved(chosen, dialect, flag)
