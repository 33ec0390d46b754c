"""Archive scans: every passage in an archive of any size, with bounded memory, on Dask.

An application: it only composes the layers below (``tracks.readers`` to read, ``detection``'s
stream detector to detect, the register to store). ``skyborder scan`` calls :func:`scan`.

Design: *shuffle by aircraft, then stream each aircraft's fixes in time order.*

1. Stage 1, one task per file (``shuffle``): read only the needed columns, skip files outside
   ``--since/--until`` by their names and Parquet row groups by their statistics (``archive``,
   ``read``), filter the fixes, and write each file's fixes into N aircraft-hash buckets.
2. Stage 2, one task per bucket (``buckets``): read the bucket window by window in time order and
   feed one ``StreamDetector``, which carries each track's bounded state (last fix, open passages,
   closest approaches) from window to window; finished rows go to Parquet (``results``).

Why this and not "carry each track's tail across time-ordered partitions" alone: carrying tails
across files needs the files in one global time order processed one after the other (or a
second pass to stitch the tails of parallel partitions together), and real archives are not
always cut by time (files per receiver, per day and per aircraft mix). Hashing by aircraft makes
every bucket independent (parallel without coordination, retried alone), and inside a bucket the
time-ordered stream is exactly what the stream detector needs: memory per worker is the
detector's state for the bucket's aircraft plus one window of fixes, whatever the archive's size.
"""
from .archive import ArchiveFile, TimeWindow, find_files, period_of
from .buckets import AirspaceSpec, DetectionOptions
from .job import ScanSummary, connect, scan
from .read import FileFilter, callsign_matcher
from .results import read_results

__all__ = ["AirspaceSpec", "ArchiveFile", "DetectionOptions", "FileFilter", "ScanSummary", "TimeWindow",
           "callsign_matcher", "connect", "find_files", "period_of", "read_results", "scan"]
