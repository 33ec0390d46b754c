"""``skyborder compare``: two tracks of one flight, their separation and each one's verdict."""
from __future__ import annotations

import json
import sys
from argparse import Namespace

from ..errors import BadInput
from ._common import EXIT_BAD_INPUT, EXIT_OK, emit, load_airspaces, load_tracks
from .map import check_map_path


def run(args: Namespace) -> int:
    from ..analysis.compare import compare_tracks
    from ..report.comparison import comparison_json, comparison_text, draw_comparison_map

    if args.map:
        check_map_path(args.map)
    bad = BadInput(echo=sys.stderr)
    airspaces = load_airspaces(args, bad)
    a = load_tracks([args.track_a], args, bad)
    b = load_tracks([args.track_b], args, bad)
    comparison = compare_tracks(a, b, airspaces, args.id_a, args.id_b, step_s=args.step,
                                max_shift_s=args.max_shift, max_gap_s=args.max_gap, near_m=args.near)
    sources = (args.track_a, args.track_b)
    if args.format == "json":
        emit(json.dumps(comparison_json(comparison, sources), indent=1, ensure_ascii=False), args.output)
    else:
        emit(comparison_text(comparison, airspaces, sources), args.output)
    if args.map:
        draw_comparison_map(comparison, airspaces, args.map)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
