"""``skyborder report --db``: incident reports of passages stored in the register (by id, or every
passage of a period), with the warnings the register holds for them."""
from __future__ import annotations

import re
import sys
from argparse import Namespace

import pandas as pd

from ..airspace.model import Airspace
from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK

WARNING_MARGIN = pd.Timedelta(minutes=30)  # warnings this long before entry (or after exit) belong to a passage


def redact(target: str) -> str:
    """A register location fit to print: a URL's password replaced by ``***``.

    Examples
    --------
    >>> redact("postgresql://ops:s3cret@127.0.0.1:5432/sky"), redact("skyborder.sqlite")
    ('postgresql://ops:***@127.0.0.1:5432/sky', 'skyborder.sqlite')
    """
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", target)


def _ids(items: list[str]) -> list[int]:
    try:
        return [int(item) for item in items]
    except ValueError:
        raise InputError("with --db, give passage ids (numbers, as `skyborder passages --db` lists them) or "
                         "--since/--until") from None


def source_kind(source: str) -> str | None:
    """The kind of source (for the position error) a run read: by feed scheme, or by sniffing the
    file when it is still there; None when it cannot be told."""
    import os

    from ..analysis.position_error import FORMAT_KIND
    from ..tracks.readers.sniff import sniff

    scheme = source.split("://", 1)[0].lower() if "://" in source else ""
    if scheme:
        return {"sbs": "sbs", "beast": "adsb", "raw": "adsb"}.get(scheme)
    if os.path.isfile(source):
        try:
            return FORMAT_KIND.get(sniff(source))
        except InputError:
            return None
    return None


def _airspace_of(name: str, zones: dict) -> Airspace:
    from ..airspace import world
    from ..errors import UnknownAirspaceError

    if name in zones:
        return zones[name]
    try:
        return world.country(name)
    except UnknownAirspaceError:
        raise InputError(f"passage in zone {name!r}: give its zone file with --zones") from None


def run_from_register(args: Namespace, formats: list[str], error: str | float) -> int:
    """Reports of the register's passages (see the module docstring)."""
    from ..airspace.zones import read_zones
    from ..analysis.position_error import fix_sigma
    from ..analysis.probability import ViolationSettings, violation_probability
    from ..register import open_register
    from ..report.document import write_reports
    from ..report.incident import BOUNDARY_SOURCE, Incident, Provenance
    from .report import error_label

    bad = BadInput(echo=sys.stderr)
    zones = {z.name: z for path in args.zones for z in read_zones(path, bad)}
    incidents = []
    with open_register(args.db) as register:
        if args.items:
            ids = _ids(args.items)
        else:
            listed = register.passages(since=args.since, until=args.until, airspace=args.airspace or None)
            ids = [int(i) for i, status in zip(listed["id"], listed["status"]) if status != "near"]
        runs = register.runs().set_index("id") if ids else pd.DataFrame()
        for number, passage_id in enumerate(ids, start=1):
            stored = register.passage(passage_id)
            row = stored.row.copy()
            track = stored.track.assign(track_id=str(row["track_id"])).dropna(subset=["lon", "lat"])
            if track.empty:
                raise InputError(f"passage {passage_id} has no stored track to report on")
            airspace = _airspace_of(str(row["airspace"]), zones)
            start = row["entry_time"] if not pd.isna(row["entry_time"]) else track["time"].min()
            end = row["exit_time"] if not pd.isna(row["exit_time"]) else track["time"].max()
            warnings = register.warnings(since=start - WARNING_MARGIN, until=end + WARNING_MARGIN,
                                         airspace=row["airspace"], track_id=str(row["track_id"]))
            result = pd.DataFrame([row]).reset_index(drop=True)
            run = runs.loc[row["run_id"]] if "run_id" in row and row["run_id"] in runs.index else None
            kind = source_kind(str(run["source"])) if run is not None else None
            kinds = {str(row["track_id"]): kind} if kind else {}
            label = error_label(error, kinds)
            uncertainty = violation_probability(track, result, [airspace], fix_sigma(track, error, kinds),
                                                ViolationSettings(samples=args.samples))
            joined = result.join(uncertainty).iloc[0]
            parameters = {"register": redact(args.db), "passage id": str(passage_id),
                          "position error": label, "Monte Carlo": f"{args.samples} samples, fixed seed"}
            sources = [{"file": f"register {redact(args.db)}, passage {passage_id}", "size": "", "sha256": ""}]
            if run is not None:
                parameters["recorded by"] = f"skyborder {run['command']} ({run['skyborder_version']}), " \
                                            f"run {row['run_id']} started {run['started_at']}"
                sources.append({"file": str(run["source"]), "size": "", "sha256": ""})
            boundary = BOUNDARY_SOURCE if airspace.kind == "country" else "custom zone file"
            provenance = Provenance(sources, boundary, parameters)
            incidents.append(Incident(number, joined, track, airspace, [airspace], result, warnings, provenance,
                                      label))
    title = f"skyborder incident reports from {redact(args.db)}"
    index, files = write_reports(incidents, args.output, formats, title=title)
    print(f"skyborder: wrote {sum(len(f) for f in files.values())} file(s) for {len(incidents)} passage(s); "
          f"index: {index}", file=sys.stderr)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK
