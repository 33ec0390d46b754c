"""Stage 2 of a scan, one task per bucket: its fixes in time order through one stream detector.

The bucket's parts (one per archive file, see ``shuffle``) are read window by window in time
order. Windows follow the hour grid and are halved while the row groups that may hold fixes of
the window add up to more than ``window_rows`` (so a window's memory is bounded by that number
whatever the archive's size, as long as each file's row groups are narrow in time, which sorting
each batch by time ensures for any file whose batches are). A window's fixes are put in track and
time order, repeated fixes (same track and time, from overlapping files) are dropped keeping the
first in file order, and the window is fed to the ``StreamDetector``, which carries each track's
bounded state to the next window: a passage straddling any file or window boundary comes out
whole, as from one in-memory ``detect`` run.

Finished passages are written as they come by ``results.ResultWriter`` (``date=`` partitions,
names that a rerun of the task replaces).
"""
from __future__ import annotations

import resource
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..airspace import world
from ..airspace.index import AirspaceIndex
from ..airspace.model import Airspace
from ..airspace.zones import read_zones
from ..detection.stream import StreamDetector
from .archive import HOUR_NS
from .results import ResultWriter
from .shuffle import Part

__all__ = ["AirspaceSpec", "BucketResult", "DetectionOptions", "scan_bucket", "windows"]

_PANDAS_TYPES = {pa.bool_(): pd.BooleanDtype(), pa.string(): pd.StringDtype()}


@dataclass(frozen=True)
class AirspaceSpec:
    """The watched airspaces as the user named them (ISO codes, zone files): small to send to
    workers, each of which builds (or loads from the disk cache) the index once."""

    codes: str | None = None
    zones: tuple[str, ...] = ()

    def airspaces(self) -> list[Airspace]:
        """The airspaces: the embedded countries (all unless only zones are given) and the zones."""
        chosen = world.select(self.codes or "all") if (self.codes or not self.zones) else []
        for path in self.zones:
            chosen += read_zones(path)
        return chosen


_INDEXES: dict[AirspaceSpec, AirspaceIndex] = {}


def airspace_index(spec: AirspaceSpec) -> AirspaceIndex:
    """The index of ``spec``, once per process: memory-mapped from the disk cache
    (``AirspaceIndex.load_or_build``), which the client filled before the tasks started, so a
    worker neither rebuilds it nor receives it pickled; the pages of the mapped grid are shared
    by the worker processes of a machine. Small indexes (below the cache's threshold) are built."""
    if spec not in _INDEXES:
        _INDEXES.clear()
        _INDEXES[spec] = AirspaceIndex.load_or_build(spec.airspaces())
    return _INDEXES[spec]


@dataclass(frozen=True)
class DetectionOptions:
    """Detection parameters (as ``detect``) and the sizes that bound a bucket task's memory."""

    max_gap_s: float = 60.0
    near_m: float = 20_000.0
    window_rows: int = 1_000_000
    result_rows: int = 200_000


@dataclass
class BucketResult:
    """What stage 2 did with one bucket (returned to the client; small)."""

    bucket: int
    fixes: int = 0
    duplicates: int = 0
    windows: int = 0
    largest_window: int = 0
    tracks: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    peak_rss_bytes: int = 0


def windows(start_ns: np.ndarray, end_ns: np.ndarray, rows: np.ndarray, window_rows: int,
            base_ns: int = HOUR_NS) -> list[tuple[int, int]]:
    """Time windows ``[a, b)`` in order covering every row group ``[start, end]`` (ns), each
    meeting row groups of at most ``window_rows`` rows in all, unless halving it would not lower
    that number (row groups spanning it) or it is one second long.

    Examples
    --------
    >>> h = HOUR_NS
    >>> windows(np.array([0, h]), np.array([h - 1, 2 * h - 1]), np.array([10, 10]), 100) == [(0, h), (h, 2 * h)]
    True
    >>> windows(np.array([0, h // 2]), np.array([h // 2 - 1, h - 1]), np.array([100, 100]), 150) == [
    ...     (0, h // 2), (h // 2, h)]  # halved once
    True
    >>> len(windows(np.array([0]), np.array([h - 1]), np.array([100]), 30))  # one group: halving cannot help
    1
    """
    if len(start_ns) == 0:
        return []
    by_start, by_end = np.sort(start_ns), np.sort(end_ns)
    rows_by_start = np.r_[0, np.cumsum(rows[np.argsort(start_ns, kind="stable")])]
    rows_by_end = np.r_[0, np.cumsum(rows[np.argsort(end_ns, kind="stable")])]

    def bound(a: int, b: int) -> int:  # rows of groups starting before b minus those ending before a
        return int(rows_by_start[np.searchsorted(by_start, b)] - rows_by_end[np.searchsorted(by_end, a)])

    first = int(by_start[0]) // base_ns * base_ns
    last = int(by_end[-1]) // base_ns * base_ns + base_ns
    stack = [(a, a + base_ns) for a in range(last - base_ns, first - 1, -base_ns)]
    out = []
    while stack:
        a, b = stack.pop()
        size = bound(a, b)
        if size == 0:
            continue
        middle = a + (b - a) // 2
        if size > window_rows and b - a > 1_000_000_000 and max(bound(a, middle), bound(middle, b)) < size:
            stack += [(middle, b), (a, middle)]
        else:
            out.append((a, b))
    return out


