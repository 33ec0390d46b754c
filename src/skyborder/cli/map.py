"""``skyborder map``: a radar-style map of any recording, framed on its passages."""
from __future__ import annotations

import sys
from argparse import Namespace

from ..errors import BadInput, InputError, OutputFormatError
from ._common import EXIT_BAD_INPUT, EXIT_OK, load_tracks, watched_airspaces

MAP_SUFFIXES = (".png", ".svg", ".pdf")


def check_map_path(path: str) -> None:
    """A map file must end in .png, .svg or .pdf."""
    if not path.lower().endswith(MAP_SUFFIXES):
        raise OutputFormatError(f"{path}: a map is written as {', '.join(MAP_SUFFIXES)} (by the file's suffix)")


def run(args: Namespace) -> int:
    from ..detection import detect
    from ..report.radar_map import draw_radar_map
    from ..report.selection import passage_number, select_tracks

    check_map_path(args.output)
    if args.overview < 0:
        raise InputError("--overview must be >= 0 km")
    bad = BadInput(echo=sys.stderr)
    airspaces = watched_airspaces(args, bad)
    tracks = select_tracks(load_tracks(args.tracks, args, bad), args.track)
    result = detect(tracks, airspaces, max_gap_s=args.max_gap, near_m=args.near)
    title = args.title
    if args.passage is not None:
        row = passage_number(result, args.passage)
        tracks = tracks[tracks["track_id"] == row["track_id"]]
        result = result[result["track_id"] == row["track_id"]]
        airspaces = sorted(airspaces, key=lambda a: a.name != row["airspace"])
        title = title or f"{row['track_id']}: passage {args.passage} through {row['airspace']}"
    if title is None:
        ids = list(dict.fromkeys(tracks["track_id"]))
        shown = ", ".join(map(str, ids[:3])) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
        title = f"{shown} and {airspaces[0].name}" if airspaces else shown
    drawn = draw_radar_map(airspaces, tracks, result, args.output, title=title, profile=not args.no_profile,
                           overview_half_width_m=args.overview * 1000.0)
    print(f"skyborder: wrote {drawn.path} ({drawn.width_px} x {drawn.height_px} px, scale bar "
          f"{drawn.scale_bar_km:g} km)", file=sys.stderr)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
