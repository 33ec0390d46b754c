"""A scan's passages into the incident register (``skyborder scan --db``).

The workers write their rows to Parquet (``results``); the client then records them in the
register, one result file at a time and in transactions of at most ``CHUNK_PASSAGES`` rows, so
neither the client's memory nor one transaction grows with the archive. The register upserts a
passage by its key, so a scan recorded twice updates its rows instead of adding them again.
Passages are stored without their inside path and surrounding track (the fixes stay in the
archive; only the workers saw them).
"""
from __future__ import annotations

from ..register import open_register
from .results import iter_results

__all__ = ["CHUNK_PASSAGES", "record_results"]

CHUNK_PASSAGES = 500


def record_results(out: str, db: str, source: str, parameters: dict) -> int:
    """Record the rows a scan wrote to ``out`` in the register ``db`` (a SQLite path or a
    ``postgresql://`` URL) as one run of command ``scan``; returns the number of rows recorded."""
    recorded = 0
    with open_register(db) as register:
        run_id = register.begin_run("scan", source, parameters)
        status = "failed"
        try:
            for rows in iter_results(out):
                for lo in range(0, len(rows), CHUNK_PASSAGES):
                    register.record(run_id, passages=rows.iloc[lo:lo + CHUNK_PASSAGES])
                recorded += len(rows)
            status = "done"
        finally:
            register.end_run(run_id, status, {"passages": recorded})
    return recorded
