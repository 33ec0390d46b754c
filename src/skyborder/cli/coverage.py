"""``skyborder coverage``: which stretches of a border sensor sites see at an altitude, and when
they could first have seen a recorded track (surveillance only)."""
from __future__ import annotations

import json
import sys
from argparse import Namespace

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, emit, load_tracks
from .map import check_map_path


def run(args: Namespace) -> int:
    from ..airspace import world
    from ..analysis.coverage import border_coverage, first_sight, parse_site
    from ..analysis.terrain import Terrain
    from ..detection import detect
    from ..report.coverage_map import coverage_text, draw_coverage_map, earliest_warning
    from ..report.export import records
    from ..units import parse_quantity

    if args.map:
        check_map_path(args.map)
    if not 1.0 <= args.k_factor <= 4.0:
        raise InputError("--k-factor must be between 1 (no refraction) and 4")
    bad = BadInput(echo=sys.stderr)
    sites = [parse_site(text, i + 1) for i, text in enumerate(args.site)]
    altitude = parse_quantity(args.altitude, "altitude")[0]
    airspaces = world.select(args.airspace)
    if len(airspaces) != 1:
        raise InputError("coverage is computed for one airspace's border (--airspace CODE)")
    terrain = Terrain.read(args.dem) if args.dem else None
    cov = border_coverage(sites, airspaces[0], altitude, terrain, args.k_factor, args.step)
    tracks = sights = warnings = None
    if args.track_file:
        tracks = load_tracks([args.track_file], args, bad)
        sights = first_sight(sites, tracks, terrain, args.k_factor)
        warnings = earliest_warning(sights, detect(tracks, airspaces, near_m=0), airspaces[0].name)
    if args.format == "json":
        data = {"airspace": cov.airspace, "altitude_m": cov.altitude_m, "k_factor": args.k_factor,
                "sites": [{"name": s.label, "lat": s.lat, "lon": s.lon, "height_m": s.height_m, "horizon_m": float(h),
                           "border_seen_km": float(km)} for s, h, km in zip(cov.sites, cov.horizon_m, cov.seen_km())],
                "border_seen_km": float(cov.seen_km()[-1]),
                "stretches": [{"from": [float(cov.lat[a]), float(cov.lon[a])],
                               "to": [float(cov.lat[b]), float(cov.lon[b])], "km": length}
                              for a, b, length in cov.stretches()],
                "first_sight": records(sights) if sights is not None else [],
                "earliest_warning": records(warnings) if warnings is not None else []}
        emit(json.dumps(data, indent=1, ensure_ascii=False), args.output)
    else:
        emit(coverage_text(cov, args.dem, args.k_factor, sights, warnings), args.output)
    if args.map:
        draw_coverage_map(cov, airspaces[0], args.map, tracks, sights)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
