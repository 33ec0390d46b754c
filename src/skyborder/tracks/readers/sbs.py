"""SBS-1 BaseStation messages (dump1090 ``--net-sbs-port``, port 30003) -> fixes.

A line has 22 comma-separated fields: 1 message type (``MSG``; ``SEL``/``ID``/``AIR``/``STA``/``CLK``
are skipped), 2 transmission type 1-8, 5 hex ident, 7-8 date/time generated (9-10 logged, used
when 7-8 are empty), 11 callsign, 12 altitude (ft, barometric: Mode C/S altitude), 13 ground
speed (kt), 14 track (deg), 15-16 lat/lon, 18 squawk, 22 on ground (``-1`` or ``1`` true, ``0``
false). ``MSG,3`` (airborne position) and ``MSG,2`` (surface position, on the ground) make fixes;
a fix carries the latest altitude, speed, track, callsign, squawk and ground flag any message of
that aircraft gave before it (file order). A position message with empty lat/lon (dump1090
sends them before a CPR pair resolves) is skipped quietly. A first line that is a CSV header
(``message_type,transmission_type,...``, as SBS loggers write) is skipped.

Times are local to the receiver's clock: UTC by default; ``tz="Europe/Berlin"`` for feeders that
write local time (dump1090-fa does). Parsing is vectorised per block of lines (pyarrow), the same
code for files and sockets (``SbsParser`` implements ``stream.StreamParser``).
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import BadInput, InputError
from ...sources import Source
from ...units import FOOT_M, KNOT_MPS
from .columns import Located, parse_float, parse_text
from .delimited import read_delimited
from .fixes import finish_table
from .stream import MAX_LINE_BYTES, LineBlock, LineCutter

__all__ = ["Groups", "SbsParser", "read_sbs", "read_sbs_batches"]

NAMES = ("message", "transmission", "session", "aircraft", "hex", "flight", "date_gen", "time_gen",
         "date_log", "time_log", "callsign", "alt_ft", "gs_kt", "track_deg", "lat", "lon", "vrate_fpm",
         "squawk", "alert", "emergency", "spi", "on_ground")
OTHER_TYPES = ("SEL", "ID", "AIR", "STA", "CLK")
CARRIED_FLOAT = ("alt_m", "speed_mps", "heading_deg", "ground")
CARRIED_TEXT = ("callsign", "squawk")
USED = ("message", "transmission", "hex", "date_gen", "time_gen", "date_log", "time_log", "callsign", "alt_ft",
        "gs_kt", "track_deg", "lat", "lon", "squawk", "on_ground")
HEX_RE = r"^~?[0-9a-f]{6}$"  # '~' marks a non-ICAO (TIS-B) address
POSITION_TYPES = (2.0, 3.0)  # MSG,2 surface position, MSG,3 airborne position
SURFACE = 2.0
HEADER = re.compile(rb"^\s*[A-Za-z_][\w ]*(,[\w ]*){9,}\s*$")  # a CSV header line, not a message
BLOCK_BYTES = 8 << 20  # of text per parse: pyarrow still runs 8 of its 1 MB blocks in parallel


def _other_message(text: str) -> bool:
    """Lines of the non-MSG types have fewer fields; they are not errors."""
    return text.split(",", 1)[0].strip() in OTHER_TYPES or not text.strip()


class Groups:
    """Rows grouped by an integer code (stable), for vectorised per-group forward fills."""

    def __init__(self, codes: np.ndarray) -> None:
        small = codes.astype(np.int16) if len(codes) and codes.max() < 1 << 15 else codes  # radix sort
        self.order = np.argsort(small, kind="stable")
        grouped = codes[self.order]
        n = len(codes)
        starts = np.r_[0, np.flatnonzero(grouped[1:] != grouped[:-1]) + 1] if n else np.zeros(0, np.int64)
        ends = np.r_[starts[1:], n].astype(np.int64) if n else starts
        self.group_start = np.repeat(starts, ends - starts)
        self.codes = grouped[starts]  # one per group
        self.last_rows = self.order[ends - 1]  # the last row of each group

    def last_valid_index(self, valid: np.ndarray) -> np.ndarray:
        """For each row, the latest row at or before it in its group whose value is valid (-1: none)."""
        order = self.order
        if not len(order):
            return np.zeros(0, dtype=np.int64)
        latest = np.maximum.accumulate(np.where(valid[order], np.arange(len(order)), -1))
        out = np.empty(len(order), dtype=np.int64)
        out[order] = np.where(latest >= self.group_start, order[np.maximum(latest, 0)], -1)
        return out


class SbsParser:
    """Incremental SBS parser: ``feed`` bytes as they come, get the fixes they complete."""

    def __init__(self, source: str = "sbs", bad: BadInput | None = None, tz: str = "UTC") -> None:
        self.source = source
        self.bad = bad if bad is not None else BadInput()
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"unknown time zone {tz!r} (use an IANA name such as 'Europe/Berlin')") from None
        self._cutter = LineCutter(source, self.bad, MAX_LINE_BYTES)
        self._started = False
        self._state = pd.DataFrame({c: pd.Series(dtype="float64") for c in CARRIED_FLOAT}
                                   | {c: pd.Series(dtype="object") for c in CARRIED_TEXT})

    def feed(self, chunk: bytes) -> list[dict]:
        return self.feed_frame(chunk).to_dict("records")

    def flush(self) -> list[dict]:
        return self.flush_frame().to_dict("records")

    def feed_frame(self, chunk: bytes) -> pd.DataFrame:
        """Like ``feed`` but returns the fixes as a DataFrame (the fast path for files)."""
        block = self._cutter.feed(chunk)
        return self._parse(block) if block is not None else pd.DataFrame()

    def flush_frame(self) -> pd.DataFrame:
        block = self._cutter.flush()
        return self._parse(block) if block is not None else pd.DataFrame()

    def _parse(self, block: LineBlock) -> pd.DataFrame:
        if not self._started:
            self._started = True
            block = _without_header(block)
        if not block.data:
            return pd.DataFrame()
        raw = read_delimited(block, self.source, self.bad, names=NAMES, quoted=False,
                             silent_short=_other_message, keep=USED)
        return self._fixes(raw)

    def _report(self, raw: Located, rows: np.ndarray, reason, kind: str) -> None:
        for i in rows.tolist():
            self.bad.report(self.source, raw.at(i), reason(i), kind=kind)

    def _fixes(self, raw: Located) -> pd.DataFrame:
        col = raw.columns
        kind = pc.utf8_trim_whitespace(col["message"])
        is_msg = pc.fill_null(pc.equal(kind, "MSG"), False).to_numpy(zero_copy_only=False)
        known = pc.fill_null(pc.is_in(kind, pa.array(OTHER_TYPES)), True).to_numpy(zero_copy_only=False)
        kinds = kind.to_pylist() if (~is_msg & ~known).any() else []
        self._report(raw, np.flatnonzero(~is_msg & ~known), lambda i: f"unknown message type {kinds[i]!r}",
                     "unknown message type")
        hexes = pc.utf8_lower(pc.utf8_trim_whitespace(col["hex"]))
        hex_ok = pc.fill_null(pc.match_substring_regex(hexes, HEX_RE), False).to_numpy(zero_copy_only=False)
        transmission = parse_float(col["transmission"])
        tt_ok = np.isin(transmission, np.arange(1.0, 9.0))
        self._report(raw, np.flatnonzero(is_msg & ~tt_ok), lambda i: "transmission type not 1-8",
                     "bad transmission type")
        self._report(raw, np.flatnonzero(is_msg & tt_ok & ~hex_ok), lambda i: "hex ident not 6 hex digits",
                     "bad hex ident")
        rows = np.flatnonzero(is_msg & tt_ok & hex_ok)
        every = len(rows) == len(is_msg)

        def used(name: str, source=None) -> pa.ChunkedArray:
            arr = col[name] if source is None else source
            return arr if every else arr.take(pa.array(rows))

        hexes = used("hex", hexes)
        kinds = transmission[rows]
        position = np.isin(kinds, POSITION_TYPES)
        ground = np.abs(parse_float(used("on_ground")))  # -1 (BaseStation) or 1: true
        ground[kinds == SURFACE] = 1.0  # a surface position is on the ground whatever the flag says
        carried = {"alt_m": parse_float(used("alt_ft")) * FOOT_M,
                   "speed_mps": parse_float(used("gs_kt")) * KNOT_MPS,
                   "heading_deg": parse_float(used("track_deg")),
                   "ground": ground,
                   "callsign": parse_text(used("callsign")).to_numpy(zero_copy_only=False),
                   "squawk": parse_text(used("squawk")).to_numpy(zero_copy_only=False)}
        carried = self._carry(hexes, carried)
        pos = np.flatnonzero(position)
        fix_rows = rows[pos]
        pick = pa.array(fix_rows)
        lat, lon = parse_float(col["lat"].take(pick)), parse_float(col["lon"].take(pick))
        time = self._times(col, pick)
        ok_time = time.notna().to_numpy()
        ok_pos = (np.abs(lat) <= 90.0) & (np.abs(lon) <= 180.0)  # NaN compares False
        unresolved = (pc.is_null(col["lat"].take(pick)).to_numpy(zero_copy_only=False)
                      & pc.is_null(col["lon"].take(pick)).to_numpy(zero_copy_only=False))
        self._report(raw, fix_rows[~ok_time & ~unresolved], lambda i: "bad or ambiguous date/time", "bad time")
        self._report(raw, fix_rows[ok_time & ~ok_pos & ~unresolved], lambda i: "position missing or out of range",
                     "bad position")
        keep = ok_time & ok_pos
        hex_fix = hexes.take(pa.array(pos[keep]))
        icao = pc.if_else(pc.starts_with(hex_fix, "~"), pa.scalar(None, pa.string()), hex_fix)
        on_ground = pd.array(carried["ground"][pos[keep]] > 0.5, dtype="boolean")
        on_ground[np.isnan(carried["ground"][pos[keep]])] = pd.NA
        return pd.DataFrame({
            "time": time[keep].reset_index(drop=True),
            "track_id": hex_fix.to_pandas(), "icao24": icao.to_pandas(),
            "lat": lat[keep], "lon": lon[keep],
            **{c: carried[c][pos[keep]] for c in CARRIED_FLOAT if c != "ground"},
            **{c: _text_array(carried[c][pos[keep]]) for c in CARRIED_TEXT},
            "on_ground": on_ground,
            "where": raw.where[fix_rows[keep]],
            "source": self.source,
        })

    def _carry(self, hexes: pa.ChunkedArray, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Forward-fill each carried field per aircraft, starting from what earlier blocks left."""
        state = self._state
        keys = pa.chunked_array([pa.array(state.index.to_numpy(dtype=object), pa.string())] + hexes.chunks,
                                pa.string()).combine_chunks().dictionary_encode()
        codes, uniques = keys.indices.to_numpy(zero_copy_only=False), keys.dictionary.to_pylist()
        n_state = len(state)
        groups = Groups(codes)
        filled: dict[str, np.ndarray] = {}
        for name, new in values.items():
            column = np.concatenate([state[name].to_numpy(dtype=new.dtype), new])
            idx = groups.last_valid_index(~pd.isna(column))
            missing = np.nan if column.dtype.kind == "f" else None
            filled[name] = np.asarray(np.where(idx >= 0, column[np.maximum(idx, 0)], missing))
        self._state = pd.DataFrame({name: filled[name][groups.last_rows] for name in values},
                                   index=pd.Index([uniques[c] for c in groups.codes.tolist()]))
        return {name: column[n_state:] for name, column in filled.items()}

    def _times(self, col: dict[str, pa.ChunkedArray], pick: pa.Array) -> pd.Series:
        """Generated date/time (logged if empty) in the receiver's zone -> UTC; NaT if bad/ambiguous."""
        def either(generated: str, logged: str) -> pa.ChunkedArray:
            gen = col[generated].take(pick)
            return pc.coalesce(gen, col[logged].take(pick)) if gen.null_count else gen

        date, clock = either("date_gen", "date_log"), either("time_gen", "time_log")
        text = pd.Series(pc.binary_join_element_wise(date, clock, " ").to_pandas(), dtype=object)
        local = pd.to_datetime(text, format="%Y/%m/%d %H:%M:%S.%f", errors="coerce")
        whole = local.isna() & text.notna()
        if whole.any():  # some feeders omit the fraction of a second
            local[whole] = pd.to_datetime(text[whole], format="%Y/%m/%d %H:%M:%S", errors="coerce")
        stamped = local.dt.tz_localize(self.tz, ambiguous="NaT", nonexistent="NaT")
        return stamped.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")


