"""``skyborder warnings``: replay recordings through a warning policy (and evaluate it), or list the
warnings stored in a register."""
from __future__ import annotations

import sys
from argparse import Namespace

import pandas as pd

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_OK, emit, reader_options, register_filters, watched_airspaces


def run(args: Namespace) -> int:
    if args.db and args.tracks:
        raise InputError("give track files to replay, or --db to list stored warnings, not both")
    if not args.db and not args.tracks:
        raise InputError("give track files to replay (or --db DB to list the warnings stored there)")
    if args.db:
        return _from_register(args)
    return _replay(args)


def _from_register(args: Namespace) -> int:
    from ..register import open_register

    if args.evaluate:
        raise InputError("--evaluate replays recordings: give track files instead of --db")
    with open_register(args.db) as reg:
        warnings = reg.warnings(airspace=args.airspace, stage=args.stage, limit=args.limit, **register_filters(args))
    emit(_format(warnings, args.format), args.output)
    return EXIT_OK


def _replay(args: Namespace) -> int:
    from ..airspace.index import AirspaceIndex
    from ..detection import detect
    from ..tracks.nationality import annotate
    from ..tracks.readers.sniff import read_tracks
    from ..warn.engine import replay
    from ..warn.policy import load_policy

    bad = BadInput(echo=sys.stderr)
    policy = load_policy(args.policy)
    index = AirspaceIndex(watched_airspaces(args, bad))
    tables = [read_tracks(path, args.input_format, bad, columns=args.columns, **reader_options(args))
              for path in args.tracks]
    tracks = annotate(pd.concat([t for t in tables if len(t)], ignore_index=True) if any(len(t) for t in tables)
                      else tables[0])
    events = replay(tracks, index, policy)
    if not args.evaluate:
        emit(_format(events.warnings, args.format), args.output)
    else:
        emit(_evaluation(tracks, index, policy, events, args, detect(tracks, index)), args.output)
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK


def _evaluation(tracks, index, policy, events, args: Namespace, passages: pd.DataFrame) -> str:
    import json

    from ..warn.engine import replay
    from ..warn.evaluate import evaluate, plot_sweep

    try:
        sweep = sorted({float(v) for v in args.sweep.split(",") if v.strip()})
    except ValueError:
        raise InputError(f"--sweep must list seconds, e.g. 30,60,120 (got {args.sweep!r})") from None
    if not sweep or min(sweep) <= 0:
        raise InputError("--sweep must list look-ahead times > 0 s")
    own = evaluate(tracks, passages, events, policy.prediction_look_ahead_s)
    summaries = []
    for t1 in sweep:
        variant = policy.with_values(prediction_look_ahead_s=t1,
                                     prediction_imminent_s=min(policy.prediction_imminent_s, t1))
        summaries.append(evaluate(tracks, passages, replay(tracks, index, variant), t1).summary)
    plot = plot_sweep(summaries, args.plot, f"policy {policy.name}: lead time against nuisance rate, sweep of T1")
    print(f"skyborder: wrote {plot}", file=sys.stderr)
    entries = own.entries.assign(lead_s=own.entries["lead_s"].round(1))
    if args.format == "json":
        from ..report.export import records
        return json.dumps({"policy": policy.name, "summary": own.summary, "entries": records(entries),
                           "sweep": summaries, "plot": str(plot)}, indent=1)
    if args.format == "csv":
        return entries.to_csv(index=False)
    s = own.summary
    lines = [f"policy {policy.name}: {s['entries']:.0f} real entries, {s['missed']:.0f} missed, median lead "
             f"{s['median_lead_s']:.1f} s; {s['alerts']:.0f} alerts, {s['nuisance_alerts']:.0f} nuisance "
             f"({s['nuisance_per_flight_hour']:.2f} per flight hour, {s['flight_hours']:.2f} flight hours)", ""]
    view = entries.assign(lead=[("missed" if m else f"{v:.1f} s") for v, m in zip(entries["lead_s"],
                                                                                   entries["missed"])])
    lines.append(view[["track_id", "airspace", "entry_time", "lead", "warnings_before_entry"]].to_string(index=False)
                 if len(view) else "no real entries")
    lines += ["", "sweep of T1 (s): median lead s, missed, nuisance alerts per flight hour"]
    lines += [f"  {x['look_ahead_s']:6.0f}  {x['median_lead_s']:7.1f}  {x['missed']:4.0f}  "
              f"{x['nuisance_per_flight_hour']:8.2f}" for x in summaries]
    return "\n".join(lines)


def _format(warnings: pd.DataFrame, fmt: str) -> str:
    import json

    from ..report.export import iso_utc, records
    from ..warn.records import JSON_KEYS

    keys = (["id"] if "id" in warnings else []) + JSON_KEYS
    if fmt == "json":
        return json.dumps(records(warnings, keys), indent=1, ensure_ascii=False)
    if fmt == "csv":
        out = warnings.copy()
        for column in ("time", "predicted_entry_time", "alert_start"):
            out[column] = [iso_utc(v) for v in out[column]]
        return out.to_csv(index=False)
    if warnings.empty:
        return "no warnings"
    view = pd.DataFrame({
        "time (UTC)": warnings["time"].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-5],
        "track": warnings["track_id"], "airspace": warnings["airspace"], "stage": warnings["stage"],
        "#": warnings["repeat"],
        "entry in s": warnings["time_to_entry_s"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
        "border m": warnings["distance_m"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
        "message": warnings["message"],
    })
    return view.to_string(index=False)
