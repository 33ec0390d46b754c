"""One entry point for every track source: the format is told from the content, not the name.

Formats: ``csv`` (also OpenSky state vectors and Flightradar24 exports, gzip allowed), ``parquet``, ``sbs`` (SBS-1
BaseStation), ``aircraft-json`` (dump1090/readsb ``aircraft.json``, or a folder of snapshots),
``readsb-trace`` (readsb globe-history ``trace_full_*.json``), ``gpx``, ``kml``, ``geojson``, ``avr`` (raw
Mode S hex lines, with or without ``@``/``<`` timestamps) and ``beast`` (binary, 0x1A framing).
"""
from __future__ import annotations

import inspect
import os
import re
import zlib
from collections.abc import Callable, Mapping

import pandas as pd

from ...errors import BadInput, InputError

HEAD_BYTES = 64 * 1024
GEOJSON_FEATURE = re.compile(rb'"type"\s*:\s*"Feature"')
SBS_TYPES = (b"MSG,", b"SEL,", b"ID,", b"AIR,", b"STA,", b"CLK,")
PLAIN_HEX_FRAME = re.compile(rb"^(?:[0-9A-Fa-f]{14}|[0-9A-Fa-f]{28});?\s*$")
ALIASES = {"opensky": "csv", "tsv": "csv", "basestation": "sbs", "sbs1": "sbs", "sbs-1": "sbs",
           "aircraft.json": "aircraft-json", "readsb-json": "aircraft-json", "dump1090-json": "aircraft-json",
           "readsb": "aircraft-json", "trace": "readsb-trace", "globe-history": "readsb-trace"}


def _readers() -> dict[str, Callable[..., pd.DataFrame]]:
    from . import geojson, gpx, kml, modes, readsb, sbs, tabular

    return {"csv": tabular.read_table, "parquet": tabular.read_table, "sbs": sbs.read_sbs,
            "aircraft-json": readsb.read_aircraft_json, "readsb-trace": readsb.read_trace,
            "gpx": gpx.read_gpx, "kml": kml.read_kml, "geojson": geojson.read_geojson,
            "avr": modes.read_avr, "beast": modes.read_beast}


FORMATS = ("csv", "parquet", "sbs", "aircraft-json", "readsb-trace", "gpx", "kml", "geojson", "avr", "beast")


def head(path: str, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a file, gunzipped when it starts with the gzip magic."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(size)
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, size)
        except zlib.error as err:
            raise InputError(f"{path}: broken gzip data ({err})") from None
    return data


def sniff_bytes(data: bytes) -> str | None:
    """The format of a stream from its first bytes, or None when it cannot be told."""
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:1] == b"\x1a" and data[1:2] in (b"1", b"2", b"3", b"4"):
        return "beast"
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    first = text.split(b"\n", 1)[0]
    if text[:1] in (b"{", b"["):
        if b'"FeatureCollection"' in text or GEOJSON_FEATURE.search(text):
            return "geojson"
        if b'"trace"' in text and b'"icao"' in text:
            return "readsb-trace"
        if b'"aircraft"' in text and b'"now"' in text:
            return "aircraft-json"
    elif text[:1] == b"<" and not first.rstrip().endswith(b";"):
        lower = text.lower()
        if b"<gpx" in lower:
            return "gpx"
        if b"<kml" in lower:
            return "kml"
    elif text.startswith(SBS_TYPES):
        return "sbs"
    elif text[:1] in (b"*", b"@", b"<") or PLAIN_HEX_FRAME.match(first):
        return "avr"
    elif text and any(d in first for d in (b",", b";", b"\t")):
        return "csv"
    return None


def sniff(path: str) -> str:
    """The format of ``path`` from its first bytes (a folder: aircraft.json snapshots)."""
    if os.path.isdir(path):
        return "aircraft-json"
    fmt = sniff_bytes(head(path))
    if fmt is not None:
        return fmt
    raise InputError(f"{path}: cannot tell the track format from the content; "
                     f"give one of {', '.join(FORMATS)} with --input-format")


def read_tracks(path: str, input_format: str | None = None, bad: BadInput | None = None,
                columns: Mapping[str, str] | str | None = None, **options) -> pd.DataFrame:
    """Read any supported track source into the track table (see ``tracks.schema``).

    ``input_format`` forces a format instead of sniffing; ``columns`` maps CSV/Parquet columns
    (``"ts=time,hex=icao24"``); ``options`` go to the reader (e.g. ``tz="Europe/Berlin"`` for SBS).
    """
    bad = bad if bad is not None else BadInput()
    fmt = input_format.strip().lower() if input_format else sniff(path)
    fmt = ALIASES.get(fmt, fmt)
    readers = _readers()
    if fmt not in readers:
        raise InputError(f"unknown track format {input_format!r}; known: {', '.join(FORMATS)}")
    if columns is not None:
        if fmt not in ("csv", "parquet"):
            raise InputError(f"{path}: a column mapping applies to CSV/Parquet, not {fmt}")
        options["columns"] = columns
    reader = readers[fmt]
    unknown = sorted(set(options) - set(inspect.signature(reader).parameters))
    if unknown:
        raise InputError(f"{path}: option(s) {', '.join(unknown)} do not apply to the {fmt} reader")
    return reader(path, bad=bad, **options)


def summary(tracks: pd.DataFrame) -> str:
    """One line about a table a reader returned: fixes, tracks, and what reading tidied up."""
    stats = tracks.attrs.get("read_stats", {})
    notes = [f"{stats[key]} {label}" for key, label in (("duplicates", "repeated fixes dropped"),
                                                        ("out_of_order", "fixes out of time order sorted"))
             if stats.get(key)]
    text = f"{len(tracks)} fixes in {tracks['track_id'].nunique()} tracks"
    return f"{text} ({', '.join(notes)})" if notes else text
