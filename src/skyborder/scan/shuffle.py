"""Stage 1 of a scan, one task per archive file: its fixes into aircraft-hash buckets.

Each fix goes to bucket ``hash(track_id) % buckets`` (pandas' fixed-key SipHash: the same in
every process and on every machine), so all the fixes of one aircraft, from every file, meet in
one bucket. A file writes at most one *part* per bucket (``parts/b0007/f0000042.parquet``): its
batches in file order, each sorted by time and cut into row groups of at most ``ROW_GROUP_ROWS``,
whose time range is returned with the part (stage 2 reads by time window from these ranges
alone). Parts are written under a temporary name and renamed when complete, and their names
depend only on the bucket and the file's number: a task run again after its worker died
rewrites the same parts, never adds to them.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import BadInput
from ..tracks import schema
from .archive import ArchiveFile
from .read import FileFilter, ReadStats, read_file

__all__ = ["PART_COLUMNS", "FileResult", "Part", "bucket_of", "partition_file"]

ROW_GROUP_ROWS = 65_536
_ARROW = {"datetime64[ns, UTC]": pa.timestamp("ns", tz="UTC"), "string": pa.string(), "float64": pa.float64(),
          "boolean": pa.bool_()}
#: the columns of a part: what detection and the result's nationality need
PART_COLUMNS = ("time", "track_id", "lat", "lon", "alt_m", "geo_alt_m", "on_ground", "callsign", "icao24",
                "country", "operator", "military")
PART_SCHEMA = pa.schema([(c.name, _ARROW[c.dtype]) for c in schema.TRACK_COLUMNS if c.name in PART_COLUMNS])


@dataclass(frozen=True)
class Part:
    """One file's fixes of one bucket: path, and per row group its first and last time (ns since
    1970 UTC) and number of rows."""

    bucket: int
    file: int
    path: str
    group_start_ns: tuple[int, ...]
    group_end_ns: tuple[int, ...]
    group_rows: tuple[int, ...]


@dataclass
class FileResult:
    """What stage 1 did with one file (returned to the client; small)."""

    file: ArchiveFile
    skipped: bool = False
    stats: ReadStats = field(default_factory=ReadStats)
    parts: list[Part] = field(default_factory=list)
    matched_tracks: list[str] = field(default_factory=list)
    bad_counts: dict[str, int] = field(default_factory=dict)
    bad_messages: list[str] = field(default_factory=list)


def bucket_of(track_ids: pd.Series | np.ndarray, buckets: int) -> np.ndarray:
    """The bucket (0 .. buckets-1) of each track id: the same in every process.

    Examples
    --------
    >>> bucket_of(np.array(["4ba9c4", "4ba9c4", "3c6444"], dtype=object), 16).tolist()
    [0, 0, 3]
    """
    codes, uniques = pd.factorize(np.asarray(track_ids, dtype=object))
    hashes = pd.util.hash_array(np.asarray(uniques, dtype=object)) % np.uint64(buckets)
    return hashes.astype(np.int64)[codes]


def _as_part_table(frame: pd.DataFrame) -> pa.Table:
    columns = {}
    for f in PART_SCHEMA:
        values = frame[f.name] if f.name in frame else pd.Series(pd.NA, index=frame.index, dtype="object")
        columns[f.name] = pa.array(values, type=f.type, from_pandas=True)
    return pa.table(columns, schema=PART_SCHEMA)


class _PartWriters:
    """One open Parquet writer per bucket met, each under a temporary name until ``close``."""

    def __init__(self, work: str, file: int):
        self.work, self.file = work, file
        self.writers: dict[int, pq.ParquetWriter] = {}
        self.temporary: dict[int, str] = {}
        self.groups: dict[int, list[tuple[int, int, int]]] = {}

    def path(self, bucket: int) -> str:
        return os.path.join(self.work, "parts", f"b{bucket:04d}", f"f{self.file:07d}.parquet")

    def write(self, bucket: int, rows: pd.DataFrame) -> None:
        if bucket not in self.writers:
            final = self.path(bucket)
            os.makedirs(os.path.dirname(final), exist_ok=True)
            self.temporary[bucket] = f"{final}.{uuid.uuid4().hex}.tmp"
            self.writers[bucket] = pq.ParquetWriter(self.temporary[bucket], PART_SCHEMA, compression="zstd")
            self.groups[bucket] = []
        ns = rows["time"].array.asi8
        for lo in range(0, len(rows), ROW_GROUP_ROWS):
            hi = min(lo + ROW_GROUP_ROWS, len(rows))
            self.writers[bucket].write_table(_as_part_table(rows.iloc[lo:hi]), row_group_size=ROW_GROUP_ROWS)
            self.groups[bucket].append((int(ns[lo]), int(ns[hi - 1]), hi - lo))

    def close(self) -> list[Part]:
        parts = []
        for bucket in sorted(self.writers):
            self.writers[bucket].close()
            os.replace(self.temporary[bucket], self.path(bucket))
            start, end, rows = zip(*self.groups[bucket])
            parts.append(Part(bucket, self.file, self.path(bucket), start, end, rows))
        return parts

    def abort(self) -> None:
        for bucket, writer in self.writers.items():
            writer.close()
            if os.path.exists(self.temporary[bucket]):
                os.remove(self.temporary[bucket])


def partition_file(file: ArchiveFile, work: str, buckets: int, mapping: Mapping[str, str],
                   keep: FileFilter) -> FileResult:
    """Stage 1 for one file: read it (projected, filtered), write its bucket parts, report.

    Parameters
    ----------
    file : ArchiveFile
        The file and its number in the scan.
    work : str
        The scan's work folder (shared by every worker).
    buckets : int
        Number of aircraft-hash buckets.
    mapping : mapping
        Column mapping for the readers (``{"ts": "time"}``).
    keep : FileFilter
        Time window, addresses and callsign pattern.
    """
    result = FileResult(file)
    if file.outside(keep.window):
        result.skipped = True
        return result
    bad = BadInput(keep=20)
    writers = _PartWriters(work, file.index)
    matched: set[str] = set()
    try:
        for tracks in read_file(file, mapping, keep, bad, result.stats):
            matched.update(keep.matching_tracks(tracks))
            bucket = bucket_of(tracks["track_id"], buckets)
            order = np.lexsort((tracks["time"].array.asi8, bucket))  # by bucket, then time (stable)
            rows = tracks.iloc[order].reset_index(drop=True)
            sorted_bucket = bucket[order]
            cuts = np.flatnonzero(np.diff(sorted_bucket)) + 1
            for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(rows)]):
                writers.write(int(sorted_bucket[lo]), rows.iloc[lo:hi])
        result.parts = writers.close()
    except BaseException:
        writers.abort()
        raise
    result.matched_tracks = sorted(matched)
    result.bad_counts = dict(bad.counts)
    result.bad_messages = list(bad.messages)
    return result
