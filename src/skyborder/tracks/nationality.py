"""Who an aircraft belongs to: State of registry, operator and a military flag.

* State of registry comes from the 24-bit ICAO address and the allocation blocks of ICAO
  Annex 10 Vol. III, Chapter 9 (``data/icao24_allocations.csv``).
* The operator is the ICAO three-letter designator at the start of an airline-style callsign
  (three letters then a digit: ``THY6CJ`` -> ``THY``), named from a small curated table
  (``data/airlines.csv``, not the full ICAO Doc 8585 register).
* ``military`` is true when the address lies in a known military block
  (``data/military_blocks.csv``) or the callsign has a known military prefix followed by a digit
  (``data/military_callsigns.csv``); ``military_rule`` says which rule(s) fired, e.g.
  ``"icao-block:USA-military"`` or ``"callsign:RCH"``. Absence of the flag proves nothing:
  most States (the Russian Federation among them) publish no military blocks, and military
  aircraft often fly with transponder addresses or callsigns that look civil.

Lookups are vectorised: addresses are parsed with a byte lookup table and located with
``np.searchsorted`` over the sorted block starts; tables are annotated per unique value.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_DATA = files("skyborder.tracks") / "data"

_NIBBLE = np.full(256, -1, dtype=np.int64)
for _value, _char in enumerate("0123456789abcdef"):
    _NIBBLE[ord(_char)] = _NIBBLE[ord(_char.upper())] = _value
_SHIFTS = np.array([20, 16, 12, 8, 4, 0], dtype=np.int64)


def _read_table(name: str) -> pd.DataFrame:
    with (_DATA / name).open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, comment="#", dtype=str, keep_default_na=False)


@dataclass(frozen=True)
class _Blocks:
    """Disjoint inclusive address ranges sorted by start, with one label array per column."""

    starts: np.ndarray
    ends: np.ndarray
    labels: dict[str, np.ndarray]

    @classmethod
    def from_table(cls, table: pd.DataFrame, label_columns: Iterable[str]) -> _Blocks:
        table = table.assign(_start=table["start_hex"].map(lambda h: int(h, 16)),
                             _end=table["end_hex"].map(lambda h: int(h, 16))).sort_values("_start")
        starts = table["_start"].to_numpy(np.int64)
        ends = table["_end"].to_numpy(np.int64)
        if np.any(ends < starts) or np.any(starts[1:] <= ends[:-1]):
            raise ValueError("address blocks must be non-empty and disjoint")
        labels = {c: np.array([v or None for v in table[c]], dtype=object) for c in label_columns}
        return cls(starts, ends, labels)

    def locate(self, addresses: np.ndarray) -> np.ndarray:
        """Index of the block holding each address, or -1 (also for invalid addresses < 0)."""
        idx = np.searchsorted(self.starts, addresses, side="right") - 1
        safe = np.clip(idx, 0, None)
        inside = (addresses >= 0) & (idx >= 0) & (addresses <= self.ends[safe])
        return np.where(inside, idx, -1)

    def label(self, column: str, idx: np.ndarray) -> np.ndarray:
        """The label of each located block, None where ``idx`` is -1."""
        values = self.labels[column][np.clip(idx, 0, None)]
        values[idx < 0] = None
        return values


@lru_cache(maxsize=1)
def _allocations() -> _Blocks:
    return _Blocks.from_table(_read_table("icao24_allocations.csv"), ("iso3", "state"))


@lru_cache(maxsize=1)
def _military_blocks() -> _Blocks:
    return _Blocks.from_table(_read_table("military_blocks.csv"), ("iso3",))


@lru_cache(maxsize=1)
def _operator_names() -> dict[str, str]:
    """Designator -> name: the airline table, plus the three-letter military prefixes."""
    military = _read_table("military_callsigns.csv")
    military = military[military["prefix"].str.len() == 3]
    airlines = _read_table("airlines.csv")
    names = dict(zip(military["prefix"], military["name"]))
    names.update(zip(airlines["designator"], airlines["name"]))
    return names


@lru_cache(maxsize=1)
def _military_callsign_pattern() -> re.Pattern:
    prefixes = sorted(_read_table("military_callsigns.csv")["prefix"], key=len, reverse=True)
    return re.compile(r"^(" + "|".join(map(re.escape, prefixes)) + r")\d")


def _as_strings(values: Iterable) -> pd.Series:
    """Any array-like of str/None/NA as a pandas string Series with a fresh 0..n-1 index."""
    return pd.Series(np.asarray(values, dtype=object), dtype="string")


def icao24_to_int(icao24: Iterable) -> np.ndarray:
    """24-bit addresses as int64; -1 where a value is not exactly six hex digits (e.g. ``~``-prefixed
    non-ICAO TIS-B addresses, missing values)."""
    text = _as_strings(icao24).str.strip()
    valid = (text.str.len() == 6).fillna(False).to_numpy(bool)
    padded = text.where(valid, "xxxxxx")
    raw = np.frombuffer("".join(padded.tolist()).encode("ascii", errors="replace"), dtype=np.uint8)
    nibbles = _NIBBLE[raw.reshape(-1, 6)] if raw.size else np.zeros((0, 6), np.int64)
    valid &= (nibbles >= 0).all(axis=1)
    return np.where(valid, (nibbles << _SHIFTS).sum(axis=1), -1)


def state_of_registry(icao24: Iterable) -> tuple[np.ndarray, np.ndarray]:
    """ISO alpha-3 code and State name for each address (object arrays, None when unallocated,
    an ICAO-reserved block without a State, or not a valid address)."""
    blocks = _allocations()
    idx = blocks.locate(icao24_to_int(icao24))
    return blocks.label("iso3", idx), blocks.label("state", idx)


def military_block(icao24: Iterable) -> np.ndarray:
    """``"icao-block:<ISO3>-military"`` for addresses in a known military block, else None."""
    blocks = _military_blocks()
    iso3 = blocks.label("iso3", blocks.locate(icao24_to_int(icao24)))
    rules = "icao-block:" + pd.Series(iso3, dtype="string") + "-military"
    return _none_for_na(rules)


def callsign_fields(callsigns: Iterable) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per callsign: ICAO designator (three letters then a digit), its name when known, and the
    military rule (``"callsign:<PREFIX>"``) when a military prefix is followed by a digit."""
    text = _as_strings(callsigns).str.strip().str.upper()
    designator = text.str.extract(r"^([A-Z]{3})\d", expand=False)
    names = designator.map(_operator_names(), na_action="ignore")
    prefix = text.str.extract(_military_callsign_pattern(), expand=False)
    return _none_for_na(designator), _none_for_na(names), _none_for_na("callsign:" + prefix)


def _none_for_na(values: pd.Series) -> np.ndarray:
    """A Series as an object array with None for every missing value."""
    out = values.astype(object).to_numpy(copy=True)
    out[pd.isna(out)] = None
    return out


def annotate(tracks: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``tracks`` with ``country`` (ISO alpha-3), ``country_name``, ``operator``
    (ICAO designator), ``operator_name``, ``military`` (bool) and ``military_rule``
    (``;``-joined rules that fired). Missing ``icao24``/``callsign`` columns give empty values.

    Each lookup runs once per distinct address / callsign and is spread to the rows by index."""
    return tracks.assign(**_fields(tracks))


def with_track_columns(tracks: pd.DataFrame) -> pd.DataFrame:
    """``tracks`` with the nationality columns of the track schema (``country``, ``operator``,
    ``military``) set in place, from ``icao24`` and ``callsign`` (see :func:`annotate`).

    Each lookup runs once per distinct value, and values are factorized by runs (a track table
    is sorted by track), so a million fixes take tens of milliseconds.

    Examples
    --------
    >>> import pandas as pd
    >>> t = with_track_columns(pd.DataFrame({"icao24": ["4ba9c4"], "callsign": ["THY6CJ"]}))
    >>> t[["country", "operator", "military"]].values.tolist()
    [['TUR', 'THY', False]]
    """
    n = len(tracks)
    military = np.zeros(n, dtype=bool)
    country = operator = pd.array(np.full(n, None, dtype=object), dtype="string")
    if "icao24" in tracks:
        codes, uniques = _factorize(tracks["icao24"])
        iso3, _ = state_of_registry(uniques)
        country = _take(iso3, codes)
        military |= _flags(military_block(uniques), codes)
    if "callsign" in tracks:
        codes, uniques = _factorize(tracks["callsign"])
        designator, _, rule = callsign_fields(uniques)
        operator = _take(designator, codes)
        military |= _flags(rule, codes)
    tracks["country"] = country
    tracks["operator"] = operator
    tracks["military"] = pd.array(military, dtype="boolean")
    return tracks


def _flags(per_unique: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per-row: the per-unique value is present (False for a missing key)."""
    present = np.append(pd.notna(per_unique), False)
    return present[np.where(codes >= 0, codes, len(present) - 1)]


def _take(per_unique: np.ndarray, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Per-row text from per-unique values (missing where the value or the key is), in Arrow."""
    table = pa.array(list(per_unique), pa.string())
    return pd.array(table.take(pa.array(codes, mask=codes < 0)), dtype="string")


def _factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) like ``pd.factorize`` (code -1 for a missing value). A track table is
    sorted by track, so its addresses and callsigns come in runs: only the first value of each
    run is hashed (Arrow's dictionary encoding), and the runs are found by one vectorised
    comparison of neighbours."""
    arrow = pa.array(values.array, from_pandas=True)
    if not pa.types.is_string(arrow.type) and not pa.types.is_large_string(arrow.type):
        arrow = pa.array(values.astype("string").array, from_pandas=True)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    n = len(arrow)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.array([], dtype=object)
    starts = np.ones(n, dtype=bool)
    changed = pc.not_equal(arrow[1:], arrow[:-1])
    nulls = arrow.is_null().to_numpy(zero_copy_only=False)
    starts[1:] = pc.fill_null(changed, True).to_numpy(zero_copy_only=False)
    starts[1:] |= nulls[1:] != nulls[:-1]
    heads = np.flatnonzero(starts)
    encoded = pc.dictionary_encode(arrow.take(pa.array(heads)))
    head_codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    codes = np.repeat(head_codes, np.diff(np.r_[heads, n]))
    return codes, encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)


def _fields(tracks: pd.DataFrame) -> dict[str, object]:
    no_keys = (np.full(len(tracks), -1), np.array([], dtype=object))
    codes, uniques = _factorize(tracks["icao24"]) if "icao24" in tracks else no_keys
    iso3, state = state_of_registry(uniques)
    by_address = (iso3, state, military_block(uniques))
    country, country_name, block_rule = (_spread(v, codes) for v in by_address)
    codes, uniques = _factorize(tracks["callsign"]) if "callsign" in tracks else no_keys
    operator, operator_name, callsign_rule = (_spread(v, codes) for v in callsign_fields(uniques))
    rules = _join_rules(block_rule, callsign_rule)
    return {"country": country, "country_name": country_name, "operator": operator,
            "operator_name": operator_name, "military": ~rules.isna(),
            "military_rule": rules}


def _spread(values: np.ndarray, codes: np.ndarray) -> pd.arrays.StringArray:
    """Per-key values taken row by row as a string array (code -1, a missing key, gives NA)."""
    return pd.array(values, dtype="string").take(codes, allow_fill=True)


def _join_rules(first: pd.arrays.StringArray, second: pd.arrays.StringArray) -> pd.arrays.StringArray:
    """Element-wise ``"a;b"``, or whichever of the two is present, or NA."""
    a, b = pd.Series(first), pd.Series(second)
    return (a + ";" + b).fillna(a).fillna(b).array
