"""``skyborder watch``: a live feed through passages and warnings into the register and events."""
from __future__ import annotations

import contextlib
import signal
import sys
import threading
from argparse import Namespace

from ..errors import BadInput, InputError
from ._common import EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK, watched_airspaces


def run(args: Namespace) -> int:
    from ..airspace.index import AirspaceIndex
    from ..errors import RegisterError
    from ..register import open_register
    from ..tracks.feeds import open_feed
    from ..warn.policy import load_policy
    from ..watch import EventWriter, Watch, WatchOptions

    if args.silence <= 0 or args.max_gap <= 0 or args.near < 0 or args.queue < 1 or args.batch_seconds <= 0:
        raise InputError("--silence, --max-gap and --batch-seconds must be > 0, --near >= 0, --queue >= 1")
    bad = BadInput(echo=sys.stderr)
    policy = load_policy(args.policy)
    index = AirspaceIndex(watched_airspaces(args, bad))
    register = open_register(args.db)  # an unavailable register is one clear error, before anything runs
    stop = threading.Event()
    options = {"format": args.input_format, "follow": args.follow, "stop": stop, "bad": bad,
               "batch_seconds": args.batch_seconds, "batch_fixes": 5000}
    if args.tz:
        if not (args.feed.lower().startswith("sbs://") or args.input_format == "sbs"):
            raise InputError("--tz applies to SBS feeds only (sbs://HOST:PORT, or --input-format sbs)")
        options["factory"] = _sbs_factory(args.tz)
    feed = open_feed(args.feed, **options)
    events = EventWriter(args.events)
    watch = Watch(feed, index, policy, register, events, source=args.feed,
                  options=WatchOptions(silence_s=args.silence, max_gap_s=args.max_gap, near_m=args.near,
                                       queue_batches=args.queue, status_every_s=args.status_every,
                                       passages=not args.no_passages),
                  status=sys.stderr if args.status_every > 0 else None)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        watch.run()
    except RegisterError as error:
        print(f"skyborder: error: {error}; the run stopped: the batch being written and what followed it were "
              f"not stored (no event was written for them)", file=sys.stderr)
        return EXIT_ERROR
    except OSError as error:
        print(f"skyborder: error: cannot write events to {args.events!r}: {error.strerror or error}; the run "
              "stopped (what was committed before is in the register)", file=sys.stderr)
        return EXIT_ERROR
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        with contextlib.suppress(OSError):  # a failed write was reported above; closing cannot add to it
            events.close()
        register.close()
    bad.print_summary()
    return EXIT_BAD_INPUT if bad.total else EXIT_OK


def _sbs_factory(tz: str):
    from ..tracks.readers.sbs import SbsParser

    return lambda source, bad: SbsParser(source=source, bad=bad, tz=tz)
