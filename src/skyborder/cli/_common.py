"""What the command modules share: exit codes, output, reader options, loading tracks and airspaces."""
from __future__ import annotations

import sys
from argparse import Namespace
from pathlib import Path

from ..errors import BadInput, InputError

EXIT_OK, EXIT_BAD_INPUT, EXIT_ERROR, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def emit(text: str, output: str | None = None) -> None:
    """Write ``text`` (with a final newline) to the file ``output``, or to standard output."""
    text = text if text.endswith("\n") else text + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def reader_options(args: Namespace) -> dict:
    """Reader options given on the command line (only those set, so every reader accepts them)."""
    given = {"tz": args.tz, "start_time": args.start_time}
    return {name: value for name, value in given.items() if value}


def watched_airspaces(args: Namespace, bad) -> list:
    """The airspaces of ``--airspace`` (default all unless ``--zones``) and ``--zones`` files, in the
    order given."""
    from ..airspace import world
    from ..airspace.zones import read_zones

    airspaces = world.select(args.airspace or "all") if (args.airspace or not args.zones) else []
    for zone_file in args.zones:
        airspaces += read_zones(zone_file, bad)
    return airspaces


def load_tracks(paths: list[str], args: Namespace, bad):
    """Every track file read (format sniffed unless ``--input-format``) into one track table, with
    the nationality columns the ICAO addresses and callsigns give."""
    import pandas as pd

    from ..tracks.nationality import annotate
    from ..tracks.readers.sniff import read_tracks

    tables = [read_tracks(path, args.input_format, bad, columns=args.columns, **reader_options(args))
              for path in paths]
    kept = [t for t in tables if len(t)]
    tracks = pd.concat(kept, ignore_index=True) if kept else tables[0]
    return annotate(tracks)


def register_filters(args: Namespace) -> dict:
    """Keyword filters for the register's queries from ``--since --until --country --military --track``."""
    from ..errors import InputError

    filters = {"since": args.since, "until": args.until, "country": args.country, "track_id": args.track,
               "military": None if args.military is None else args.military == "yes"}
    for name in ("since", "until"):
        if filters[name]:
            try:
                import pandas as pd
                pd.Timestamp(filters[name])
            except ValueError:
                raise InputError(f"--{name} {filters[name]!r} is not a time (give ISO-8601, e.g. 2015-11-24T07:00Z)") \
                    from None
    return filters


def bad_input(args: Namespace) -> BadInput:
    """The collector of rejected input for a command that reads tracks: the first 50 reports on
    stderr, every one in the ``--bad-lines`` file when given (opened here, closed at exit)."""
    log = None
    if getattr(args, "bad_lines", None):
        try:
            log = open(args.bad_lines, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the command
        except OSError as error:
            raise InputError(f"cannot write {args.bad_lines}: {error.strerror or error}") from None
    return BadInput(echo=sys.stderr, log=log)