def _window_fixes(parts: list[Part], window_rows: int) -> Iterator[pa.Table]:
    """The bucket's fixes window by window, each window's tables concatenated in file order."""
    group_part = np.concatenate([np.full(len(p.group_rows), k) for k, p in enumerate(parts)])
    group_index = np.concatenate([np.arange(len(p.group_rows)) for p in parts])
    starts = np.concatenate([p.group_start_ns for p in parts]).astype(np.int64)
    ends = np.concatenate([p.group_end_ns for p in parts]).astype(np.int64)
    rows = np.concatenate([p.group_rows for p in parts]).astype(np.int64)
    order, next_group, alive = np.argsort(starts, kind="stable"), 0, []
    for a, b in windows(starts, ends, rows, window_rows):
        while next_group < len(order) and starts[order[next_group]] < b:
            alive.append(int(order[next_group]))
            next_group += 1
        alive = sorted(g for g in alive if ends[g] >= a)  # parts are in file order: so are groups
        tables = []
        for k in pd.unique(group_part[alive]):
            groups = [int(group_index[g]) for g in alive if group_part[g] == k]
            table = pq.ParquetFile(parts[k].path).read_row_groups(groups, use_threads=False)
            time = table.column("time")
            inside = pc.and_(pc.greater_equal(time, pa.scalar(a, time.type)), pc.less(time, pa.scalar(b, time.type)))
            tables.append(table.filter(inside))
        yield pa.concat_tables(tables)


def _peak_rss_bytes() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux: kilobytes


def scan_bucket(bucket: int, parts: list[Part], spec: AirspaceSpec, options: DetectionOptions, out: str,
                tracks: frozenset[str] | None = None) -> BucketResult:
    """Stage 2 for one bucket: detect its fixes window by window, write the finished rows.

    Parameters
    ----------
    bucket : int
        The bucket number (names the result files).
    parts : list of Part
        The bucket's parts, in file order.
    spec : AirspaceSpec
        The watched airspaces (the index is built once per worker).
    options : DetectionOptions
        ``max_gap_s`` (s), ``near_m`` (m) and the window and chunk sizes (rows).
    out : str
        The result folder (``date=`` partitions).
    tracks : frozenset of str, optional
        Keep only these tracks (the aircraft a ``--callsign`` pattern matched).
    """
    detector = StreamDetector(airspace_index(spec), max_gap_s=options.max_gap_s, near_m=options.near_m)
    writer = ResultWriter(out, bucket, options.result_rows)
    result = BucketResult(bucket)
    seen: set[str] = set()
    for table in _window_fixes(parts, options.window_rows):
        fixes = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
        fixes = fixes.sort_values(["track_id", "time"], kind="stable")
        repeated = fixes.duplicated(["track_id", "time"]).to_numpy()
        if tracks is not None:
            fixes = fixes[fixes["track_id"].isin(tracks).to_numpy(dtype=bool) & ~repeated]
        elif repeated.any():
            fixes = fixes[~repeated]
        result.windows += 1
        result.largest_window = max(result.largest_window, table.num_rows)
        result.duplicates += int(repeated.sum())
        result.fixes += len(fixes)
        seen.update(pd.unique(fixes["track_id"].to_numpy(dtype=object)))
        writer.add(detector.feed(fixes.reset_index(drop=True)).closed)
    writer.add(detector.flush().closed)
    writer.flush()
    result.tracks = len(seen)
    result.statuses = dict(writer.statuses)
    result.files = writer.files
    result.peak_rss_bytes = _peak_rss_bytes()
    return result
