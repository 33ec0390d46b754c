"""``skyborder compare``: two tracks of one flight, their separation and each one's verdict."""
from __future__ import annotations

import json
import sys
from argparse import Namespace

from ..errors import BadInput
from ._common import EXIT_BAD_INPUT, EXIT_OK, emit, watched_airspaces
from .map import check_map_path


def run(args: Namespace) -> int:
    from ..analysis.compare import compare_tracks
    from ..analysis.position_error import fix_sigma, parse_position_error
    from ..analysis.probability import ViolationSettings, violation_probability
    from ..report.comparison import comparison_json, comparison_text, draw_comparison_map
    from .report import error_label, tracks_with_kinds

    if args.map:
        check_map_path(args.map)
    bad = BadInput(echo=sys.stderr)
    airspaces = watched_airspaces(args, bad)
    error = parse_position_error(args.position_error)
    a, kinds_a = tracks_with_kinds([args.track_a], args, bad)
    b, kinds_b = tracks_with_kinds([args.track_b], args, bad)
    comparison = compare_tracks(a, b, airspaces, args.id_a, args.id_b, step_s=args.step,
                                max_shift_s=args.max_shift, max_gap_s=args.max_gap, near_m=args.near)
    kinds = {label: kinds.get(name, "") for label, name, kinds in zip(("A", "B"), comparison.names,
                                                                      (kinds_a, kinds_b)) if kinds.get(name)}
    uncertainty = violation_probability(comparison.tracks, comparison.result, airspaces,
                                        fix_sigma(comparison.tracks, error, kinds),
                                        ViolationSettings(samples=args.samples))
    sources = (args.track_a, args.track_b)
    if args.format == "json":
        emit(json.dumps(comparison_json(comparison, sources, uncertainty), indent=1, ensure_ascii=False),
             args.output)
    else:
        emit(comparison_text(comparison, airspaces, sources, uncertainty, error_label(error, kinds)), args.output)
    if args.map:
        draw_comparison_map(comparison, airspaces, args.map)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
