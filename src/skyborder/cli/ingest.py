"""``skyborder ingest``: fill the register from track files."""
from __future__ import annotations

import sys
from argparse import Namespace

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, reader_options, watched_airspaces


def run(args: Namespace) -> int:
    from tqdm import tqdm

    from .. import __version__
    from ..airspace.index import AirspaceIndex
    from ..register import open_register
    from ..tracks.readers.sniff import read_tracks
    from ..warn.policy import load_policy
    from ..watch.ingest import ingest_tracks

    if args.max_gap <= 0 or args.near < 0 or args.context < 0:
        raise InputError("--max-gap must be > 0, --near and --context >= 0")
    bad = BadInput(echo=sys.stderr)
    policy = load_policy(args.policy) if args.policy else None
    index = AirspaceIndex(watched_airspaces(args, bad))
    totals = {"files": 0, "fixes": 0, "passages": 0, "warnings": 0}
    with open_register(args.db) as reg:
        run_id = reg.begin_run("ingest", ",".join(args.tracks), {
            "airspaces": [a.name for a in index.airspaces], "max_gap_s": args.max_gap, "near_m": args.near,
            "context_s": args.context, "policy": policy.parameters() if policy else None, "version": __version__})
        status = "failed"
        try:
            for path in tqdm(args.tracks, unit="file", disable=args.quiet or not sys.stderr.isatty(), desc="ingest"):
                tracks = read_tracks(path, args.input_format, bad, columns=args.columns, **reader_options(args))
                counts = ingest_tracks(reg, run_id, tracks, index, policy, args.max_gap, args.near, args.context,
                                       progress=not args.quiet and sys.stderr.isatty())
                totals["files"] += 1
                for key, value in counts.items():
                    totals[key] += value
            status = "done"
        finally:
            reg.end_run(run_id, status, totals)
    print(f"skyborder: {totals['files']} file(s), {totals['fixes']:,} fixes: {totals['passages']} passages and near "
          f"misses, {totals['warnings']} warnings in {args.db}", file=sys.stderr)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
