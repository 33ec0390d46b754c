"""``skyborder report``: incident reports (HTML, PDF, GeoJSON, KML) with an index page, from track
files or from the register."""
from __future__ import annotations

import sys
from argparse import Namespace

import pandas as pd

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, load_tracks, watched_airspaces


def tracks_with_kinds(paths: list[str], args: Namespace, bad: BadInput) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every file's tracks, and the source kind (for the position error) of each track."""
    from ..analysis.position_error import FORMAT_KIND
    from ..tracks.readers.registry import lookup
    from ..tracks.readers.sniff import sniff

    tables, kinds = [], {}
    for path in paths:
        fmt = lookup(args.input_format or sniff(path)).name
        table = load_tracks([path], args, bad)
        kind = FORMAT_KIND.get(fmt)
        if kind:
            kinds.update(dict.fromkeys(table["track_id"].astype(str).unique(), kind))
        tables.append(table)
    kept = [t for t in tables if len(t)]
    return (pd.concat(kept, ignore_index=True) if kept else tables[0]), kinds


def error_label(error: str | float, kinds: dict[str, str]) -> str:
    """How the position error was chosen, for the report."""
    from ..analysis.position_error import DEFAULT_SIGMA_M

    if not isinstance(error, str):
        return f"given: {error:g} m per axis"
    if error != "auto":
        return f"{error} default, {DEFAULT_SIGMA_M[error]:.0f} m per axis"
    used = sorted(set(kinds.values())) or ["radar"]
    return "auto: NACp/NIC where decoded, else " + ", ".join(f"{k} {DEFAULT_SIGMA_M[k]:.0f} m" for k in used)


def run(args: Namespace) -> int:
    from ..analysis.position_error import fix_sigma, parse_position_error
    from ..analysis.probability import ViolationSettings, violation_probability
    from ..detection import detect
    from ..report.document import parse_formats, write_reports
    from ..report.incident import BOUNDARY_SOURCE, Provenance, file_digest, incidents_from

    formats = parse_formats(args.format)
    error = parse_position_error(args.position_error)
    if args.db:
        from .report_db import run_from_register

        return run_from_register(args, formats, error)
    if not args.items:
        raise InputError("give track files (with --airspace or --zones), or --db DB with passage ids")
    if args.since or args.until:
        raise InputError("--since/--until select passages of the register: use them with --db")
    bad = BadInput(echo=sys.stderr)
    airspaces = watched_airspaces(args, bad)
    tracks, kinds = tracks_with_kinds(args.items, args, bad)
    result = detect(tracks, airspaces, max_gap_s=args.max_gap, near_m=args.near)
    sigma = fix_sigma(tracks, error, kinds)
    uncertainty = violation_probability(tracks, result, airspaces, sigma, ViolationSettings(samples=args.samples))
    label = error_label(error, kinds)
    boundary = BOUNDARY_SOURCE if any(a.kind == "country" for a in airspaces) else "custom zones only"
    zones = "; ".join(args.zones) if args.zones else "none"
    provenance = Provenance([file_digest(p) for p in args.items], boundary, {
        "zone files": zones, "max gap": f"{args.max_gap:g} s", "near distance": f"{args.near:g} m",
        "position error": label, "Monte Carlo": f"{args.samples} samples, fixed seed"})
    incidents = incidents_from(result, uncertainty, tracks, airspaces, provenance, label,
                               near_misses=args.near_misses)
    if not incidents:
        print("skyborder: no passage in the input: nothing to report", file=sys.stderr)
    index, files = write_reports(incidents, args.output, formats,
                                 warnings_note="Reports made from track files: warnings are kept in the register "
                                               "(skyborder watch or ingest, then skyborder report --db).")
    print(f"skyborder: wrote {sum(len(f) for f in files.values())} file(s) for {len(incidents)} incident(s); "
          f"index: {index}", file=sys.stderr)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
