"""``skyborder scan``: every passage in an archive of track files, on a Dask cluster."""
from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

from ..errors import InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK


def _addresses(text: str | None) -> frozenset[str] | None:
    """``--icao24``: comma-separated hex addresses, or ``@FILE`` with one per line (``#`` comments)."""
    if text is None:
        return None
    if text.startswith("@"):
        try:
            text = ",".join(line.split("#", 1)[0] for line in Path(text[1:]).read_text().splitlines())
        except OSError as err:
            raise InputError(f"--icao24 {text}: cannot read ({err.strerror or err})") from None
    addresses = frozenset(a.strip().lower() for a in text.split(",") if a.strip())
    wrong = sorted(a for a in addresses if len(a) != 6 or any(c not in "0123456789abcdef" for c in a))
    if wrong or not addresses:
        raise InputError(f"--icao24: expected 6-digit hex ICAO addresses, got {', '.join(wrong) or 'none'}")
    return addresses


def run(args: Namespace) -> int:
    from ..scan import AirspaceSpec, DetectionOptions, FileFilter, TimeWindow, callsign_matcher, scan
    from ..tracks.readers.tabular import parse_column_map

    if args.max_gap <= 0 or args.near < 0:
        raise InputError("--max-gap must be > 0 and --near >= 0")
    if args.output is None and args.db is None:
        raise InputError("give -o DIR (Parquet results) or --db DB (the register)")
    keep = FileFilter(TimeWindow.parse(args.since, args.until), _addresses(args.icao24),
                      callsign_matcher(args.callsign))
    spec = AirspaceSpec(args.airspace, tuple(args.zones))
    summary = scan(args.archive, out=args.output, spec=spec, keep=keep, mapping=parse_column_map(args.columns),
                   detection=DetectionOptions(max_gap_s=args.max_gap, near_m=args.near), buckets=args.buckets,
                   work=args.work, scheduler=args.scheduler, workers=args.workers, memory_limit=args.memory_limit,
                   db=args.db, progress=not args.quiet and sys.stderr.isatty())
    print(summary.text())
    for message in summary.bad_messages:
        print(f"skyborder: skipped {message}", file=sys.stderr)
    if summary.bad_input:
        parts = ", ".join(f"{n} {reason}" for reason, n in sorted(summary.bad_input.items(), key=lambda kv: -kv[1]))
        print(f"skyborder: skipped {sum(summary.bad_input.values())} bad input item(s): {parts}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK

