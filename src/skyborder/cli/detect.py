"""``skyborder detect``: every passage of every track through the watched airspaces."""
from __future__ import annotations

import sys
from argparse import Namespace

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, emit, load_tracks, watched_airspaces


def run(args: Namespace) -> int:
    from ..detection import detect
    from ..report import export

    if args.max_gap <= 0 or args.near < 0:
        raise InputError("--max-gap must be > 0 and --near >= 0")
    if args.format == "geoparquet" and not args.output:
        raise InputError("--format geoparquet needs --output FILE")
    bad = BadInput(echo=sys.stderr)
    airspaces = watched_airspaces(args, bad)
    tracks = load_tracks(args.tracks, args, bad)
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
