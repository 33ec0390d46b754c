"""``skyborder passages``: the passages stored in a register."""
from __future__ import annotations

from argparse import Namespace

from ._common import EXIT_OK, emit, register_filters


def run(args: Namespace) -> int:
    from ..detection.result import JSON_KEYS, NATIONALITY_COLUMNS
    from ..register import open_register
    from ..report import export

    with open_register(args.db) as reg:
        passages = reg.passages(airspace=args.airspace, status=args.status, limit=args.limit, **register_filters(args))
    if args.format == "json":
        keys = ["id", *JSON_KEYS, *[c for c in NATIONALITY_COLUMNS if c in passages]]
        emit(export.to_json(passages, keys), args.output)
    elif args.format == "csv":
        emit(export.to_csv(passages.drop(columns=["anchor_kind", "anchor_ms", "anchor_time"])), args.output)
    else:
        lines = export.to_table(passages).splitlines()
        if not passages.empty:
            ids = ["id", *(str(v) for v in passages["id"])]
            width = max(len(v) for v in ids)
            lines = [f"{i:>{width}}  {line}" for i, line in zip(ids, lines)]
        emit("\n".join(lines), args.output)
    return EXIT_OK
