"""Where a scan's passages go: Parquet files partitioned by day, written so that a rerun never duplicates.

Rows are written as they are finished under ``OUT/date=YYYY-MM-DD/`` (the day of the entry, else
the exit, else the closest approach of a near miss; ``__HIVE_DEFAULT_PARTITION__`` when none is
known: a track inside from its first fix to its last), in chunks of at most ``chunk_rows`` rows
named by bucket and chunk number (``b0007-c00003.parquet``). A chunk is written under a
temporary name and renamed when complete; a bucket task run again after its worker died writes
the same names with the same contents, so nothing is duplicated. Read them back with
:func:`read_results` (pandas) or any Parquet reader with hive partitioning
(``dask.dataframe.read_parquet(OUT)`` for results larger than memory).
"""
from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..detection import result as results

__all__ = ["NO_DATE", "ResultWriter", "iter_results", "read_results", "result_files", "result_table"]

NO_DATE = "__HIVE_DEFAULT_PARTITION__"


class ResultWriter:
    """Finished rows of one bucket, written in chunks by day of the passage (see the module docstring)."""

    def __init__(self, out: str, bucket: int, chunk_rows: int):
        self.out, self.bucket, self.chunk_rows = out, bucket, chunk_rows
        self.pending: list[pd.DataFrame] = []
        self.held = self.chunk = 0
        self.files: list[str] = []
        self.statuses: Counter = Counter()

    def add(self, rows: pd.DataFrame) -> None:
        if len(rows):
            self.pending.append(rows)
            self.held += len(rows)
            self.statuses.update(rows["status"].astype(str).tolist())
        if self.held >= self.chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        frame = pd.concat(self.pending, ignore_index=True)
        self.pending, self.held = [], 0
        when = frame["entry_time"].fillna(frame["exit_time"]).fillna(frame["closest_approach_time"])
        day = when.dt.strftime("%Y-%m-%d").fillna(NO_DATE).to_numpy(dtype=object)
        for value in sorted(set(day)):
            folder = os.path.join(self.out, f"date={value}")
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"b{self.bucket:04d}-c{self.chunk:05d}.parquet")
            temporary = f"{path}.{uuid.uuid4().hex}.tmp"
            pq.write_table(result_table(frame[day == value]), temporary, compression="zstd")
            os.replace(temporary, path)
            self.files.append(path)
        self.chunk += 1


def result_table(frame: pd.DataFrame) -> pa.Table:
    """Result rows as an Arrow table with fixed types (text, list of text, UTC times, numbers),
    so that every chunk of a scan has the same schema whatever its values."""
    columns, fields = {}, []
    for name in frame.columns:
        values = frame[name]
        if name in results.TIME_COLUMNS:
            kind = pa.timestamp("ns", tz="UTC")
        elif name == "disputed_with":
            kind = pa.list_(pa.string())
        elif name == "military" or pd.api.types.is_bool_dtype(values.dtype):
            kind = pa.bool_()
        elif pd.api.types.is_integer_dtype(values.dtype):
            kind = pa.int64()
        elif pd.api.types.is_float_dtype(values.dtype):
            kind = pa.float64()
        else:
            kind = pa.string()
        columns[name] = pa.array(values, type=kind, from_pandas=True)
        fields.append(pa.field(name, kind))
    return pa.table(columns, schema=pa.schema(fields))


def result_files(out: str) -> list[str]:
    """The result files a scan wrote to ``out``, sorted."""
    files = []
    for root, folders, names in os.walk(out):
        folders[:] = [f for f in folders if not f.startswith("_")]  # the work folder, never results
        files += [os.path.join(root, n) for n in names if n.endswith(".parquet")]
    return sorted(files)


def _as_result_frame(table: pa.Table) -> pd.DataFrame:
    """Result rows read back: the result columns with their dtypes (lists as lists, text as object)."""
    frame = table.to_pandas()
    frame = frame.drop(columns=[c for c in frame.columns if c == "date"])  # the partition key
    frame["disputed_with"] = [list(v) if v is not None else [] for v in frame["disputed_with"]]
    for column in results.COLUMNS:
        if column.dtype == "object":
            frame[column.name] = frame[column.name].astype(object)
    return frame


def iter_results(out: str) -> Iterator[pd.DataFrame]:
    """The rows a scan wrote to ``out``, one result file at a time (each at most the scan's
    ``result_rows``): for consumers that must not hold them all."""
    for path in result_files(out):
        yield _as_result_frame(pq.read_table(path))


def read_results(out: str) -> pd.DataFrame:
    """The rows a scan wrote to ``out`` as one DataFrame (the result columns, with their dtypes,
    plus nationality columns when the tracks had them), sorted by track, airspace and time;
    empty when it found nothing."""
    files = result_files(out)
    if not files:
        return results.empty()
    frame = _as_result_frame(pq.ParquetDataset(files).read())
    order = frame["entry_time"].fillna(frame["exit_time"]).fillna(frame["closest_approach_time"])
    frame = frame.assign(_order=order).sort_values(["track_id", "airspace", "_order"], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)
