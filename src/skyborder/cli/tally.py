"""``skyborder tally``: passages, aircraft and warnings per country, airspace, military and period,
from the register."""
from __future__ import annotations

import json
from argparse import Namespace

from ..errors import InputError
from ._common import EXIT_OK, emit


def run(args: Namespace) -> int:
    from ..register import open_register
    from ..report.export import records
    from ..report.tally import draw_tally_chart, parse_by, tally, tally_table

    keys, period = parse_by(args.by)
    if args.format == "png" and not args.output:
        raise InputError("--format png needs --output FILE.png")
    with open_register(args.db) as register:
        passages = register.passages(since=args.since, until=args.until)
        warnings = register.warnings(since=args.since, until=args.until)
        aircraft = register.aircraft()
    if len(aircraft) and "icao24" in aircraft:  # distinct aircraft by ICAO address where the register knows it
        passages = passages.merge(aircraft[["track_id", "icao24"]].drop_duplicates("track_id"), on="track_id",
                                  how="left")
    counts = tally(passages, warnings, keys, period, args.since, args.until, args.year_start)
    if args.format == "png":
        draw_tally_chart(counts, args.output, title=f"Passages by {args.by}")
    elif args.format == "csv":
        emit(counts.to_csv(index=False), args.output)
    elif args.format == "json":
        emit(json.dumps(records(counts), indent=1, ensure_ascii=False), args.output)
    else:
        emit(tally_table(counts), args.output)
    return EXIT_OK
