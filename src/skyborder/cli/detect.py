"""``skyborder detect``: every passage of every track through the watched airspaces."""
from __future__ import annotations

import sys
from argparse import Namespace

import pandas as pd

from ..errors import InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, bad_input, emit, reader_options


def run(args: Namespace) -> int:
    from ..airspace import world
    from ..airspace.zones import read_zones
    from ..detection import detect
    from ..report import export
    from ..tracks.nationality import annotate
    from ..tracks.readers.sniff import read_tracks

    if args.max_gap <= 0 or args.near < 0:
        raise InputError("--max-gap must be > 0 and --near >= 0")
    if args.format == "geoparquet" and not args.output:
        raise InputError("--format geoparquet needs --output FILE")
    bad = bad_input(args)
    airspaces = world.select(args.airspace or "all") if (args.airspace or not args.zones) else []
    for zone_file in args.zones:
        airspaces += read_zones(zone_file, bad)
    tables = [read_tracks(path, args.input_format, bad, columns=args.columns, **reader_options(args))
              for path in args.tracks]
    tracks = pd.concat([t for t in tables if len(t)], ignore_index=True) if any(len(t) for t in tables) else tables[0]
    tracks = annotate(tracks)
    result = detect(tracks, airspaces, max_gap_s=args.max_gap, near_m=args.near,
                    progress=not args.quiet and sys.stderr.isatty())
    if args.format == "geoparquet":
        export.write_geoparquet(result, tracks, args.output)
        bad.print_summary()
        return EXIT_BAD_INPUT if bad.total else EXIT_OK
    writers = {
        "table": lambda: export.to_table(result),
        "csv": lambda: export.to_csv(result),
        "json": lambda: export.to_json(result),
        "geojson": lambda: export.to_geojson(result, tracks),
    }
    emit(writers[args.format](), args.output)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
