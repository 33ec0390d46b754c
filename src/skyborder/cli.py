"""The ``skyborder`` command (thin: parse, call the library, print). See ``_args.py``."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ._args import build_parser
from .errors import BadInput, InputError

EXIT_OK, EXIT_BAD_INPUT, EXIT_ERROR = 0, 1, 2


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _reader_options(args) -> dict:
    """Reader options given on the command line (only those set, so every reader accepts them)."""
    given = {"tz": args.tz, "start_time": args.start_time}
    return {name: value for name, value in given.items() if value}


def _run_detect(args) -> int:
    from .airspace import world
    from .airspace.zones import read_zones
    from .detect import detect
    from .report import export
    from .tracks.nationality import annotate
    from .tracks.readers.sniff import read_tracks

    if args.max_gap <= 0 or args.near < 0:
        raise InputError("--max-gap must be > 0 and --near >= 0")
    bad = BadInput(echo=sys.stderr)
    airspaces = world.select(args.airspace or "all") if (args.airspace or not args.zones) else []
    for zone_file in args.zones:
        airspaces += read_zones(zone_file, bad)
    tables = [read_tracks(path, args.input_format, bad, columns=args.columns, **_reader_options(args))
              for path in args.tracks]
    tracks = pd.concat([t for t in tables if len(t)], ignore_index=True) if any(len(t) for t in tables) else tables[0]
    tracks = annotate(tracks)
    result = detect(tracks, airspaces, max_gap_s=args.max_gap, near_m=args.near,
                    progress=not args.quiet and sys.stderr.isatty())
    writers = {
        "table": lambda: export.to_table(result),
        "csv": lambda: export.to_csv(result),
        "json": lambda: export.to_json(result),
        "geojson": lambda: export.to_geojson(result, tracks),
    }
    _emit(writers[args.format](), args.output)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK


def _run_airspaces(args) -> int:
    import json

    from .airspace import world

    rivals = world.rivals()
    table = pd.DataFrame([{"code": code, "name": a.label, "sovereign": a.sovereign or "",
                           "double_claims_with": ",".join(rivals.get(code, []))}
                          for code, a in sorted(world.countries().items())])
    if args.format == "csv":
        _emit(table.to_csv(index=False), None)
    elif args.format == "json":
        _emit(json.dumps(table.to_dict("records"), indent=1, ensure_ascii=False), None)
    else:
        _emit(table.to_string(index=False), None)
    return EXIT_OK


def _run_demo(args) -> int:
    from .report.demo import run_demo

    run_demo(Path(args.out))
    return EXIT_OK


def _run_simulate(args) -> int:
    import time

    from .tracks.modes import simulate
    from .tracks.readers.modes import epoch_seconds

    if args.duration <= 0 or args.speed < 0 or args.aircraft < 1:
        raise InputError("--duration must be > 0, --speed >= 0 and --aircraft >= 1")
    scenario = simulate.scenario(args.scenario, args.duration, args.aircraft, args.seed)
    items = simulate.emissions(scenario)
    start = epoch_seconds(args.start) if args.start else time.time()
    if args.out:
        count = simulate.write(items, args.format, args.out, start)
    else:
        host, port = simulate.parse_target(args.push)
        count = simulate.push(items, args.format, host, port, args.speed, start)
    print(f"skyborder: {count} {args.format} records, scenario {scenario.name} "
          f"({len(scenario.aircraft)} aircraft, {args.duration:g} s)", file=sys.stderr)
    return EXIT_OK


def _run_convert(args) -> int:
    from .tracks.readers.sniff import read_tracks, summary
    from .tracks.writers import format_for, write_tracks

    fmt = format_for(args.output)  # before reading: a wrong name fails fast
    bad = BadInput(echo=sys.stderr)
    tracks = read_tracks(args.input, args.input_format, bad, columns=args.columns, **_reader_options(args))
    write_tracks(tracks, args.output, fmt)
    print(f"skyborder: {summary(tracks)} -> {args.output}", file=sys.stderr)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK


HANDLERS = {
    "convert": _run_convert,
    "simulate": _run_simulate,
    "detect": _run_detect,
    "airspaces": _run_airspaces,
    "demo": _run_demo,
}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 bad input skipped, 2 error)."""
    args = build_parser().parse_args(argv)
    try:
        return HANDLERS[args.command](args)
    except (InputError, KeyError, OSError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"skyborder: error: {message}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
