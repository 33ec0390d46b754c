"""``skyborder convert``: any track source (``-`` for standard input) to the track table as CSV,
Parquet or GeoJSON, with the nationality columns."""
from __future__ import annotations

import sys
from argparse import Namespace

from ._common import EXIT_BAD_INPUT, EXIT_OK, bad_input, reader_options


def run(args: Namespace) -> int:
    from ..tracks.readers.sniff import read_tracks, summary
    from ..tracks.writers import format_for, write_tracks

    fmt = format_for(args.output)  # before reading: a wrong name fails fast
    bad = bad_input(args)
    tracks = read_tracks(args.input, args.input_format, bad, columns=args.columns, **reader_options(args))
    write_tracks(tracks, args.output, fmt)
    print(f"skyborder: {summary(tracks)} -> {args.output}", file=sys.stderr)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