def _text_array(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Carried text (an object array with None or NaN where unknown) as a string array, via Arrow."""
    return pd.array(pa.array(values, pa.string(), from_pandas=True), dtype="string")


def _without_header(block: LineBlock) -> LineBlock:
    """The block without its first line when that line is a CSV header, not a message."""
    end = block.data.find(b"\n")
    first = block.data if end < 0 else block.data[:end]
    if first.startswith((b"MSG,", *[t.encode() + b"," for t in OTHER_TYPES])) or not HEADER.match(first):
        return block
    return LineBlock(block.data[len(first):], block.first_line, block.blanked | {block.first_line})


def read_sbs_batches(source: Source, bad: BadInput, batch_rows: int = 1_000_000,
                     tz: str = "UTC") -> Iterator[pd.DataFrame]:
    """SBS-1 text (or gzip of it) as track tables of about ``batch_rows`` fixes each.

    ``tz``: the zone of its clock times (an IANA name).
    """
    parser = SbsParser(source.name, bad, tz)
    frames: list[pd.DataFrame] = []
    held = 0
    for chunk in source.blocks(BLOCK_BYTES):
        frame = parser.feed_frame(chunk)
        frames.append(frame)
        held += len(frame)
        if held >= batch_rows:
            yield _finish(frames, source.name, bad)
            frames, held = [], 0
    frames.append(parser.flush_frame())
    yield _finish(frames, source.name, bad)


def _finish(frames: list[pd.DataFrame], source: str, bad: BadInput) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, ignore_index=True).drop(columns="source")
    where = table.pop("where").to_numpy()
    return finish_table(table, source, bad, where=where, label=os.path.basename(source))


def read_sbs(path: str, bad: BadInput | None = None, tz: str = "UTC") -> pd.DataFrame:
    """An SBS-1 file (or gzip of one) -> the track table. ``tz``: the zone of its clock times."""
    from .sniff import read_tracks

    return read_tracks(path, "sbs", bad, tz=tz)
