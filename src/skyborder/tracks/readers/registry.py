"""The one list of track formats: names, aliases, how each is told from its first bytes, its
reader, and (for the streamable ones) its incremental parser and feed URL schemes.

Files, ``-``, FIFOs (``sniff.read_batches``) and live feeds (``tracks.feeds``) all look formats
up here. Adding a format is one :class:`TrackFormat` entry plus its reader module. Formats are
tried for sniffing in the order listed (the most specific first, CSV last).

A reader is a function ``(source, bad, batch_rows, **options) -> Iterator[DataFrame]`` that
yields normalised track tables in file order (see ``sniff.read_batches``); its keyword
options are the options the format accepts.
"""
from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from ...errors import InputError
from ...sources import Source

__all__ = ["FORMATS", "Head", "TrackFormat", "feed_formats", "lookup", "schemes", "sniff_bytes"]

BatchReader = Callable[..., Iterator[pd.DataFrame]]

_GEOJSON_FEATURE = re.compile(rb'"type"\s*:\s*"Feature')
_AIRCRAFT_LIST = re.compile(rb'"aircraft"\s*:\s*\[')
_SBS_TYPES = (b"MSG,", b"SEL,", b"ID,", b"AIR,", b"STA,", b"CLK,")
_SBS_HEADER = re.compile(rb"^[\w ]+(,[\w ]+){9,}$")
_PLAIN_HEX_FRAME = re.compile(rb"^(?:[0-9A-Fa-f]{14}|[0-9A-Fa-f]{28});?\s*$")
_IGC_A_RECORD = re.compile(rb"^A[A-Z0-9]{3}")


@dataclass(frozen=True)
class Head:
    """The first bytes of an input, with the views sniffing needs."""

    raw: bytes

    @cached_property
    def text(self) -> bytes:
        """Without a UTF-8 BOM and leading white space."""
        return self.raw.lstrip(b"\xef\xbb\xbf \t\r\n")

    @cached_property
    def first(self) -> bytes:
        """The first line of ``text``, without its line break."""
        return self.text.split(b"\n", 1)[0].rstrip(b"\r")

    @cached_property
    def second(self) -> bytes:
        """The second line of ``text`` (empty if none)."""
        parts = self.text.split(b"\n", 2)
        return parts[1].strip() if len(parts) > 1 else b""


def _is_parquet(h: Head) -> bool:
    return h.raw[:4] == b"PAR1"


def _is_beast(h: Head) -> bool:
    return h.raw[:1] == b"\x1a" and h.raw[1:2] in (b"1", b"2", b"3", b"4")


def _is_geojson(h: Head) -> bool:
    return h.text[:1] in (b"{", b"[") and (b'"FeatureCollection"' in h.text or bool(_GEOJSON_FEATURE.search(h.text)))


def _is_trace(h: Head) -> bool:
    return h.text[:1] == b"{" and b'"trace"' in h.text and b'"icao"' in h.text


def _is_aircraft_json(h: Head) -> bool:
    return h.text[:1] == b"{" and b'"now"' in h.text and bool(_AIRCRAFT_LIST.search(h.text))


def _is_traffic_json(h: Head) -> bool:
    return h.text[:1] in (b"{", b"[") and b'"latitude"' in h.text and b'"timestamp"' in h.text


def _is_readsb_jsonl(h: Head) -> bool:
    return h.first[:1] == b"{" and b'"hex"' in h.first and b'"now"' in h.first and b'"lat"' in h.text


def _is_gpx(h: Head) -> bool:
    return h.text[:1] == b"<" and b"<gpx" in h.text.lower()


def _is_kml(h: Head) -> bool:
    return h.text[:1] == b"<" and b"<kml" in h.text.lower()


def _is_igc(h: Head) -> bool:
    return bool(_IGC_A_RECORD.match(h.first)) and (b"\nHFDTE" in h.text or b"\nB" in h.text)


def _is_sbs(h: Head) -> bool:
    with_header = bool(_SBS_HEADER.match(h.first)) and h.second.startswith(_SBS_TYPES)
    return h.text.startswith(_SBS_TYPES) or with_header


def _is_avr(h: Head) -> bool:
    return (h.text[:1] in (b"*", b"@") or (h.text[:1] == b"<" and h.first.rstrip().endswith(b";"))
            or bool(_PLAIN_HEX_FRAME.match(h.first)))


def _is_csv(h: Head) -> bool:
    return bool(h.text) and any(d in h.first for d in (b",", b";", b"\t"))


@dataclass(frozen=True)
class TrackFormat:
    """One track format.

    Attributes
    ----------
    name : str
        Its name (``--input-format``).
    summary : str
        What it is, in one line (for messages and the README).
    reader : str
        ``"module:function"`` of its batch reader, relative to ``skyborder.tracks.readers``.
    sniff : callable
        ``Head -> bool``: whether the first bytes look like this format.
    aliases : tuple of str
        Other names accepted for it.
    parser : str or None
        ``"module:Class"`` of its incremental ``StreamParser`` (live feeds), if it has one.
    schemes : tuple of str
        Feed URL schemes it is read from (``sbs://``).
    """

    name: str
    summary: str
    reader: str
    sniff: Callable[[Head], bool]
    aliases: tuple[str, ...] = ()
    parser: str | None = None
    schemes: tuple[str, ...] = ()

    def read(self) -> BatchReader:
        """The batch reader (imported now)."""
        return _load(self.reader)

    def parser_class(self) -> Callable[..., Any]:
        """The StreamParser class (imported now); InputError if the format has none."""
        if self.parser is None:
            raise InputError(f"the {self.name} format cannot be read as a live feed")
        return _load(self.parser)


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), attr)


