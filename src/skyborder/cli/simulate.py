"""``skyborder simulate``: simulated ADS-B traffic to a file or a TCP port."""
from __future__ import annotations

import sys
import time
from argparse import Namespace

from ..errors import InputError
from ._common import EXIT_OK


def run(args: Namespace) -> int:
    from ..sim import traffic
    from ..tracks.readers.modes import epoch_seconds

    if args.duration <= 0 or args.speed < 0 or args.aircraft < 1:
        raise InputError("--duration must be > 0, --speed >= 0 and --aircraft >= 1")
    scenario = traffic.scenario(args.scenario, args.duration, args.aircraft, args.seed)
    items = traffic.emissions(scenario)
    start = epoch_seconds(args.start) if args.start else None
    start = time.time() if start is None else start
    if args.out:
        count = traffic.write(items, args.format, args.out, start)
    else:
        host, port = traffic.parse_target(args.push)
        count = traffic.push(items, args.format, host, port, args.speed, start)
    print(f"skyborder: {count} {args.format} records, scenario {scenario.name} "
          f"({len(scenario.aircraft)} aircraft, {args.duration:g} s)", file=sys.stderr)
    return EXIT_OK
