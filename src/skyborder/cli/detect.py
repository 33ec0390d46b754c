"""``skyborder detect``: every passage of every track through the watched airspaces.

Files are streamed: read in batches, fed to the streaming detector, rows written as passages
end (CSV and JSON), so memory stays bounded whatever the file size. A file sorted by track lets
each track finish as soon as the next one begins; a file in time order (as OpenSky state
vectors are) keeps each aircraft's last fix and open passages until the end. GeoJSON and
GeoParquet draw each passage's path from the track's fixes, so they read the tracks whole.
"""
from __future__ import annotations

import json
import sys
from argparse import Namespace
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from ..errors import InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, bad_input, emit, load_tracks, reader_options, watched_airspaces

if TYPE_CHECKING:
    from ..airspace.model import Airspace
    from ..errors import BadInput

BATCH_ROWS = 500_000  # rows read at a time from a file
LATE_FIXES = "fix earlier than its track's last one in an earlier batch (input not in time order)"


def run(args: Namespace) -> int:
    if args.max_gap <= 0 or args.near < 0:
        raise InputError("--max-gap must be > 0 and --near >= 0")
    if args.format == "geoparquet" and not args.output:
        raise InputError("--format geoparquet needs --output FILE")
    bad = bad_input(args)
    airspaces = watched_airspaces(args, bad)
    if args.format in ("geojson", "geoparquet"):
        _detect_whole(args, airspaces, bad)
    else:
        _detect_streaming(args, airspaces, bad)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK


def _detect_streaming(args: Namespace, airspaces: list[Airspace], bad: BadInput) -> None:
    """Batches in, rows out as they complete."""
    import pyarrow as pa
    from tqdm import tqdm

    from ..airspace.index import AirspaceIndex
    from ..detection.stream import StreamDetector
    from ..tracks.readers.sniff import read_batches

    index = AirspaceIndex.load_or_build(airspaces)
    pa.default_memory_pool().release_unused()  # what reading the world dataset left in Arrow's pool
    detector = StreamDetector(index, max_gap_s=args.max_gap, near_m=args.near)
    order = _TrackOrder()
    with _ResultWriter(args.format, args.output) as out, \
            tqdm(unit="fix", unit_scale=True, disable=args.quiet or not sys.stderr.isatty(), desc="detect") as bar:
        for path in args.tracks:
            for batch in read_batches(path, args.input_format, bad, columns=args.columns, batch_rows=BATCH_ROWS,
                                      **reader_options(args)):
                out.write(detector.feed(batch).closed)  # batches carry nationality
                out.write(detector.finish(order.complete_before(batch, detector.track_ids())).closed)
                pa.default_memory_pool().release_unused()
                bar.update(len(batch))
        out.write(detector.flush().closed)
    late = detector.stats().fixes_late
    if late:
        bad.counts[LATE_FIXES] += late
        print(f"skyborder: skipped {late} fixes: each came after a later fix of its track", file=sys.stderr)


def _detect_whole(args: Namespace, airspaces: list[Airspace], bad: BadInput) -> None:
    """The tracks in memory (the path of each passage is drawn from its track's fixes)."""
    from ..detection import detect
    from ..report import export

    tracks = load_tracks(args.tracks, args, bad)
    result = detect(tracks, airspaces, max_gap_s=args.max_gap, near_m=args.near,
                    progress=not args.quiet and sys.stderr.isatty())
    if args.format == "geoparquet":
        export.write_geoparquet(result, tracks, args.output)
    else:
        emit(export.to_geojson(result, tracks), args.output)


class _TrackOrder:
    """Tracks that cannot get more fixes when the input is sorted by track.

    Batch k starting at track id F, after batches that ended at ids no greater than F: every
    track before F is complete. The first batch that starts before the previous one ended shows
    the input is not sorted; from then on tracks are held to the end.
    """

    def __init__(self) -> None:
        self.sorted = True
        self.previous_last: str | None = None
        self.finished: set[str] = set()

    def complete_before(self, batch: pd.DataFrame, held: list[str]) -> list[str]:
        """Which of the ``held`` tracks are complete, given this batch (already fed)."""
        if batch.empty:
            return []
        ids = batch["track_id"].astype(object)
        first, last = ids.min(), ids.max()
        back = ids[ids.isin(self.finished)].unique()
        if len(back):
            print(f"skyborder: warning: track(s) {', '.join(map(str, back[:5]))} came back after the input "
                  "looked sorted by track: their passages are split there", file=sys.stderr)
        self.sorted = self.sorted and (self.previous_last is None or first >= self.previous_last)
        done = [t for t in held if t < first] if self.sorted and self.previous_last is not None else []
        self.previous_last = last
        self.finished.update(done)
        return done


class _ResultWriter:
    """Result rows written as they come: CSV and JSON at once, the readable table at the end."""

    def __init__(self, fmt: str, path: str | None):
        self.fmt, self.path = fmt, path
        self.columns: list[str] | None = None
        self.held: list[pd.DataFrame] = []  # the table's rows
        self.stream: TextIO = sys.stdout  # CSV and JSON
        self.count = 0

    def __enter__(self) -> _ResultWriter:
        if self.fmt != "table" and self.path:
            self.stream = open(self.path, "w", encoding="utf-8")
        if self.fmt == "json":
            self.stream.write("[")
        return self

    def write(self, rows: pd.DataFrame) -> None:
        from ..report import export

        if rows.empty:
            return
        if self.columns is None:
            self.columns = list(rows.columns)
            if self.fmt == "csv":
                self.stream.write(export.to_csv(rows.iloc[0:0]))
        rows = rows.reindex(columns=self.columns)
        if self.fmt == "table":
            self.held.append(rows)
        elif self.fmt == "csv":
            self.stream.write(export.to_csv(rows).split("\n", 1)[1])
        else:
            text = ",\n".join(json.dumps(r, ensure_ascii=False) for r in export.records(rows, export.JSON_KEYS))
            self.stream.write(("\n" if self.count == 0 else ",\n") + text)
        self.count += len(rows)
        self.stream.flush()

    def __exit__(self, *exc: object) -> None:
        from ..detection.engine import sort_result
        from ..detection.result import empty
        from ..report import export

        if self.fmt == "table":
            frames = [f for f in self.held if len(f)]
            emit(export.to_table(sort_result(pd.concat(frames, ignore_index=True)) if frames else empty()),
                 self.path)
            return
        if self.columns is None and self.fmt == "csv":
            self.stream.write(export.to_csv(empty()))
        if self.fmt == "json":
            self.stream.write("\n]\n")
        if self.stream is not sys.stdout:
            self.stream.close()