FORMATS: tuple[TrackFormat, ...] = (
    TrackFormat("parquet", "Parquet track table (any column names the CSV reader knows)",
                "tabular:read_table_batches", _is_parquet),
    TrackFormat("beast", "Beast binary Mode S (0x1A framing, 12 MHz counters)", "modes:read_beast_batches",
                _is_beast, parser="modes:BeastParser", schemes=("beast",)),
    TrackFormat("geojson", "GeoJSON LineStrings with per-fix times, or timed Points", "geojson:read_geojson_batches",
                _is_geojson),
    TrackFormat("readsb-trace", "readsb globe-history trace_full_<hex>.json", "readsb:read_trace_batches",
                _is_trace, aliases=("trace", "globe-history")),
    TrackFormat("aircraft-json", "dump1090/readsb aircraft.json snapshots (a file or a folder)",
                "readsb:read_aircraft_json_batches", _is_aircraft_json,
                aliases=("aircraft.json", "readsb-json", "dump1090-json", "readsb")),
    TrackFormat("readsb-jsonl", "readsb JSON lines (--net-json-port): one aircraft object per line, with now",
                "readsb:read_jsonl_batches", _is_readsb_jsonl, aliases=("jsonl", "readsb-json-lines")),
    TrackFormat("traffic-json", "traffic's JSON records (DataFrame.to_json, records or lines)",
                "frames:read_traffic_json_batches", _is_traffic_json, aliases=("traffic",)),
    TrackFormat("gpx", "GPX 1.0/1.1 tracks", "gpx:read_gpx_batches", _is_gpx),
    TrackFormat("kml", "KML 2.2 gx:Track, timed LineString or timed Points", "kml:read_kml_batches", _is_kml),
    TrackFormat("igc", "IGC flight recorder file (B records: GNSS and pressure altitude)", "igc:read_igc_batches",
                _is_igc),
    TrackFormat("sbs", "SBS-1 BaseStation messages (port 30003), with or without a header line",
                "sbs:read_sbs_batches", _is_sbs, aliases=("basestation", "sbs1", "sbs-1"),
                parser="sbs:SbsParser", schemes=("sbs",)),
    TrackFormat("avr", "AVR Mode S text (*hex; @counter hex; <counter signal hex; plain hex)",
                "modes:read_avr_batches", _is_avr, parser="modes:AvrParser", schemes=("raw", "avr")),
    TrackFormat("csv", "CSV/TSV track table (also OpenSky state vectors, Flightradar24 exports, traffic)",
                "tabular:read_table_batches", _is_csv, aliases=("opensky", "tsv", "flightradar24", "fr24")),
)
_BY_NAME = {n: f for f in FORMATS for n in (f.name, *f.aliases)}


def lookup(name: str) -> TrackFormat:
    """The format called ``name`` (an alias, any case); InputError if unknown.

    Examples
    --------
    >>> lookup("BaseStation").name
    'sbs'
    """
    fmt = _BY_NAME.get(name.strip().lower())
    if fmt is None:
        raise InputError(f"unknown track format {name!r}; known: {', '.join(f.name for f in FORMATS)}")
    return fmt


def sniff_bytes(data: bytes) -> str | None:
    """The format of a stream from its first bytes, or None when it cannot be told.

    Examples
    --------
    >>> sniff_bytes(b"MSG,3,1,1,4CA2D6,1,2015/11/24,07:24:01.000,,,,,,,,,,,,,,")
    'sbs'
    """
    head = Head(data)
    return next((f.name for f in FORMATS if f.sniff(head)), None)


def sniff_source(source: Source) -> TrackFormat:
    """The format of an opened source from its peeked head (a folder: aircraft.json snapshots)."""
    if source.folder:
        return lookup("aircraft-json")
    name = sniff_bytes(source.head)
    if name is None:
        raise InputError(f"{source.name}: cannot tell the track format from the content; "
                         f"give one of {', '.join(f.name for f in FORMATS)} with --input-format")
    return lookup(name)


def feed_formats() -> tuple[TrackFormat, ...]:
    """The formats that can be read live (they have an incremental parser)."""
    return tuple(f for f in FORMATS if f.parser is not None)


def schemes() -> dict[str, TrackFormat]:
    """Feed URL scheme -> format (``sbs``, ``beast``, ``raw``, ``avr``)."""
    return {s: f for f in FORMATS for s in f.schemes}


def check_options(fmt: TrackFormat, reader: BatchReader, options: dict, source: str) -> None:
    """InputError when an option does not apply to the format's reader."""
    accepted = set(inspect.signature(reader).parameters) - {"source", "bad", "batch_rows"}
    if "columns" in options and "columns" not in accepted:
        raise InputError(f"{source}: a column mapping applies to CSV/Parquet, not {fmt.name}")
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InputError(f"{source}: option(s) {', '.join(unknown)} do not apply to the {fmt.name} reader")
