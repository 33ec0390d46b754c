"""A whole scan on a Dask cluster: stage 1 over files, stage 2 over buckets, a summary.

The client (this process) only lists files, hands out tasks, shows progress and adds up what the
tasks report; every fix is read and detected on the workers. With ``scheduler=None`` a
``distributed.LocalCluster`` of ``workers`` processes (one thread each, ``memory_limit`` each) is
started on 127.0.0.1 and stopped at the end; otherwise the scan runs on the cluster at that
address, whose workers must see the archive, the zone files, the work folder and the output
folder at the same paths (a shared file system). Tasks are retried (``RETRIES``) and the
scheduler reruns the tasks of a worker that dies; both stages write under names that depend only
on their input, so a rerun replaces, never duplicates.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .archive import ArchiveFile, TimeWindow, find_files
from .buckets import AirspaceSpec, BucketResult, DetectionOptions, airspace_index, scan_bucket
from .read import FileFilter, ReadStats
from .recording import record_results
from .shuffle import FileResult, Part, partition_file

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DEFAULT_MEMORY_LIMIT", "RETRIES", "ScanSummary", "connect", "scan"]

RETRIES = 3
DEFAULT_MEMORY_LIMIT = "2GB"
SUMMARY_FILE = "_scan.json"


@dataclass
class ScanSummary:
    """What a scan did, in numbers (times in s, memory in bytes)."""

    files: int = 0
    files_skipped: int = 0
    read: ReadStats = field(default_factory=ReadStats)
    fixes_detected: int = 0
    duplicates: int = 0
    tracks: int = 0
    buckets: int = 0
    workers: int = 0
    memory_limit_bytes: int | None = None
    largest_window: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bad_input: dict[str, int] = field(default_factory=dict)
    bad_messages: list[str] = field(default_factory=list)
    peak_rss_bytes: dict[str, int] = field(default_factory=dict)
    stage1_s: float = 0.0
    stage2_s: float = 0.0
    wall_s: float = 0.0
    output: str | None = None
    recorded: int | None = None  # rows recorded in the register (--db)

    @property
    def passages(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "near")

    def text(self) -> str:
        """A few readable lines."""
        mb = 1 << 20
        peak = max(self.peak_rss_bytes.values(), default=0)
        limit = f" (limit {self.memory_limit_bytes / mb:,.0f} MB)" if self.memory_limit_bytes else ""
        rate = self.read.fixes / self.wall_s if self.wall_s else 0.0
        by_status = ", ".join(f"{n:,} {s}" for s, n in sorted(self.statuses.items(), key=lambda kv: -kv[1]))
        lines = [
            f"scanned {self.files - self.files_skipped:,} of {self.files:,} files "
            f"({self.files_skipped:,} skipped by name, {self.read.row_groups_skipped:,} of {self.read.row_groups:,} "
            f"row groups by statistics)",
            f"{self.read.fixes:,} fixes read, {self.read.kept:,} kept by the filters, {self.fixes_detected:,} "
            f"detected in {self.tracks:,} tracks ({self.duplicates:,} repeated fixes dropped)",
            f"{self.passages:,} passages" + (f": {by_status}" if by_status else ""),
            f"{self.wall_s:.1f} s on {self.workers} worker(s) ({self.stage1_s:.1f} s reading into "
            f"{self.buckets} buckets, {self.stage2_s:.1f} s detecting): {rate / 1e6:.2f} M fixes/s; "
            f"peak memory per worker {peak / mb:,.0f} MB{limit}",
        ]
        if self.output:
            lines.append(f"results: {self.output}")
        if self.recorded is not None:
            lines.append(f"{self.recorded:,} rows (passages and near misses) recorded in the register")
        return "\n".join(lines)


@contextmanager
def connect(scheduler: str | None = None, workers: int = 2,
            memory_limit: str | int = DEFAULT_MEMORY_LIMIT) -> Iterator[Client]:
    """A Dask client: to the scheduler at ``scheduler`` (``tcp://HOST:PORT``), or to a new
    ``LocalCluster`` of ``workers`` single-threaded processes, each limited to ``memory_limit``
    (Dask's nanny restarts a worker that passes 95 % of it; its tasks are then run again)."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        with client:
            yield client
        return
    if workers < 1:
        raise InputError("--workers must be at least 1")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                      host="127.0.0.1", dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _progress(futures: list, label: str, enabled: bool) -> Iterator[Any]:
    """Results of ``futures`` as they complete, with a progress bar on stderr."""
    from distributed import as_completed
    from tqdm import tqdm

    with tqdm(total=len(futures), desc=label, unit="task", disable=not enabled) as bar:
        for future in as_completed(futures):
            yield future.result()
            bar.update(1)


def _parts_by_bucket(results: Iterable[FileResult]) -> dict[int, list[Part]]:
    by_bucket: dict[int, list[Part]] = {}
    for file_result in sorted(results, key=lambda r: r.file.index):
        for part in file_result.parts:
            by_bucket.setdefault(part.bucket, []).append(part)
    return by_bucket


def _prepared_output(out: str | None) -> str | None:
    if out is None:
        return None
    if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
        raise InputError(f"-o {out}: exists and is not an empty folder (a scan never mixes its results "
                         "with others')")
    os.makedirs(out, exist_ok=True)
    return os.path.abspath(out)


def scan(archive: Sequence[str], *, out: str | None, spec: AirspaceSpec | None = None,
         keep: FileFilter | None = None, mapping: Mapping[str, str] | None = None,
         detection: DetectionOptions | None = None, buckets: int | None = None, work: str | None = None,
         client: Client | None = None, scheduler: str | None = None, workers: int = 2,
         memory_limit: str | int = DEFAULT_MEMORY_LIMIT, db: str | None = None,
         progress: bool = False) -> ScanSummary:
    """Scan an archive of track files for every passage through the airspaces; see ``skyborder.scan``.

    Parameters
    ----------
    archive : sequence of str
        Files, folders and globs of Parquet and CSV track files.
    out : str or None
        Empty or new folder for the results (Parquet, ``date=`` partitions); None keeps them in
        the work folder (``output`` of the summary) for the caller, or records them with ``db``.
    spec : AirspaceSpec, optional
        ISO codes (or ``all``) and zone files (default: every country).
    keep : FileFilter
        Time window, ICAO addresses, callsign patterns (default: everything).
    mapping : mapping
        Column mapping for the readers, e.g. ``{"ts": "time"}``.
    detection : DetectionOptions, optional
        ``max_gap_s`` (s), ``near_m`` (m) and the memory-bounding sizes (rows).
    buckets : int, optional
        Number of aircraft-hash buckets (default 8 per worker).
    work : str, optional
        Folder for the intermediate bucket parts (default: inside ``out``, else a temporary
        folder); removed at the end. On a remote cluster it must be on a shared file system.
    client : distributed.Client, optional
        Run on this client; else ``scheduler`` or a LocalCluster of ``workers`` processes with
        ``memory_limit`` each is used.
    db : str, optional
        Record the passages in this register (SQLite path or ``postgresql://`` URL) instead
        of writing them to ``out`` (see ``recording``); the work folder is removed after.
    progress : bool
        Progress bars on stderr.
    """
    started = time.perf_counter()
    if db is not None and out is not None:
        raise InputError("give either -o DIR or --db DB, not both")
    files = find_files(list(archive))
    keep = keep if keep is not None else FileFilter(window=TimeWindow())
    spec = spec if spec is not None else AirspaceSpec()
    detection = detection if detection is not None else DetectionOptions()
    mapping = dict(mapping or {})
    out_dir = _prepared_output(out)
    airspace_index(spec)  # fails early on bad codes or zones; fills the disk cache the workers load
    work_dir = work or (os.path.join(out_dir, "_work") if out_dir else tempfile.mkdtemp(prefix="skyborder-scan-"))
    os.makedirs(work_dir, exist_ok=True)
    results_dir = out_dir or os.path.join(work_dir, "results")
    try:
        if client is not None:
            summary = _run(client, files, spec, keep, mapping, detection, buckets, work_dir, results_dir, progress)
        else:
            with connect(scheduler, workers, memory_limit) as own:
                summary = _run(own, files, spec, keep, mapping, detection, buckets, work_dir, results_dir, progress)
        if db is not None:
            summary.recorded = record_results(results_dir, db, ",".join(archive), _parameters(spec, keep, detection))
    finally:
        shutil.rmtree(os.path.join(work_dir, "parts"), ignore_errors=True)
        if db is not None:
            shutil.rmtree(results_dir, ignore_errors=True)
        if (out_dir or db is not None) and work is None:
            shutil.rmtree(work_dir, ignore_errors=True)
    summary.wall_s = time.perf_counter() - started
    summary.output = None if db is not None else results_dir
    if out_dir:
        with open(os.path.join(out_dir, SUMMARY_FILE), "w", encoding="utf-8") as handle:
            json.dump({**asdict(summary), "passages": summary.passages}, handle, indent=1)
    return summary


def _parameters(spec: AirspaceSpec, keep: FileFilter, detection: DetectionOptions) -> dict:
    """What the register records of a scan run's settings."""
    return {"airspaces": spec.codes, "zones": list(spec.zones), "since_ns": keep.window.since_ns,
            "until_ns": keep.window.until_ns, "icao24": sorted(keep.icao24) if keep.icao24 else None,
            "callsign": keep.callsign.pattern if keep.callsign else None, "max_gap_s": detection.max_gap_s,
            "near_m": detection.near_m}


def _run(client: Client, files: list[ArchiveFile], spec: AirspaceSpec, keep: FileFilter, mapping: dict[str, str],
         detection: DetectionOptions, buckets: int | None, work: str, out: str, progress: bool) -> ScanSummary:
    workers = client.nthreads()
    if not workers:
        raise InputError("the Dask cluster has no worker")
    count = buckets or 8 * len(workers)
    if count < 1:
        raise InputError("--buckets must be at least 1")
    summary = ScanSummary(files=len(files), buckets=count, workers=len(workers))
    limits = list(client.run(_memory_limit).values())
    summary.memory_limit_bytes = min(limits) if limits and all(limits) else None
    t0 = time.perf_counter()
    futures = client.map(partition_file, files, work=work, buckets=count, mapping=mapping, keep=keep,
                         retries=RETRIES, pure=False)
    file_results = list(_progress(futures, "reading", progress))
    del futures
    summary.stage1_s = time.perf_counter() - t0
    bad: Counter = Counter()
    matched: set[str] = set()
    for r in file_results:
        summary.files_skipped += r.skipped
        summary.read.add(r.stats)
        bad.update(r.bad_counts)
        summary.bad_messages += r.bad_messages[: max(0, 50 - len(summary.bad_messages))]
        matched.update(r.matched_tracks)
    summary.bad_input = dict(bad)
    tracks = frozenset(matched) if keep.callsign is not None else None
    t1 = time.perf_counter()
    by_bucket = _parts_by_bucket(file_results)
    bucket_futures = client.map(scan_bucket, sorted(by_bucket), [by_bucket[b] for b in sorted(by_bucket)], spec=spec,
                         options=detection, out=out, tracks=tracks, retries=RETRIES, pure=False)
    statuses: Counter = Counter()
    bucket_results: list[BucketResult] = list(_progress(bucket_futures, "detecting", progress))
    del bucket_futures
    for b in bucket_results:
        statuses.update(b.statuses)
        summary.fixes_detected += b.fixes
        summary.duplicates += b.duplicates
        summary.tracks += b.tracks
        summary.largest_window = max(summary.largest_window, b.largest_window)
    summary.statuses = dict(statuses)
    summary.stage2_s = time.perf_counter() - t1
    summary.peak_rss_bytes = client.run(_peak_rss)
    return summary


def _memory_limit(dask_worker: Any) -> int | None:
    """A worker's memory limit (bytes; None when unlimited)."""
    return dask_worker.memory_manager.memory_limit


def _peak_rss() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
