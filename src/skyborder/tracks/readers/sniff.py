"""One entry point for every track source: the format is told from the content, not the name.

:func:`read_batches` streams any source (a file, a folder of snapshots, ``-`` for standard
input, a FIFO, a pandas or GeoPandas DataFrame) as track-table batches with bounded memory;
:func:`read_tracks` is their concatenation. The input is opened once: its first bytes are
peeked to tell the format (see ``registry`` for the list) and then read on, so pipes and FIFOs
work like files. Every batch carries the nationality columns (``country``, ``operator``,
``military``) worked out from the ICAO address and the callsign.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from ...errors import BadInput, InputError
from ...sources import open_source
from .. import schema
from ..nationality import with_track_columns
from .registry import FORMATS, check_options, lookup, sniff_source

__all__ = ["FORMATS", "read_batches", "read_tracks", "sniff", "summary"]

TrackInput: TypeAlias = str | os.PathLike | pd.DataFrame


def read_batches(path: TrackInput, input_format: str | None = None, bad: BadInput | None = None,
                 columns: Mapping[str, str] | str | None = None, batch_rows: int = 1_000_000,
                 **options: Any) -> Iterator[pd.DataFrame]:
    """Track-table batches of any track source, in file order, with bounded memory.

    Parameters
    ----------
    path : str, path-like or DataFrame
        A file (plain or gzip), a folder of aircraft.json snapshots, ``-`` for standard input,
        a FIFO, or a pandas/GeoPandas DataFrame (see ``frames.tracks_from_frame``).
    input_format : str, optional
        Forces a format (a name or alias of ``registry.FORMATS``) instead of sniffing.
    bad : BadInput, optional
        Receives every rejected line, frame or record (file and line or byte offset).
    columns : mapping or str, optional
        CSV/Parquet/DataFrame column mapping, e.g. ``"ts=time,hex=icao24"``.
    batch_rows : int
        About how many input rows make one batch (CSV, Parquet, SBS, AVR, Beast, JSON lines);
        a format read as one document yields one batch.
    **options
        Reader options, e.g. ``tz="Europe/Berlin"`` (SBS), ``start_time=...`` (AVR/Beast).

    Yields
    ------
    DataFrame
        Normalised track tables (``tracks.schema``), each sorted by track then time, with
        ``attrs["read_stats"]``. Empty batches are not yielded.

    Raises
    ------
    InputError
        When the input cannot be read at all (missing, unknown format, unusable columns).
    """
    bad = bad if bad is not None else BadInput()
    if batch_rows < 1:
        raise InputError("batch_rows must be at least 1")
    if isinstance(path, pd.DataFrame):
        from .frames import tracks_from_frame

        if options:
            raise InputError(f"option(s) {', '.join(sorted(options))} do not apply to a DataFrame")
        table = tracks_from_frame(path, columns=columns, bad=bad)
        if len(table):
            yield with_track_columns(table)
        return
    if columns is not None:
        options["columns"] = columns
    with open_source(path, bad) as source:
        fmt = lookup(input_format) if input_format else sniff_source(source)
        reader = fmt.read()
        check_options(fmt, reader, options, source.name)
        for batch in reader(source, bad=bad, batch_rows=batch_rows, **options):
            if len(batch):
                yield with_track_columns(batch)


def read_tracks(path: TrackInput, input_format: str | None = None, bad: BadInput | None = None,
                columns: Mapping[str, str] | str | None = None, **options: Any) -> pd.DataFrame:
    """Read any supported track source into the track table (see ``tracks.schema``).

    The concatenation of :func:`read_batches` (same parameters); fixes repeated across batches
    are dropped (counted in ``attrs["read_stats"]["duplicates"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"timestamp": ["2015-11-24T07:24:00Z"], "icao24": ["4BA9C4"],
    ...                       "latitude": [36.0], "longitude": [35.9], "altitude": [19000.0]})
    >>> read_tracks(frame)[["track_id", "alt_m", "country"]].round(1).values.tolist()
    [['4ba9c4', 5791.2, 'TUR']]
    """
    batches = list(read_batches(path, input_format, bad, columns, **options))
    if not batches:
        return with_track_columns(_empty_with_stats())
    if len(batches) == 1:
        return batches[0]
    return _merge(batches)


def _empty_with_stats() -> pd.DataFrame:
    table = schema.empty()
    table.attrs["read_stats"] = {"rows": 0, "fixes": 0, "duplicates": 0, "out_of_order": 0}
    return table


def _merge(batches: list[pd.DataFrame]) -> pd.DataFrame:
    """Batches as one table, sorted by track then time, repeats across batches dropped."""
    stats: Counter = Counter()
    for batch in batches:
        stats.update(batch.attrs.get("read_stats", {}))
    table = pd.concat(batches, ignore_index=True)
    codes, _ = pd.factorize(table["track_id"], sort=True)
    ns = table["time"].array.asi8
    order = np.lexsort((ns, codes))
    dup = np.zeros(len(order), dtype=bool)
    dup[1:] = (codes[order][1:] == codes[order][:-1]) & (ns[order][1:] == ns[order][:-1])
    out = table.iloc[order[~dup]].reset_index(drop=True)
    stats["duplicates"] += int(dup.sum())
    stats["fixes"] = len(out)
    out.attrs["read_stats"] = dict(stats)
    return out


def sniff(path: str | os.PathLike) -> str:
    """The format name of ``path`` from its first bytes (a folder: aircraft.json snapshots)."""
    with open_source(path) as source:
        return sniff_source(source).name


def summary(tracks: pd.DataFrame) -> str:
    """One line about a table a reader returned: fixes, tracks, and what reading tidied up."""
    stats = tracks.attrs.get("read_stats", {})
    notes = [f"{stats[key]} {label}" for key, label in (("duplicates", "repeated fixes dropped"),
                                                        ("out_of_order", "fixes out of time order sorted"),
                                                        ("no_position", "rows without a position skipped"))
             if stats.get(key)]
    text = f"{len(tracks)} fixes in {tracks['track_id'].nunique()} tracks"
    return f"{text} ({', '.join(notes)})" if notes else text
